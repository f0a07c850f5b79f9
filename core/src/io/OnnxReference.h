#pragma once

// A second, independent evaluator of the ONNX graphs Pare writes, for the graphs OpenCV 4.6 DNN cannot read or run
// (LayerNorm written out with broadcasting between computed tensors, squeeze-and-excitation gates). Written from the
// ONNX operator specifications (opset 13), one operator at a time; it reads the serialized graph only, not the
// TorchScript module or the exporter's mapping, and uses ATen for the arithmetic.

#include <torch/script.h>

#include <string>

namespace pare::onnx_reference {

class Graph
{
public:
    /// Parses `onnxBytes`; throws InputError naming `origin` when it is not a model, or uses an operator or an
    /// attribute this evaluator does not cover (naming it).
    Graph(const std::string& onnxBytes, const std::string& origin);
    ~Graph();
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;

    /// The graph's first output for `input` ([batch, C, H, W], float).
    [[nodiscard]] torch::Tensor run(const torch::Tensor& input) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace pare::onnx_reference
