#pragma once

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Options.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pare {

class Model;

/// How sensitive each layer is: accuracy when that layer alone is pruned (by magnitude, no fine-tuning) or quantized.
struct SensitivityOptions
{
    std::vector<double> ratios { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95 };
    std::vector<int> bits { 8, 6, 4, 3, 2 };
    QuantScheme scheme = QuantScheme::KMeans; ///< quantization scheme of the bit-width curves
    bool perChannel = false;                  ///< levels per output channel (uniform and symmetric)
    /// Images of the validation split evaluated per point (0: all); without a validation split, the test split.
    int64_t images = 3000;
    /// Seconds the whole analysis may take (0: no limit). When the full grid (every layer at every setting on every
    /// image) would take longer, as timed on the baseline's evaluation, it is sampled: first fewer images (down to
    /// kFewestSensitivityImages), then fewer settings, evenly spread and keeping the strongest (largest ratio, fewest
    /// bits). Every layer is always measured. SensitivityResult::sampling says what was done.
    double budgetSeconds = 0.0;
};

/// Images evaluated per point below which a time budget thins the settings instead (fewer images make every
/// point's accuracy noisier: 256 images give a standard error of about 2 points at 90%).
inline constexpr int64_t kFewestSensitivityImages = 256;

/// What a time budget did to the grid.
struct SensitivitySampling
{
    double budgetSeconds = 0.0;   ///< as asked (0: none)
    double fullGridSeconds = 0.0; ///< the estimate for every setting of SensitivityOptions on every image asked for
    double plannedSeconds = 0.0;  ///< the estimate for what was measured
    int64_t imagesAsked = 0;      ///< SensitivityOptions::images, bounded by the split
    bool sampled = false;         ///< images or settings were left out to fit the budget
};

/// Points measured so far and in all (a point: one layer at one setting).
using SensitivityProgress = std::function<void(int64_t done, int64_t total)>;

struct LayerSensitivity
{
    std::string name;
    int64_t weights = 0;
    std::vector<double> pruneAccuracy;    ///< one per ratio
    std::vector<double> quantizeAccuracy; ///< one per bit-width
};

struct SensitivityResult
{
    std::vector<double> ratios;
    std::vector<int> bits;
    QuantScheme scheme = QuantScheme::KMeans;
    Split split = Split::Validation; ///< where accuracy was measured
    int64_t images = 0;
    double baselineAccuracy = 0.0;
    std::vector<LayerSensitivity> layers;
    double seconds = 0.0;
    bool cancelled = false;
    SensitivitySampling sampling;
};

/// Measures every conv and linear layer's curves on copies of `model`; the model itself is not changed.
[[nodiscard]] SensitivityResult analyzeSensitivity(const Model& model,
                                                   const Dataset& data,
                                                   const SensitivityOptions& options = {},
                                                   const CancelFlag* cancel = nullptr,
                                                   const SensitivityProgress& progress = {});

/// The sampled grid for a time budget: images per point, ratios and bits (sub-lists of the options', in their order)
/// that `layers` layers can be measured at in `budgetSeconds`, given `secondsPerImage` of evaluation. A pure
/// function of its inputs (analyzeSensitivity times the baseline and calls it).
struct SensitivityPlan
{
    int64_t images = 0;
    std::vector<double> ratios;
    std::vector<int> bits;
};
[[nodiscard]] SensitivityPlan
planSensitivity(const SensitivityOptions& options, int64_t imagesAsked, int64_t layers, double secondsPerImage);

/// Per-layer pruning ratios that remove `targetSparsity` of all those layers' weights with the least predicted
/// accuracy loss: each layer's loss curve (made non-decreasing, interpolated linearly between measured ratios) is
/// followed greedily, always taking the step that costs the least accuracy per weight removed. Throws InputError when
/// the target exceeds what the largest measured ratio reaches.
[[nodiscard]] std::vector<std::pair<std::string, double>> allocateRatios(const SensitivityResult& sensitivity,
                                                                         double targetSparsity);

/// Per-layer bit-widths, among those measured, whose average over all weights is at most `targetBits`: the
/// `candidates` combinations with the least predicted loss (the sum of what each layer lost alone), best first, found
/// by trying every combination where there are at most 2 million; for more layers (a MobileNet's 52), by a knapsack
/// over the bit budget (16,384 steps, each layer's cost rounded up so every result fits), whose candidates are the
/// optima at the target and at budgets 1%, 2%, ... smaller. The prediction ignores how layers' errors compound, so
/// quantize --allocate sensitivity measures the candidates before choosing. Throws InputError when no combination fits
/// the target.
[[nodiscard]] std::vector<std::vector<std::pair<std::string, int>>>
allocateBits(const SensitivityResult& sensitivity, double targetBits, int candidates = 1);

/// Long format, one row per (layer, kind, setting): layer,weights,kind,setting,accuracy,drop.
[[nodiscard]] std::string sensitivityCsv(const SensitivityResult& sensitivity);
[[nodiscard]] std::string sensitivityJson(const SensitivityResult& sensitivity,
                                          const std::vector<std::pair<std::string, double>>& allocation = {},
                                          double targetSparsity = 0.0);

} // namespace pare
