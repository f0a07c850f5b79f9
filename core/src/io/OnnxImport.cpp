// The translation of a checked ONNX graph into a TorchScript module (see io/OnnxImport.h for the design).

#include "io/OnnxImport.h"

#include "model/ModelImpl.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace pare::onnx_import {
namespace {

const std::set<std::string> kPythonKeywords {
    "False",    "None",   "True",  "and",  "as",     "assert",   "async",   "await", "break", "class",
    "continue", "def",    "del",   "elif", "else",   "except",   "finally", "for",   "from",  "global",
    "if",       "import", "in",    "is",   "lambda", "nonlocal", "not",     "or",    "pass",  "raise",
    "return",   "try",    "while", "with", "yield",  "forward",  "training"
};

bool plainIdentifier(const std::string& name)
{
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || kPythonKeywords.count(name))
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            return false;
    return true;
}

std::string literal(double value, bool integral)
{
    return integral && std::isfinite(value) ? std::to_string(int64_t(value)) : floatCode(value);
}

/// The graph's own name for a node in messages: its name, else its first output.
std::string nodeLabel(const onnx::NodeProto& node)
{
    return node.name().empty() ? (node.output_size() ? node.output(0) : std::string("?")) : node.name();
}

} // namespace

bool Value::followsBatch() const
{
    return !dynamic() && at1.defined() && at2.defined() && (at1.sizes() != at2.sizes() || !torch::equal(at1, at2));
}

struct Translator::State
{
    std::map<std::string, Value> values;
    std::map<std::string, std::vector<const onnx::NodeProto*>> readers;
    std::set<const onnx::NodeProto*> consumed;
    std::vector<std::string> lines;
    std::set<std::string> layerPaths;
    std::shared_ptr<torch::jit::CompilationUnit> unit = std::make_shared<torch::jit::CompilationUnit>();
    std::optional<torch::jit::Module> top;
    int counter = 0;
    int constants = 0;

    torch::jit::Module module(const std::string& type)
    {
        torch::jit::Module m(c10::QualifiedName("__torch__.pare.onnx." + type), unit, /*shouldMangle=*/true);
        m.register_attribute("training", c10::BoolType::get(), false);
        return m;
    }
};

Translator::Translator(const onnx::ModelProto& model, std::string origin, bool fixedBatch)
    : m_state(std::make_unique<State>())
    , m_model(model)
    , m_origin(std::move(origin))
    , m_fixedBatch(fixedBatch)
{
    for (const auto& entry : model.opset_import())
        if (entry.domain().empty() || entry.domain() == "ai.onnx")
            m_opset = entry.version();
}

Translator::~Translator() = default;

InputError Translator::refusal(const onnx::NodeProto& node, const std::string& problem) const
{
    return inputError(m_origin, "node '" + nodeLabel(node) + "' (" + node.op_type() + "): " + problem);
}

void Translator::requireSize(const onnx::NodeProto& node, const std::vector<int64_t>& sizes) const
{
    for (auto d : sizes)
        if (d < 0)
            throw refusal(node, "asks for a negative size");
    auto factors = sizes;
    factors.push_back(4);
    requireWithinBudget(m_origin, "node '" + nodeLabel(node) + "' (" + node.op_type() + ")", checkedProduct(factors));
}

bool Translator::hasInput(const onnx::NodeProto& node, size_t i) const
{
    return int(i) < node.input_size() && !node.input(int(i)).empty();
}

Value& Translator::value(const std::string& name)
{
    return m_state->values.at(name);
}

Value& Translator::input(const onnx::NodeProto& node, size_t i)
{
    if (!hasInput(node, i))
        throw refusal(node, "input " + std::to_string(i) + " is missing");
    const auto found = m_state->values.find(node.input(int(i)));
    if (found == m_state->values.end())
        throw refusal(node, "reads '" + node.input(int(i)) + "', which no earlier node computes");
    return found->second;
}

