#pragma once

// ONNX export from a module's frozen TorchScript graph (LibTorch 1.13 has no C++ exporter).

#include "model/ModelImpl.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pare::onnx_export {

/// The shape of every tensor of a frozen graph, from a run at batch 1 and one at batch 2 (io/OnnxModel.cpp): a
/// reshape whose sizes are computed at run time (a channel shuffle's, a vision transformer's) becomes a constant
/// shape with -1 where the batch enters, and adaptive pooling knows what it pools from.
struct ProbedShapes
{
    std::map<torch::jit::Value*, std::vector<int64_t>> one, two;
    /// Numbers computed from sizes alone that are the same at batch 1 and 2 (attention's 1/sqrt(head width)).
    std::map<torch::jit::Value*, c10::IValue> numbers;
    /// Nodes that only compute the sizes of reshapes (aten::size, arithmetic on it, their lists): not exported.
    std::set<const torch::jit::Node*> sizeOnly;
};

/// Resolves the branches (prim::If) whose condition depends only on constants and tensors' sizes, as they go for
/// input of shape [1|2, C,H,W]: scripted PyTorch code checks shapes and picks a fast path for inference this way
/// (nn.MultiheadAttention), and ONNX export of a graph for one input shape needs none of it. A branch that depends
/// on what a tensor holds is left alone.
void specializeBranches(torch::jit::Module& frozen,
                        std::shared_ptr<torch::jit::Graph> graph,
                        const std::vector<int64_t>& inputShape,
                        const std::string& origin);

/// Runs `graph` (the forward of `frozen`, after the exporter's passes) on zeros of [1,C,H,W] and [2,C,H,W].
/// Throws InputError naming `origin` when it does not run.
[[nodiscard]] ProbedShapes probeShapes(torch::jit::Module& frozen,
                                       const std::shared_ptr<torch::jit::Graph>& graph,
                                       const std::vector<int64_t>& inputShape,
                                       const std::string& origin);

/// Converts each node of `graph` into `proto` (io/OnnxExport.cpp); throws InputError naming `origin` and the first
/// node it does not cover.
void convertGraph(const std::string& origin,
                  onnx::GraphProto& proto,
                  const std::shared_ptr<torch::jit::Graph>& graph,
                  const std::vector<int64_t>& inputShape,
                  const std::vector<int64_t>& outputShape,
                  const ProbedShapes& shapes);

/// A serialized onnx::ModelProto (opset 13) whose input "input" is [batch, C, H, W] with a dynamic batch dimension
/// and whose output "logits" is the module's output. Throws InputError naming `origin` and the first graph node it
/// does not cover; it then changes nothing.
[[nodiscard]] std::string exportModel(const Model::Impl& model, const std::vector<int64_t>& inputShape);

} // namespace pare::onnx_export
