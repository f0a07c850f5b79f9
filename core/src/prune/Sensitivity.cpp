#include "data/BatchStream.h"
#include "model/ModelImpl.h"
#include "prune/Magnitude.h"
#include "quant/WeightLevels.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"
#include "pare/Sensitivity.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

namespace pare {
namespace {

/// Accuracy on the first `n` images of `x` (labels `y`), at inference batch size.
double accuracyOn(const Model& model, const ImageSplit& x, const torch::Tensor& y, int64_t n)
{
    auto& module = model.impl().module;
    module.eval();
    torch::InferenceMode inference;
    n = std::min(n, x.count());
    int64_t correct = 0;
    auto batches = BatchStream::sequential(x, 0, n, inferenceBatchFor(x.valuesPerImage()));
    for (size_t b = 0; b < batches.size(); ++b) {
        correct += forward(module, batches.next(), model.record().output)
                       .argmax(1)
                       .eq(y.index_select(0, batches.indices(b)))
                       .sum()
                       .item<int64_t>();
    }
    return n > 0 ? double(correct) / double(n) : 0.0;
}

/// `count` of `values`, evenly spread, the last (the strongest setting: the largest ratio, the fewest bits) always
/// among them; positions round((i + 1) * n / count) - 1.
template <typename T> std::vector<T> spread(const std::vector<T>& values, size_t count)
{
    if (count >= values.size())
        return values;
    std::vector<T> kept;
    for (size_t i = 0; i < count; ++i)
        kept.push_back(values[size_t(std::lround(double(i + 1) * double(values.size()) / double(count))) - 1]);
    return kept;
}

} // namespace

SensitivityResult analyzeSensitivity(const Model& model,
                                     const Dataset& data,
                                     const SensitivityOptions& options,
                                     const CancelFlag* cancel,
                                     const SensitivityProgress& progress)
try {
    checkCompatible(model, data);
    requireFiniteWeights(model.impl(), "analyzed for sensitivity");
    const auto started = std::chrono::steady_clock::now();
    SensitivityResult result;
    result.scheme = options.scheme;
    result.split = data.size(Split::Validation) > 0 ? Split::Validation : Split::Test;
    const int64_t available = data.size(result.split);
    const int64_t asked = options.images > 0 ? std::min(options.images, available) : available;
    // A streamed folder's evaluated images are decoded once, not at every point.
    const auto& split = data.impl().images(result.split);
    if (split.streamed())
        requireWithinBudget(split.files()->folder(), std::to_string(asked) + " images held for sensitivity",
                            checkedProduct({ asked, split.files()->decoding().bytesPerImage() }));
    const auto images = split.held(asked);
    const auto& labels = data.impl().labels(result.split);
    // One working copy for every point (see below), on which the baseline is measured too. With a time budget it is
    // evaluated twice and the second is timed: TorchScript's first runs of a module profile and optimize its graph
    // (DenseNet-121's first pass over 20 images took 5.5 times its second, and the plan sampled far more than
    // it needed to).
    auto copy = model.clone();
    auto baselineStart = std::chrono::steady_clock::now();
    result.baselineAccuracy = accuracyOn(copy, images, labels, asked);
    if (options.budgetSeconds > 0.0) {
        baselineStart = std::chrono::steady_clock::now();
        (void)accuracyOn(copy, images, labels, asked);
    }
    const double secondsPerImage
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - baselineStart).count()
        / double(std::max<int64_t>(asked, 1));

    const int64_t layerCount = int64_t(layerWeights(model.impl().module).size());
    const auto plan = planSensitivity(options, asked, layerCount, secondsPerImage);
    const auto gridSeconds = [&](int64_t n, size_t settings) {
        return double(layerCount) * double(settings) * double(n) * secondsPerImage;
    };
    auto& sampling = result.sampling;
    sampling.budgetSeconds = options.budgetSeconds;
    sampling.imagesAsked = asked;
    sampling.fullGridSeconds = gridSeconds(asked, options.ratios.size() + options.bits.size());
    sampling.plannedSeconds = gridSeconds(plan.images, plan.ratios.size() + plan.bits.size());
    sampling.sampled
        = plan.images < asked || plan.ratios.size() < options.ratios.size() || plan.bits.size() < options.bits.size();
    result.images = plan.images;
    result.ratios = plan.ratios;
    result.bits = plan.bits;
    if (plan.images < asked) // every point is compared with the baseline on the same images
        result.baselineAccuracy = accuracyOn(copy, images, labels, plan.images);
    const int64_t points = layerCount * int64_t(plan.ratios.size() + plan.bits.size());
    int64_t done = 0;