const torch::Tensor& Translator::staticInput(const onnx::NodeProto& node, size_t i, const char* what)
{
    const auto& value = input(node, i);
    if (value.dynamic())
        throw refusal(node,
                      std::string("its ") + what
                          + " is computed from the input's data; Pare translates it only "
                            "where it is a constant");
    return value.at1;
}

void Translator::setStatic(const onnx::NodeProto& node, size_t output, torch::Tensor at1, torch::Tensor at2)
{
    if (int(output) >= node.output_size() || node.output(int(output)).empty())
        return;
    Value v;
    v.at1 = std::move(at1);
    v.at2 = std::move(at2);
    m_state->values[node.output(int(output))] = std::move(v);
}

void Translator::setDynamic(const onnx::NodeProto& node,
                            size_t output,
                            const std::string& expression,
                            torch::Tensor at1,
                            torch::Tensor at2,
                            std::vector<int64_t> perm,
                            torch::Tensor columns)
{
    if (int(output) >= node.output_size() || node.output(int(output)).empty())
        return;
    Value v;
    v.code = "v" + std::to_string(m_state->counter++);
    m_state->lines.push_back("    " + v.code + " = " + expression);
    v.at1 = std::move(at1);
    v.at2 = std::move(at2);
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i)
        identity = identity && perm[i] == int64_t(i);
    if (!identity)
        v.perm = std::move(perm);
    v.columns = std::move(columns);
    m_state->values[node.output(int(output))] = std::move(v);
}

std::string Translator::materialize(Value& value)
{
    if (!value.dynamic())
        return constant(value.at1);
    if (!value.materialized.empty())
        return value.materialized;
    std::string expression;
    if (!value.perm.empty()) {
        expression = value.code + ".permute(" + c10::str(c10::IntArrayRef(value.perm)) + ")";
    } else if (value.columns.defined()) {
        expression = "torch.index_select(" + value.code + ", 1, " + constant(value.columns) + ")";
    } else {
        return value.materialized = value.code;
    }
    value.materialized = "v" + std::to_string(m_state->counter++);
    m_state->lines.push_back("    " + value.materialized + " = " + expression);
    return value.materialized;
}

std::string Translator::constant(const torch::Tensor& value)
{
    if (value.dim() == 0)
        return literal(value.item<double>(), !value.is_floating_point());
    const std::string name = "onnx_constant_" + std::to_string(m_state->constants++);
    m_state->top->register_buffer(name, value.contiguous().clone());
    return "self." + name;
}

std::string Translator::layer(const onnx::NodeProto& node,
                              const std::string& weightName,
                              const std::string& type,
                              const std::vector<std::pair<std::string, torch::Tensor>>& parameters,
                              const std::vector<std::pair<std::string, torch::Tensor>>& buffers,
                              const std::string& forward)
{
    const auto base = layerPath(weightName, node.name(), node.op_type());
    std::string path = base;
    for (int repeat = 2; m_state->layerPaths.count(path); ++repeat)
        path = base + "_" + std::to_string(repeat);
    m_state->layerPaths.insert(path);

    auto module = m_state->module(type);
    for (const auto& [name, tensor] : parameters)
        if (tensor.defined())
            module.register_parameter(name, tensor.contiguous().clone(), false);
    for (const auto& [name, tensor] : buffers)
        if (tensor.defined())
            module.register_buffer(name, tensor.contiguous().clone());
    try {
        module.define("def forward(self, x):\n    return " + forward + "\n");
    } catch (const std::exception& e) {
        throw refusal(node, "its translation does not compile: " + conciseTorchError(e));
    }

    // Walk the dotted path, making container modules where the path passes through no layer yet.
    std::vector<std::string> parts;
    for (size_t begin = 0; begin <= path.size();) {
        const auto end = std::min(path.find('.', begin), path.size());
        parts.push_back(path.substr(begin, end - begin));
        begin = end + 1;
    }
    torch::jit::Module parent = *m_state->top;
    std::string reference = "self";
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        if (!parent.hasattr(parts[i]))
            parent.register_module(parts[i], m_state->module("Container"));
        const auto child = parent.attr(parts[i]);
        if (!child.isModule())
            throw refusal(node, "its layer path '" + path + "' passes through a tensor named '" + parts[i] + "'");
        parent = child.toModule();
        reference = plainIdentifier(parts[i]) ? reference + "." + parts[i]
                                              : "getattr(" + reference + ", \"" + parts[i] + "\")";
    }
    if (parent.hasattr(parts.back()))
        throw refusal(node, "its layer path '" + path + "' is taken");
    parent.register_module(parts.back(), module);
    reference = plainIdentifier(parts.back()) ? reference + "." + parts.back()
                                              : "getattr(" + reference + ", \"" + parts.back() + "\")";
    return reference + ".forward";
}

