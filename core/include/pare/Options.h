#pragma once

// Every option set of the engine as a type, each with one table of names. The command line (CLI11's
// CheckedTransformer), recipes, projects and the studio's combo boxes all read and write through these tables, so a
// misspelt value is refused where it is parsed and code compares enums, never strings.

#include "pare/Error.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pare {

enum class PruneMethod
{
    MagnitudeGlobal, ///< one magnitude threshold across all conv and linear weights
    MagnitudeLayer,  ///< every layer pruned to its ratio by its own threshold
    Filters,         ///< whole channels and neurons removed, ranked by the L1 norm of their weights
    Activation       ///< whole channels and neurons removed, ranked by their activations on calibration images
};

enum class PruneSchedule
{
    OneShot, ///< prune, then fine-tune
    Gradual  ///< Zhu & Gupta's cubic schedule during fine-tuning
};

/// How per-layer ratios (pruning) or bit-widths (quantization) are chosen.
enum class Allocation
{
    Uniform,    ///< every layer the same (or as given per layer)
    Sensitivity ///< from each layer's measured sensitivity
};

enum class ActivationCriterion
{
    Mean, ///< mean activation after the ReLU
    Apoz  ///< share of zero activations after the ReLU (Hu et al. 2016)
};

enum class QuantScheme
{
    Uniform,   ///< affine levels between the minimum and maximum, zero exactly representable
    Symmetric, ///< levels symmetric around zero
    KMeans     ///< a codebook of 2^bits centroids (Deep Compression's weight sharing)
};

enum class Calibration
{
    MinMax,     ///< the whole observed range
    Percentile, ///< clip to a percentile of the values
    Mse         ///< the range whose rounding and clipping error is smallest
};

enum class Int8Engine
{
    OneDnn,
    Qnnpack
};

enum class Optimizer
{
    Sgd, ///< with momentum
    Adam
};

enum class LrSchedule
{
    Cosine,
    Step, ///< x0.1 at 50% and 75% of the steps
    Constant
};

/// Who teaches in a recipe's distill step: the model the recipe started from, or a model file.
enum class TeacherKind
{
    Original,
    File
};

/// Who learns in a distill step: the model as the previous steps left it, a zoo architecture, or a model file.
enum class StudentKind
{
    Self,
    Zoo,
    File
};

/// What a search minimises among the models within its accuracy limit: the `.pare` file's bytes, the latency at
/// batch 1, or the multiply-accumulates (which only structured pruning reduces).
enum class SearchObjective
{
    PareBytes,
    Latency,
    Macs
};

/// How an image folder's images are brought to the model's height and width.
enum class ImageResize
{
    Crop,   ///< torchvision's evaluation convention: the image scaled to cover the size / crop ratio, center cropped
    Stretch ///< scaled to the size, whatever its aspect ratio
};

/// What training does to each image before the model sees it (the training split only; evaluation, calibration and
/// sensitivity see the images as they are).
enum class Augmentation
{
    None,
    CropFlip ///< torchvision's RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) and RandomHorizontalFlip
};

/// The order of an image input's dimensions: PyTorch's channels first, or TensorFlow and Keras's channels last (an
/// imported ONNX graph that takes NHWC keeps taking it in the ONNX files Pare writes).
enum class InputLayout
{
    Nchw,
    Nhwc
};

/// How a sweep's range axis spaces its values between `from` and `to`.
enum class AxisScale
{
    Linear,
    Log ///< evenly spaced logarithms (learning rates, temperatures)
};

/// How a sweep combines its axes into configurations.
enum class SweepCombine
{
    Grid,  ///< every combination
    Random ///< a seeded sample: ranges drawn anywhere between their ends, lists one of their values
};

/// Where a sweep's tasks run.
enum class SweepExecutor
{
    Local, ///< child processes on this machine, the cores divided between them
    Slurm  ///< one Slurm job array submitted with sbatch
};

/// Where one task of a sweep stands.
enum class TaskState
{
    Done,      ///< its result.json is written
    Running,   ///< started, not finished
    Pending,   ///< submitted, waiting for a slot or a node
    Failed,    ///< ended without a result (an error, a crash, a time limit)
    Cancelled, ///< submitted, then gone from the queue before it started (scancel)
    NotStarted ///< never submitted (a sweep interrupted before its turn)
};

/// The names of an option set: OptionTable<E>::entries pairs each value with the one name the CLI, recipes and
/// projects use for it; OptionTable<E>::field names the setting in messages.
template <typename E> struct OptionTable;

#define PARE_OPTION_TABLE(Enum, fieldName, ...)                                                                        \
    template <> struct OptionTable<Enum>                                                                               \
    {                                                                                                                  \
        static constexpr const char* field = fieldName;                                                                \
        static constexpr std::pair<Enum, const char*> entries[] = { __VA_ARGS__ };                                     \
    };

PARE_OPTION_TABLE(PruneMethod,
                  "method",
                  { PruneMethod::MagnitudeGlobal, "magnitude-global" },
                  { PruneMethod::MagnitudeLayer, "magnitude-layer" },
                  { PruneMethod::Filters, "filters" },
                  { PruneMethod::Activation, "activation" })
PARE_OPTION_TABLE(PruneSchedule,
                  "schedule",
                  { PruneSchedule::OneShot, "oneshot" },
                  { PruneSchedule::Gradual, "gradual" })
