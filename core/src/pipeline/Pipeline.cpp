// The recipe pipeline: every step on a copy of the model, a measured snapshot before the first step and after each.

#include "model/ModelImpl.h"

#include "pare/Error.h"
#include "pare/Pipeline.h"

#include <chrono>
#include <map>

namespace pare {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

ModelRecord recordFromData(const DatasetInfo& info)
{
    ModelRecord record;
    record.inputShape = info.sampleShape;
    record.mean = info.mean;
    record.std = info.std;
    record.classes = info.classNames;
    record.present = true;
    return record;
}

DatasetOptions dataOptionsFor(const ModelRecord& record, DatasetOptions options)
{
    if (options.inputShape.empty() && record.inputShape.size() == 3)
        options.inputShape = record.inputShape;
    // A torchvision model saved by PyTorch reads 3 channels; Fashion-MNIST has 1: convert, keeping the size.
    if (options.inputShape.empty() && (record.firstLayerChannels == 1 || record.firstLayerChannels == 3))
        options.inputShape = { record.firstLayerChannels, 0, 0 };
    if (options.mean.empty() && options.std.empty() && !record.mean.empty() && !record.std.empty()) {
        options.mean = record.mean;
        options.std = record.std;
    }
    return options;
}

ModelWithData openModelWithData(const std::string& modelSpec,
                                const std::string& dataSpec,
                                DatasetOptions options,
                                const ModelRecord* assumed)
{
    if (Model::namesZooModel(modelSpec)) {
        auto data = Dataset::load(dataSpec, options);
        auto model = Model::open(modelSpec, data.info().sampleShape, data.classCount(), options.seed);
        return { std::move(model), std::move(data) };
    }
    auto model = Model::open(modelSpec);
    if (assumed && !model.record().present)
        model.setRecord(*assumed);
    auto data = Dataset::load(dataSpec, dataOptionsFor(model.record(), std::move(options)));
    return { std::move(model), std::move(data) };
}

Snapshot takeSnapshot(const Model& model,
                      const Dataset& data,
                      const std::string& step,
                      const std::vector<std::pair<std::string, int>>& bits,
                      const SnapshotOptions& options)
{
    Snapshot snapshot;
    snapshot.step = step;
    const auto eval = evaluate(model, data, Split::Test, 256); // its batches time LatencyResult::batch256Ms
    snapshot.accuracy = eval.accuracy;
    snapshot.loss = eval.loss;
    snapshot.perClassAccuracy = eval.perClassAccuracy;
    snapshot.params = model.parameterCount();
    snapshot.nonzeroParams = model.nonzeroParameterCount();

    const auto summary = model.inspect(data.info().sampleShape);
    snapshot.macs = summary.macs;
    std::map<std::string, int> bitsByLayer(bits.begin(), bits.end());
    for (const auto& w : layerWeights(model.impl().module)) {
        LayerSnapshot layer;
        layer.name = w.layer;
        layer.weightShape = w.weight.sizes().vec();
        layer.weights = w.weight.numel();
        {
            torch::NoGradGuard noGrad;
            layer.nonzero = w.weight.count_nonzero().item<int64_t>();
        }
        const auto b = bitsByLayer.find(w.layer);
        layer.bits = b == bitsByLayer.end() ? 32 : b->second;
        for (const auto& info : summary.layers)
            if (info.name == w.layer) {
                layer.type = info.type;
                layer.macs = info.macs;
            }
        snapshot.layers.push_back(std::move(layer));
    }

    snapshot.sizes = measureSizes(model);
    if (options.latencyRepeats > 0)
        snapshot.latency = measureLatency(model, data.info().sampleShape, options.latencyRepeats, eval.fullBatchMs);
    return snapshot;
}

namespace {

/// The files a recipe's distill steps name, loaded before any step runs, so a bad path fails before minutes of
/// training, not after. A zoo student is built for the data.
std::map<std::string, Model> loadNamedModels(const Dataset& data, const Recipe& recipe)
{
    std::map<std::string, Model> namedModels;
    for (const auto& step : recipe.steps) {
        if (step.kind != RecipeStep::Kind::Distill)
            continue;
        std::vector<std::string> named;
        if (step.distill.teacherKind() == TeacherKind::File)
            named.push_back(step.distill.teacher);
        if (step.distill.studentKind() != StudentKind::Self)
            named.push_back(step.distill.student);
        for (const auto& spec : named)
            if (!namedModels.count(spec)) {
                auto model = Model::open(spec, data.info().sampleShape, data.classCount(), recipe.seed);
                checkCompatible(model, data);
                namedModels.emplace(spec, std::move(model));
            }
    }
    return namedModels;
}

struct StepOutcome
{
    TrainResult trained;
    double agreement = -1.0; ///< distill: the student's top-1 agreement with its teacher on the test split
};

/// One step on `model`; `bits` follows the per-layer bit-widths (cleared by a new student).
StepOutcome runStep(const RecipeStep& step,
                    Model& model,
                    const Model& original,
                    const std::map<std::string, Model>& namedModels,
                    const Dataset& data,
                    uint64_t seed,
                    std::optional<Augmentation> augment,
                    std::vector<std::pair<std::string, int>>& bits,
                    const TrainProgressCallback& progress,
                    const CancelFlag* cancel,
                    bool measureAgreement)
{
    StepOutcome outcome;
    switch (step.kind) {
    case RecipeStep::Kind::Prune: {
        auto options = step.prune;
        options.finetune.seed = seed;
        options.finetune.augment = augment;
        outcome.trained = prune(model, data, options, progress, cancel).finetune;
        break;
    }
    case RecipeStep::Kind::Distill: {
        const auto& spec = step.distill;
        const Model& teacher = spec.teacherKind() == TeacherKind::Original ? original : namedModels.at(spec.teacher);
        const bool self = spec.studentKind() == StudentKind::Self;
        if (!self) {
            model = namedModels.at(spec.student).clone();
            if (!model.record().present)
                model.setRecord(recordFromData(data.info()));
            bits.clear();
        }
        auto options = spec.options;
        options.train.seed = seed;
        options.train.augment = augment;
        options.keepZeros = self;
        outcome.trained = distill(teacher, model, data, options, progress, cancel).training;
        if (!outcome.trained.cancelled && measureAgreement)
            outcome.agreement = topOneAgreement(teacher, model, data);
        break;
    }
    case RecipeStep::Kind::Quantize: {
        auto options = step.quantize;
        options.finetune.seed = seed;
        options.finetune.augment = augment;
        const auto quantized = quantizeWeights(model, data, options, progress, cancel);
        outcome.trained = quantized.finetune;
        bits.clear();
        for (const auto& layer : quantized.layers)
            bits.emplace_back(layer.name, layer.bits);
        break;
    }
    case RecipeStep::Kind::Evaluate:
        break;
    }
    return outcome;
}

} // namespace

std::optional<Model>
applyRecipe(const Model& original, const Dataset& data, const Recipe& recipe, const CancelFlag* cancel)
{
    checkCompatible(original, data);
    const auto namedModels = loadNamedModels(data, recipe);
    Model model = original.clone();
    if (!model.record().present)
        model.setRecord(recordFromData(data.info()));
    std::vector<std::pair<std::string, int>> bits;
    for (const auto& step : recipe.steps) {
        const auto outcome
            = runStep(step, model, original, namedModels, data, recipe.seed, recipe.augment, bits, {}, cancel, false);
        if (outcome.trained.cancelled || (cancel && cancel->isRequested()))
            return std::nullopt;
    }
    return model;
}

PipelineResult runPipeline(const Model& original,
                           const Dataset& data,
                           const Recipe& recipe,
                           const PipelineCallbacks& callbacks,
                           const CancelFlag* cancel,
                           const SnapshotOptions& snapshotOptions)
{
    if (recipe.steps.empty())
        throw InputError("recipe: no steps to run");
    checkCompatible(original, data);
    const auto namedModels = loadNamedModels(data, recipe);

    const auto started = std::chrono::steady_clock::now();
    PipelineResult result;
    Model model = original.clone();
    if (!model.record().present)
        model.setRecord(recordFromData(data.info()));
    std::vector<std::pair<std::string, int>> bits;

    const auto emit = [&](Snapshot snapshot) {
        snapshot.index = static_cast<int>(result.snapshots.size());
        if (callbacks.snapshot)
            callbacks.snapshot(snapshot);
        result.snapshots.push_back(std::move(snapshot));
    };
    {
        auto baseline = takeSnapshot(model, data, "baseline", bits, snapshotOptions);
        baseline.settings = "baseline";
        emit(std::move(baseline));
    }

    const int stepCount = static_cast<int>(recipe.steps.size());
    for (int i = 0; i < stepCount; ++i) {
        if (cancel && cancel->isRequested()) {
            result.cancelled = true;
            break;
        }
        const auto& step = recipe.steps[static_cast<size_t>(i)];
        const std::string name = RecipeStep::kindName(step.kind);
        const TrainProgressCallback progress = [&](const TrainProgress& p) {
            if (callbacks.progress)
                callbacks.progress({ i + 1, stepCount, name, p });
        };
        if (callbacks.progress)
            callbacks.progress({ i + 1, stepCount, name, {} });

        const auto stepStarted = std::chrono::steady_clock::now();
        const auto outcome = runStep(step, model, original, namedModels, data, recipe.seed, recipe.augment, bits,
                                     progress, cancel, true);
        if (outcome.trained.cancelled || (cancel && cancel->isRequested())) {
            result.cancelled = true;
            break;
        }
        const double stepSeconds = secondsSince(stepStarted);
        auto snapshot = takeSnapshot(model, data, name, bits, snapshotOptions);
        snapshot.settings = step.describe();
        snapshot.epochs = outcome.trained.epochs;
        snapshot.teacherAgreement = outcome.agreement;
        snapshot.stepSeconds = stepSeconds;
        emit(std::move(snapshot));
    }
    result.model.emplace(std::move(model));
    result.seconds = secondsSince(started);
    return result;
}

} // namespace pare
