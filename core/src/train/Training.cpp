#include "data/Augmentation.h"
#include "data/BatchStream.h"
#include "model/ModelImpl.h"
#include "train/TrainLoop.h"

#include "pare/Error.h"
#include "pare/Training.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

namespace pare {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double learningRateAt(const TrainOptions& options, double base, int64_t step, int64_t totalSteps)
{
    const double progress = totalSteps > 0 ? double(step) / double(totalSteps) : 0.0;
    switch (options.schedule) {
    case LrSchedule::Cosine:
        return base * 0.5 * (1.0 + std::cos(M_PI * progress));
    case LrSchedule::Step:
        return base * (progress < 0.5 ? 1.0 : progress < 0.75 ? 0.1 : 0.01);
    case LrSchedule::Constant:
        break;
    }
    return base;
}

std::unique_ptr<torch::optim::Optimizer>
makeOptimizer(const TrainOptions& options, double rate, std::vector<torch::Tensor> parameters)
{
    if (options.optimizer == Optimizer::Adam) {
        const double decay = options.weightDecay >= 0 ? options.weightDecay : 0.0;
        return std::make_unique<torch::optim::Adam>(std::move(parameters),
                                                    torch::optim::AdamOptions(rate).weight_decay(decay));
    }
    const double decay = options.weightDecay >= 0 ? options.weightDecay : 5e-4;
    return std::make_unique<torch::optim::SGD>(
        std::move(parameters), torch::optim::SGDOptions(rate).momentum(options.momentum).weight_decay(decay));
}

/// Moves every 4-D parameter (convolution weights) to `format`, in place, so the module keeps its own tensors.
void setWeightLayout(const std::vector<torch::Tensor>& parameters, at::MemoryFormat format)
{
    for (const auto& p : parameters)
        if (p.dim() == 4)
            p.set_data(p.data().contiguous(format));
}

/// Channels-last (NHWC) is the layout oneDNN's convolutions and LibTorch's pooling kernels are fastest in on CPU:
/// measured in bench/, LeNet-5 trains ~40% faster than in NCHW. Memory layout does not change results, but a model
/// may `view` a conv output in a way only NCHW allows, so one trial batch decides, and NCHW stays the fallback.
bool tryChannelsLast(torch::jit::Module& module,
                     const std::vector<torch::Tensor>& parameters,
                     const torch::Tensor& sample)
{
    if (sample.dim() != 4 || std::getenv("PARE_NCHW"))
        return false;
    setWeightLayout(parameters, at::MemoryFormat::ChannelsLast);
    try {
        torch::NoGradGuard noGrad;
        module.eval();
        forward(module, sample.contiguous(at::MemoryFormat::ChannelsLast));
        return true;
    } catch (const std::exception&) {
        setWeightLayout(parameters, at::MemoryFormat::Contiguous);
        return false;
    }
}

} // namespace

Augmentation augmentationFor(const TrainOptions& options, const Dataset& data)
{
    if (options.augment)
        return *options.augment;
    return data.info().kind == "image-folder" ? Augmentation::CropFlip : Augmentation::None;
}

TrainResult train(Model& model,
                  const Dataset& data,
                  const TrainOptions& options,
                  const TrainProgressCallback& progress,
                  const CancelFlag* cancel,
                  const TrainHooks& hooks)
{
    const BatchLoss crossEntropy
        = [](const torch::Tensor&, const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor&,
             int) { return torch::nn::functional::cross_entropy(logits, labels); };
    return trainWithLoss(model, data, options, crossEntropy, progress, cancel, hooks);
}

TrainResult trainWithLoss(Model& model,
                          const Dataset& data,
                          const TrainOptions& options,
                          const BatchLoss& batchLoss,
                          const TrainProgressCallback& progress,
                          const CancelFlag* cancel,
                          const TrainHooks& hooks)
