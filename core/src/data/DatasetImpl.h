#pragma once

// The torch side of pare::Dataset, whose public header hides LibTorch. Only core/src includes this.

#include "pare/Dataset.h"

#include <torch/torch.h>

namespace pare {

struct Dataset::Impl
{
    DatasetInfo info;
    torch::Tensor trainImages, trainLabels; ///< float [N,C,H,W] normalized; int64 [N]
    torch::Tensor validationImages, validationLabels;
    torch::Tensor testImages, testLabels;

    const torch::Tensor& images(Split split) const
    {
        return split == Split::Train ? trainImages : split == Split::Validation ? validationImages : testImages;
    }
    const torch::Tensor& labels(Split split) const
    {
        return split == Split::Train ? trainLabels : split == Split::Validation ? validationLabels : testLabels;
    }
};

} // namespace pare
