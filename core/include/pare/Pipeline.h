#pragma once

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Recipe.h"
#include "pare/Training.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pare {

/// One prunable layer (conv or linear weight) as a snapshot saw it.
struct LayerSnapshot
{
    std::string name;
    std::string type;
    std::vector<int64_t> weightShape;
    int64_t weights = 0;
    int64_t nonzero = 0;
    int bits = 32; ///< 32 until a quantize step puts the layer on 2^bits levels (16: fp16)
    int64_t macs = 0;
    [[nodiscard]] double sparsity() const { return weights > 0 ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

/// The state of the model after one step of a recipe: what the chart plots and the runs table lists.
struct Snapshot
{
    int index = 0;        ///< 0 for the baseline, then 1.. for the recipe's steps
    std::string step;     ///< "baseline", "prune", "distill", "quantize", "evaluate"
    std::string settings; ///< the step described, "prune magnitude-global 90% gradual"
    double accuracy = 0.0;
    double loss = 0.0;
    /// Top-1 accuracy of each class on the test split, in the data set's class order: which classes a step hurt.
    std::vector<double> perClassAccuracy;
    int64_t params = 0;
    int64_t nonzeroParams = 0;
    int64_t macs = 0;
    LatencyResult latency;
    ModelSizes sizes;
    std::vector<LayerSnapshot> layers;
    std::vector<EpochReport> epochs; ///< the step's training, if it trained
    double teacherAgreement = -1.0;  ///< distill steps: share of test images where student and teacher agree
    double stepSeconds = 0.0;        ///< the step itself, without the snapshot's measurements
};

struct PipelineProgress
{
    int step = 0; ///< 1-based index into the recipe's steps
    int steps = 0;
    std::string stepName;
    TrainProgress train; ///< epoch, batch, loss and ETA of the step's training
};

struct PipelineCallbacks
{
    std::function<void(const PipelineProgress&)> progress;
    /// Called with the baseline and after every finished step, from the thread that runs the pipeline.
    std::function<void(const Snapshot&)> snapshot;
};

struct PipelineResult
{
    std::vector<Snapshot> snapshots; ///< the baseline first
    bool cancelled = false;
    double seconds = 0.0;
    /// The compressed model (a copy: the original is never modified); empty when cancelled before the first step.
    std::optional<Model> model;
};

/// How much a snapshot measures; the defaults are what the CLI and the studio report.
struct SnapshotOptions
{
    int latencyRepeats = 15;
};

/// Runs `recipe` on a copy of `original` with `data`, measuring a snapshot before the first step and after each.
/// Deterministic under the recipe's seed (up to the order of multi-threaded float sums); checks `cancel` before every
/// batch and between steps. Throws InputError for a recipe that does not fit the model or data.
[[nodiscard]] PipelineResult runPipeline(const Model& original,
                                         const Dataset& data,
                                         const Recipe& recipe,
                                         const PipelineCallbacks& callbacks = {},
                                         const CancelFlag* cancel = nullptr,
                                         const SnapshotOptions& snapshotOptions = {});

/// Runs `recipe`'s steps on a copy of `original` and measures nothing: what the search's candidates need, which it
/// measures on the validation split itself. nullopt when cancelled. Throws InputError as runPipeline does.
[[nodiscard]] std::optional<Model>
applyRecipe(const Model& original, const Dataset& data, const Recipe& recipe, const CancelFlag* cancel = nullptr);

/// A model and the data set it works on, opened the way every face of Pare opens them.
struct ModelWithData
{
    Model model;
    Dataset data;
};

/// Opens `modelSpec` and `dataSpec` together: a model file first, since its record says how to read the data (input
/// shape and normalization, where `options` leaves them empty); a zoo architecture after the data, built for its
/// sample shape and classes with `options.seed`. `assumed`: for a file without a record, the input contract to give
/// it (what the studio's input dialog asked for); ignored for files that have one and for zoo architectures.
[[nodiscard]] ModelWithData openModelWithData(const std::string& modelSpec,
                                              const std::string& dataSpec,
                                              DatasetOptions options = {},
                                              const ModelRecord* assumed = nullptr);

/// `options` with the input shape and normalization of `record` where `options` leaves them empty.
[[nodiscard]] DatasetOptions dataOptionsFor(const ModelRecord& record, DatasetOptions options = {});

/// The input contract a model gets from the data it was trained or tuned on: shape, normalization, class names.
[[nodiscard]] ModelRecord recordFromData(const DatasetInfo& info);

/// A snapshot of `model` as it is, named `step`: accuracy on the test split, sizes, latency, per-layer figures.
/// `bits` gives the per-layer bit-widths by layer name (missing layers are 32).
[[nodiscard]] Snapshot takeSnapshot(const Model& model,
                                    const Dataset& data,
                                    const std::string& step,
                                    const std::vector<std::pair<std::string, int>>& bits = {},
                                    const SnapshotOptions& options = {});

/// A snapshot as one JSON object with the field names of `pare compress --json` (accuracy, loss, params,
/// nonzero_params, macs, latency_ms, sizes, layers...); the studio's project file stores the same objects.
[[nodiscard]] std::string snapshotToJson(const Snapshot& snapshot);
/// Throws InputError naming `origin` when the JSON is not a snapshot.
[[nodiscard]] Snapshot snapshotFromJson(const std::string& json, const std::string& origin);

} // namespace pare
