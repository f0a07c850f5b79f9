// ONNX exports checked in OpenCV's DNN module, a runtime that shares no code with LibTorch.

#include "data/DatasetImpl.h"
#include "model/ModelImpl.h"

#include "pare/Error.h"
#include "pare/Onnx.h"

#include <opencv2/dnn.hpp>

namespace pare {
namespace {

cv::dnn::Net readNet(const std::string& onnxBytes, const std::string& origin)
{
    try {
        auto net = cv::dnn::readNetFromONNX(onnxBytes.data(), onnxBytes.size());
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        return net;
    } catch (const cv::Exception& e) {
        throw inputError(origin, std::string("OpenCV DNN cannot read the ONNX export: ") + e.what());
    }
}

void compareBatch(cv::dnn::Net& net,
                  torch::jit::Module& module,
                  const torch::Tensor& batch,
                  OnnxCheck& check,
                  const std::string& origin)
{
    const auto input = batch.contiguous();
    std::vector<int> sizes(input.sizes().begin(), input.sizes().end());
    const cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, input.data_ptr<float>());
    net.setInput(blob);
    cv::Mat out;
    try {
        out = net.forward();
    } catch (const cv::Exception& e) { // OpenCV 4.6 reads some valid graphs it then cannot run
        throw inputError(origin, std::string("OpenCV DNN cannot run the ONNX export: ") + e.what());
    }
    const auto opencv = torch::from_blob(const_cast<float*>(out.ptr<float>()),
                                         { input.size(0), int64_t(out.total()) / input.size(0) }, torch::kFloat)
                            .clone();
    const auto torchOut = forward(module, input);
    check.maxAbsLogitDifference = std::max(check.maxAbsLogitDifference, (torchOut - opencv).abs().max().item<double>());
    const auto a = torchOut.argmax(1);
    const auto b = opencv.argmax(1);
    const auto same = a.eq(b);
    check.sameTopOne += same.sum().item<int64_t>();
    check.images += input.size(0);
    for (int64_t i = 0; i < input.size(0); ++i)
        if (!same[i].item<bool>()) {
            const double gap = std::abs(torchOut[i][a[i]].item<double>() - torchOut[i][b[i]].item<double>());
            if (gap < 1e-3)
                ++check.nearTieDifferences;
        }
}

} // namespace

OnnxCheck
checkOnnxWithOpenCv(const std::string& onnxBytes, const Model& model, const Dataset& data, int64_t count, Split split)
{
    auto net = readNet(onnxBytes, model.origin());
    const auto& images = data.impl().images(split);
    const int64_t n = count > 0 ? std::min(count, images.size(0)) : images.size(0);
    auto& module = model.impl().module;
    module.eval();
    torch::InferenceMode inference;
    OnnxCheck check;
    for (int64_t begin = 0; begin < n; begin += kInferenceBatch)
        compareBatch(net, module, images.slice(0, begin, std::min(n, begin + kInferenceBatch)), check, model.origin());
    return check;
}

OnnxCheck
checkOnnxWithOpenCvOnRandomInputs(const std::string& onnxBytes, const Model& model, int64_t count, uint64_t seed)
{
    const auto& shape = model.record().inputShape;
    if (shape.size() != 3)
        throw inputError(model.origin(), "has no input shape to check its ONNX export with");
    auto net = readNet(onnxBytes, model.origin());
    auto& module = model.impl().module;
    module.eval();
    torch::InferenceMode inference;
    auto generator = seededGenerator(seed);
    const auto inputs = torch::randn({ count, shape[0], shape[1], shape[2] }, generator);
    OnnxCheck check;
    compareBatch(net, module, inputs, check, model.origin());
    return check;
}

} // namespace pare