try {
    requireFloatModel(model.impl(), "train");
    if (options.epochs < 0)
        throw InputError("epochs: must not be negative");
    if (options.batchSize < 1)
        throw InputError("batch size: must be at least 1");
    checkCompatible(model, data);

    auto& module = model.impl().module;
    const auto& images = data.impl().trainImages;
    const auto& labels = data.impl().trainLabels;
    const int64_t count = images.count();
    const int64_t batches = (count + options.batchSize - 1) / options.batchSize;
    const int64_t totalSteps = batches * options.epochs;
    const double baseRate = options.learningRate > 0 ? options.learningRate
        : options.optimizer == Optimizer::Adam       ? 1e-3
                                                     : 0.02;

    std::vector<torch::Tensor> parameters;
    for (auto p : module.parameters()) {
        p.requires_grad_(true);
        parameters.push_back(p);
    }
    const bool channelsLast = tryChannelsLast(module, parameters, images.slice(0, 2));
    const auto layout = channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    auto optimizer = makeOptimizer(options, baseRate, parameters);
    auto generator = seededGenerator(options.seed ^ 0x9e3779b97f4a7c15ULL);
    // Crops and flips drawn here, on this thread, a whole epoch at a time in the order the images come: the same
    // for a seed whether the batches are gathered in memory or decoded ahead on another thread.
    std::mt19937_64 augmentRandom(options.seed ^ 0x5bd1e9955bd1e995ULL);
    const bool cropFlip = count > 0 && augmentationFor(options, data) == Augmentation::CropFlip;
    const auto stored = cropFlip ? images.pixelsIn(0, 1).sizes().vec() : std::vector<int64_t> {};
    const auto augmentation = [&]() -> BatchStream::PixelTransform {
        if (!cropFlip)
            return {};
        // The pixels as stored, before any conversion to the model's size (IDX and CIFAR keep their own).
        const int channels = int(stored[1]), height = int(stored[2]), width = int(stored[3]);
        auto draws = std::make_shared<std::vector<data::CropFlip>>();
        for (int64_t i = 0; i < count; ++i)
            draws->push_back(data::drawCropFlip(height, width, augmentRandom));
        const int64_t batchSize = options.batchSize;
        return [draws, batchSize, channels, height, width](torch::Tensor& pixels, size_t batch) {
            // Gathered pixels are a fresh tensor this batch owns; changing them leaves the stored images alone.
            uint8_t* image = pixels.data_ptr<uint8_t>();
            const int64_t bytes = int64_t(channels) * height * width;
            for (int64_t i = 0; i < pixels.size(0); ++i)
                data::applyCropFlip(image + i * bytes, channels, height, width,
                                    (*draws)[size_t(int64_t(batch) * batchSize + i)]);
        };
    };

    TrainResult result;
    int64_t step = 0;
    for (int epoch = 1; epoch <= options.epochs && !result.cancelled; ++epoch) {
        EpochReport report;
        report.epoch = epoch;
        const auto order = torch::randperm(count, generator, torch::kInt64);
        std::vector<torch::Tensor> batchIndices;
        for (int64_t batch = 0; batch < batches; ++batch)
            batchIndices.push_back(
                order.slice(0, batch * options.batchSize, std::min(count, (batch + 1) * options.batchSize)));
        BatchStream stream(images, std::move(batchIndices), augmentation());
        module.train();
        double lossSum = 0.0;
        int64_t lossImages = 0;
        const auto epochStart = Clock::now();
        for (int64_t batch = 0; batch < batches; ++batch) {
            if (cancel && cancel->isRequested()) {
                result.cancelled = true;
                break;
            }
            const double rate = learningRateAt(options, baseRate, step, totalSteps);
            for (auto& group : optimizer->param_groups())
                group.options().set_lr(rate);
            const auto& index = stream.indices(size_t(batch));
            const auto x = stream.next().contiguous(layout);
            const auto y = labels.index_select(0, index);
            optimizer->zero_grad();
            const auto loss = batchLoss(x, forward(module, x, model.record().output), y, index, epoch);
            loss.backward();
            if (hooks.beforeOptimizerStep)
                hooks.beforeOptimizerStep(step, totalSteps);
            optimizer->step();
            if (hooks.afterOptimizerStep)
                hooks.afterOptimizerStep(step, totalSteps);
            ++step;
            ++result.batchesRun;
            result.imagesSeen += x.size(0);
            lossSum += loss.item<double>() * double(x.size(0));
            lossImages += x.size(0);
            if (progress) {
                const double elapsed = result.trainSeconds + secondsSince(epochStart);
                TrainProgress p;
                p.epoch = epoch;
                p.epochs = options.epochs;
                p.batch = batch + 1;
                p.batches = batches;
                p.loss = lossSum / double(lossImages);
                p.imagesPerSecond = double(result.imagesSeen) / std::max(elapsed, 1e-9);
                p.etaSeconds = elapsed / double(step) * double(totalSteps - step);
                p.learningRate = rate;
                progress(p);
            }
        }
        report.seconds = secondsSince(epochStart);
        result.trainSeconds += report.seconds;
        report.trainLoss = lossImages > 0 ? lossSum / double(lossImages) : 0.0;
        module.eval();
        if (options.validateEachEpoch && data.size(Split::Validation) > 0 && !result.cancelled) {
            const auto validation = evaluate(model, data, Split::Validation, kInferenceBatch, cancel);
            report.validationAccuracy = validation.accuracy;
            report.validationLoss = validation.loss;
        }
        if (lossImages > 0)
            result.epochs.push_back(report);
    }
    module.eval();
    for (auto& p : parameters)
        p.mutable_grad() = torch::Tensor();
    // Saved models keep PyTorch's usual NCHW weights.
    setWeightLayout(parameters, at::MemoryFormat::Contiguous);
    result.imagesPerSecond = result.trainSeconds > 0 ? double(result.imagesSeen) / result.trainSeconds : 0.0;
    return result;
} catch (...) {
    rethrowAsModelFailure(model.origin(), "training");
}

