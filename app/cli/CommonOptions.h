#pragma once

// The options every command takes, the data and output options most take, and the helpers that turn them into
// core's option types.

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Options.h"
#include "pare/OutputGuard.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pare::cli {

/// Options every command takes.
struct CommonOptions
{
    int threads = 0;
    std::string memoryBudget; ///< "1.5G", "800M"...; empty: the default share of memory
    std::string inputShape;
    std::string output; ///< which output is the logits (ModelRecord::output); empty: the model's record, or the first
    std::string mean;
    std::string std;
    bool json = false;
    int64_t trainLimit = 0;
    int64_t testLimit = 0;
    ImageResize resize = ImageResize::Crop;
    double cropRatio = 0.875;
};

void addCommonOptions(CLI::App& command, CommonOptions& options);

/// The options that change what a model or data set is (all but --threads and --json) as arguments for another
/// `pare` that must read them the same way: a sweep's tasks.
[[nodiscard]] std::vector<std::string> commonArguments(const CommonOptions& options);

/// What the data options accept, for help texts.
inline constexpr const char* kDataHelp = "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder";
/// What a model argument accepts, for help texts.
inline constexpr const char* kModelHelp
    = "TorchScript (.pt), .pare or ONNX (.onnx) file, or a zoo architecture (lenet5, lenet300, "
      "resnet8, NAME@W)";

/// An option whose value is one of an option set's names (the table in pare/Options.h), handed to `set`: any other
/// is refused with the valid names, and the help shows them.
template <typename E>
CLI::Option*
addChoiceOption(CLI::App& command, const std::string& flag, std::function<void(E)> set, const std::string& help)
{
    auto* option = command.add_option_function<std::string>(
        flag, [set = std::move(set)](const std::string& text) { set(*findOption<E>(text)); }, help);
    option->check(CLI::Validator(
        [](std::string& text) {
            return findOption<E>(text) ? std::string()
                                       : "unknown value '" + text + "' (expected " + optionList<E>() + ")";
        },
        "{" + optionList<E>() + "}"));
    return option;
}

/// addChoiceOption into `value`.
template <typename E>
CLI::Option* addChoice(CLI::App& command, const std::string& flag, E& value, const std::string& help)
{
    return addChoiceOption<E>(
        command, flag, [&value](E chosen) { value = chosen; }, help);
}

/// addChoiceOption into an optional `value`, which stays unset (a default decided later) unless the flag is given.
template <typename E>
CLI::Option* addChoice(CLI::App& command, const std::string& flag, std::optional<E>& value, const std::string& help)
{
    return addChoiceOption<E>(
        command, flag, [&value](E chosen) { value = chosen; }, help);
}

/// --augment none|crop-flip into `value`; unset leaves the data set's default (crop-flip for image folders).
inline CLI::Option* addAugmentOption(CLI::App& command, std::optional<Augmentation>& value)
{
    return addChoice(command, "--augment", value,
                     "Training augmentation: crop-flip (random resized crops and horizontal flips, the default for "
                     "image folders) or none (the default for IDX and CIFAR-10)");
}

/// A number option that must be positive. CLI11's PositiveNumber names its upper bound in the message, all 309
/// digits of the largest double ("--lr 1e400").
inline const CLI::Validator kPositive(
    [](std::string& text) {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        return *end == '\0' && value > 0 && value <= 1e300 ? std::string() : "must be a positive, finite number";
    },
    "POSITIVE");

/// "C,H,W" as a shape; empty text gives an empty shape. Throws InputError naming `--input-shape`.
[[nodiscard]] std::vector<int64_t> parseShape(const std::string& text);
/// "conv1=8,fc1=2" as layer names and bit-widths. Throws InputError naming `--layer-bits`.
[[nodiscard]] std::map<std::string, int> parseLayerBits(const std::string& text);

/// Opens a model file or zoo name (Model::open) and applies --output to its record.
[[nodiscard]] Model openModel(const std::string& spec, const CommonOptions& common);

/// Data options for a model: its record decides shape and normalization unless the user says otherwise.
[[nodiscard]] DatasetOptions datasetOptionsFor(const ModelRecord* record, const CommonOptions& common, uint64_t seed);
/// Loads a data set and prints its warnings on stderr.
[[nodiscard]] Dataset loadData(const std::string& spec, const DatasetOptions& options);

/// Refuses a bad output before minutes of work, not after: the input itself, a folder, or an existing file
/// without --force.
/// Refuses `out` where it would replace one of the command's `inputs`, anything but a regular file, or (without
/// --force) an existing file.
void checkOutput(const OutputGuard& inputs, const std::string& out, bool force);

/// The size of a file, 0 for anything that is not one (a zoo name).
[[nodiscard]] int64_t fileSize(const std::string& path);

/// Whether progress bars are drawn: only when stderr is a terminal.
[[nodiscard]] bool stderrIsTerminal();

} // namespace pare::cli
