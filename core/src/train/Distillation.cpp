#include "data/BatchStream.h"
#include "model/ModelImpl.h"
#include "train/TrainLoop.h"

#include "pare/Distillation.h"
#include "pare/Error.h"

#include <chrono>

namespace pare {
namespace {

/// The teacher's side of the soft term, log softmax(z_t / T), computed once per training image with its logits.
torch::Tensor softTargets(const torch::Tensor& teacherLogits, double temperature)
{
    namespace F = torch::nn::functional;
    return F::log_softmax(teacherLogits / temperature, F::LogSoftmaxFuncOptions(1));
}

/// The distillation loss, alpha T^2 KL(p || softmax(z/T)) + (1 - alpha) CE(z, y) with p = softmax(z_t/T), and its
/// gradient written out as one autograd node: (alpha T (softmax(z/T) - p) + (1 - alpha) (softmax(z) - onehot(y))) /
/// batch. T^2 keeps the soft term's gradients on the scale of the hard term's as T changes (Hinton et al.). Built
/// from separate operations, the soft term's dozen small operations and their autograd nodes made a KD epoch ~5%
/// slower than a plain one; fused, it measured faster. Returns total, soft, hard; only the total is differentiable.
class FusedDistillationLoss : public torch::autograd::Function<FusedDistillationLoss>
{
public:
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext* context,
                                                  const torch::Tensor& logits,
                                                  const torch::Tensor& teacherProb,
                                                  const torch::Tensor& teacherLog,
                                                  const torch::Tensor& labels,
                                                  double temperature,
                                                  double alpha)
    {
        const double batch = double(logits.size(0));
        const auto studentLogT = torch::log_softmax(logits / temperature, 1);
        const auto studentLog = torch::log_softmax(logits, 1);
        const auto soft = (teacherProb * (teacherLog - studentLogT)).sum() * (temperature * temperature / batch);
        const auto hard = studentLog.gather(1, labels.unsqueeze(1)).sum() * (-1.0 / batch);
        const auto total = soft * alpha + hard * (1.0 - alpha);
        context->save_for_backward({ studentLogT, studentLog, teacherProb, labels });
        context->saved_data["temperature"] = temperature;
        context->saved_data["alpha"] = alpha;
        context->mark_non_differentiable({ soft, hard });
        return { total, soft, hard };
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients)
    {
        const auto saved = context->get_saved_variables();
        const double temperature = context->saved_data["temperature"].toDouble();
        const double alpha = context->saved_data["alpha"].toDouble();
        const auto& labels = saved[3];
        const double batch = double(labels.size(0));
        auto hard = saved[1].exp();
        hard.scatter_add_(1, labels.unsqueeze(1), torch::full({ labels.size(0), 1 }, -1.0, hard.options()));
        auto gradient = (saved[0].exp() - saved[2]).mul_(alpha * temperature / batch).add_(hard, (1.0 - alpha) / batch);
        gradient.mul_(gradients[0]);
        return { gradient, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor() };
    }
};

torch::Tensor rowsToTensor(const std::vector<std::vector<float>>& rows)
{
    const int64_t n = static_cast<int64_t>(rows.size());
    const int64_t k = n > 0 ? static_cast<int64_t>(rows[0].size()) : 0;
    auto t = torch::empty({ n, k });
    for (int64_t i = 0; i < n; ++i) {
        if (static_cast<int64_t>(rows[i].size()) != k)
            throw InputError("logit rows differ in length");
        for (int64_t j = 0; j < k; ++j)
            t[i][j] = rows[i][j];
    }
    return t;
}

/// The teacher's logits for every training image, in the split's order, computed once.
torch::Tensor teacherLogits(const Model& teacher, const ImageSplit& images, const CancelFlag* cancel)
{
    auto& module = executable(teacher.impl());
    torch::InferenceMode inference;
    module.eval();
    std::vector<torch::Tensor> parts;
    auto batches = BatchStream::sequential(images, 0, images.count(), inferenceBatchFor(images.valuesPerImage()));
    for (size_t b = 0; b < batches.size(); ++b) {
        if (cancel && cancel->isRequested())
            break;
        parts.push_back(forward(module, batches.next(), teacher.record().output));
    }
    return parts.empty() ? torch::Tensor() : torch::cat(parts);
}

} // namespace

