#pragma once

#include "pare/Dataset.h"

#include <cstdint>
#include <string>

namespace pare {

class Model;

/// The runtime an ONNX export was checked in: OpenCV's DNN module, or, for a graph OpenCV 4.6 cannot read or run,
/// Pare's own reference evaluator (io/OnnxReference.cpp, written from the ONNX operator specifications).
enum class OnnxEvaluator
{
    OpenCv,
    Reference,
};

/// "opencv" or "reference", as `--json` writes it (`onnx_check`).
[[nodiscard]] const char* onnxEvaluatorName(OnnxEvaluator evaluator);

/// How an ONNX export runs in an independent runtime next to LibTorch on the same inputs.
struct OnnxCheck
{
    OnnxEvaluator evaluator = OnnxEvaluator::OpenCv;
    /// With the reference evaluator: why OpenCV DNN could not read or run the graph (its first line).
    std::string openCvProblem;
    int64_t images = 0;
    int64_t sameTopOne = 0;
    /// Images whose top-1 differs where LibTorch's two candidate logits are within 1e-3 of each other (a near-tie,
    /// which float rounding in another runtime may flip).
    int64_t nearTieDifferences = 0;
    double maxAbsLogitDifference = 0.0;
    [[nodiscard]] double agreement() const { return images > 0 ? double(sameTopOne) / double(images) : 0.0; }
};

/// Runs `onnxBytes` (Model::serialize(ModelFormat::Onnx)) in OpenCV DNN on the first `count` images of `split`
/// (0: all) and compares with `model` in LibTorch. Where OpenCV cannot read or run the graph, the reference evaluator
/// runs it instead, and the check says so. Throws InputError when neither can.
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

/// The reference evaluator alone on the first `count` test images (0: all), where OpenCV could run the graph too:
/// for comparing the two runtimes.
[[nodiscard]] OnnxCheck
checkOnnxWithReference(const std::string& onnxBytes, const Model& model, const Dataset& data, int64_t count = 0);

} // namespace pare
