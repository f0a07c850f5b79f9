#pragma once

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Options.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pare {

class Model;

struct TrainOptions
{
    int epochs = 4;
    int64_t batchSize = 64;
    Optimizer optimizer = Optimizer::Sgd;
    double learningRate = 0.0; ///< 0: the optimizer's default (sgd 0.02, adam 0.001)
    double momentum = 0.9;
    double weightDecay = -1.0; ///< negative: the optimizer's default (sgd 5e-4, adam 0)
    LrSchedule schedule = LrSchedule::Cosine;
    uint64_t seed = 0;
    /// Evaluate on the validation split after every epoch (skipped when the split is empty).
    bool validateEachEpoch = true;
    /// Training augmentation; unset: the data set's default (crop-flip for image folders, none for IDX and CIFAR-10).
    std::optional<Augmentation> augment;
};

struct TrainProgress
{
    int epoch = 0; ///< 1-based
    int epochs = 0;
    int64_t batch = 0; ///< 1-based, within the epoch
    int64_t batches = 0;
    double loss = 0.0; ///< running mean over the epoch so far
    double imagesPerSecond = 0.0;
    double etaSeconds = 0.0;
    double learningRate = 0.0;
};

struct EpochReport
{
    int epoch = 0;
    double trainLoss = 0.0;
    double validationAccuracy = -1.0; ///< -1 when not validated
    double validationLoss = -1.0;
    double seconds = 0.0;
};

struct TrainResult
{
    bool cancelled = false;
    int64_t batchesRun = 0;
    int64_t imagesSeen = 0;
    std::vector<EpochReport> epochs;
    double trainSeconds = 0.0;    ///< the training loop alone (no data loading, no validation)
    double imagesPerSecond = 0.0; ///< imagesSeen / trainSeconds
};

using TrainProgressCallback = std::function<void(const TrainProgress&)>;

/// Calls into a training run for techniques that constrain it, such as pruning masks. Both get the 0-based index
/// of the optimizer step and the run's total steps.
struct TrainHooks
{
    std::function<void(int64_t step, int64_t totalSteps)> beforeOptimizerStep; ///< gradients are computed
    std::function<void(int64_t step, int64_t totalSteps)> afterOptimizerStep;  ///< weights are updated
};

/// Trains `model` in place on the training split. Checks `cancel` before every batch; after a cancel the
/// model is left as the last finished batch made it, in evaluation mode, ready to evaluate.
[[nodiscard]] TrainResult train(Model& model,
                                const Dataset& data,
                                const TrainOptions& options,
                                const TrainProgressCallback& progress = {},
                                const CancelFlag* cancel = nullptr,
                                const TrainHooks& hooks = {});

struct EvalResult
{
    double accuracy = 0.0; ///< top-1, 0..1
    double loss = 0.0;     ///< mean cross-entropy
    int64_t images = 0;
    std::vector<double> perClassAccuracy;
    std::vector<std::vector<int64_t>> confusion; ///< [true class][predicted class]
    double seconds = 0.0;
    double imagesPerSecond = 0.0;
    /// Each forward pass of a full batch of the `batchSize` asked for, in order (the first ones warm up); none where
    /// the images were too large for batches of that size.
    std::vector<double> fullBatchMs;
};

/// `limit`: at most the split's first `limit` images (0: all), as the studio's preview reads a fixed subset.
/// `batchSize` is the most: large images go in smaller batches (32 of 3x224x224), whose activations fit in memory.
[[nodiscard]] EvalResult evaluate(const Model& model,
                                  const Dataset& data,
                                  Split split = Split::Test,
                                  int64_t batchSize = 256,
                                  const CancelFlag* cancel = nullptr,
                                  int64_t limit = 0);

struct LatencyResult
{
    double batch1Ms = 0.0;   ///< median of repeats
    double batch256Ms = 0.0; ///< median of repeats
    int repeats = 0;
};

/// Median latencies at batch 1 and 256; each stops after `repeats` runs or about 2 s (at least 3 runs). Given at
/// least 3 `measuredBatch256Ms` (an evaluation's `fullBatchMs`), batch 256 is their median and is not run again.
[[nodiscard]] LatencyResult measureLatency(const Model& model,
                                           const std::vector<int64_t>& inputShape,
                                           int repeats = 15,
                                           const std::vector<double>& measuredBatch256Ms = {});

/// Milliseconds of single forward passes at `batch` on random input, after 3 warm-up passes: `repeats` of them, or
/// as many (at least 3) as fit in `maxSeconds`.
[[nodiscard]] std::vector<double> latencySamplesMs(
    const Model& model, const std::vector<int64_t>& inputShape, int64_t batch, int repeats, double maxSeconds = 1e9);

/// Throws InputError naming the model when it cannot take the data's samples or its outputs do not
/// match the data set's classes.
void checkCompatible(const Model& model, const Dataset& data);

} // namespace pare
