#pragma once

#include "pare/Dataset.h"

#include <cstdint>
#include <string>

namespace pare {

class Model;

/// How an ONNX export runs in OpenCV's DNN module (an independent runtime) next to LibTorch on the same inputs.
struct OnnxCheck
{
    int64_t images = 0;
    int64_t sameTopOne = 0;
    /// Images whose top-1 differs where LibTorch's two candidate logits are within 1e-3 of each other (a near-tie,
    /// which float rounding in another runtime may flip).
    int64_t nearTieDifferences = 0;
    double maxAbsLogitDifference = 0.0;
    [[nodiscard]] double agreement() const { return images > 0 ? double(sameTopOne) / double(images) : 0.0; }
};

/// Runs `onnxBytes` (Model::serialize(ModelFormat::Onnx)) in OpenCV DNN on the first `count` images of `split`
/// (0: all) and compares with `model` in LibTorch. Throws InputError when OpenCV cannot read the graph.
[[nodiscard]] OnnxCheck checkOnnxWithOpenCv(const std::string& onnxBytes,
                                            const Model& model,
                                            const Dataset& data,
                                            int64_t count = 0,
                                            Split split = Split::Test);

/// The same on `count` seeded random inputs of the model's record shape: for checking an export without data.
[[nodiscard]] OnnxCheck checkOnnxWithOpenCvOnRandomInputs(const std::string& onnxBytes,
                                                          const Model& model,
                                                          int64_t count = 16,
                                                          uint64_t seed = 0);

} // namespace pare
