#include "data/DatasetImpl.h"
#include "model/ModelImpl.h"
#include "prune/Magnitude.h"
#include "prune/StructuredPruning.h"

#include "pare/Error.h"
#include "pare/Pruning.h"
#include "pare/Sensitivity.h"

#include <algorithm>
#include <cmath>

namespace pare {
namespace {

struct PrunableWeight
{
    std::string layer;
    torch::Tensor weight;
    torch::Tensor mask; ///< float 0/1, the weight's shape
};

std::vector<PrunableWeight> prunableWeights(const torch::jit::Module& module)
{
    std::vector<PrunableWeight> weights;
    for (auto& w : layerWeights(module))
        weights.push_back({ w.layer, w.weight, torch::ones_like(w.weight) });
    return weights;
}

/// Sets every layer's mask for an overall sparsity `ratio`.
void computeMasks(std::vector<PrunableWeight>& weights, const PruneOptions& options, double ratio)
{
    torch::NoGradGuard noGrad;
    if (options.method == PruneMethod::MagnitudeLayer) {
        // `ratio` is where the schedule is now; named layers move along the same curve towards their own target.
        const double progress = options.ratio > 0 ? ratio / options.ratio : 0.0;
        for (auto& w : weights) {
            const auto named = options.layerRatios.find(w.layer);
            const double layerRatio = named == options.layerRatios.end() ? ratio : named->second * progress;
            w.mask = layerMagnitudeMask(w.weight, layerRatio);
        }
        return;
    }
    // One threshold across all layers: the magnitude below which `ratio` of all weights lie.
    std::vector<torch::Tensor> all;
    int64_t total = 0;
    for (const auto& w : weights) {
        all.push_back(w.weight.abs().flatten());
        total += w.weight.numel();
    }
    const int64_t keepTotal = total - std::llround(ratio * double(total));
    const auto magnitudes = torch::cat(all);
    const auto globalMask = topMagnitudes(magnitudes, keepTotal);
    int64_t offset = 0;
    for (auto& w : weights) {
        const int64_t n = w.weight.numel();
        auto mask = globalMask.slice(0, offset, offset + n).view_as(w.weight).clone();
        offset += n;
        const int64_t floor = std::max<int64_t>(1, std::llround(options.layerFloor * double(n)));
        if (mask.sum().item<int64_t>() < floor)
            mask = topMagnitudes(w.weight.abs(), floor);
        w.mask = mask;
    }
}

void applyMasks(std::vector<PrunableWeight>& weights)
{
    torch::NoGradGuard noGrad;
    for (auto& w : weights)
        w.weight.mul_(w.mask);
}

/// Zhu & Gupta (2017): s_t = s_f * (1 - (1 - t/n)^3) for pruning step t of n.
double cubicSparsity(double target, int step, int steps)
{
    const double progress = std::clamp(double(step) / double(steps), 0.0, 1.0);
    return target * (1.0 - std::pow(1.0 - progress, 3.0));
}

/// Structured pruning removes channels at once (the module changes shape), then fine-tunes the smaller model.
PruneResult pruneFiltersAndFineTune(Model& model,
                                    const Dataset& data,
                                    const PruneOptions& options,
                                    const TrainProgressCallback& progress,
                                    const CancelFlag* cancel)
{
    if (options.schedule != PruneSchedule::OneShot)
        throw InputError("schedule: channels are removed one-shot (gradual applies to the magnitude methods)");
    // Activation ranking measures on calibration batches of the training split (never the test split).
    const bool byActivation = options.method == PruneMethod::Activation;
    const auto& images = data.impl().trainImages;
    const auto calibration = byActivation
        ? images.slice(0, std::min<int64_t>(options.calibrationImages, images.count()))
        : torch::Tensor();
    const auto outcome = structured::pruneFilters(
        model, options.ratio, data.info().sampleShape,
        byActivation ? std::optional(options.activationCriterion) : std::nullopt, calibration);
    PruneResult result;
    if (options.finetune.epochs > 0)
        result.finetune = train(model, data, options.finetune, progress, cancel);
    result.layers = outcome.layers;
    result.removedChannels = outcome.removed;
    result.keptBy = outcome.keptBy;
    result.renormalized = outcome.renormalized;
    for (const auto& heads : outcome.headsRemoved)
        result.headsRemoved.push_back({ heads.layer, heads.removed, heads.of });
    for (const auto& layer : result.layers) {
        result.weights += layer.weights;
        result.nonzero += layer.nonzero;
    }
    return result;
}

} // namespace

std::vector<LayerSparsity> measureSparsity(const Model& model)
{
    std::vector<LayerSparsity> layers;
    torch::NoGradGuard noGrad;
    for (const auto& w : prunableWeights(model.impl().module))
        layers.push_back({ w.layer, w.weight.numel(), w.weight.count_nonzero().item<int64_t>() });
    return layers;
}

PruneResult prune(Model& model,
                  const Dataset& data,
                  const PruneOptions& options,
                  const TrainProgressCallback& progress,
                  const CancelFlag* cancel)
{
    requireFloatModel(model.impl(), "prune");
    requireFiniteWeights(model.impl(), "pruned");
    if (!(options.ratio >= 0.0 && options.ratio < 1.0))
        throw InputError("ratio: must be in [0, 1)");
    if (options.gradualSteps < 1)
        throw InputError("gradual pruning needs at least one step");
    checkCompatible(model, data);
    const auto layers = layerWeights(model.impl().module);
    for (const auto& [layer, r] : options.layerRatios) {
        if (!(r >= 0.0 && r < 1.0))
            throw InputError("ratio of layer " + layer + ": must be in [0, 1)");
        if (std::none_of(layers.begin(), layers.end(), [&](const LayerWeight& w) { return w.layer == layer; }))
            throw inputError(model.origin(), "a ratio for layer '" + layer + "', which the model does not have");
    }
    if (isStructured(options.method)) {
        if (options.allocate != Allocation::Uniform)
            throw InputError("allocate: sensitivity applies to the magnitude methods, not to structured pruning");
        return pruneFiltersAndFineTune(model, data, options, progress, cancel);
    }
    if (options.allocate == Allocation::Sensitivity) {
        // Per-layer ratios with the least predicted loss for the overall ratio, then layer-wise pruning to them.
        const auto sensitivity = analyzeSensitivity(model, data, SensitivityOptions {}, cancel);
        PruneOptions allocated = options;
        allocated.method = PruneMethod::MagnitudeLayer;
        allocated.allocate = Allocation::Uniform;
        allocated.layerRatios.clear();
        for (const auto& [layer, r] : allocateRatios(sensitivity, options.ratio))
            allocated.layerRatios[layer] = r;
        auto result = prune(model, data, allocated, progress, cancel);
        result.allocatedRatios = allocated.layerRatios;
        return result;
    }

    auto weights = prunableWeights(model.impl().module);
    if (weights.empty())
        throw inputError(model.origin(), "has no convolution or linear weights to prune");

    TrainHooks hooks;
    hooks.beforeOptimizerStep = [&weights](int64_t, int64_t) {
        torch::NoGradGuard noGrad;
        for (auto& w : weights)
            if (w.weight.grad().defined())
                w.weight.mutable_grad().mul_(w.mask);
    };
    int pruningStep = 0;
    hooks.afterOptimizerStep = [&](int64_t step, int64_t totalSteps) {
        if (options.schedule == PruneSchedule::Gradual) {
            // Prune at evenly spaced steps over the first 75% of training; the rest fine-tunes at the target.
            const int64_t window = std::max<int64_t>(1, totalSteps * 3 / 4);
            const int64_t interval = std::max<int64_t>(1, window / options.gradualSteps);
            if (pruningStep < options.gradualSteps && (step + 1) % interval == 0) {
                ++pruningStep;
                computeMasks(weights, options, cubicSparsity(options.ratio, pruningStep, options.gradualSteps));
            }
        }
        applyMasks(weights);
    };

    const bool gradual = options.schedule == PruneSchedule::Gradual && options.finetune.epochs > 0;
    if (!gradual) {
        computeMasks(weights, options, options.ratio);
        applyMasks(weights);
    }
    PruneResult result;
    if (options.finetune.epochs > 0)
        result.finetune = train(model, data, options.finetune, progress, cancel, hooks);
    if (gradual && !result.finetune.cancelled && pruningStep < options.gradualSteps) {
        // Too few steps to reach every pruning step (a tiny data set): finish at the target.
        computeMasks(weights, options, options.ratio);
        applyMasks(weights);
    }
    result.layers = measureSparsity(model);
    for (const auto& layer : result.layers) {
        result.weights += layer.weights;
        result.nonzero += layer.nonzero;
    }
    return result;
}

torch::Tensor topMagnitudes(const torch::Tensor& magnitudes, int64_t keep)
{
    auto mask = torch::zeros_like(magnitudes);
    keep = std::clamp<int64_t>(keep, 0, magnitudes.numel());
    if (keep > 0) {
        const auto top = std::get<1>(magnitudes.flatten().topk(keep, /*dim=*/0, /*largest=*/true, /*sorted=*/false));
        mask.view(-1).index_fill_(0, top, 1.0);
    }
    return mask;
}

torch::Tensor layerMagnitudeMask(const torch::Tensor& weight, double ratio)
{
    torch::NoGradGuard noGrad;
    const int64_t n = weight.numel();
    return topMagnitudes(weight.abs(), std::max<int64_t>(1, n - std::llround(ratio * double(n))));
}

} // namespace pare
