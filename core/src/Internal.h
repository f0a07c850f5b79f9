#pragma once

// Torch-side definitions of the classes whose public headers hide LibTorch. Only core/src includes this.

#include "pare/Dataset.h"
#include "pare/Model.h"

#include <torch/script.h>
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

struct Model::Impl
{
    torch::jit::Module module;
    ModelRecord record;
    std::string origin;
};

/// Runs the module's forward on a batch; the module must already be in the wanted train/eval mode.
inline torch::Tensor forward(torch::jit::Module& module, const torch::Tensor& input)
{
    return module.forward({input}).toTensor();
}

/// A torch::Generator seeded for reproducible shuffles.
inline torch::Generator seededGenerator(uint64_t seed)
{
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

} // namespace pare
