#include "data/DatasetImpl.h"
#include "model/ModelImpl.h"
#include "quant/Int8.h"
#include "quant/WeightLevels.h"

#include "pare/Distillation.h"
#include "pare/Error.h"
#include "pare/Pipeline.h"
#include "pare/Quantization.h"
#include "pare/Sensitivity.h"

#include <algorithm>
#include <cmath>

namespace pare {
namespace {

/// The weight as rows of quantization groups: one row per output channel, or a single row.
torch::Tensor groups(const torch::Tensor& w, bool perChannel)
{
    return perChannel ? w.reshape({ w.size(0), -1 }) : w.reshape({ 1, -1 });
}

/// Affine levels between min and max (both widened to include 0), zero point rounded so 0 is a level.
torch::Tensor quantizeUniform(const torch::Tensor& w, int bits, bool perChannel)
{
    const auto x = groups(w, perChannel);
    const double steps = std::pow(2.0, bits) - 1.0;
    const auto low = std::get<0>(x.min(1, true)).clamp_max(0.0);
    const auto high = std::get<0>(x.max(1, true)).clamp_min(0.0);
    auto scale = (high - low) / steps;
    scale = torch::where(scale > 0, scale, torch::ones_like(scale));
    const auto zeroPoint = (-low / scale).round();
    const auto q = ((x / scale).round() + zeroPoint).clamp(0.0, steps);
    return ((q - zeroPoint) * scale).reshape(w.sizes()).add_(0.0); // + 0.0 turns the -0.0 of q == zeroPoint into 0
}

/// Levels symmetric around zero: +-(2^(bits-1) - 1) steps of max|w| / that; one bit keeps sign times mean magnitude.
torch::Tensor quantizeSymmetric(const torch::Tensor& w, int bits, bool perChannel)
{
    const auto x = groups(w, perChannel);
    const auto magnitude = x.abs();
    if (bits == 1) {
        const auto nonzero = (x != 0).to(x.scalar_type());
        const auto mean = magnitude.sum(1, true) / nonzero.sum(1, true).clamp_min(1.0);
        return (x.sign() * mean).reshape(w.sizes());
    }
    const double steps = std::pow(2.0, bits - 1) - 1.0;
    auto scale = std::get<0>(magnitude.max(1, true)) / steps;
    scale = torch::where(scale > 0, scale, torch::ones_like(scale));
    // + 0.0 turns the -0.0 that small negative weights round to into 0, which the masks and .pare treat as pruned.
    return ((x / scale).round().clamp(-steps, steps) * scale).reshape(w.sizes()).add_(0.0);
}

/// A layer's k-means codebook (Deep Compression): centroids over its non-zero weights, initialized evenly between
/// their minimum and maximum, refined by Lloyd's iterations; zeros are kept out of the clusters and stay zero.
struct Codebook
{
    torch::Tensor centroids;  ///< [K]
    torch::Tensor assignment; ///< cluster of every weight, flattened; -1 for zeros
};

torch::Tensor nearestCentroid(const torch::Tensor& values, const torch::Tensor& sortedCentroids)
{
    // In one dimension the nearest centroid is found by the midpoints between sorted centroids.
    const auto midpoints = (sortedCentroids.slice(0, 1) + sortedCentroids.slice(0, 0, -1)) / 2;
    return torch::bucketize(values, midpoints);
}

Codebook buildCodebook(const torch::Tensor& w, int bits)
{
    const auto flat = w.flatten();
    const auto nonzero = flat != 0;
    const auto values = flat.masked_select(nonzero);
    Codebook book;
    book.assignment = torch::full({ flat.numel() }, -1, torch::kInt64);
    if (values.numel() == 0) {
        book.centroids = torch::zeros({ 1 });
        return book;
    }
    const int64_t k = std::min<int64_t>(int64_t(1) << bits, values.numel());
    auto centroids = torch::linspace(values.min().item<float>(), values.max().item<float>(), k);
    torch::Tensor index;
    for (int iteration = 0; iteration < 25; ++iteration) {
        index = nearestCentroid(values, centroids);
        const auto sums = torch::zeros({ k }).index_add_(0, index, values);
        const auto counts = torch::zeros({ k }).index_add_(0, index, torch::ones_like(values));
        const auto updated = torch::where(counts > 0, sums / counts.clamp_min(1.0), centroids);
        const bool converged = torch::allclose(updated, centroids);
        centroids = std::get<0>(updated.sort());
        if (converged)
            break;
    }
    book.centroids = centroids;
    book.assignment.masked_scatter_(nonzero, nearestCentroid(values, centroids));
    return book;
}

torch::Tensor applyCodebook(const torch::Tensor& w, const Codebook& book)
{
    const auto index = book.assignment.clamp_min(0);
    const auto shared = book.centroids.index_select(0, index).masked_fill(book.assignment < 0, 0.0);
    return shared.reshape(w.sizes());
}

/// Centroids moved to the mean of the (float, fine-tuned) weights assigned to them.
void refitCentroids(Codebook& book, const torch::Tensor& shadow)
{
    const auto flat = shadow.flatten();
    const auto member = book.assignment >= 0;
    const auto index = book.assignment.masked_select(member);
    const auto values = flat.masked_select(member);
    const int64_t k = book.centroids.size(0);
    const auto sums = torch::zeros({ k }).index_add_(0, index, values);
    const auto counts = torch::zeros({ k }).index_add_(0, index, torch::ones_like(values));
    book.centroids = torch::where(counts > 0, sums / counts.clamp_min(1.0), book.centroids);
}

int64_t distinctValues(const torch::Tensor& w, bool perChannel)
{
    const auto x = groups(w, perChannel);
    int64_t most = 0;
    for (int64_t g = 0; g < x.size(0); ++g)
        most = std::max<int64_t>(most, std::get<0>(at::_unique(x[g])).numel());
    return most;
}

struct QuantizedLayer
{
    LayerWeight weight;
    torch::Tensor shadow; ///< the float weights fine-tuning updates (straight-through estimator)
    torch::Tensor keep;   ///< 1 where the weight was not zero
    Codebook book;
    int bits = 32;
    [[nodiscard]] bool kmeans(QuantScheme scheme) const { return scheme == QuantScheme::KMeans && bits <= 8; }
};

} // namespace

torch::Tensor quantizedWeights(const torch::Tensor& w, int bits, QuantScheme scheme, bool perChannel)
{
    torch::NoGradGuard noGrad;
    QuantizedLayer layer;
    layer.bits = bits;
    if (bits == 32)
        return w.clone();
    if (bits == 16)
        return w.to(torch::kHalf).to(torch::kFloat);
    if (layer.kmeans(scheme))
        return applyCodebook(w, buildCodebook(w, bits));
    return scheme == QuantScheme::Symmetric ? quantizeSymmetric(w, bits, perChannel)
                                            : quantizeUniform(w, bits, perChannel);
}

QuantizeResult quantizeWeights(Model& model,
                               const Dataset& data,
                               const QuantizeOptions& options,
                               const TrainProgressCallback& progress,
                               const CancelFlag* cancel)
try {
    const auto validBits = [](int b) { return (b >= 1 && b <= 8) || b == 16 || b == 32; };
    if (!validBits(options.bits))
        throw InputError("bits: expected 1..8, 16 (fp16) or 32 (none), got " + std::to_string(options.bits));
    for (const auto& [layer, b] : options.layerBits)
        if (!validBits(b))
            throw InputError("bits of layer " + layer + ": expected 1..8, 16 (fp16) or 32 (none), got "
                             + std::to_string(b));
    const bool quantizeActivations = options.activationBits != 32;
    requireFiniteWeights(model.impl(), "quantized");
    if (quantizeActivations && (options.activationBits < 1 || options.activationBits > 8))
        throw InputError("activation bits: expected 1..8, or 32 for float activations, got "
                         + std::to_string(options.activationBits));
    if (options.engine) {
        const auto implied = QuantizeOptions::forEngine(*options.engine);
        if (options.bits != implied.bits || options.scheme != implied.scheme || !options.perChannel
            || options.activationBits != implied.activationBits || !options.layerBits.empty() || options.biasFp16)
            throw InputError(
                std::string("engine ") + optionName(*options.engine)
                + ": the int8 engine runs 8-bit symmetric per-channel weights and 8-bit activations (bits "
                  "8, scheme symmetric, per channel, activation bits 8, no per-layer bits, no fp16 biases)");
        int8::useEngine(*options.engine, model.origin());
    }
    if (options.allocate == Allocation::Sensitivity) {
        if (!options.layerBits.empty() || options.engine || options.bits < 1 || options.bits > 8)
            throw InputError("allocate sensitivity: chooses per-layer bits averaging 1..8 bits itself; it does not "
                             "combine with per-layer bits or an int8 engine");
        // Measured on the model as it is, with the scheme it will be quantized with; then quantized with those bits.
        SensitivityOptions measure;
        measure.ratios.clear();
        measure.scheme = options.scheme;
        measure.perChannel = options.perChannel;
        const auto sensitivity = analyzeSensitivity(model, data, measure, cancel);
        if (sensitivity.cancelled || (cancel && cancel->isRequested())) {
            QuantizeResult cancelled;
            cancelled.finetune.cancelled = true;
            return cancelled;
        }
        // Layers' errors compound, which the sum of single-layer losses does not predict: the best predicted
        // allocations are measured (post-training, on the analysis's images) and the most accurate one is kept.
        QuantizeOptions allocated = options;
        allocated.allocate = Allocation::Uniform;
        allocated.finetune.epochs = 0;
        double bestAccuracy = -1.0;
        std::map<std::string, int> bestBits;
        const double average = options.averageBits > 0.0 ? options.averageBits : double(options.bits);
        for (const auto& candidate : allocateBits(sensitivity, average, /*candidates=*/8)) {
            allocated.layerBits = std::map<std::string, int>(candidate.begin(), candidate.end());
            auto copy = model.clone();
            (void)quantizeWeights(copy, data, allocated);
            const auto accuracy = evaluate(copy, data, sensitivity.split).accuracy;
            if (accuracy > bestAccuracy) {
                bestAccuracy = accuracy;
                bestBits = allocated.layerBits;
            }
        }
        allocated.layerBits = bestBits;
        allocated.finetune = options.finetune;
        return quantizeWeights(model, data, allocated, progress, cancel);
    }
    requireFloatModel(model.impl(), "quantize");
    if (options.finetune.epochs > 0 || quantizeActivations)
        checkCompatible(model, data);
    if (quantizeActivations && int8::hasQuantizedActivations(model.impl().module))
        throw inputError(model.origin(), "its activations are already quantized");
    if (quantizeActivations) {
        // The forward graph gets fake-quantize nodes: the module must own its class type, which a deepcopy shares
        // with the model it was copied from.
        torch::NoGradGuard noGrad;
        auto& module = model.impl().module;
        module = module.clone();
        for (auto p : module.parameters())
            p.requires_grad_(true);
    }

    std::vector<QuantizedLayer> layers;
    const auto weights = layerWeights(model.impl().module);
    for (const auto& [layer, b] : options.layerBits)
        if (std::none_of(weights.begin(), weights.end(), [&](const LayerWeight& w) { return w.layer == layer; }))
            throw inputError(model.origin(), "bits for layer '" + layer + "', which the model does not have");
    for (const auto& w : weights) {
        const auto named = options.layerBits.find(w.layer);
        layers.push_back({ w,
                           torch::Tensor(),
                           torch::Tensor(),
                           {},
                           named == options.layerBits.end() ? options.bits : named->second });
    }
    auto quantize = [&](QuantizedLayer& layer, const torch::Tensor& source) -> torch::Tensor {
        const int bits = layer.bits;
        if (bits == 32)
            return source.clone();
        if (bits == 16)
            return source.to(torch::kHalf).to(torch::kFloat);
        if (layer.kmeans(options.scheme))
            return applyCodebook(source, layer.book);
        return options.scheme == QuantScheme::Symmetric ? quantizeSymmetric(source, bits, options.perChannel)
                                                        : quantizeUniform(source, bits, options.perChannel);
    };

    QuantizeResult result;
    {
        torch::NoGradGuard noGrad;
        for (auto& layer : layers) {
            const auto& w = layer.weight.weight;
            layer.shadow = w.detach().clone();
            layer.keep = (w != 0).to(torch::kFloat);
            if (layer.kmeans(options.scheme))
                layer.book = buildCodebook(layer.shadow, layer.bits);
            const auto q = quantize(layer, layer.shadow);
            LayerQuantization report;
            report.name = layer.weight.layer;
            report.bits = layer.bits;
            report.weights = w.numel();
            report.maxAbsError = (q - layer.shadow).abs().max().item<double>();
            w.copy_(q);
            result.layers.push_back(report);
        }
    }

    if (quantizeActivations) {
        // Calibrated on the quantized weights, on a seeded sample of the training images.
        const auto& images = data.impl().trainImages;
        const int64_t count = std::min<int64_t>(std::max<int64_t>(options.calibrationImages, 1), images.count());
        auto generator = seededGenerator(options.finetune.seed);
        const auto sample = images.gather(torch::randperm(images.count(), generator, torch::kLong).slice(0, 0, count));
        // oneDNN on a CPU without VNNI (AVX2, like the machine this was measured on) multiplies uint8 activations by
        // int8 weights with vpmaddubsw, whose int16 sum of two products saturates above 32,767: with activations on all
        // 256 levels, a ViT's patch convolution came out up to 25 steps wrong in 13% of its outputs, and top-1
        // agreed with the fake-quantized model on 93% of images. On 128 levels (7 bits of range, PyTorch's
        // reduce_range) no such sum can saturate (2 x 127 x 127 = 32,258), so the fake-quantized model is what runs.
        const int calibratedBits = options.engine == Int8Engine::OneDnn ? 7 : options.activationBits;
        result.activations = int8::quantizeActivations(
            model.impl().module, sample, { calibratedBits, options.calibration, options.percentile }, model.origin());
    }

    if (options.finetune.epochs > 0) {
        // Straight-through estimator: gradients are taken at the quantized weights, applied to float shadows, and
        // the weights are quantized again from the shadows after every step.
        TrainHooks hooks;
        hooks.beforeOptimizerStep = [&](int64_t, int64_t) {
            torch::NoGradGuard noGrad;
            for (auto& layer : layers) {
                auto& w = layer.weight.weight;
                if (w.grad().defined())
                    w.mutable_grad().mul_(layer.keep);
                w.copy_(layer.shadow);
            }
        };
        hooks.afterOptimizerStep = [&](int64_t, int64_t) {
            torch::NoGradGuard noGrad;
            for (auto& layer : layers) {
                auto& w = layer.weight.weight;
                layer.shadow.copy_(w.mul_(layer.keep));
                if (layer.kmeans(options.scheme))
                    refitCentroids(layer.book, layer.shadow);
                w.copy_(quantize(layer, layer.shadow));
            }
        };
        result.finetune = train(model, data, options.finetune, progress, cancel, hooks);
    }
    torch::NoGradGuard noGrad;
    if (options.biasFp16 && !result.finetune.cancelled)
        for (const auto& named : model.impl().module.named_modules())
            for (const auto& layer : layers)
                if (named.name == layer.weight.layer && layer.bits != 32 && named.value.hasattr("bias")
                    && named.value.attr("bias").isTensor()) {
                    auto bias = named.value.attr("bias").toTensor();
                    bias.copy_(bias.to(torch::kHalf).to(torch::kFloat));
                }
    for (size_t i = 0; i < layers.size(); ++i)
        result.layers[i].distinctValues
            = distinctValues(layers[i].weight.weight, options.perChannel && !layers[i].kmeans(options.scheme));
    if (options.engine && !result.finetune.cancelled) {
        model.impl().int8
            = int8::lowerToInt8(model.impl().module, *options.engine, data.info().sampleShape, model.origin());
        // The record carries the engine; a model without one gets the input contract of the data it was calibrated on.
        auto record = model.record().present ? model.record() : recordFromData(data.info());
        record.int8Engine = options.engine;
        model.setRecord(record);
        for (const auto& w : layerWeights(model.impl().module))
            result.convolutions += w.weight.dim() == 4 ? 1 : 0;
        for (const auto& op : int8::operations(*model.impl().int8))
            result.loweredConvolutions += op.op.rfind("quantized::conv", 0) == 0 ? 1 : 0;
        if (data.size(Split::Test) > 0) {
            auto fakeQuantized = model.clone();
            fakeQuantized.impl().int8.reset();
            result.int8Agreement = topOneAgreement(fakeQuantized, model, data, Split::Test);
        }
    }
    return result;
} catch (...) {
    rethrowAsModelFailure(model.origin(), "quantizing");
}

std::vector<Int8Operation> int8Operations(const Model& model)
{
    return int8::operations(executable(model.impl()));
}

std::vector<Int8Engine> int8Engines()
{
    std::vector<Int8Engine> engines;
    for (const auto engine : at::globalContext().supportedQEngines()) {
        if (engine == at::QEngine::ONEDNN)
            engines.push_back(Int8Engine::OneDnn);
        else if (engine == at::QEngine::QNNPACK)
            engines.push_back(Int8Engine::Qnnpack);
    }
    return engines;
}

} // namespace pare