std::string Translator::sizesFollowingBatch(const std::vector<int64_t>& at1, const std::vector<int64_t>& at2)
{
    if (at1.size() != at2.size())
        return {};
    std::string out = "[";
    for (size_t i = 0; i < at1.size(); ++i) {
        if (i)
            out += ", ";
        if (at1[i] == at2[i]) {
            out += std::to_string(at1[i]);
        } else if (at2[i] == 2 * at1[i]) { // the probe batches are 1 and 2
            out += at1[i] == 1 ? "x.size(0)" : "x.size(0) * " + std::to_string(at1[i]);
        } else {
            return {};
        }
    }
    return out + "]";
}

const onnx::NodeProto* Translator::soleReader(const onnx::NodeProto& node, size_t output) const
{
    if (int(output) >= node.output_size())
        return nullptr;
    const auto& name = node.output(int(output));
    for (const auto& out : m_model.graph().output())
        if (out.name() == name)
            return nullptr;
    const auto found = m_state->readers.find(name);
    return found != m_state->readers.end() && found->second.size() == 1 ? found->second.front() : nullptr;
}

bool Translator::isRead(const std::string& name) const
{
    for (const auto& out : m_model.graph().output())
        if (out.name() == name)
            return true;
    return m_state->readers.count(name) > 0;
}

void Translator::consume(const onnx::NodeProto& node)
{
    m_state->consumed.insert(&node);
}

void Translator::translateNode(const onnx::NodeProto& node)
{
    if (!node.domain().empty() && node.domain() != "ai.onnx")
        throw refusal(node, "operators of domain '" + node.domain() + "' are not covered; nothing was written");
    try {
        if (!translateOperator(*this, node))
            throw refusal(node,
                          "this operator is not covered by Pare's ONNX import (README, \"Opening ONNX "
                          "models\", lists those that are); nothing was written");
    } catch (const InputError&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        throw refusal(node, "cannot be computed: " + conciseTorchError(e));
    }
}

