#pragma once

// Filter (structured) pruning: whole output channels of convolutions and neurons of linear layers are removed from
// the module, and everything that reads them is rewired.

#include "model/ModelImpl.h"

#include "pare/Options.h"
#include "pare/Pruning.h"

#include <optional>

namespace pare::structured {

struct Outcome
{
    std::vector<LayerSparsity> layers; ///< per layer: weights before, weights kept
    int64_t parametersBefore = 0;
    int64_t parametersAfter = 0;
    /// Operations whose channels were kept because the analysis does not follow them ("aten::bmm: ...").
    std::vector<std::string> keptBy;
    std::vector<RemovedChannels> removed;
    /// Layer norms that now normalize over fewer channels ("features.1.0.block.2").
    std::vector<std::string> renormalized;
    /// Attention layers that lost whole heads.
    struct Heads
    {
        std::string layer;
        int64_t removed = 0;
        int64_t of = 0;
    };
    std::vector<Heads> headsRemoved;
};

/// Removes the `ratio` share of every prunable channel group, ranked by the L1 norm of its filters, from `model`'s
/// module. Channels read by operations the dependency analysis does not follow are kept (Outcome::keptBy); where
/// nothing can be removed, throws InputError naming such an operation, and `model` is unchanged. `inputShape` ([C,H,W])
/// is what a forward pass checks the rewired module with. `byActivation`: empty ranks channels by filter norms (L1);
/// Mean by their mean activation over `calibration` images, Apoz by their share of non-zero activations.
Outcome pruneFilters(Model& model,
                     double ratio,
                     const std::vector<int64_t>& inputShape,
                     std::optional<ActivationCriterion> byActivation = std::nullopt,
                     const torch::Tensor& calibration = {});

} // namespace pare::structured
