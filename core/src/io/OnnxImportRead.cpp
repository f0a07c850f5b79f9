// Reading and checking an ONNX file before it is translated: the protobuf, weights in external data files, onnx's
// checker and shape inference; and the naming rule of the layers.

#include "io/Files.h"
#include "io/OnnxImport.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace pare::onnx_import {
namespace {

/// The first line of a library's message (onnx's checker appends the whole node after a newline).
std::string firstLine(const std::string& text)
{
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

int64_t elementBytes(int32_t type)
{
    switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
        return 4;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
        return 8;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
        return 2;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
        return 1;
    default:
        return 0;
    }
}

int64_t elementCount(const onnx::TensorProto& t)
{
    int64_t count = 1;
    for (auto d : t.dims()) {
        if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
            return -1;
        count *= d;
    }
    return count;
}

/// Replaces an initializer's external data by the bytes it names, read from a file beside the model.
void loadExternalData(onnx::TensorProto& t, const std::string& modelPath)
{
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto& entry : t.external_data()) {
        if (entry.key() == "location")
            location = entry.value();
        else if (entry.key() == "offset")
            offset = std::stoll(entry.value());
        else if (entry.key() == "length")
            length = std::stoll(entry.value());
    }
    const std::filesystem::path relative(location);
    bool inside = !location.empty() && relative.is_relative();
    for (const auto& part : relative)
        inside = inside && part != "..";
    if (!inside)
        throw inputError(modelPath,
                         "tensor '" + t.name() + "' keeps its data in '" + location
                             + "': external data must be a file beside the model (a relative path, no '..')");
    const auto file = std::filesystem::path(modelPath).parent_path() / relative;
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error))
        throw inputError(modelPath,
                         "tensor '" + t.name() + "' keeps its data in '" + location
                             + "', which is not a file beside the model");
    const auto fileSize = int64_t(std::filesystem::file_size(file, error));
    const int64_t expected = elementCount(t) * elementBytes(t.data_type());
    if (length < 0)
        length = fileSize - offset;
    if (offset < 0 || length != expected || expected < 0 || offset + length > fileSize)
        throw inputError(modelPath,
                         "tensor '" + t.name() + "': '" + location + "' does not hold the " + std::to_string(expected)
                             + " bytes its shape needs at offset " + std::to_string(offset));
    requireWithinBudget(modelPath, "reading the external data of '" + t.name() + "'", length);
    std::string bytes(size_t(length), '\0');
    std::ifstream in(file, std::ios::binary);
    in.seekg(offset);
    if (!in.read(bytes.data(), length))
        throw inputError(modelPath, "cannot read external data file '" + location + "'");
    t.set_raw_data(std::move(bytes));
    t.clear_external_data();
    t.set_data_location(onnx::TensorProto::DEFAULT);
}

std::string sanitized(const std::string& component)
{
    std::string out;
    for (char c : component)
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
    return out;
}

} // namespace

onnx::ModelProto readModel(const std::string& path)
{
    const int64_t size = files::requireRegularFile(path);
    requireWithinBudget(path, "reading the file", size);
    onnx::ModelProto model;
    if (!model.ParseFromString(files::readAll(path)) || !model.has_graph())
        throw inputError(path, "is not an ONNX model (no ModelProto with a graph could be read)");
    for (auto& t : *model.mutable_graph()->mutable_initializer())
        if (t.data_location() == onnx::TensorProto::EXTERNAL)
            loadExternalData(t, path);
    int64_t opset = 0;
    for (const auto& entry : model.opset_import())
        if (entry.domain().empty() || entry.domain() == "ai.onnx")
            opset = entry.version();
    if (opset < 11 || opset > 17)
        throw inputError(path,
                         "uses ONNX opset " + std::to_string(opset)
                             + "; Pare reads opsets 11 to 17 (convert it with onnx.version_converter)");
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        throw inputError(path, "fails onnx's checker: " + firstLine(e.what()));
    }
    try {
        onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict=*/1));
    } catch (const std::exception& e) {
        throw inputError(path, "fails onnx's shape inference: " + firstLine(e.what()));
    }
    return model;
}