Imported Translator::run()
{
    const auto& graph = m_model.graph();
    std::set<std::string> initialized;
    for (const auto& init : graph.initializer()) {
        auto t = tensorFrom(init, m_origin);
        Value v;
        v.at1 = t;
        v.at2 = t;
        m_state->values[init.name()] = std::move(v);
        initialized.insert(init.name());
    }
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& in : graph.input())
        if (!initialized.count(in.name()))
            inputs.push_back(&in);
    if (inputs.size() != 1)
        throw inputError(m_origin,
                         "the graph takes " + std::to_string(inputs.size())
                             + " inputs; Pare reads models with one input tensor");
    for (const auto& node : graph.node())
        for (const auto& name : node.input())
            m_state->readers[name].push_back(&node);

    // The input: its size without the batch must be fixed. A batch given as a name or as 1 varies (probes at 1
    // and 2); a graph made for one larger batch is probed at that batch only.
    const auto& input = *inputs.front();
    const auto& type = input.type().tensor_type();
    if (!input.type().has_tensor_type() || type.elem_type() != onnx::TensorProto::FLOAT)
        throw inputError(m_origin, "the graph's input '" + input.name() + "' is not a float tensor");
    std::vector<int64_t> dims;
    for (const auto& d : type.shape().dim())
        dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    if (dims.empty())
        throw inputError(m_origin, "the graph's input '" + input.name() + "' has no shape");
    for (size_t i = 1; i < dims.size(); ++i)
        if (dims[i] <= 0)
            throw inputError(m_origin,
                             "the graph's input '" + input.name() + "' has no fixed size in dimension "
                                 + std::to_string(i) + "; Pare needs every size but the batch's");
    const bool fixed = dims[0] > 1 || (m_fixedBatch && dims[0] >= 0);
    const int64_t batch1 = fixed ? dims[0] : 1, batch2 = fixed ? dims[0] : 2;

    Imported imported;
    bool nhwc = dims.size() == 4;
    const auto& firstReaders = m_state->readers[input.name()];
    for (const auto* reader : firstReaders) {
        std::vector<int64_t> perm;
        for (const auto& a : reader->attribute())
            if (a.name() == "perm")
                perm.assign(a.ints().begin(), a.ints().end());
        nhwc = nhwc && reader->op_type() == "Transpose" && perm == std::vector<int64_t> { 0, 3, 1, 2 };
    }
    nhwc = nhwc && !firstReaders.empty();
    Value x;
    x.code = "x";
    auto generator = seededGenerator(0);
    auto logical = [&](int64_t batch) {
        auto shape = dims;
        shape[0] = batch;
        return torch::randn(shape, generator);
    };
    x.at1 = logical(batch1);
    x.at2 = logical(batch2);
    if (nhwc) {
        x.perm = { 0, 2, 3, 1 }; // the module takes NCHW; the graph's NHWC is that, permuted
        imported.inputShape = { dims[3], dims[1], dims[2] };
        imported.layout = InputLayout::Nhwc;
    } else {
        imported.inputShape.assign(dims.begin() + 1, dims.end());
    }
    m_state->values[input.name()] = x;

    m_state->top = m_state->module("OnnxModel");
    torch::NoGradGuard noGrad;
    // A value's probe tensors are dropped after its last reader: a big model's activations at two batch sizes
    // would otherwise all stay in memory until the end.
    std::map<std::string, size_t> unread;
    for (const auto& [name, readers] : m_state->readers)
        unread[name] = readers.size();
    std::set<std::string> outputs;
    for (const auto& out : graph.output())
        outputs.insert(out.name());
    for (const auto& node : graph.node()) {
        if (m_state->consumed.count(&node))
            continue;
        translateNode(node);
        for (const auto& name : node.input())
            if (!name.empty() && --unread[name] == 0 && !outputs.count(name))
                m_state->values.erase(name);
    }

    std::vector<std::string> returned;
    for (const auto& out : graph.output()) {
        const auto found = m_state->values.find(out.name());
        if (found == m_state->values.end() || !found->second.dynamic())
            throw inputError(m_origin, "the graph's output '" + out.name() + "' does not depend on its input");
        returned.push_back(materialize(found->second));
    }
    std::string body = "def forward(self, x):\n";
    for (const auto& line : m_state->lines)
        body += line + "\n";
    if (returned.size() == 1) {
        body += "    return " + returned.front() + "\n";
    } else {
        body += "    return (";
        for (const auto& o : returned)
            body += o + ", ";
        body += ")\n";
    }
    try {
        m_state->top->define(body);
    } catch (const std::exception& e) {
        throw inputError(m_origin, "the translated forward does not compile: " + conciseTorchError(e));
    }
    m_state->top->eval();
    imported.module = *m_state->top;
    return imported;
}

Imported translate(const onnx::ModelProto& model, const std::string& origin)
{
    try {
        Translator translator(model, origin);
        return translator.run();
    } catch (const InputError&) {
        // A graph declared for batch 1 (or 0) that only computes at that size (a Squeeze of the batch, a Reshape
        // to [1, -1]) translates for that size, or fails with the first error.
        const auto& inputs = model.graph().input();
        const bool declared = !inputs.empty() && inputs[0].type().tensor_type().shape().dim_size() > 0
            && inputs[0].type().tensor_type().shape().dim(0).has_dim_value();
        if (!declared)
            throw;
        try {
            Translator translator(model, origin, true);
            return translator.run();
        } catch (const InputError&) {
        }
        throw;
    }
}

} // namespace pare::onnx_import