EvalResult evaluate(
    const Model& model, const Dataset& data, Split split, int64_t batchSize, const CancelFlag* cancel, int64_t limit)
try {
    auto& module = executable(model.impl());
    const auto& images = data.impl().images(split);
    const auto& labels = data.impl().labels(split);
    const int64_t classes = data.classCount();
    EvalResult result;
    if (images.count() == 0)
        return result;
    torch::InferenceMode inference;
    const bool wasTraining = module.is_training();
    module.eval();
    const auto start = Clock::now();
    auto confusion = torch::zeros({ classes * classes }, torch::kInt64);
    double lossSum = 0.0;
    int64_t correct = 0;
    const int64_t count = limit > 0 ? std::min(limit, images.count()) : images.count();
    const int64_t asked = batchSize;
    batchSize = std::min(batchSize, inferenceBatchFor(images.valuesPerImage())); // large inputs, smaller batches
    auto batches = BatchStream::sequential(images, 0, count, batchSize);
    for (size_t b = 0; b < batches.size(); ++b) {
        if (cancel && cancel->isRequested())
            break;
        const int64_t begin = int64_t(b) * batchSize;
        const int64_t end = std::min(count, begin + batchSize);
        const auto x = batches.next();
        const auto y = labels.slice(0, begin, end);
        const auto forwardStart = Clock::now();
        const auto logits = forward(module, x, model.record().output);
        if (end - begin == asked)
            result.fullBatchMs.push_back(secondsSince(forwardStart) * 1000.0);
        if (logits.dim() != 2 || logits.size(1) != classes)
            throw inputError(model.origin(),
                             "has " + std::to_string(logits.dim() == 2 ? logits.size(1) : logits.numel())
                                 + " outputs but the data set has " + std::to_string(classes) + " classes");
        lossSum += torch::nn::functional::cross_entropy(
                       logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        const auto predicted = logits.argmax(1);
        correct += predicted.eq(y).sum().item<int64_t>();
        confusion += torch::bincount(y * classes + predicted, {}, classes * classes);
        result.images += end - begin;
    }
    result.seconds = secondsSince(start);
    if (wasTraining)
        module.train();
    if (result.images == 0)
        return result;
    result.accuracy = double(correct) / double(result.images);
    result.loss = lossSum / double(result.images);
    result.imagesPerSecond = double(result.images) / std::max(result.seconds, 1e-9);
    const auto table = confusion.view({ classes, classes });
    result.confusion.assign(classes, std::vector<int64_t>(classes, 0));
    result.perClassAccuracy.assign(classes, 0.0);
    for (int64_t t = 0; t < classes; ++t) {
        int64_t row = 0;
        for (int64_t p = 0; p < classes; ++p) {
            result.confusion[t][p] = table[t][p].item<int64_t>();
            row += result.confusion[t][p];
        }
        result.perClassAccuracy[t] = row > 0 ? double(result.confusion[t][t]) / double(row) : 0.0;
    }
    return result;
} catch (...) {
    rethrowAsModelFailure(model.origin(), "evaluating");
}

std::vector<double> latencySamplesMs(
    const Model& model, const std::vector<int64_t>& inputShape, int64_t batch, int repeats, double maxSeconds)
{
    auto& module = executable(model.impl());
    torch::InferenceMode inference;
    module.eval();
    std::vector<int64_t> shape = inputShape;
    shape.insert(shape.begin(), batch);
    const auto input = torch::randn(shape);
    const auto started = Clock::now();
    for (int i = 0; i < 3; ++i) // warm-up: the JIT profiles and optimizes on the first runs
        forward(module, input);
    std::vector<double> times;
    while (int(times.size()) < repeats && (times.size() < 3 || secondsSince(started) < maxSeconds)) {
        const auto start = Clock::now();
        forward(module, input);
        times.push_back(secondsSince(start) * 1000.0);
    }
    return times;
}

LatencyResult measureLatency(const Model& model,
                             const std::vector<int64_t>& inputShape,
                             int repeats,
                             const std::vector<double>& measuredBatch256Ms)
try {
    LatencyResult result;
    auto median = [&](std::vector<double> times) {
        result.repeats = int(times.size());
        std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
        return times[times.size() / 2];
    };
    // Capped by time: a big model at batch 256 would otherwise cost more than the step it reports on.
    result.batch1Ms = median(latencySamplesMs(model, inputShape, 1, repeats, 2.0));
    // An evaluation's full batches are real forward passes at batch 256: on ConvNeXt-Tiny at 3x32x32 one takes about
    // 2 s, and running 6 more (3 warm-up, 3 timed) made a snapshot cost 20.9% of a fine-tuning epoch on 5,000 images
    // instead of 8.0-9.9%. Its first passes warm the JIT up; the median of at least 3 leaves them out where there are
    // few.
    if (measuredBatch256Ms.size() >= 3) {
        const size_t warmUp = measuredBatch256Ms.size() >= 6 ? 3 : 0;
        result.batch256Ms = median({ measuredBatch256Ms.begin() + warmUp, measuredBatch256Ms.end() });
    } else {
        result.batch256Ms = median(latencySamplesMs(model, inputShape, 256, repeats, 2.0));
    }
    return result;
} catch (...) {
    rethrowAsModelFailure(model.origin(), "its latency was measured");
}

void checkCompatible(const Model& model, const Dataset& data)
{
    const auto& shape = data.info().sampleShape;
    const std::string shapeText
        = "[" + std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "," + std::to_string(shape[2]) + "]";
    const auto& record = model.record();
    if (record.inputShape.size() == 3 && record.inputShape != shape)
        throw inputError(model.origin(),
                         "expects input [" + std::to_string(record.inputShape[0]) + ","
                             + std::to_string(record.inputShape[1]) + "," + std::to_string(record.inputShape[2])
                             + "] but the data gives " + shapeText);
    auto& module = executable(model.impl());
    torch::Tensor logits;
    {
        torch::InferenceMode inference;
        const bool wasTraining = module.is_training();
        module.eval();
        const auto& images = data.impl().testImages.count() > 0 ? data.impl().testImages : data.impl().trainImages;
        try {
            logits = forward(module, images.slice(0, 2), record.output);
        } catch (const OutputSelectionError& e) {
            throw inputError(model.origin(), e.what());
        } catch (const std::exception& e) {
            throw inputError(model.origin(),
                             "does not accept the data's samples of shape " + shapeText + ": " + conciseTorchError(e));
        }
        if (wasTraining)
            module.train();
    }
    const int64_t classes = data.classCount();
    if (logits.dim() != 2 || logits.size(1) != classes)
        throw inputError(model.origin(),
                         "outputs " + std::to_string(logits.dim() == 2 ? logits.size(1) : logits.numel())
                             + " values per sample but the data set has " + std::to_string(classes) + " classes");
}

} // namespace pare
