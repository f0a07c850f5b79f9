#pragma once

#include "pare/Distillation.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pare {

/// Knowledge distillation inside a recipe: who teaches and who learns.
struct DistillStep
{
    /// "original": the model the recipe started from (before any step); anything else is a model file.
    std::string teacher = optionName(TeacherKind::Original);
    /// "self": the model as the previous steps left it (distillation-assisted fine-tuning; its pruned weights stay
    /// zero); a zoo architecture such as "lenet5@0.5"; or a model file.
    std::string student = optionName(StudentKind::Self);
    DistillOptions options;

    [[nodiscard]] TeacherKind teacherKind() const { return pare::teacherKind(teacher); }
    [[nodiscard]] StudentKind studentKind() const;
};

/// One step of a recipe; `kind` says which of the option blocks applies.
struct RecipeStep
{
    enum class Kind
    {
        Prune,
        Distill,
        Quantize,
        Evaluate
    };
    Kind kind = Kind::Evaluate;
    PruneOptions prune;
    DistillStep distill;
    QuantizeOptions quantize;

    [[nodiscard]] static const char* kindName(Kind kind);
    /// "prune magnitude-global 90% gradual", for tables and chart tooltips.
    [[nodiscard]] std::string describe() const;
};

/// A compression recipe: steps run in order on a copy of the model. The studio and `pare compress` read and write the
/// same JSON (README, "Recipes"):
/// {"version": 1, "seed": 0, "steps": [{"prune": {...}}, {"distill": {...}}, {"quantize": {...}}, {"evaluate": {}}]}
struct Recipe
{
    static constexpr int kVersion = 1;
    uint64_t seed = 0;
    /// Training augmentation for every step that trains; unset: the data set's default (TrainOptions::augment).
    std::optional<Augmentation> augment;
    std::vector<RecipeStep> steps;

    [[nodiscard]] std::string toJson() const;
    /// Its steps but evaluate, described and joined ("prune ... 95% oneshot, 3 ep, quantize 4-bit kmeans, 1 ep"), or
    /// "no compression".
    [[nodiscard]] std::string describe() const;
    /// Throws InputError naming `origin` and the problem: bad JSON, an unknown step or key, a value out of range.
    [[nodiscard]] static Recipe fromJson(const std::string& json, const std::string& origin);
    [[nodiscard]] static Recipe load(const std::string& path);
    /// Atomic write; refuses an existing file unless overwrite.
    void save(const std::string& path, bool overwrite = false) const;

    /// What `pare compress` and the studio build from their controls: prune (ratio > 0), then distill
    /// (temperature > 0), then quantize (bits < 32, or an int8 engine), then evaluate; each step with the defaults
    /// measured to work on the bundled LeNet-5.
    struct Simple
    {
        double pruneRatio = 0.0;
        PruneMethod pruneMethod = PruneMethod::MagnitudeGlobal;
        // Measured on the bundled LeNet-5 at 95% + 4-bit k-means: oneshot with 3 epochs lost 0.55 points, oneshot with
        // 2 lost 0.82, gradual with 2 lost 1.35 (it prunes later, leaving less time to recover).
        PruneSchedule pruneSchedule = PruneSchedule::OneShot;
        int finetuneEpochs = 3;
        Allocation allocate = Allocation::Uniform;
        std::map<std::string, double> layerRatios; ///< explicit per-layer ratios (magnitude-layer)

        double temperature = 0.0; ///< 0: no distillation
        double alpha = 0.9;
        std::string student = optionName(StudentKind::Self);
        int distillEpochs = 1;
        int bits = 32;
        QuantScheme scheme = QuantScheme::KMeans;
        bool perChannel = false;
        bool biasFp16 = false;
        int quantizeEpochs = 1;
        int activationBits = 32;
        Calibration calibration = Calibration::MinMax;
        /// 8-bit symmetric per-channel weights and 8-bit activations on real int8 ops (implies bits 8).
        std::optional<Int8Engine> engine;
        uint64_t seed = 0;
        std::optional<Augmentation> augment; ///< unset: the data set's default
    };
    /// Throws InputError for an int8 engine with bits other than 8.
    [[nodiscard]] static Recipe fromSimple(const Simple& simple);
};

} // namespace pare
