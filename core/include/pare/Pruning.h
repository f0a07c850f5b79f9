#pragma once

#include "pare/Cancel.h"
#include "pare/Training.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pare {

class Dataset;
class Model;

/// Unstructured magnitude pruning of convolution and linear weights (every parameter named "weight" with two
/// or more dimensions; biases and normalization layers are kept).
struct PruneOptions
{
    /// "magnitude-global": one magnitude threshold across all those weights, `ratio` = share of all of them removed;
    /// "magnitude-layer": every layer pruned to `ratio` by its own threshold.
    std::string method = "magnitude-global";
    double ratio = 0.5;
    /// "oneshot": prune, then fine-tune. "gradual": Zhu & Gupta's cubic schedule during fine-tuning, sparsity rising
    /// from 0 to `ratio` over the first 75% of the steps in `gradualSteps` pruning steps, then fine-tuning on.
    std::string schedule = "oneshot";
    int gradualSteps = 8;
    /// With magnitude-global, every layer keeps at least this share of its weights (and at least one), so a layer
    /// with small weights is never emptied.
    double layerFloor = 0.01;
    /// Fine-tuning after (or, gradual, during) pruning; epochs = 0 prunes without training.
    TrainOptions finetune = [] {
        TrainOptions options;
        options.epochs = 2;
        options.learningRate = 0.01; // measured: LeNet-5 at 90% global sparsity loses 0.25 points after 2 epochs
        return options;
    }();
};

struct LayerSparsity
{
    std::string name; ///< the layer's dotted path, as in ModelSummary
    int64_t weights = 0;
    int64_t nonzero = 0;
    [[nodiscard]] double sparsity() const { return weights > 0 ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

struct PruneResult
{
    std::vector<LayerSparsity> layers;
    int64_t weights = 0; ///< prunable weights in all layers
    int64_t nonzero = 0; ///< of those, not zero
    TrainResult finetune;
    [[nodiscard]] double sparsity() const { return weights > 0 ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

/// Prunes `model` in place. Pruned weights are exactly zero and stay zero through fine-tuning: their gradients are
/// masked before every optimizer step and the mask is applied again after it. Throws InputError for bad options.
[[nodiscard]] PruneResult prune(Model& model, const Dataset& data, const PruneOptions& options,
                                const TrainProgressCallback& progress = {}, const CancelFlag* cancel = nullptr);

/// Zero and non-zero weights of every prunable layer, as they are now.
[[nodiscard]] std::vector<LayerSparsity> measureSparsity(const Model& model);

} // namespace pare