torch::Tensor tensorFrom(const onnx::TensorProto& proto, const std::string& origin)
{
    const int64_t count = elementCount(proto);
    const int64_t width = elementBytes(proto.data_type());
    if (count < 0 || width == 0)
        throw inputError(origin,
                         "tensor '" + proto.name() + "' has a type (" + std::to_string(proto.data_type())
                             + ") or shape Pare does not read");
    std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
    auto options = torch::TensorOptions();
    torch::ScalarType type = torch::kFloat;
    switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
        type = torch::kFloat;
        break;
    case onnx::TensorProto::DOUBLE:
        type = torch::kDouble;
        break;
    case onnx::TensorProto::FLOAT16:
        type = torch::kHalf;
        break;
    case onnx::TensorProto::BFLOAT16:
        type = torch::kBFloat16;
        break;
    case onnx::TensorProto::INT64:
        type = torch::kLong;
        break;
    case onnx::TensorProto::INT32:
        type = torch::kInt;
        break;
    case onnx::TensorProto::INT16:
        type = torch::kShort;
        break;
    case onnx::TensorProto::INT8:
        type = torch::kChar;
        break;
    case onnx::TensorProto::UINT8:
        type = torch::kByte;
        break;
    case onnx::TensorProto::BOOL:
        type = torch::kBool;
        break;
    default:
        throw inputError(origin, "tensor '" + proto.name() + "' has an unsigned type Pare does not read");
    }
    // The data a tensor holds must match its shape before anything of that shape is allocated: a forged shape
    // over a few bytes of data is refused here, not by running out of memory.
    const size_t bytes = size_t(count * width);
    const bool holds = proto.has_raw_data() ? proto.raw_data().size() == bytes
        : type == torch::kFloat             ? proto.float_data_size() == count
        : type == torch::kDouble            ? proto.double_data_size() == count
        : type == torch::kLong              ? proto.int64_data_size() == count
                                            : proto.int32_data_size() == count;
    if (!holds && count > 0)
        throw inputError(origin, "tensor '" + proto.name() + "' holds a different number of values than its shape");
    requireWithinBudget(origin, "tensor '" + proto.name() + "'", count * 4 + int64_t(bytes));
    auto out = torch::empty(dims, options.dtype(type));
    if (proto.has_raw_data()) {
        if (proto.raw_data().size() != bytes)
            throw inputError(origin, "tensor '" + proto.name() + "' holds a different number of bytes than its shape");
        if (bytes > 0)
            std::memcpy(out.data_ptr(), proto.raw_data().data(), bytes);
    } else if (type == torch::kFloat && proto.float_data_size() == count) {
        std::memcpy(out.data_ptr(), proto.float_data().data(), bytes);
    } else if (type == torch::kDouble && proto.double_data_size() == count) {
        std::memcpy(out.data_ptr(), proto.double_data().data(), bytes);
    } else if (type == torch::kLong && proto.int64_data_size() == count) {
        std::memcpy(out.data_ptr(), proto.int64_data().data(), bytes);
    } else if (proto.int32_data_size() == count) { // int32, int16, int8, uint8, bool, float16 bits
        auto wide = torch::from_blob(const_cast<int32_t*>(proto.int32_data().data()), dims, torch::kInt).clone();
        out = type == torch::kHalf || type == torch::kBFloat16 ? wide.to(torch::kShort).view(type) : wide.to(type);
    } else if (count == 0) {
        // an empty tensor: nothing to read
    } else {
        throw inputError(origin, "tensor '" + proto.name() + "' holds no data in a field Pare reads");
    }
    if (out.is_floating_point())
        return out.to(torch::kFloat);
    if (type == torch::kBool)
        return out;
    return out.to(torch::kLong);
}

std::string layerPath(const std::string& weightName, const std::string& nodeName, const std::string& opType)
{
    std::vector<std::string> parts;
    auto split = [&parts](const std::string& text, char separator) {
        size_t begin = 0;
        while (begin <= text.size()) {
            const auto end = std::min(text.find(separator, begin), text.size());
            if (end > begin)
                parts.push_back(text.substr(begin, end - begin));
            begin = end + 1;
        }
    };
    const std::string suffix = ".weight";
    if (weightName.size() > suffix.size()
        && weightName.compare(weightName.size() - suffix.size(), suffix.size(), suffix) == 0) {
        split(weightName.substr(0, weightName.size() - suffix.size()), '.');
    } else {
        std::vector<std::string> scopes;
        std::swap(parts, scopes);
        split(nodeName, '/');
        std::swap(parts, scopes);
        if (!scopes.empty())
            scopes.pop_back(); // the operator
        // PyTorch names a scope after its parent's ("features", "features.1"): only the part after it is new.
        std::string previous;
        for (const auto& scope : scopes) {
            const bool nested = !previous.empty() && scope.rfind(previous + ".", 0) == 0;
            split(nested ? scope.substr(previous.size() + 1) : scope, '.');
            previous = scope;
        }
    }
    std::string path;
    for (const auto& part : parts) {
        auto name = sanitized(part);
        if (name == "forward" || name == "training") // what every TorchScript module has already
            name += "_";
        path += (path.empty() ? "" : ".") + name;
    }
    if (path.empty()) {
        for (char c : opType)
            path += char(std::tolower(static_cast<unsigned char>(c)));
    }
    return path;
}

} // namespace pare::onnx_import
