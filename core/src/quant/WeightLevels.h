#pragma once

// One layer's weights put on k-bit levels, as quantizeWeights does it: for the sensitivity analysis, which measures
// one layer at a time and must not pay for the whole model at every point.

#include "pare/Options.h"

#include <torch/torch.h>

namespace pare {

/// `w` on `bits` levels of `scheme` (k-means codebook over the non-zero weights, uniform or symmetric, per output
/// channel when asked); 16 is fp16, 32 a copy.
[[nodiscard]] torch::Tensor quantizedWeights(const torch::Tensor& w, int bits, QuantScheme scheme, bool perChannel);

} // namespace pare