    // One working copy for every point: a point changes one layer's weight alone (pruned by magnitude, or put on
    // k-bit levels, exactly as prune and quantize do it), which is put back after it, rather than a clone and a
    // whole-model prune or quantize per point. The evaluations themselves (options.images per point) still
    // dominate: 386 s for the tests' 53-layer MobileNetV2 with the default 3,000, 36 s with 256.
    const auto copiedWeights = layerWeights(copy.impl().module);
    for (const auto& w : copiedWeights) {
        LayerSensitivity layer;
        layer.name = w.layer;
        layer.weights = w.weight.numel();
        torch::NoGradGuard noGrad;
        auto weight = w.weight.detach();
        const auto original = weight.clone();
        for (double ratio : result.ratios) {
            if (cancel && cancel->isRequested())
                break;
            weight.mul_(layerMagnitudeMask(original, ratio));
            layer.pruneAccuracy.push_back(accuracyOn(copy, images, labels, result.images));
            weight.copy_(original);
            if (progress)
                progress(++done, points);
        }
        for (int bits : result.bits) {
            if (cancel && cancel->isRequested())
                break;
            weight.copy_(quantizedWeights(original, bits, options.scheme, options.perChannel));
            layer.quantizeAccuracy.push_back(accuracyOn(copy, images, labels, result.images));
            weight.copy_(original);
            if (progress)
                progress(++done, points);
        }
        result.layers.push_back(std::move(layer));
    }
    result.cancelled = cancel && cancel->isRequested();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
} catch (...) {
    rethrowAsModelFailure(model.origin(), "its sensitivity was analyzed");
}

SensitivityPlan
planSensitivity(const SensitivityOptions& options, int64_t imagesAsked, int64_t layers, double secondsPerImage)
{
    SensitivityPlan plan { imagesAsked, options.ratios, options.bits };
    const size_t settings = options.ratios.size() + options.bits.size();
    if (options.budgetSeconds <= 0.0 || secondsPerImage <= 0.0 || layers <= 0 || settings == 0)
        return plan;
    const double perImageOfGrid = double(layers) * secondsPerImage; // one setting of every layer on one image
    if (double(settings) * double(imagesAsked) * perImageOfGrid <= options.budgetSeconds)
        return plan;
    // Fewer images first, down to the floor.
    const auto fitting = int64_t(std::floor(options.budgetSeconds / (double(settings) * perImageOfGrid)));
    const int64_t floor = std::min(kFewestSensitivityImages, imagesAsked);
    if (fitting >= floor) {
        plan.images = fitting;
        return plan;
    }
    // Then fewer settings at the floor, shared between ratios and bits as the options share them, one of each kept.
    plan.images = floor;
    const auto settingsFit
        = size_t(std::max(0.0, std::floor(options.budgetSeconds / (double(floor) * perImageOfGrid))));
    const size_t ratiosWanted = options.ratios.empty() ? 0 : 1, bitsWanted = options.bits.empty() ? 0 : 1;
    size_t ratioCount = std::max(
        ratiosWanted, size_t(std::lround(double(settingsFit) * double(options.ratios.size()) / double(settings))));
    ratioCount = std::min(ratioCount, options.ratios.size());
    const size_t bitCount
        = std::min(options.bits.size(), std::max(bitsWanted, settingsFit > ratioCount ? settingsFit - ratioCount : 0));
    plan.ratios = spread(options.ratios, ratioCount);
    plan.bits = spread(options.bits, bitCount);
    return plan;
}

