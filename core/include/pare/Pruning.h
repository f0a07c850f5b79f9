#pragma once

#include "pare/Cancel.h"
#include "pare/Options.h"
#include "pare/Training.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pare {

class Dataset;
class Model;

/// Unstructured magnitude pruning of convolution and linear weights (every parameter named "weight" with two
/// or more dimensions; biases and normalization layers are kept).
struct PruneOptions
{
    /// MagnitudeGlobal: one magnitude threshold across all those weights, `ratio` = share of all of them removed;
    /// MagnitudeLayer: every layer pruned to `ratio` by its own threshold;
    /// Filters: the `ratio` share of every convolution's filters and every hidden linear layer's neurons, ranked by
    /// L1 norm, removed from the module, with whatever reads them rewired (BatchNorm, the next layer, the linear
    /// layer after a flatten, residual additions as one group). The model gets smaller in every format. Refuses a
    /// graph with an operation the dependency analysis does not cover, naming the node, and changes nothing;
    /// Activation: the same removal and rewiring, with channels and neurons ranked by their activations on
    /// `calibrationImages` training images (`activationCriterion`: Mean activation, or Apoz, the share of zero
    /// activations after ReLU) instead of by filter norms.
    PruneMethod method = PruneMethod::MagnitudeGlobal;
    ActivationCriterion activationCriterion = ActivationCriterion::Mean;
    int64_t calibrationImages = 1024;
    double ratio = 0.5;
    /// OneShot: prune, then fine-tune. Gradual: Zhu & Gupta's cubic schedule during fine-tuning, sparsity rising
    /// from 0 to `ratio` over the first 75% of the steps in `gradualSteps` pruning steps, then fine-tuning on.
    PruneSchedule schedule = PruneSchedule::OneShot;
    int gradualSteps = 8;
    /// With magnitude-global, every layer keeps at least this share of its weights (and at least one), so a layer
    /// with small weights is never emptied.
    double layerFloor = 0.01;
    /// With magnitude-layer: ratios for named layers (dotted paths); the others use `ratio`. A gradual schedule
    /// scales them all along the same curve.
    std::map<std::string, double> layerRatios;
    /// Uniform: as above. Sensitivity (magnitude methods): measure each layer's sensitivity on the validation
    /// split first, then prune every layer to the ratio allocateRatios() gives for an overall `ratio`.
    Allocation allocate = Allocation::Uniform;
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
    std::string name;    ///< the layer's dotted path, as in ModelSummary
    int64_t weights = 0; ///< before pruning (filters: the layer's weights before channels were removed)
    int64_t nonzero = 0; ///< after (filters: the weights the smaller layer kept)
    [[nodiscard]] double sparsity() const { return weights > 0 ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

/// Structured pruning: which indices of a parameter were removed along one of its dimensions ("features.3.weight",
/// dimension 1 for the input channels a layer no longer reads).
struct RemovedChannels
{
    std::string parameter;
    int dim = 0;
    std::vector<int64_t> indices;
};

struct PruneResult
{
    std::vector<LayerSparsity> layers;
    int64_t weights = 0; ///< prunable weights in all layers
    int64_t nonzero = 0; ///< of those, not zero
    TrainResult finetune;
    /// With Allocation::Sensitivity: the per-layer ratios that were used.
    std::map<std::string, double> allocatedRatios;
    /// Structured methods: every parameter cut, and the operations whose channels were kept because the analysis
    /// does not follow them ("aten::cumsum: ...").
    std::vector<RemovedChannels> removedChannels;
    std::vector<std::string> keptBy;
    /// Layer norms that lost channels: they normalize over fewer, so unlike everything else structured pruning
    /// removes, removing channels whose activations are zero still changes their outputs (fine-tuning adapts).
    std::vector<std::string> renormalized;
    /// Attention layers that lost whole heads: the layer, heads removed, heads it had.
    struct AttentionHeads
    {
        std::string layer;
        int64_t removed = 0;
        int64_t of = 0;
    };
    std::vector<AttentionHeads> headsRemoved;
    [[nodiscard]] double sparsity() const { return weights > 0 ? 1.0 - double(nonzero) / double(weights) : 0.0; }
};

/// Prunes `model` in place. Pruned weights are exactly zero and stay zero through fine-tuning: their gradients are
/// masked before every optimizer step and the mask is applied again after it. Throws InputError for bad options.
[[nodiscard]] PruneResult prune(Model& model,
                                const Dataset& data,
                                const PruneOptions& options,
                                const TrainProgressCallback& progress = {},
                                const CancelFlag* cancel = nullptr);

/// Zero and non-zero weights of every prunable layer, as they are now.
[[nodiscard]] std::vector<LayerSparsity> measureSparsity(const Model& model);

} // namespace pare
