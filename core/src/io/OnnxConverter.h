#pragma once

// The exporter's converter from frozen TorchScript nodes to ONNX nodes: the common part in io/OnnxExport.cpp, the
// nodes of transformers (LayerNorm, chunks, class tokens, attention) in io/OnnxTransformerNodes.cpp.

#include "io/OnnxExport.h"
#include "io/OnnxProto.h"

#include "pare/Error.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <sstream>

namespace pare::onnx_export {

class Converter : private GraphBuilder
{
public:
    Converter(std::string origin, onnx::GraphProto& graph, const ProbedShapes& shapes)
        : GraphBuilder(graph)
        , m_origin(std::move(origin))
        , m_shapes(shapes)
    {
    }

    void convert(const std::shared_ptr<torch::jit::Graph>& graph,
                 const std::vector<int64_t>& inputShape,
                 const std::vector<int64_t>& outputShape);

private:
    void conv(torch::jit::Node* node,
              torch::jit::Value* input,
              torch::jit::Value* weight,
              torch::jit::Value* bias,
              torch::jit::Value* stride,
              torch::jit::Value* padding,
              torch::jit::Value* dilation,
              torch::jit::Value* groups);

    void linear(torch::jit::Node* node, torch::jit::Value* input, torch::jit::Value* weight, torch::jit::Value* bias);

    void pool(torch::jit::Node* node, const char* op, bool isMax);

    /// view/reshape: to [batch, -1] (whatever way the batch is spelled) is Flatten; a constant shape is Reshape.
    void reshape(torch::jit::Node* node);

    /// adaptive_avg_pool2d to O from H: GlobalAveragePool for 1x1, AveragePool when O divides H, and otherwise the
    /// averaging as matrices.
    void adaptivePool(torch::jit::Node* node);

    void convertNode(torch::jit::Node* node);

    /// layer_norm over the last dimension, written out (opset 13 has no LayerNormalization): (x - mean) /
    /// sqrt(var + eps) * weight + bias, mean and var by ReduceMean.
    void layerNorm(torch::jit::Node* node);

    /// chunk (its parts unpacked): Split, with the parts' sizes from the probe.
    void split(torch::jit::Node* unpack, torch::jit::Node* chunk);

    /// A vision transformer's class token: expand to the batch (Expand, the batch read from the input's shape), and
    /// x[:, 0] (Gather) or a slice (Slice) of the tokens.
    void tokenIndexing(torch::jit::Node* node);

    /// PyTorch's fused self-attention (what a scripted nn.MultiheadAttention runs in inference): written out.
    void attention(torch::jit::Node* node);

    [[noreturn]] void fail(const torch::jit::Node* node, const std::string& problem) const
    {
        std::string where;
        if (node) {
            std::ostringstream text;
            text << "node " << node->kind().toQualString();
            auto range = node->sourceRange().source() ? node->sourceRange().text().str() : std::string();
            range = range.substr(0, range.find('\n')); // an if's range is its whole block; the error is one line
            if (!range.empty() && range.size() < 80)
                text << " ('" << range << "')";
            where = text.str() + ": ";
        }
        throw inputError(m_origin, "cannot export to ONNX: " + where + problem + "; nothing was written");
    }

    /// A constant of the graph, or a number the probes found the same at batch 1 and 2.
    std::optional<c10::IValue> constant(torch::jit::Value* value) const
    {
        if (const auto probed = m_shapes.numbers.find(value); probed != m_shapes.numbers.end())
            return probed->second;
        return torch::jit::toIValue(value);
    }

    std::vector<int64_t> ints(const torch::jit::Node* node, torch::jit::Value* value) const
    {
        const auto v = constant(value);
        if (!v)
            fail(node, "an argument that is not a constant");
        if (v->isInt())
            return { v->toInt() };
        if (!v->isIntList())
            fail(node, "expected a list of integers");
        return v->toIntVector();
    }

    int64_t integer(const torch::jit::Node* node, torch::jit::Value* value) const
    {
        const auto v = constant(value);
        if (!v || !v->isInt())
            fail(node, "expected a constant integer");
        return v->toInt();
    }

    double number(const torch::jit::Node* node, torch::jit::Value* value) const
    {
        const auto v = constant(value);
        if (!v || !(v->isDouble() || v->isInt()))
            fail(node, "expected a constant number");
        return v->isDouble() ? v->toDouble() : double(v->toInt());
    }

    static bool producesTensor(const torch::jit::Node* node)
    {
        for (const auto* output : node->outputs())
            if (output->type()->kind() == c10::TypeKind::TensorType)
                return true;
        return false;
    }

    bool isNone(torch::jit::Value* value) const { return value->type()->kind() == c10::TypeKind::NoneType; }

    /// A tensor constant becomes an initializer (once); a computed tensor keeps its name.
    std::string tensor(const torch::jit::Node* node, torch::jit::Value* value)
    {
        const auto known = m_names.find(value);
        if (known != m_names.end())
            return known->second;
        const auto v = constant(value);
        if (!v || !v->isTensor())
            fail(node, "an input that is neither a tensor computed by the graph nor a constant tensor");
        const auto name = fresh("const");
        addInitializer(name, v->toTensor());
        m_names[value] = name;
        m_ranks[value] = static_cast<int>(v->toTensor().dim());
        return name;
    }

    /// An operand of an element-wise operation: a tensor, or a constant number (as a float scalar).
    std::string operand(const torch::jit::Node* node, torch::jit::Value* value)
    {
        if (const auto v = constant(value); !m_names.count(value) && v && (v->isDouble() || v->isInt()))
            return scalar(float(number(node, value)));
        return tensor(node, value);
    }

    onnx::NodeProto&
    emit(const std::string& op, const std::vector<std::string>& inputs, torch::jit::Value* output, int rank)
    {
        auto& n = addNode(op, inputs);
        m_names[output] = n.output(0);
        m_ranks[output] = rank;
        return n;
    }

    void alias(torch::jit::Value* output, const std::string& name, int rank)
    {
        m_names[output] = name;
        m_ranks[output] = rank;
    }

    int rank(torch::jit::Value* value) const
    {
        const auto r = m_ranks.find(value);
        return r == m_ranks.end() ? -1 : r->second;
    }

    std::string m_origin;
    const ProbedShapes& m_shapes;
    std::map<torch::jit::Value*, std::string> m_names;
    std::map<torch::jit::Value*, int> m_ranks;
};

} // namespace pare::onnx_export
