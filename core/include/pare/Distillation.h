#pragma once

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Training.h"

#include <cstdint>
#include <vector>

namespace pare {

class Model;

/// Knowledge distillation (Hinton et al.): the student learns from the teacher's outputs softened by a temperature
/// as well as from the labels. Loss = alpha * T^2 * KL(softmax(z_t/T) || softmax(z_s/T)) + (1 - alpha) * CE(z_s, y).
struct DistillOptions
{
    double temperature = 4.0; ///< T, in [1, 20]
    double alpha = 0.9;       ///< weight of the soft-target term, in [0, 1]
    /// Learning rate 0.01: at T=4 the soft term's gradients are ~T times the hard term's, and lenet5@0.5 diverged
    /// at the plain training's 0.02 on the full Fashion-MNIST (measured).
    TrainOptions train = [] {
        TrainOptions options;
        options.learningRate = 0.01;
        return options;
    }();
    /// Keep the student's exact zeros at zero (masked gradients, mask re-applied after every step): for a pruned
    /// student, so that distillation-assisted fine-tuning does not undo the pruning.
    bool keepZeros = false;
};

struct DistillEpoch
{
    int epoch = 0;
    double softLoss = 0.0; ///< mean of T^2 * KL(teacher || student) over the epoch's images
    double hardLoss = 0.0; ///< mean cross-entropy against the labels
};

struct DistillResult
{
    TrainResult training;
    std::vector<DistillEpoch> lossTerms;
    /// The one pass of the frozen teacher over the training split (its outputs never change without augmentation,
    /// so they are computed once and reused every epoch).
    double teacherSeconds = 0.0;
};

/// Trains `student` in place against `teacher`'s soft targets on the training split. Throws InputError when either
/// model does not fit the data or the options are out of range.
[[nodiscard]] DistillResult distill(const Model& teacher,
                                    Model& student,
                                    const Dataset& data,
                                    const DistillOptions& options,
                                    const TrainProgressCallback& progress = {},
                                    const CancelFlag* cancel = nullptr);

struct DistillLoss
{
    double soft = 0.0;  ///< T^2 * KL(softmax(teacher/T) || softmax(student/T)), mean over the batch
    double hard = 0.0;  ///< cross-entropy of the student against the labels, mean over the batch
    double total = 0.0; ///< alpha * soft + (1 - alpha) * hard
    std::vector<std::vector<float>> gradient; ///< d total / d student logits, as distill() backpropagates it
};

/// The loss distill() minimizes, and its gradient, for a batch of logits given as rows: for checking both against
/// hand computation and finite differences.
[[nodiscard]] DistillLoss distillationLoss(const std::vector<std::vector<float>>& studentLogits,
                                           const std::vector<std::vector<float>>& teacherLogits,
                                           const std::vector<int64_t>& labels,
                                           double temperature,
                                           double alpha);

/// Share of the split's images on which both models predict the same class.
[[nodiscard]] double topOneAgreement(const Model& a, const Model& b, const Dataset& data, Split split = Split::Test);

} // namespace pare
