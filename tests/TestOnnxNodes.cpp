// ONNX's own operator tests (Debian's libonnx-testdata, data/node) through Pare's import: each test whose operators
// are all covered and whose first input is float32 is imported with its other inputs bound as constants (Pare's
// models take one input), run on its input, and compared with its expected outputs. Every such test must pass
// except those listed in tests/onnx_node_exceptions.txt, each with its reason (also in README); a listed test that
// passes fails this test too, so the list stays true. Plain C++ without Qt: torch's headers and Qt's `slots` clash.

#include "io/OnnxImport.h"

#include "pare/Error.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace pare::onnx_import;

namespace {

onnx::TensorProto readTensor(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    onnx::TensorProto t;
    if (!t.ParseFromString(bytes.str()))
        throw std::runtime_error("cannot read " + file.string());
    return t;
}

std::map<std::string, std::string> readExceptions(const fs::path& file)
{
    std::map<std::string, std::string> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        const auto space = line.find(' ');
        out[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
    }
    return out;
}

/// Runs one test; returns an empty string when it passes, else what went wrong.
std::string runTest(const fs::path& folder, const onnx::ModelProto& original)
{
    auto model = original;
    auto* graph = model.mutable_graph();
    const fs::path data = folder / "test_data_set_0";
    // Bind every input but the first as a constant.
    std::vector<onnx::ValueInfoProto> inputs(graph->input().begin(), graph->input().end());
    graph->clear_input();
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (i == 0) {
            *graph->add_input() = inputs[i];
            continue;
        }
        auto t = readTensor(data / ("input_" + std::to_string(i) + ".pb"));
        t.set_name(inputs[i].name());
        *graph->add_initializer() = t;
    }
    const auto input = tensorFrom(readTensor(data / "input_0.pb"), folder.string());
    torch::NoGradGuard noGrad;
    Imported imported;
    try {
        imported = translate(model, folder.filename().string());
    } catch (const std::exception& e) {
        return std::string("import: ") + e.what();
    }
    c10::IValue output;
    try {
        output = imported.module.forward({ input });
    } catch (const std::exception& e) {
        return std::string("run: ") + e.what();
    }
    std::vector<torch::Tensor> outputs;
    if (output.isTensor())
        outputs.push_back(output.toTensor());
    else
        for (const auto& item : output.toTupleRef().elements())
            outputs.push_back(item.toTensor());
    for (size_t i = 0; i < outputs.size(); ++i) {
        const auto expected = tensorFrom(readTensor(data / ("output_" + std::to_string(i) + ".pb")), "expected");
        if (expected.sizes() != outputs[i].sizes())
            return "output " + std::to_string(i) + " has shape " + c10::str(outputs[i].sizes()) + ", expected "
                + c10::str(expected.sizes());
        if (!torch::allclose(outputs[i].to(torch::kFloat), expected.to(torch::kFloat), 1e-3, 1e-5, true))
            return "output " + std::to_string(i) + " differs by up to "
                + std::to_string((outputs[i].to(torch::kFloat) - expected.to(torch::kFloat)).abs().max().item<float>());
    }
    return {};
}

} // namespace

int main(int argc, char** argv)
{
    const fs::path root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data/node";
    const fs::path exceptionsFile = argc > 2 ? argv[2] : "onnx_node_exceptions.txt";
    if (!fs::is_directory(root)) {
        std::cout << "SKIP: " << root << " is missing (make test installs libonnx-testdata)\n";
        return 77;
    }
    const auto exceptions = readExceptions(exceptionsFile);
    const auto& covered = coveredOperators();
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(root))
        if (fs::is_regular_file(entry.path() / "model.onnx"))
            folders.push_back(entry.path());
    std::sort(folders.begin(), folders.end());
    int passed = 0, failed = 0, excepted = 0, considered = 0;
    std::set<std::string> seen;
    for (const auto& folder : folders) {
        onnx::ModelProto model;
        {
            std::ifstream in(folder / "model.onnx", std::ios::binary);
            std::stringstream bytes;
            bytes << in.rdbuf();
            if (!model.ParseFromString(bytes.str()))
                continue;
        }
        bool all = model.graph().node_size() > 0;
        for (const auto& node : model.graph().node())
            all = all && std::find(covered.begin(), covered.end(), node.op_type()) != covered.end()
                && (node.domain().empty() || node.domain() == "ai.onnx");
        int64_t opset = 0;
        for (const auto& entry : model.opset_import())
            if (entry.domain().empty() || entry.domain() == "ai.onnx")
                opset = entry.version();
        if (!all || model.graph().input_size() == 0 || opset < 11 || opset > 17
            || model.graph().input(0).type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
            continue;
        ++considered;
        const auto name = folder.filename().string();
        seen.insert(name);
        const auto problem = runTest(folder, model);
        const auto listed = exceptions.find(name);
        if (problem.empty() && listed == exceptions.end()) {
            ++passed;
        } else if (!problem.empty() && listed != exceptions.end()) {
            ++excepted;
        } else if (problem.empty()) {
            ++failed;
            std::cout << "FAIL " << name << ": passes but is listed as an exception (" << listed->second << ")\n";
        } else {
            ++failed;
            std::cout << "FAIL " << name << ": " << problem << "\n";
        }
    }
    for (const auto& [name, reason] : exceptions)
        if (!seen.count(name)) {
            ++failed;
            std::cout << "FAIL " << name << ": listed as an exception but not a test of a covered operator\n";
        }
    std::cout << considered << " float32 node tests of covered operators: " << passed << " pass, " << excepted
              << " listed exceptions\n";
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}
