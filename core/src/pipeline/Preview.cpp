#include "pare/Preview.h"

#include "pare/Error.h"
#include "pare/Pipeline.h"
#include "pare/Training.h"

#include <chrono>

namespace pare {

Recipe oneShotRecipe(const Recipe& recipe)
{
    Recipe oneShot;
    oneShot.seed = recipe.seed;
    for (auto step : recipe.steps) {
        switch (step.kind) {
        case RecipeStep::Kind::Prune:
            // Without fine-tuning a gradual schedule reaches the same masks at once.
            step.prune.schedule = PruneSchedule::OneShot;
            step.prune.finetune.epochs = 0;
            break;
        case RecipeStep::Kind::Distill:
            continue;
        case RecipeStep::Kind::Quantize:
            step.quantize.finetune.epochs = 0;
            break;
        case RecipeStep::Kind::Evaluate:
            continue;
        }
        oneShot.steps.push_back(std::move(step));
    }
    return oneShot;
}

std::optional<PreviewResult>
previewRecipe(const Model& model, const Dataset& data, const Recipe& recipe, int64_t images, const CancelFlag* cancel)
{
    if (data.size(Split::Validation) == 0)
        throw InputError(data.info().spec + ": the preview reads the validation split, and this data set has none");
    const auto started = std::chrono::steady_clock::now();
    const auto oneShot = oneShotRecipe(recipe);
    auto compressed = applyRecipe(model, data, oneShot, cancel);
    if (!compressed)
        return std::nullopt;
    PreviewResult result;
    result.settings = oneShot.describe();
    const auto eval = evaluate(*compressed, data, Split::Validation, 256, cancel, images);
    if (cancel && cancel->isRequested())
        return std::nullopt;
    result.accuracy = eval.accuracy;
    result.images = eval.images;
    result.params = compressed->parameterCount();
    result.nonzeroParams = compressed->nonzeroParameterCount();
    result.sizes.denseFp32 = 4 * result.params;
    result.sizes.torchScript = int64_t(compressed->serialize(ModelFormat::TorchScript).size());
    result.sizes.pare = int64_t(compressed->serialize(ModelFormat::Pare).size());
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

} // namespace pare
