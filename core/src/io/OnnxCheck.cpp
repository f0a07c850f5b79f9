// ONNX exports checked in a runtime that shares no code with LibTorch: OpenCV's DNN module, or, where OpenCV 4.6
// cannot read or run a valid graph (LayerNorm written out, squeeze-and-excitation gates), Pare's reference evaluator.

#include "data/BatchStream.h"
#include "io/OnnxReference.h"
#include "model/ModelImpl.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/Onnx.h"

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <functional>

namespace pare {
namespace {

using Evaluate = std::function<torch::Tensor(const torch::Tensor&)>;
using Batches = std::function<void(const std::function<void(const torch::Tensor&)>&)>;

class QuietOpenCvLog
{
public:
    QuietOpenCvLog()
        : m_level(cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT))
    {
    }
    ~QuietOpenCvLog() { cv::utils::logging::setLogLevel(m_level); }
    QuietOpenCvLog(const QuietOpenCvLog&) = delete;
    QuietOpenCvLog& operator=(const QuietOpenCvLog&) = delete;

private:
    cv::utils::logging::LogLevel m_level;
};

std::string firstLineOf(const std::string& text)
{
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

torch::Tensor runInOpenCv(cv::dnn::Net& net, const torch::Tensor& input)
{
    std::vector<int> sizes(input.sizes().begin(), input.sizes().end());
    const cv::Mat blob(static_cast<int>(sizes.size()), sizes.data(), CV_32F, input.data_ptr<float>());
    net.setInput(blob);
    const cv::Mat out = net.forward();
    return torch::from_blob(const_cast<float*>(out.ptr<float>()),
                            { input.size(0), int64_t(out.total()) / input.size(0) }, torch::kFloat)
        .clone();
}

void compareBatch(const Evaluate& evaluate,
                  torch::jit::Module& module,
                  const torch::Tensor& batch,
                  bool channelsLast,
                  OnnxCheck& check)
{
    const auto input = batch.contiguous();
    // The ONNX file takes what the model's own file took: NHWC for a model imported from such a graph.
    const auto other
        = evaluate(channelsLast ? input.permute({ 0, 2, 3, 1 }).contiguous() : input).reshape({ input.size(0), -1 });
    const auto torchOut = forward(module, input);
    check.maxAbsLogitDifference = std::max(check.maxAbsLogitDifference, (torchOut - other).abs().max().item<double>());
    const auto a = torchOut.argmax(1);
    const auto b = other.argmax(1);
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

OnnxCheck check(const std::string& onnxBytes, const Model& model, const Batches& batches, bool referenceOnly = false)
{
    auto& module = model.impl().module;
    module.eval();
    const bool channelsLast = model.record().layout == InputLayout::Nhwc;
    torch::InferenceMode inference;
    OnnxCheck result;
    if (referenceOnly)
        result.evaluator = OnnxEvaluator::Reference;
    else
        try {
            // OpenCV logs the node it fails on before it throws; the error says it once, in its own words.
            const QuietOpenCvLog quiet;
            auto net = cv::dnn::readNetFromONNX(onnxBytes.data(), onnxBytes.size());
            net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
            net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
            const Evaluate evaluate = [&](const torch::Tensor& input) { return runInOpenCv(net, input); };
            batches([&](const torch::Tensor& batch) { compareBatch(evaluate, module, batch, channelsLast, result); });
            return result;
        } catch (const cv::Exception& e) { // OpenCV 4.6 cannot read, or reads but cannot run, some valid graphs
            result = {};
            result.evaluator = OnnxEvaluator::Reference;
            result.openCvProblem = firstLineOf(e.what());
        }
    const onnx_reference::Graph graph(onnxBytes, model.origin());
    const Evaluate evaluate = [&](const torch::Tensor& input) { return graph.run(input); };
    try {
        batches([&](const torch::Tensor& batch) { compareBatch(evaluate, module, batch, channelsLast, result); });
    } catch (const c10::Error& e) { // a graph Pare wrote that does not compute: Pare's fault, said in one line
        throw ExportMismatch(model.origin() + ": the ONNX graph Pare built does not run in the reference evaluator ("
                             + conciseTorchError(e) + "); nothing was written");
    }
    return result;
}

} // namespace

const char* onnxEvaluatorName(OnnxEvaluator evaluator)
{
    return evaluator == OnnxEvaluator::OpenCv ? "opencv" : "reference";
}

OnnxCheck
checkOnnxWithOpenCv(const std::string& onnxBytes, const Model& model, const Dataset& data, int64_t count, Split split)
{
    const auto& images = data.impl().images(split);
    const int64_t n = count > 0 ? std::min(count, images.count()) : images.count();
    return check(onnxBytes, model, [&](const std::function<void(const torch::Tensor&)>& each) {
        auto batches = BatchStream::sequential(images, 0, n, inferenceBatchFor(images.valuesPerImage()));
        for (size_t b = 0; b < batches.size(); ++b)
            each(batches.next());
    });
}

OnnxCheck
checkOnnxWithOpenCvOnRandomInputs(const std::string& onnxBytes, const Model& model, int64_t count, uint64_t seed)
{
    const auto& shape = model.record().inputShape;
    if (shape.size() != 3)
        throw inputError(model.origin(), "has no input shape to check its ONNX export with");
    auto generator = seededGenerator(seed);
    const auto inputs = torch::randn({ count, shape[0], shape[1], shape[2] }, generator);
    return check(onnxBytes, model, [&](const std::function<void(const torch::Tensor&)>& each) { each(inputs); });
}

OnnxCheck checkOnnxWithReference(const std::string& onnxBytes, const Model& model, const Dataset& data, int64_t count)
{
    const auto& images = data.impl().images(Split::Test);
    const int64_t n = count > 0 ? std::min(count, images.count()) : images.count();
    return check(
        onnxBytes, model,
        [&](const std::function<void(const torch::Tensor&)>& each) {
            auto batches = BatchStream::sequential(images, 0, n, inferenceBatchFor(images.valuesPerImage()));
            for (size_t b = 0; b < batches.size(); ++b)
                each(batches.next());
        },
        /*referenceOnly=*/true);
}

} // namespace pare