PARE_OPTION_TABLE(Allocation,
                  "allocate",
                  { Allocation::Uniform, "uniform" },
                  { Allocation::Sensitivity, "sensitivity" })
PARE_OPTION_TABLE(ActivationCriterion,
                  "criterion",
                  { ActivationCriterion::Mean, "mean" },
                  { ActivationCriterion::Apoz, "apoz" })
PARE_OPTION_TABLE(QuantScheme,
                  "scheme",
                  { QuantScheme::Uniform, "uniform" },
                  { QuantScheme::Symmetric, "symmetric" },
                  { QuantScheme::KMeans, "kmeans" })
PARE_OPTION_TABLE(Calibration,
                  "calibration",
                  { Calibration::MinMax, "minmax" },
                  { Calibration::Percentile, "percentile" },
                  { Calibration::Mse, "mse" })
PARE_OPTION_TABLE(Int8Engine, "engine", { Int8Engine::OneDnn, "onednn" }, { Int8Engine::Qnnpack, "qnnpack" })
PARE_OPTION_TABLE(Optimizer, "optimizer", { Optimizer::Sgd, "sgd" }, { Optimizer::Adam, "adam" })
PARE_OPTION_TABLE(LrSchedule,
                  "schedule",
                  { LrSchedule::Cosine, "cosine" },
                  { LrSchedule::Step, "step" },
                  { LrSchedule::Constant, "constant" })
PARE_OPTION_TABLE(SearchObjective,
                  "objective",
                  { SearchObjective::PareBytes, "pare-bytes" },
                  { SearchObjective::Latency, "latency" },
                  { SearchObjective::Macs, "macs" })
PARE_OPTION_TABLE(ImageResize, "resize", { ImageResize::Crop, "crop" }, { ImageResize::Stretch, "stretch" })
PARE_OPTION_TABLE(Augmentation, "augment", { Augmentation::None, "none" }, { Augmentation::CropFlip, "crop-flip" })
PARE_OPTION_TABLE(AxisScale, "scale", { AxisScale::Linear, "linear" }, { AxisScale::Log, "log" })
PARE_OPTION_TABLE(SweepCombine, "combine", { SweepCombine::Grid, "grid" }, { SweepCombine::Random, "random" })
PARE_OPTION_TABLE(SweepExecutor, "executor", { SweepExecutor::Local, "local" }, { SweepExecutor::Slurm, "slurm" })
PARE_OPTION_TABLE(TaskState,
                  "state",
                  { TaskState::Done, "done" },
                  { TaskState::Running, "running" },
                  { TaskState::Pending, "pending" },
                  { TaskState::Failed, "failed" },
                  { TaskState::Cancelled, "cancelled" },
                  { TaskState::NotStarted, "not-started" })
PARE_OPTION_TABLE(InputLayout, "layout", { InputLayout::Nchw, "nchw" }, { InputLayout::Nhwc, "nhwc" })
// The kinds that have a keyword; a teacher or student that is not one is a model spec (zoo name or file).
PARE_OPTION_TABLE(TeacherKind, "teacher", { TeacherKind::Original, "original" })
PARE_OPTION_TABLE(StudentKind, "student", { StudentKind::Self, "self" })

#undef PARE_OPTION_TABLE

/// The name of `value` in its table.
template <typename E> [[nodiscard]] const char* optionName(E value)
{
    for (const auto& [entry, name] : OptionTable<E>::entries)
        if (entry == value)
            return name;
    return "";
}

/// Every name of the option set, in the table's order.
template <typename E> [[nodiscard]] std::vector<std::string> optionNames()
{
    std::vector<std::string> names;
    for (const auto& entry : OptionTable<E>::entries)
        names.emplace_back(entry.second);
    return names;
}

/// The value named `text`, or nothing.
template <typename E> [[nodiscard]] std::optional<E> findOption(std::string_view text)
{
    for (const auto& [entry, name] : OptionTable<E>::entries)
        if (text == name)
            return entry;
    return std::nullopt;
}

/// "magnitude-global, magnitude-layer, filters or activation".
template <typename E> [[nodiscard]] std::string optionList()
{
    const auto names = optionNames<E>();
    std::string list;
    for (size_t i = 0; i < names.size(); ++i)
        list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return list;
}

/// The value named `text`; throws InputError "FIELD: unknown value 'x' (expected a, b or c)", with `field` or, when
/// empty, the table's own field name.
template <typename E> [[nodiscard]] E parseOption(std::string_view text, const std::string& field = {})
{
    if (const auto value = findOption<E>(text))
        return *value;
    throw InputError((field.empty() ? std::string(OptionTable<E>::field) : field) + ": unknown value '"
                     + std::string(text) + "' (expected " + optionList<E>() + ")");
}

/// Structured methods remove whole channels, so the model is smaller in every format and faster.
[[nodiscard]] constexpr bool isStructured(PruneMethod method)
{
    return method == PruneMethod::Filters || method == PruneMethod::Activation;
}

/// "original" is the recipe's starting model; anything else names a model file.
[[nodiscard]] inline TeacherKind teacherKind(std::string_view spec)
{
    return findOption<TeacherKind>(spec).value_or(TeacherKind::File);
}

} // namespace pare
