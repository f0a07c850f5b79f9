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

} // namespace pare::onnx_export
