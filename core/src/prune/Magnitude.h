#pragma once

// Magnitude masks, shared by magnitude pruning and the sensitivity analysis.

#include <torch/torch.h>

#include <cstdint>

namespace pare {

/// Keeps the `keep` largest magnitudes of `magnitudes` (flattened); returns a 0/1 mask of its shape.
[[nodiscard]] torch::Tensor topMagnitudes(const torch::Tensor& magnitudes, int64_t keep);

/// The mask that removes the `ratio` share of `weight`'s smallest magnitudes, keeping at least one weight.
[[nodiscard]] torch::Tensor layerMagnitudeMask(const torch::Tensor& weight, double ratio);

} // namespace pare
