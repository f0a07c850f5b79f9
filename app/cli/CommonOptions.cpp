#include "CommonOptions.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"
#include "pare/Pipeline.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace pare::cli {
namespace {

/// Splits "a,b,c" and converts each part; throws InputError with `problem` when a part does not convert fully.
template <typename T, typename Convert>
std::vector<T> parseList(const std::string& text, const std::string& problem, Convert convert)
{
    std::vector<T> values;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        size_t used = 0;
        T value {};
        try {
            value = convert(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || part.empty())
            throw InputError(problem + ", got '" + text + "'");
        values.push_back(value);
    }
    return values;
}

std::vector<float> parseFloats(const std::string& text, const char* option)
{
    const auto values = parseList<float>(text, std::string(option) + ": expected numbers separated by commas",
                                         [](const std::string& s, size_t* used) { return std::stof(s, used); });
    for (const float v : values)
        if (!std::isfinite(v))
            throw InputError(std::string(option) + ": expected finite numbers, got '" + text + "'");
    return values;
}

} // namespace

void addCommonOptions(CLI::App& command, CommonOptions& options)
{
    command.add_option("--threads", options.threads, "Intra-op threads (default: the machine's cores)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--memory-budget", options.memoryBudget,
                       "Refuse any file, data set or shape that would need more memory than this (e.g. 1.5G, 800M; "
                       "default: half of the machine's memory)");
    command.add_option("--input-shape", options.inputShape,
                       "Model input C,H,W (for models without a pare.json record)");
    command.add_option("--output", options.output,
                       "For a model whose forward returns several outputs: the logits' index or name (default: the "
                       "record's, else the first tensor); kept in the record of the files Pare writes");
    command.add_option("--mean", options.mean, "Normalization mean, one value or one per channel");
    command.add_option("--std", options.std, "Normalization std, one value or one per channel");
    command.add_flag("--json", options.json, "Print one JSON object on stdout");
    command.add_option("--train-limit", options.trainLimit, "Train on a seeded random subset of N images")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--test-limit", options.testLimit, "Evaluate on the first N test images")
        ->check(CLI::NonNegativeNumber);
    addChoice(command, "--resize", options.resize,
              "Image folders, images of another size: crop (default; scaled to cover the size / --crop-ratio, "
              "center cropped, as torchvision evaluates) or stretch");
    command
        .add_option("--crop-ratio", options.cropRatio,
                    "With --resize crop: the share of the scaled image kept "
                    "(default 0.875: 224 of 256)")
        ->check(CLI::Range(0.05, 1.0));
}

std::vector<std::string> commonArguments(const CommonOptions& options)
{
    const CommonOptions defaults;
    std::vector<std::string> arguments;
    const auto add = [&](const char* flag, const std::string& value) {
        arguments.emplace_back(flag);
        arguments.push_back(value);
    };
    if (!options.memoryBudget.empty())
        add("--memory-budget", options.memoryBudget);
    if (!options.inputShape.empty())
        add("--input-shape", options.inputShape);
    if (!options.output.empty())
        add("--output", options.output);
    if (!options.mean.empty())
        add("--mean", options.mean);
    if (!options.std.empty())
        add("--std", options.std);
    if (options.trainLimit != defaults.trainLimit)
        add("--train-limit", std::to_string(options.trainLimit));
    if (options.testLimit != defaults.testLimit)
        add("--test-limit", std::to_string(options.testLimit));
    if (options.resize != defaults.resize)
        add("--resize", optionName(options.resize));
    if (options.cropRatio != defaults.cropRatio) {
        std::ostringstream text;
        text.precision(17);
        text << options.cropRatio;
        add("--crop-ratio", text.str());
    }
    return arguments;
}

std::vector<int64_t> parseShape(const std::string& text)
{
    if (text.empty())
        return {};
    const std::string problem = "--input-shape: expected C,H,W with positive integers";
    const auto shape = parseList<int64_t>(
        text, problem, [](const std::string& s, size_t* used) { return static_cast<int64_t>(std::stoll(s, used)); });
    for (auto d : shape)
        if (d < 1 || d > kMaxInputDimension)
            throw InputError(problem + ", got '" + text + "'");
    if (shape.size() != 3)
        throw InputError(problem + ", got '" + text + "'");
    return shape;
}

std::map<std::string, int> parseLayerBits(const std::string& text)
{
    std::map<std::string, int> bits;
    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        const auto equals = item.find('=');
        int value = 0;
        try {
            if (equals == std::string::npos || equals == 0)
                throw std::invalid_argument(item);
            size_t used = 0;
            value = std::stoi(item.substr(equals + 1), &used);
            if (used != item.size() - equals - 1)
                throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw InputError("--layer-bits: expected LAYER=BITS[,LAYER=BITS...], got '" + item + "'");
        }
        bits[item.substr(0, equals)] = value;
    }
    return bits;
}

Model openModel(const std::string& spec, const CommonOptions& common)
{
    auto model = Model::open(spec);
    if (!common.output.empty())
        model.selectOutput(common.output);
    return model;
}

DatasetOptions datasetOptionsFor(const ModelRecord* record, const CommonOptions& common, uint64_t seed)
{
    DatasetOptions options;
    options.inputShape = parseShape(common.inputShape);
    if (!common.mean.empty())
        options.mean = parseFloats(common.mean, "--mean");
    if (!common.std.empty())
        options.std = parseFloats(common.std, "--std");
    options.trainLimit = common.trainLimit;
    options.testLimit = common.testLimit;
    options.resize = common.resize;
    options.cropRatio = common.cropRatio;
    options.seed = seed;
    return record ? dataOptionsFor(*record, options) : options;
}

Dataset loadData(const std::string& spec, const DatasetOptions& options)
{
    if (spec.empty())
        throw InputError(std::string("--data: empty; expected ") + kDataHelp);
    auto data = Dataset::load(spec, options);
    const auto& info = data.info();
    for (const auto& warning : info.warnings)
        std::cerr << "pare: warning: " << warning << "\n";
    if (info.streamed)
        std::cerr << "pare: " << info.folder << ": streaming " << info.testCount << " images from disk ("
                  << describeBytes(info.decodedBytes) << " decoded, over 1 GB or a quarter of the memory budget of "
                  << describeBytes(memoryBudget()) << ")\n";
    return data;
}

void checkOutput(const OutputGuard& inputs, const std::string& out, bool force)
{
    inputs.check(out, force);
}

int64_t fileSize(const std::string& path)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<int64_t>(size);
}

bool stderrIsTerminal()
{
    return ::isatty(STDERR_FILENO) == 1;
}

} // namespace pare::cli