DistillLoss distillationLoss(const std::vector<std::vector<float>>& studentLogits,
                             const std::vector<std::vector<float>>& teacherLogits,
                             const std::vector<int64_t>& labels,
                             double temperature,
                             double alpha)
{
    const auto logits = rowsToTensor(studentLogits).requires_grad_(true);
    const auto teacherLog = softTargets(rowsToTensor(teacherLogits), temperature);
    const auto terms = FusedDistillationLoss::apply(logits, teacherLog.exp(), teacherLog,
                                                    torch::tensor(labels, torch::kInt64), temperature, alpha);
    terms[0].backward();
    DistillLoss loss { terms[1].item<double>(), terms[2].item<double>(), terms[0].item<double>(), {} };
    const auto gradient = logits.grad().contiguous();
    for (int64_t i = 0; i < gradient.size(0); ++i)
        loss.gradient.emplace_back(gradient[i].data_ptr<float>(), gradient[i].data_ptr<float>() + gradient.size(1));
    return loss;
}

DistillResult distill(const Model& teacher,
                      Model& student,
                      const Dataset& data,
                      const DistillOptions& options,
                      const TrainProgressCallback& progress,
                      const CancelFlag* cancel)
try {
    if (!(options.temperature >= 1.0 && options.temperature <= 20.0))
        throw InputError("temperature: must be in [1, 20]");
    if (!(options.alpha >= 0.0 && options.alpha <= 1.0))
        throw InputError("alpha: must be in [0, 1]");
    checkCompatible(teacher, data);
    checkCompatible(student, data);

    DistillResult result;
    const auto started = std::chrono::steady_clock::now();
    // The student may be a copy of the teacher (distillation-assisted fine-tuning): the targets are computed before
    // it changes, so the teacher's outputs stay those of the original. With augmentation the teacher sees each
    // batch as the student does, cropped and flipped, so its targets are computed batch by batch instead.
    const bool targetsPerBatch = augmentationFor(options.train, data) != Augmentation::None;
    const auto teacherOut = targetsPerBatch ? torch::Tensor() : teacherLogits(teacher, data.impl().trainImages, cancel);
    const auto targets = teacherOut.defined() ? softTargets(teacherOut, options.temperature) : teacherOut;
    const auto targetProbabilities = targets.defined() ? targets.exp() : targets;
    result.teacherSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (cancel && cancel->isRequested()) {
        result.training.cancelled = true;
        return result;
    }

    struct Sums
    {
        double soft = 0, hard = 0;
        int64_t images = 0;
    };
    std::vector<Sums> perEpoch(static_cast<size_t>(std::max(options.train.epochs, 0)) + 1);
    auto& teacherModule = executable(teacher.impl());
    const BatchLoss loss = [&](const torch::Tensor& inputs, const torch::Tensor& logits, const torch::Tensor& labels,
                               const torch::Tensor& indices, int epoch) {
        torch::Tensor batchTargets, batchProbabilities;
        if (targetsPerBatch) {
            torch::NoGradGuard noGrad;
            teacherModule.eval();
            batchTargets = softTargets(forward(teacherModule, inputs, teacher.record().output), options.temperature);
            batchProbabilities = batchTargets.exp();
        } else {
            batchTargets = targets.index_select(0, indices);
            batchProbabilities = targetProbabilities.index_select(0, indices);
        }
        const auto terms = FusedDistillationLoss::apply(logits, batchProbabilities, batchTargets, labels,
                                                        options.temperature, options.alpha);
        auto& sums = perEpoch[static_cast<size_t>(epoch)];
        const auto n = labels.size(0);
        sums.soft += terms[1].item<double>() * double(n);
        sums.hard += terms[2].item<double>() * double(n);
        sums.images += n;
        return terms[0];
    };
    const TrainHooks hooks = options.keepZeros ? zeroKeepingHooks(student.impl().module) : TrainHooks {};
    result.training = trainWithLoss(student, data, options.train, loss, progress, cancel, hooks);
    for (int epoch = 1; epoch < static_cast<int>(perEpoch.size()); ++epoch) {
        const auto& sums = perEpoch[static_cast<size_t>(epoch)];
        if (sums.images > 0)
            result.lossTerms.push_back({ epoch, sums.soft / double(sums.images), sums.hard / double(sums.images) });
    }
    return result;
} catch (...) {
    rethrowAsModelFailure(teacher.origin(), "distilling (it or its student)");
}

double topOneAgreement(const Model& a, const Model& b, const Dataset& data, Split split)
{
    const auto& images = data.impl().images(split);
    if (images.count() == 0)
        return 0.0;
    auto& first = executable(a.impl());
    auto& second = executable(b.impl());
    torch::InferenceMode inference;
    first.eval();
    second.eval();
    int64_t same = 0;
    auto batches = BatchStream::sequential(images, 0, images.count(), inferenceBatchFor(images.valuesPerImage()));
    for (size_t batch = 0; batch < batches.size(); ++batch) {
        const auto x = batches.next();
        same += forward(first, x, a.record().output)
                    .argmax(1)
                    .eq(forward(second, x, b.record().output).argmax(1))
                    .sum()
                    .item<int64_t>();
    }
    return double(same) / double(images.count());
}

} // namespace pare