namespace {

/// The least predicted loss under the bit budget, by dynamic programming over the budget in kUnits steps. Each
/// layer's cost is rounded up, so what is found always fits. Candidates: the optimum at the target and at budgets
/// 1%, 2%, ... smaller, each distinct allocation once.
std::vector<std::pair<double, std::vector<size_t>>> knapsackBits(const std::vector<std::vector<double>>& loss,
                                                                 const SensitivityResult& s,
                                                                 double total,
                                                                 double targetBits,
                                                                 int candidates)
{
    constexpr double kUnits = 16384;
    const size_t layers = loss.size(), options = s.bits.size();
    const double widest = double(*std::max_element(s.bits.begin(), s.bits.end()));
    const double scale = kUnits / (total * widest);
    std::vector<std::vector<int64_t>> cost(layers, std::vector<int64_t>(options));
    for (size_t l = 0; l < layers; ++l)
        for (size_t i = 0; i < options; ++i)
            cost[l][i] = int64_t(std::ceil(double(s.layers[l].weights) * s.bits[i] * scale - 1e-9));
    const auto fullBudget = int64_t(std::floor(targetBits * total * scale + 1e-9));
    constexpr double kNone = std::numeric_limits<double>::infinity();
    std::vector<std::pair<double, std::vector<size_t>>> found;
    for (int tighter = 0; tighter < 4 * std::max(candidates, 1) && int(found.size()) < std::max(candidates, 1);
         ++tighter) {
        const int64_t budget = fullBudget - fullBudget * tighter / 100;
        if (budget < 0)
            break;
        std::vector<double> lossAt(size_t(budget + 1), kNone), next;
        lossAt[0] = 0.0; // lossAt[u]: the least loss of the layers so far costing exactly u
        std::vector<std::vector<uint8_t>> choice(layers, std::vector<uint8_t>(size_t(budget + 1), 0));
        for (size_t l = 0; l < layers; ++l) {
            next.assign(size_t(budget + 1), kNone);
            for (int64_t u = 0; u <= budget; ++u)
                if (lossAt[size_t(u)] < kNone)
                    for (size_t i = 0; i < options; ++i) {
                        const int64_t v = u + cost[l][i];
                        if (v <= budget && lossAt[size_t(u)] + loss[l][i] < next[size_t(v)]) {
                            next[size_t(v)] = lossAt[size_t(u)] + loss[l][i];
                            choice[l][size_t(v)] = uint8_t(i);
                        }
                    }
            lossAt.swap(next);
        }
        const auto end = std::min_element(lossAt.begin(), lossAt.end());
        if (*end == kNone)
            break;
        std::vector<size_t> pick(layers);
        for (int64_t l = int64_t(layers) - 1, u = int64_t(end - lossAt.begin()); l >= 0; --l) {
            pick[size_t(l)] = choice[size_t(l)][size_t(u)];
            u -= cost[size_t(l)][pick[size_t(l)]];
        }
        if (std::none_of(found.begin(), found.end(), [&](const auto& f) { return f.second == pick; }))
            found.emplace_back(*end, std::move(pick));
    }
    std::sort(found.begin(), found.end());
    return found;
}

} // namespace

std::vector<std::vector<std::pair<std::string, int>>>
allocateBits(const SensitivityResult& s, double targetBits, int candidates)
{
    if (s.bits.empty())
        throw InputError("allocate sensitivity: the analysis measured no bit-widths");
    const size_t layers = s.layers.size();
    const size_t options = s.bits.size();
    double total = 0.0;
    for (const auto& layer : s.layers)
        total += double(layer.weights);
    // Predicted loss of a layer at a bit-width: what that layer alone lost, made non-increasing in the bits (a curve
    // that rises again as bits shrink is noise at this evaluation size).
    std::vector<std::vector<double>> loss(layers, std::vector<double>(options, 1.0));
    for (size_t l = 0; l < layers; ++l)
        for (size_t i = 0; i < options; ++i) {
            const auto& accuracy = s.layers[l].quantizeAccuracy;
            double worst = i < accuracy.size() ? s.baselineAccuracy - accuracy[i] : 1.0;
            for (size_t j = 0; j < options && j < accuracy.size(); ++j)
                if (s.bits[j] > s.bits[i])
                    worst = std::max(worst, s.baselineAccuracy - accuracy[j]);
            loss[l][i] = std::max(worst, 0.0);
        }
    // Few layers: every combination, keeping the best `candidates` whose average bits per weight fit the target.
    // More (a MobileNet has 52 convolutions): a knapsack over the bit budget.
    double combinations = 1.0;
    for (size_t l = 0; l < layers; ++l)
        combinations *= double(options);
    using Choice = std::pair<double, std::vector<size_t>>; // predicted loss, bit-width index per layer
    std::vector<Choice> best;
    if (combinations > 2e6)
        best = knapsackBits(loss, s, total, targetBits, candidates);
    std::vector<size_t> pick(layers, 0);
    const auto search = [&](auto&& self, size_t l, double bitWeights, double predicted) -> void {
        if (l == layers) {
            if (total > 0.0 && bitWeights / total > targetBits + 1e-9)
                return;
            best.emplace_back(predicted, pick);
            std::sort(best.begin(), best.end());
            if (best.size() > size_t(std::max(candidates, 1)))
                best.pop_back();
            return;
        }
        for (size_t i = 0; i < options; ++i) {
            pick[l] = i;
            self(self, l + 1, bitWeights + double(s.layers[l].weights) * s.bits[i], predicted + loss[l][i]);
        }
    };
    if (best.empty() && combinations <= 2e6)
        search(search, 0, 0.0, 0.0);
    if (best.empty())
        throw InputError("bits: an average of " + std::to_string(targetBits)
                         + " bits is fewer than the narrowest measured bit-width gives every layer");
    std::vector<std::vector<std::pair<std::string, int>>> allocations;
    for (const auto& [predicted, choice] : best) {
        std::vector<std::pair<std::string, int>> allocation;
        for (size_t l = 0; l < layers; ++l)
            allocation.emplace_back(s.layers[l].name, s.bits[choice[l]]);
        allocations.push_back(std::move(allocation));
    }
    return allocations;
}

