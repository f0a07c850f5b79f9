// The nodes of transformers (ConvNeXt's LayerNorm, chunks, a vision transformer's class token and attention) for
// the ONNX exporter (io/OnnxConverter.h).

#include "io/OnnxConverter.h"

#include <limits>

namespace pare::onnx_export {

using torch::jit::Node;
using torch::jit::Value;

/// layer_norm over the last dimension, written out (opset 13 has no LayerNormalization): (x - mean) /
/// sqrt(var + eps) * weight + bias, mean and var by ReduceMean.
void Converter::layerNorm(Node* node)
{
    // normalized_shape: a constant, or [x.size(-1)] after structured pruning made it follow the input.
    const auto* shape = node->input(1)->node();
    const bool lastOnly = shape->kind() == c10::prim::ListConstruct ? shape->inputs().size() == 1
                                                                    : ints(node, node->input(1)).size() == 1;
    if (!lastOnly)
        fail(node, "layer norm over more than the last dimension is not covered");
    auto y = normalizedOverLast(tensor(node, node->input(0)), float(number(node, node->input(4))));
    if (!isNone(node->input(2)))
        y = step("Mul", { y, tensor(node, node->input(2)) });
    if (!isNone(node->input(3)))
        y = step("Add", { y, tensor(node, node->input(3)) });
    alias(node->output(), y, rank(node->input(0)));
}

/// chunk (its parts unpacked): Split, with the parts' sizes from the probe.
void Converter::split(Node* unpack, Node* chunk)
{
    const int r = rank(chunk->input(0));
    const auto dim = integer(chunk, chunk->input(2));
    const auto axis = dim < 0 ? dim + r : dim;
    std::vector<int64_t> sizes;
    for (auto* part : unpack->outputs()) {
        const auto shape = m_shapes.one.find(part);
        if (shape == m_shapes.one.end() || axis <= 0 || axis >= int64_t(shape->second.size()))
            fail(chunk, "a chunk whose parts' sizes are unknown or along the batch");
        sizes.push_back(shape->second[size_t(axis)]);
    }
    const auto name = fresh("split");
    addInitializer(name, torch::tensor(sizes, torch::kLong));
    auto* n = m_graph.add_node();
    n->set_op_type("Split");
    n->set_name(fresh("Split"));
    n->add_input(tensor(chunk, chunk->input(0)));
    n->add_input(name);
    attr(*n, "axis", axis);
    for (auto* part : unpack->outputs()) {
        n->add_output(fresh("t"));
        alias(part, n->output(n->output_size() - 1), r);
    }
}

/// A vision transformer's class token: expand to the batch (Expand, the batch read from the input's shape), and
/// x[:, 0] (Gather) or a slice (Slice) of the tokens.
void Converter::tokenIndexing(Node* node)
{
    const int r = rank(node->input(0));
    const auto x = tensor(node, node->input(0));
    if (node->kind() == c10::aten::expand) {
        const auto one = m_shapes.one.find(node->output()), two = m_shapes.two.find(node->output());
        if (one == m_shapes.one.end() || two == m_shapes.two.end())
            fail(node, "an expand whose shape is unknown");
        auto dims = one->second;
        for (size_t d = 0; d < dims.size(); ++d)
            if (dims[d] != two->second[d])
                dims[d] = -1; // where the batch enters
        emit("Expand", { x, shapeWithBatch(dims) }, node->output(), int(dims.size()));
        return;
    }
    if (r <= 0)
        fail(node, "indexing a tensor whose rank is unknown");
    auto axis = integer(node, node->input(1));
    axis = axis < 0 ? axis + r : axis;
    auto longs = [&](std::vector<int64_t> values, bool scalar) {
        const auto name = fresh("index");
        const auto t = torch::tensor(values, torch::kLong);
        addInitializer(name, scalar ? t.reshape({}) : t);
        return name;
    };
    if (node->kind() == c10::aten::select) {
        auto& n = emit("Gather", { x, longs({ integer(node, node->input(2)) }, true) }, node->output(), r - 1);
        attr(n, "axis", axis);
        return;
    }
    const auto start = isNone(node->input(2)) ? 0 : integer(node, node->input(2));
    const auto end = isNone(node->input(3)) ? std::numeric_limits<int64_t>::max() : integer(node, node->input(3));
    if (integer(node, node->input(4)) != 1)
        fail(node, "a slice with a step other than 1 is not covered");
    emit("Slice", { x, longs({ start }, false), longs({ end }, false), longs({ axis }, false) }, node->output(), r);
}

/// PyTorch's fused self-attention (what a scripted nn.MultiheadAttention runs in inference): written out.
void Converter::attention(Node* node)
{
    Value* x = node->input(0);
    if (node->input(1) != x || node->input(2) != x || !isNone(node->input(9)))
        fail(node, "attention other than unmasked self-attention is not covered");
    if (node->output(1)->hasUses())
        fail(node, "attention whose weights are read is not covered");
    const auto shape = m_shapes.one.find(x);
    if (shape == m_shapes.one.end() || shape->second.size() != 3)
        fail(node, "attention over an input whose shape is unknown");
    auto weight = [&](int i) {
        const auto v = constant(node->input(size_t(i)));
        if (!v || !(v->isTensor() || v->isNone()))
            fail(node, "attention needs constant projection weights");
        return v->isTensor() ? v->toTensor() : torch::Tensor();
    };
    alias(node->output(0),
          selfAttention(tensor(node, x), shape->second[1], integer(node, node->input(4)), weight(5), weight(6),
                        weight(7), weight(8)),
          3);
}

} // namespace pare::onnx_export
