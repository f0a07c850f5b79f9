#pragma once

// ONNX export from a module's frozen TorchScript graph (LibTorch 1.13 has no C++ exporter).

#include "model/ModelImpl.h"

#include <string>
#include <vector>

namespace pare::onnx_export {

/// A serialized onnx::ModelProto (opset 13) whose input "input" is [batch, C, H, W] with a dynamic batch dimension
/// and whose output "logits" is the module's output. Throws InputError naming `origin` and the first graph node it
/// does not cover; it then changes nothing.
[[nodiscard]] std::string exportModel(const Model::Impl& model, const std::vector<int64_t>& inputShape);

} // namespace pare::onnx_export
