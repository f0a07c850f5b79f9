#include "io/OnnxProto.h"

#include <cmath>

namespace pare::onnx_export {

onnx::NodeProto& GraphBuilder::addNode(const std::string& op, const std::vector<std::string>& inputs)
{
    auto* n = m_graph.add_node();
    n->set_op_type(op);
    n->set_name(fresh(op));
    for (const auto& i : inputs)
        n->add_input(i);
    n->add_output(fresh("t"));
    return *n;
}

std::string GraphBuilder::scalar(float value)
{
    const auto name = fresh("const");
    addInitializer(name, torch::scalar_tensor(value));
    return name;
}

std::string GraphBuilder::swapLast(const std::string& x)
{
    auto& n = addNode("Transpose", { x });
    attr(n, "perm", std::vector<int64_t> { 0, 1, 3, 2 });
    return n.output(0);
}

std::string GraphBuilder::clampByRelu(const std::string& x, float low, float high)
{
    const auto above = step("Relu", { step("Sub", { x, scalar(low) }) });
    const auto over = step("Relu", { step("Sub", { x, scalar(high) }) });
    return step("Add", { step("Sub", { above, over }), scalar(low) });
}

std::string GraphBuilder::hardSigmoid(const std::string& x)
{
    return clampByRelu(step("Add", { step("Div", { x, scalar(6.0f) }), scalar(0.5f) }), 0.0f, 1.0f);
}

std::string GraphBuilder::gelu(const std::string& x)
{
    const auto erf = step("Erf", { step("Div", { x, scalar(float(std::sqrt(2.0))) }) });
    return step("Div", { step("Mul", { x, step("Add", { erf, scalar(1.0f) }) }), scalar(2.0f) });
}

std::string GraphBuilder::normalizedOverLast(const std::string& x, float eps)
{
    auto mean = [&](const std::string& of) {
        auto& n = addNode("ReduceMean", { of });
        attr(n, "axes", std::vector<int64_t> { -1 });
        return n.output(0);
    };
    const auto centred = step("Sub", { x, mean(x) });
    const auto variance = mean(step("Mul", { centred, centred }));
    return step("Div", { centred, step("Sqrt", { step("Add", { variance, scalar(eps) }) }) });
}

std::string GraphBuilder::batchSize()
{
    if (m_batchSize.empty()) {
        const auto first = fresh("first");
        addInitializer(first, torch::tensor({ int64_t(0) }, torch::kLong));
        auto& gather = addNode("Gather", { step("Shape", { "input" }), first });
        attr(gather, "axis", int64_t(0));
        m_batchSize = gather.output(0);
    }
    return m_batchSize;
}

std::string GraphBuilder::shapeWithBatch(const std::vector<int64_t>& dims)
{
    std::vector<std::string> parts;
    for (auto d : dims) {
        if (d == -1) {
            parts.push_back(batchSize());
        } else {
            parts.push_back(fresh("dim"));
            addInitializer(parts.back(), torch::tensor({ d }, torch::kLong));
        }
    }
    auto& concat = addNode("Concat", parts);
    attr(concat, "axis", int64_t(0));
    return concat.output(0);
}

std::string GraphBuilder::averagedBySums(const std::string& x, int64_t h, int64_t w, const std::vector<int64_t>& out)
{
    auto averaging = [](int64_t from, int64_t to) {
        auto a = torch::zeros({ to, from });
        for (int64_t i = 0; i < to; ++i) {
            const int64_t begin = i * from / to, end = ((i + 1) * from + to - 1) / to;
            a[i].narrow(0, begin, end - begin).fill_(1.0 / double(end - begin));
        }
        return a;
    };
    // x . A_w^T, then (x'^T . A_h^T)^T.
    const auto rows = fresh("rows"), columns = fresh("columns");
    addInitializer(rows, averaging(h, out[0]).t());
    addInitializer(columns, averaging(w, out[1]).t());
    return swapLast(step("MatMul", { swapLast(step("MatMul", { x, columns })), rows }));
}

std::string GraphBuilder::linear(const std::string& x, const torch::Tensor& weight, const torch::Tensor& bias)
{
    const auto transposed = fresh("weight_t");
    addInitializer(transposed, weight.t());
    const auto product = step("MatMul", { x, transposed });
    if (!bias.defined())
        return product;
    const auto b = fresh("bias");
    addInitializer(b, bias);
    return step("Add", { product, b });
}

std::string GraphBuilder::selfAttention(const std::string& x,
                                        int64_t tokens,
                                        int64_t heads,
                                        const torch::Tensor& inWeight,
                                        const torch::Tensor& inBias,
                                        const torch::Tensor& outWeight,
                                        const torch::Tensor& outBias)
{
    const int64_t width = inWeight.size(0) / 3, headWidth = width / heads;
    auto shape = [&](const std::vector<int64_t>& dims) {
        const auto name = fresh("shape");
        addInitializer(name, torch::tensor(dims, torch::kLong));
        return name;
    };
    auto transpose = [&](const std::string& t, const std::vector<int64_t>& perm) {
        auto& n = addNode("Transpose", { t });
        attr(n, "perm", perm);
        return n.output(0);
    };
    // One projection per part (the packed weight's thirds), each [N,L,E] -> [N,heads,L,headWidth].
    auto part = [&](int64_t i, const std::vector<int64_t>& perm) {
        const auto w = inWeight.narrow(0, i * width, width);
        const auto b = inBias.defined() ? inBias.narrow(0, i * width, width) : torch::Tensor();
        const auto projected = step("Reshape", { linear(x, w, b), shape({ -1, tokens, heads, headWidth }) });
        return transpose(projected, perm);
    };
    const auto query = step("Div", { part(0, { 0, 2, 1, 3 }), scalar(float(std::sqrt(double(headWidth)))) });
    const auto keyT = part(1, { 0, 2, 3, 1 }); // [N,heads,headWidth,L]
    const auto value = part(2, { 0, 2, 1, 3 });
    auto& weights = addNode("Softmax", { step("MatMul", { query, keyT }) });
    attr(weights, "axis", int64_t(-1));
    const auto mixed = transpose(step("MatMul", { weights.output(0), value }), { 0, 2, 1, 3 });
    return linear(step("Reshape", { mixed, shape({ -1, tokens, width }) }), outWeight, outBias);
}

} // namespace pare::onnx_export
