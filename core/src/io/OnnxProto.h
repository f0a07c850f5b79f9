#pragma once

// Small builders of ONNX protobuf pieces for the exporter (io/OnnxExport.cpp).

#include <onnx/onnx_pb.h>
#include <torch/script.h>

#include <string>
#include <vector>

namespace pare::onnx_export {

/// An initializer: int64 tensors stay int64 (shapes), everything else is written as float.
inline void addTensor(onnx::GraphProto& graph, const std::string& name, const torch::Tensor& value)
{
    auto* init = graph.add_initializer();
    init->set_name(name);
    const auto t = value.contiguous();
    for (auto d : t.sizes())
        init->add_dims(d);
    if (t.scalar_type() == torch::kLong) {
        init->set_data_type(onnx::TensorProto::INT64);
        init->set_raw_data(t.data_ptr(), size_t(t.numel()) * sizeof(int64_t));
        return;
    }
    const auto f = t.to(torch::kFloat).contiguous();
    init->set_data_type(onnx::TensorProto::FLOAT);
    init->set_raw_data(f.data_ptr(), size_t(f.numel()) * sizeof(float));
}

inline void attr(onnx::NodeProto& n, const char* name, const std::vector<int64_t>& values)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto v : values)
        a->add_ints(v);
}

inline void attr(onnx::NodeProto& n, const char* name, int64_t value)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

inline void attr(onnx::NodeProto& n, const char* name, float value)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
}

inline void attr(onnx::NodeProto& n, const char* name, const std::string& value)
{
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(value);
}

/// ONNX pads are begin values then end values: [top, left, bottom, right].
inline std::vector<int64_t> pads2d(std::vector<int64_t> padding)
{
    if (padding.size() == 1)
        padding.push_back(padding[0]);
    return { padding[0], padding[1], padding[0], padding[1] };
}

inline std::vector<int64_t> pair(std::vector<int64_t> v)
{
    if (v.size() == 1)
        v.push_back(v[0]);
    return v;
}

/// Adds nodes and initializers to a graph under fresh names; the compound forms are ONNX operators written out in
/// ones OpenCV 4.6 reads, where it reads them (io/OnnxProto.cpp).
class GraphBuilder
{
public:
    explicit GraphBuilder(onnx::GraphProto& graph)
        : m_graph(graph)
    {
    }

    std::string fresh(const std::string& stem) { return stem + "_" + std::to_string(m_counter++); }
    void addInitializer(const std::string& name, const torch::Tensor& value) { addTensor(m_graph, name, value); }
    /// A node with one fresh output name.
    onnx::NodeProto& addNode(const std::string& op, const std::vector<std::string>& inputs);
    /// A node whose output no graph value names (a step of an operation written as several ONNX nodes).
    std::string step(const std::string& op, const std::vector<std::string>& inputs)
    {
        return addNode(op, inputs).output(0);
    }
    std::string scalar(float value);
    /// Transpose of the last two of four dimensions.
    std::string swapLast(const std::string& x);
    /// clamp(x, low, high) as low + Relu(x - low) - Relu(x - high): exact, and unlike Clip with its bounds as inputs
    /// (opset 11 on) it is a form OpenCV 4.6 reads.
    std::string clampByRelu(const std::string& x, float low, float high);
    /// hardsigmoid(x) = clamp(x / 6 + 1/2, 0, 1)
    std::string hardSigmoid(const std::string& x);
    /// gelu(x) = x * (1 + erf(x / sqrt 2)) / 2, the exact form.
    std::string gelu(const std::string& x);
    /// (x - mean) / sqrt(var + eps) over the last dimension, mean and var by ReduceMean (opset 13 has no
    /// LayerNormalization; OpenCV 4.6 cannot run this form, the reference evaluator checks it).
    std::string normalizedOverLast(const std::string& x, float eps);
    /// The graph input's batch size as a 1-element int64 tensor (Shape, then Gather), built once.
    std::string batchSize();
    /// An int64 shape tensor: `dims` with the run-time batch size where a dimension is -1.
    std::string shapeWithBatch(const std::vector<int64_t>& dims);
    /// Adaptive average pooling of a [N,C,H,W] map to `out` where the sizes do not divide: each output row averages
    /// input rows [floor(i*H/O), ceil((i+1)*H/O)), a linear map along each axis, written as two MatMuls with constant
    /// matrices (the constant second, the only form OpenCV 4.6 reads).
    std::string averagedBySums(const std::string& x, int64_t h, int64_t w, const std::vector<int64_t>& out);
    /// Self-attention over [N,L,E] tokens with `heads` heads, as PyTorch's multi-head attention computes it: packed
    /// query, key and value projections, softmax(q k^T / sqrt(E / heads)) v per head, then the output projection.
    std::string selfAttention(const std::string& x,
                              int64_t tokens,
                              int64_t heads,
                              const torch::Tensor& inWeight,
                              const torch::Tensor& inBias,
                              const torch::Tensor& outWeight,
                              const torch::Tensor& outBias);

protected:
    onnx::GraphProto& m_graph;

private:
    /// x @ W^T + b for any rank of x, W^T stored transposed.
    std::string linear(const std::string& x, const torch::Tensor& weight, const torch::Tensor& bias);

    int m_counter = 0;
    std::string m_batchSize;
};

} // namespace pare::onnx_export