std::vector<std::pair<std::string, double>> allocateRatios(const SensitivityResult& s, double target)
{
    struct Curve
    {
        std::vector<double> ratio { 0.0 }; ///< measured ratios, from 0
        std::vector<double> loss { 0.0 };  ///< accuracy lost, non-decreasing
        size_t at = 0;                     ///< index of the point the layer is at
        int64_t weights = 0;
    };
    std::vector<Curve> curves;
    int64_t total = 0;
    for (const auto& layer : s.layers) {
        Curve c;
        c.weights = layer.weights;
        total += layer.weights;
        for (size_t i = 0; i < s.ratios.size() && i < layer.pruneAccuracy.size(); ++i) {
            c.ratio.push_back(s.ratios[i]);
            // A curve that dips is noise at this evaluation size: the loss never shrinks as more is pruned.
            c.loss.push_back(std::max(c.loss.back(), s.baselineAccuracy - layer.pruneAccuracy[i]));
        }
        curves.push_back(std::move(c));
    }
    const double wanted = target * double(total);
    double removed = 0.0;
    while (removed < wanted) {
        // The next measured step of the layer whose step costs the least accuracy per weight removed.
        int best = -1;
        double bestCost = 0.0;
        for (size_t i = 0; i < curves.size(); ++i) {
            const auto& c = curves[i];
            if (c.at + 1 >= c.ratio.size())
                continue;
            const double gained = (c.ratio[c.at + 1] - c.ratio[c.at]) * double(c.weights);
            const double cost = (c.loss[c.at + 1] - c.loss[c.at]) / std::max(gained, 1.0);
            if (best < 0 || cost < bestCost) {
                best = int(i);
                bestCost = cost;
            }
        }
        if (best < 0)
            throw InputError("ratio: " + std::to_string(target)
                             + " is more than pruning every layer to its largest measured ratio removes");
        auto& c = curves[size_t(best)];
        const double step = (c.ratio[c.at + 1] - c.ratio[c.at]) * double(c.weights);
        if (removed + step >= wanted) {
            // The last step only partly: exactly the target, interpolated along this layer's curve.
            const double fraction = (wanted - removed) / step;
            const double ratio = c.ratio[c.at] + fraction * (c.ratio[c.at + 1] - c.ratio[c.at]);
            c.ratio[c.at] = ratio;
            removed = wanted;
            break;
        }
        removed += step;
        ++c.at;
    }
    std::vector<std::pair<std::string, double>> allocation;
    for (size_t i = 0; i < curves.size(); ++i)
        allocation.emplace_back(s.layers[i].name, curves[i].ratio[curves[i].at]);
    return allocation;
}

std::string sensitivityCsv(const SensitivityResult& s)
{
    std::ostringstream out;
    out << "layer,weights,kind,setting,accuracy,drop\n";
    for (const auto& layer : s.layers) {
        for (size_t i = 0; i < layer.pruneAccuracy.size(); ++i)
            out << layer.name << ',' << layer.weights << ",prune," << s.ratios[i] << ',' << layer.pruneAccuracy[i]
                << ',' << s.baselineAccuracy - layer.pruneAccuracy[i] << '\n';
        for (size_t i = 0; i < layer.quantizeAccuracy.size(); ++i)
            out << layer.name << ',' << layer.weights << ",quantize," << s.bits[i] << ',' << layer.quantizeAccuracy[i]
                << ',' << s.baselineAccuracy - layer.quantizeAccuracy[i] << '\n';
    }
    return out.str();
}

std::string sensitivityJson(const SensitivityResult& s,
                            const std::vector<std::pair<std::string, double>>& allocation,
                            double target)
{
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : s.layers)
        layers.push_back({ { "name", layer.name },
                           { "weights", layer.weights },
                           { "prune_accuracy", layer.pruneAccuracy },
                           { "quantize_accuracy", layer.quantizeAccuracy } });
    nlohmann::json out { { "ratios", s.ratios },
                         { "bits", s.bits },
                         { "scheme", optionName(s.scheme) },
                         { "split", s.split == Split::Validation ? "validation" : "test" },
                         { "images", s.images },
                         { "baseline_accuracy", s.baselineAccuracy },
                         { "seconds", s.seconds },
                         { "sampling",
                           { { "budget_seconds", s.sampling.budgetSeconds },
                             { "sampled", s.sampling.sampled },
                             { "images_asked", s.sampling.imagesAsked },
                             { "images_measured", s.images },
                             { "full_grid_seconds_estimated", s.sampling.fullGridSeconds },
                             { "planned_seconds_estimated", s.sampling.plannedSeconds } } },
                         { "layers", layers } };
    if (!allocation.empty()) {
        nlohmann::json ratios = nlohmann::json::object();
        for (const auto& [name, r] : allocation)
            ratios[name] = r;
        out["allocation"] = { { "target_sparsity", target }, { "ratios", ratios } };
    }
    return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace pare
