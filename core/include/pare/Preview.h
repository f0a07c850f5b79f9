#pragma once

// What a compression setting does before any training: the one-shot model measured on a fixed validation subset,
// with the exact sizes of its files. The studio draws it under its sliders while they move (README, "Live preview").

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Recipe.h"

#include <cstdint>
#include <optional>
#include <string>

namespace pare {

/// Previews read the first this many validation images: one fixed subset, so previews of different settings compare
/// with each other, and never the test split, on which runs are reported.
inline constexpr int64_t kPreviewImages = 1000;

struct PreviewResult
{
    std::string settings;  ///< the one-shot steps that ran, described ("prune magnitude-global 90% oneshot, ...")
    double accuracy = 0.0; ///< top-1 on the first `images` images of the validation split
    int64_t images = 0;
    int64_t params = 0;
    int64_t nonzeroParams = 0;
    /// Dense fp32, TorchScript and .pare, each the length of a real serialization; ONNX is not measured (-1).
    ModelSizes sizes;
    double seconds = 0.0; ///< applying the recipe and measuring
};

/// `recipe` without its training: pruning at once with no fine-tuning, no distillation (distillation is training),
/// weights put on their levels with no epochs; activation calibration and the int8 lowering as they are. What
/// `pare compress` does with the same settings and every epoch count set to zero.
[[nodiscard]] Recipe oneShotRecipe(const Recipe& recipe);

/// Runs oneShotRecipe(recipe) on a copy of `model` and measures it. nullopt when cancelled. Throws InputError when
/// the data set has no validation split, or as runPipeline does.
[[nodiscard]] std::optional<PreviewResult> previewRecipe(const Model& model,
                                                         const Dataset& data,
                                                         const Recipe& recipe,
                                                         int64_t images = kPreviewImages,
                                                         const CancelFlag* cancel = nullptr);

} // namespace pare
