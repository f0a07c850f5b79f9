#pragma once

// Filter (structured) pruning: whole output channels of convolutions and neurons of linear layers are removed from
// the module, and everything that reads them is rewired.

#include "Internal.h"

#include "pare/Pruning.h"

namespace pare::structured {

struct Outcome
{
    std::vector<LayerSparsity> layers; ///< per layer: weights before, weights kept
    int64_t parametersBefore = 0;
    int64_t parametersAfter = 0;
};

/// Removes the `ratio` share of every prunable channel group, ranked by the L1 norm of its filters, from `model`'s
/// module. Throws InputError naming the first graph node the dependency analysis does not cover; `model` is then
/// unchanged. `inputShape` ([C,H,W]) is what a forward pass checks the rewired module with.
/// `criterion`: "l1" (filter norms), "mean" (mean activation over `calibration` images) or "apoz" (share of non-zero
/// activations).
Outcome pruneFilters(Model& model, double ratio, const std::vector<int64_t>& inputShape,
                     const std::string& criterion = "l1", const torch::Tensor& calibration = {});

} // namespace pare::structured
