// Each operator below follows its definition in the ONNX operator specification (opset 13), with the defaults the
// specification gives for attributes left out. Broadcasting is numpy's, which ATen's element-wise operators share.

#include "io/OnnxReference.h"

#include "pare/Error.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <set>

namespace pare::onnx_reference {
namespace {

using Values = std::map<std::string, torch::Tensor>;

const std::set<std::string> kCovered { "Add",
                                       "Sub",
                                       "Mul",
                                       "Div",
                                       "Pow",
                                       "Relu",
                                       "Sigmoid",
                                       "Tanh",
                                       "Erf",
                                       "Sqrt",
                                       "LeakyRelu",
                                       "Conv",
                                       "Gemm",
                                       "MatMul",
                                       "MaxPool",
                                       "AveragePool",
                                       "GlobalAveragePool",
                                       "Flatten",
                                       "Reshape",
                                       "Transpose",
                                       "Concat",
                                       "Split",
                                       "BatchNormalization",
                                       "ReduceMean",
                                       "Softmax",
                                       "LogSoftmax",
                                       "Shape",
                                       "Gather",
                                       "Expand",
                                       "Slice",
                                       "Pad" };

torch::Tensor fromProto(const onnx::TensorProto& t, const std::string& origin)
{
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    int64_t count = 1;
    for (auto d : dims)
        count *= d;
    const auto type = t.data_type() == onnx::TensorProto::INT64 ? torch::kLong : torch::kFloat;
    if (t.data_type() != onnx::TensorProto::INT64 && t.data_type() != onnx::TensorProto::FLOAT)
        throw inputError(origin, "the ONNX reference evaluator reads float and int64 tensors only (" + t.name() + ")");
    const size_t bytes = size_t(count) * (type == torch::kLong ? sizeof(int64_t) : sizeof(float));
    auto out = torch::empty(dims, type);
    if (t.has_raw_data()) {
        if (t.raw_data().size() != bytes)
            throw inputError(origin, "ONNX tensor " + t.name() + " holds fewer bytes than its shape needs");
        std::memcpy(out.data_ptr(), t.raw_data().data(), bytes);
    } else if (type == torch::kFloat && t.float_data_size() == count) {
        std::memcpy(out.data_ptr(), t.float_data().data(), bytes);
    } else if (type == torch::kLong && t.int64_data_size() == count) {
        std::memcpy(out.data_ptr(), t.int64_data().data(), bytes);
    } else {
        throw inputError(origin, "ONNX tensor " + t.name() + " holds no data the evaluator reads");
    }
    return out;
}

const onnx::AttributeProto* find(const onnx::NodeProto& node, const char* name)
{
    for (const auto& a : node.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

int64_t intAttr(const onnx::NodeProto& node, const char* name, int64_t fallback)
{
    const auto* a = find(node, name);
    return a ? a->i() : fallback;
}

float floatAttr(const onnx::NodeProto& node, const char* name, float fallback)
{
    const auto* a = find(node, name);
    return a ? a->f() : fallback;
}

std::vector<int64_t> intsAttr(const onnx::NodeProto& node, const char* name, std::vector<int64_t> fallback)
{
    const auto* a = find(node, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

/// ONNX pads are all begins then all ends; ATen pads symmetrically, so uneven pads are applied first.
torch::Tensor
padded(const torch::Tensor& x, const std::vector<int64_t>& pads, std::vector<int64_t>& symmetric, double value)
{
    const size_t n = pads.size() / 2;
    symmetric.assign(n, 0);
    bool even = true;
    for (size_t i = 0; i < n; ++i)
        even = even && pads[i] == pads[i + n];
    if (even) {
        for (size_t i = 0; i < n; ++i)
            symmetric[i] = pads[i];
        return x;
    }
    std::vector<int64_t> aten; // last dimension first, (begin, end) pairs
    for (size_t i = n; i-- > 0;) {
        aten.push_back(pads[i]);
        aten.push_back(pads[i + n]);
    }
    return torch::constant_pad_nd(x, aten, value);
}

} // namespace

struct Graph::Impl
{
    onnx::ModelProto model;
    Values initializers;
    std::string origin;

    torch::Tensor input(const Values& values, const onnx::NodeProto& node, int i) const
    {
        if (i >= node.input_size() || node.input(i).empty())
            return {};
        const auto it = values.find(node.input(i));
        if (it == values.end())
            throw inputError(origin,
                             "ONNX node " + node.name() + " reads " + node.input(i) + ", which nothing computes");
        return it->second;
    }

    std::vector<torch::Tensor> apply(const onnx::NodeProto& node, const Values& values) const
    {
        const auto& op = node.op_type();
        auto x = [&](int i) { return input(values, node, i); };
        if (op == "Add")
            return { x(0) + x(1) };
        if (op == "Sub")
            return { x(0) - x(1) };
        if (op == "Mul")
            return { x(0) * x(1) };
        if (op == "Div")
            return { x(0) / x(1) };
        if (op == "Pow")
            return { torch::pow(x(0), x(1)) };
        if (op == "Relu")
            return { torch::relu(x(0)) };
        if (op == "Sigmoid")
            return { torch::sigmoid(x(0)) };
        if (op == "Tanh")
            return { torch::tanh(x(0)) };
        if (op == "Erf")
            return { torch::erf(x(0)) };
        if (op == "Sqrt")
            return { torch::sqrt(x(0)) };
        if (op == "LeakyRelu")
            return { torch::leaky_relu(x(0), floatAttr(node, "alpha", 0.01f)) };
        if (op == "Conv") {
            const auto w = x(1);
            const auto spatial = size_t(w.dim() - 2);
            std::vector<int64_t> pads;
            const auto in = padded(x(0), intsAttr(node, "pads", std::vector<int64_t>(2 * spatial, 0)), pads, 0.0);
            return { torch::conv2d(in, w, x(2), intsAttr(node, "strides", std::vector<int64_t>(spatial, 1)), pads,
                                   intsAttr(node, "dilations", std::vector<int64_t>(spatial, 1)),
                                   intAttr(node, "group", 1)) };
        }
        if (op == "Gemm") {
            auto a = intAttr(node, "transA", 0) ? x(0).t() : x(0);
            auto b = intAttr(node, "transB", 0) ? x(1).t() : x(1);
            auto y = floatAttr(node, "alpha", 1.0f) * torch::matmul(a, b);
            if (const auto c = x(2); c.defined())
                y = y + floatAttr(node, "beta", 1.0f) * c;
            return { y };
        }
        if (op == "MatMul")
            return { torch::matmul(x(0), x(1)) };
        if (op == "MaxPool" || op == "AveragePool") {
            const auto kernel = intsAttr(node, "kernel_shape", {});
            const auto strides = intsAttr(node, "strides", std::vector<int64_t>(kernel.size(), 1));
            const bool ceil = intAttr(node, "ceil_mode", 0) != 0;
            std::vector<int64_t> pads;
            const double fill = op == "MaxPool" ? -std::numeric_limits<double>::infinity() : 0.0;
            const auto in
                = padded(x(0), intsAttr(node, "pads", std::vector<int64_t>(2 * kernel.size(), 0)), pads, fill);
            if (op == "MaxPool")
                return { torch::max_pool2d(in, kernel, strides, pads, intsAttr(node, "dilations", { 1, 1 }), ceil) };
            return { torch::avg_pool2d(in, kernel, strides, pads, ceil, intAttr(node, "count_include_pad", 0) != 0) };
        }
        if (op == "GlobalAveragePool") {
            std::vector<int64_t> dims;
            for (int64_t d = 2; d < x(0).dim(); ++d)
                dims.push_back(d);
            return { x(0).mean(dims, /*keepdim=*/true) };
        }
        if (op == "Flatten") {
            const auto t = x(0);
            auto axis = intAttr(node, "axis", 1);
            axis = axis < 0 ? axis + t.dim() : axis;
            int64_t outer = 1;
            for (int64_t d = 0; d < axis; ++d)
                outer *= t.size(d);
            return { t.reshape({ outer, -1 }) };
        }
        if (op == "Reshape") {
            const auto t = x(0);
            const auto shapeTensor = x(1).contiguous();
            std::vector<int64_t> shape(shapeTensor.data_ptr<int64_t>(),
                                       shapeTensor.data_ptr<int64_t>() + shapeTensor.numel());
            for (size_t d = 0; d < shape.size(); ++d)
                if (shape[d] == 0 && !intAttr(node, "allowzero", 0)) // 0 copies the input's size there
                    shape[d] = t.size(int64_t(d));
            return { t.reshape(shape) };
        }
        if (op == "Transpose") {
            const auto t = x(0);
            std::vector<int64_t> reversed;
            for (int64_t d = t.dim(); d-- > 0;)
                reversed.push_back(d);
            return { t.permute(intsAttr(node, "perm", reversed)).contiguous() };
        }
        if (op == "Concat") {
            std::vector<torch::Tensor> parts;
            for (int i = 0; i < node.input_size(); ++i)
                parts.push_back(x(i));
            return { torch::cat(parts, intAttr(node, "axis", 0)) };
        }
        if (op == "Split") {
            const auto t = x(0);
            const auto axis = intAttr(node, "axis", 0);
            std::vector<int64_t> sizes;
            if (const auto s = x(1); s.defined())
                sizes.assign(s.data_ptr<int64_t>(), s.data_ptr<int64_t>() + s.numel());
            else
                sizes.assign(size_t(node.output_size()), t.size(axis) / node.output_size());
            return torch::split_with_sizes(t, sizes, axis);
        }
        if (op == "BatchNormalization") {
            const auto t = x(0);
            std::vector<int64_t> channel(size_t(t.dim()), 1);
            channel[1] = t.size(1);
            const auto eps = floatAttr(node, "epsilon", 1e-5f);
            return { (t - x(3).reshape(channel)) / torch::sqrt(x(4).reshape(channel) + eps) * x(1).reshape(channel)
                     + x(2).reshape(channel) };
        }
        if (op == "ReduceMean") {
            const auto t = x(0);
            std::vector<int64_t> all;
            for (int64_t d = 0; d < t.dim(); ++d)
                all.push_back(d);
            return { t.mean(intsAttr(node, "axes", all), intAttr(node, "keepdims", 1) != 0) };
        }
        if (op == "Softmax")
            return { torch::softmax(x(0), intAttr(node, "axis", -1)) };
        if (op == "LogSoftmax")
            return { torch::log_softmax(x(0), intAttr(node, "axis", -1)) };
        if (op == "Shape")
            return { torch::tensor(x(0).sizes().vec(), torch::kLong) };
        if (op == "Gather") { // indices of any rank; a scalar index removes the axis
            const auto t = x(0);
            auto axis = intAttr(node, "axis", 0);
            axis = axis < 0 ? axis + t.dim() : axis;
            const auto indices = x(1).to(torch::kLong);
            const auto wrapped = torch::where(indices < 0, indices + t.size(axis), indices);
            auto shape = t.sizes().vec();
            shape.erase(shape.begin() + axis);
            const auto picked = t.index_select(axis, wrapped.reshape({ -1 }));
            auto out = shape;
            const auto idx = indices.sizes().vec();
            out.insert(out.begin() + axis, idx.begin(), idx.end());
            return { picked.reshape(out) };
        }
        if (op == "Pad") { // constant mode; pads as an input, all begins then all ends, the value an optional input
            const auto t = x(0);
            const auto p = x(1).contiguous();
            const std::vector<int64_t> pads(p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + p.numel());
            const std::string constantMode = "constant"; // ONNX's attribute value, not an option of Pare's
            if ((find(node, "mode") ? find(node, "mode")->s() : constantMode) != constantMode)
                throw inputError(origin, "the ONNX reference evaluator covers constant padding only");
            std::vector<int64_t> aten; // last dimension first
            for (int64_t d = t.dim(); d-- > 0;) {
                aten.push_back(pads[size_t(d)]);
                aten.push_back(pads[size_t(d + t.dim())]);
            }
            const double value = node.input_size() > 2 && !node.input(2).empty() ? x(2).item<double>() : 0.0;
            return { torch::constant_pad_nd(t, aten, value) };
        }
        if (op == "Expand") { // numpy broadcasting of the input and the shape, either side may be 1
            const auto t = x(0);
            const auto s = x(1).contiguous();
            std::vector<int64_t> shape(s.data_ptr<int64_t>(), s.data_ptr<int64_t>() + s.numel());
            const auto rank = std::max<int64_t>(t.dim(), int64_t(shape.size()));
            shape.insert(shape.begin(), size_t(rank) - shape.size(), 1);
            for (int64_t d = 0; d < rank; ++d) {
                const int64_t own = d - (rank - t.dim()) >= 0 ? t.size(d - (rank - t.dim())) : 1;
                shape[size_t(d)] = shape[size_t(d)] == 1 ? own : shape[size_t(d)];
            }
            return { t.expand(shape).contiguous() };
        }
        if (op == "Slice") { // starts, ends, axes, steps as inputs; ends past the size are clamped
            auto t = x(0);
            auto list = [&](int i, int64_t fallback, size_t n) {
                const auto v = x(i);
                if (!v.defined())
                    return std::vector<int64_t>(n, fallback);
                const auto c = v.to(torch::kLong).contiguous();
                return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
            };
            const auto starts = list(1, 0, 0), ends = list(2, 0, 0);
            auto axes = list(3, 0, starts.size());
            if (!x(3).defined())
                for (size_t i = 0; i < axes.size(); ++i)
                    axes[i] = int64_t(i);
            const auto steps = list(4, 1, starts.size());
            for (size_t i = 0; i < starts.size(); ++i) {
                const auto axis = axes[i] < 0 ? axes[i] + t.dim() : axes[i];
                const auto size = t.size(axis);
                if (steps[i] != 1)
                    throw inputError(origin, "the ONNX reference evaluator covers Slice with step 1 only");
                auto clampIndex = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + size : v, 0, size); };
                const auto begin = clampIndex(starts[i]), end = clampIndex(ends[i]);
                t = t.narrow(axis, begin, std::max<int64_t>(end - begin, 0));
            }
            return { t.contiguous() };
        }
        throw inputError(origin, "the ONNX reference evaluator does not cover operator " + op);
    }
};

Graph::Graph(const std::string& onnxBytes, const std::string& origin)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->origin = origin;
    if (!m_impl->model.ParseFromString(onnxBytes))
        throw inputError(origin, "the ONNX export does not parse as an ONNX model");
    const auto& graph = m_impl->model.graph();
    if (graph.input_size() < 1 || graph.output_size() < 1)
        throw inputError(origin, "the ONNX export has no input or no output");
    for (const auto& node : graph.node()) {
        if (!node.domain().empty() && node.domain() != "ai.onnx")
            throw inputError(origin, "the ONNX reference evaluator does not cover domain " + node.domain());
        if (!kCovered.count(node.op_type()))
            throw inputError(origin, "the ONNX reference evaluator does not cover operator " + node.op_type());
    }
    for (const auto& t : graph.initializer())
        m_impl->initializers[t.name()] = fromProto(t, origin);
}

Graph::~Graph() = default;

torch::Tensor Graph::run(const torch::Tensor& input) const
{
    torch::NoGradGuard noGrad;
    const auto& graph = m_impl->model.graph();
    Values values = m_impl->initializers;
    values[graph.input(0).name()] = input.to(torch::kFloat);
    for (const auto& node : graph.node()) {
        const auto outputs = m_impl->apply(node, values);
        if (int(outputs.size()) < node.output_size())
            throw inputError(m_impl->origin, "ONNX node " + node.name() + " has more outputs than it computes");
        for (int i = 0; i < node.output_size(); ++i)
            values[node.output(i)] = outputs[size_t(i)];
    }
    const auto it = values.find(graph.output(0).name());
    if (it == values.end())
        throw inputError(m_impl->origin, "nothing in the ONNX export computes its output " + graph.output(0).name());
    return it->second;
}

} // namespace pare::onnx_reference
