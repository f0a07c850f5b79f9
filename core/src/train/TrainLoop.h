#pragma once

// The training loop's seams for the techniques that reuse it: another loss (distillation) and hooks that constrain
// the weights (pruning masks). Only core/src includes this.

#include "model/ModelImpl.h"
#include "pare/Training.h"

#include <functional>
#include <memory>

namespace pare {

/// The loss a training run minimizes for one batch: the inputs as the model saw them (augmented), its logits, the
/// labels, the batch's indices into the training split, and the 1-based epoch. Cross-entropy for plain training;
/// distillation adds the teacher's soft targets.
using BatchLoss = std::function<torch::Tensor(const torch::Tensor& inputs,
                                              const torch::Tensor& logits,
                                              const torch::Tensor& labels,
                                              const torch::Tensor& indices,
                                              int epoch)>;

/// The augmentation `options` asks for, or the data set's default: crop-flip for image folders (photos), none for
/// IDX and CIFAR-10 files (which Pare has always trained on as they are).
[[nodiscard]] Augmentation augmentationFor(const TrainOptions& options, const Dataset& data);

/// pare::train with another loss (Training.cpp).
TrainResult trainWithLoss(Model& model,
                          const Dataset& data,
                          const TrainOptions& options,
                          const BatchLoss& loss,
                          const TrainProgressCallback& progress,
                          const CancelFlag* cancel,
                          const TrainHooks& hooks);

/// Training hooks that keep every exact zero of the module's layer weights at zero: gradients masked before each
/// step, masks re-applied after it (weight decay and momentum would otherwise move them).
inline TrainHooks zeroKeepingHooks(const torch::jit::Module& module)
{
    struct Masked
    {
        torch::Tensor weight, mask;
    };
    auto masked = std::make_shared<std::vector<Masked>>();
    {
        torch::NoGradGuard noGrad;
        for (const auto& w : layerWeights(module))
            masked->push_back({ w.weight, w.weight.ne(0).to(w.weight.scalar_type()) });
    }
    TrainHooks hooks;
    hooks.beforeOptimizerStep = [masked](int64_t, int64_t) {
        torch::NoGradGuard noGrad;
        for (auto& m : *masked)
            if (m.weight.grad().defined())
                m.weight.mutable_grad().mul_(m.mask);
    };
    hooks.afterOptimizerStep = [masked](int64_t, int64_t) {
        torch::NoGradGuard noGrad;
        for (auto& m : *masked)
            m.weight.mul_(m.mask);
    };
    return hooks;
}

} // namespace pare
