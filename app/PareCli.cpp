// `pare`: the command-line face of the engine. Its commands, options, JSON fields and exit codes are a contract
// (README, "Command line"): 0 success, 2 bad usage or bad input (one line on stderr naming the file and the
// problem), 1 an internal fault.

#include "ConsoleProgress.h"
#include "Format.h"

#include "pare/Dataset.h"
#include "pare/Distillation.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Onnx.h"
#include "pare/Pipeline.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"
#include "pare/Runtime.h"
#include "pare/Sensitivity.h"
#include "pare/TextFile.h"
#include "pare/Training.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace {

using nlohmann::json;

/// Options every command takes.
struct CommonOptions
{
    int threads = 0;
    std::string inputShape;
    std::string mean;
    std::string std;
    bool json = false;
    int64_t trainLimit = 0;
    int64_t testLimit = 0;
};

std::vector<int64_t> parseShape(const std::string& text)
{
    if (text.empty())
        return {};
    std::vector<int64_t> shape;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || value < 1 || value > 65536)
            throw pare::InputError("--input-shape: expected C,H,W with positive integers, got '" + text + "'");
        shape.push_back(value);
    }
    if (shape.size() != 3)
        throw pare::InputError("--input-shape: expected C,H,W with positive integers, got '" + text + "'");
    return shape;
}

std::vector<float> parseFloats(const std::string& text, const char* option)
{
    std::vector<float> values;
    if (text.empty())
        return values;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        size_t used = 0;
        float value = 0;
        try {
            value = std::stof(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size())
            throw pare::InputError(std::string(option) + ": expected numbers separated by commas, got '" + text + "'");
        values.push_back(value);
    }
    return values;
}

void addCommonOptions(CLI::App& command, CommonOptions& options)
{
    command.add_option("--threads", options.threads, "Intra-op threads (default: the machine's cores)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--input-shape", options.inputShape, "Model input C,H,W (for models without a pare.json record)");
    command.add_option("--mean", options.mean, "Normalization mean, one value or one per channel");
    command.add_option("--std", options.std, "Normalization std, one value or one per channel");
    command.add_flag("--json", options.json, "Print one JSON object on stdout");
    command.add_option("--train-limit", options.trainLimit, "Train on a seeded random subset of N images")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--test-limit", options.testLimit, "Evaluate on the first N test images")
        ->check(CLI::NonNegativeNumber);
}

bool pathExists(const std::string& path)
{
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

/// A zoo name builds a fresh model; anything else is a TorchScript file.
pare::Model loadModel(const std::string& spec)
{
    if (!pathExists(spec) && pare::Model::isZooSpec(spec))
        return pare::Model::fromZoo(spec);
    if (!pathExists(spec) && spec.find('/') == std::string::npos && spec.find('.') == std::string::npos)
        throw pare::inputError(spec, "no such file, and not a zoo architecture (lenet5, lenet300, resnet8, NAME@W)");
    return pare::Model::load(spec);
}

/// Data options for a model: its record decides shape and normalization unless the user says otherwise.
pare::DatasetOptions datasetOptionsFor(const pare::ModelRecord* record, const CommonOptions& common, uint64_t seed)
{
    pare::DatasetOptions options;
    options.inputShape = parseShape(common.inputShape);
    if (options.inputShape.empty() && record && record->inputShape.size() == 3)
        options.inputShape = record->inputShape;
    options.mean = parseFloats(common.mean, "--mean");
    options.std = parseFloats(common.std, "--std");
    if (options.mean.empty() && options.std.empty() && record && !record->mean.empty() && !record->std.empty()) {
        options.mean = record->mean;
        options.std = record->std;
    }
    options.trainLimit = common.trainLimit;
    options.testLimit = common.testLimit;
    options.seed = seed;
    return options;
}

pare::Dataset loadData(const std::string& spec, const pare::DatasetOptions& options)
{
    auto data = pare::Dataset::load(spec, options);
    for (const auto& warning : data.info().warnings)
        std::cerr << "pare: warning: " << warning << "\n";
    return data;
}

int64_t fileSize(const std::string& path)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : static_cast<int64_t>(size);
}

json evalJson(const pare::EvalResult& eval)
{
    return {{"accuracy", eval.accuracy},
            {"loss", eval.loss},
            {"images", eval.images},
            {"seconds", eval.seconds},
            {"images_per_second", eval.imagesPerSecond},
            {"per_class_accuracy", eval.perClassAccuracy},
            {"confusion", eval.confusion}};
}

json layersJson(const pare::ModelSummary& summary)
{
    json layers = json::array();
    for (const auto& layer : summary.layers)
        layers.push_back(json{{"name", layer.name},
                          {"type", layer.type},
                          {"weight_shape", layer.weightShape},
                          {"params", layer.params},
                          {"bytes", layer.bytes},
                          {"macs", layer.macs}});
    return layers;
}

int runInspect(const std::string& modelSpec, const CommonOptions& common)
{
    const auto model = loadModel(modelSpec);
    const auto summary = model.inspect(parseShape(common.inputShape));
    if (common.json) {
        std::cout << json{{"model", modelSpec},
                          {"architecture", summary.architecture},
                          {"input_shape", summary.inputShape},
                          {"outputs", summary.outputs},
                          {"params", summary.params},
                          {"bytes", summary.bytes},
                          {"macs", summary.macs},
                          {"file_bytes", fileSize(modelSpec)},
                          {"has_record", model.record().present},
                          {"layers", layersJson(summary)}}
                         .dump(2)
                  << "\n";
        return 0;
    }
    std::cout << modelSpec << ": " << summary.architecture << ", input " << pare::cli::shapeText(summary.inputShape)
              << ", " << summary.outputs << " outputs\n\n";
    pare::cli::Table table({"layer", "type", "weight", "params", "bytes", "MACs"});
    for (const auto& layer : summary.layers)
        table.addRow({layer.name, layer.type, pare::cli::shapeText(layer.weightShape),
                      pare::cli::withThousands(layer.params), pare::cli::withThousands(layer.bytes),
                      pare::cli::withThousands(layer.macs)});
    table.addRow({"total", "", "", pare::cli::withThousands(summary.params), pare::cli::withThousands(summary.bytes),
                  pare::cli::withThousands(summary.macs)});
    table.print(std::cout);
    return 0;
}

int runEval(const std::string& modelSpec, const std::string& dataSpec, const CommonOptions& common)
{
    const auto model = loadModel(modelSpec);
    const auto data = loadData(dataSpec, datasetOptionsFor(&model.record(), common, 0));
    pare::checkCompatible(model, data);
    const auto eval = pare::evaluate(model, data);
    const auto latency = pare::measureLatency(model, data.info().sampleShape);
    const int64_t params = model.parameterCount();
    const int64_t bytes = fileSize(modelSpec);
    if (common.json) {
        auto out = evalJson(eval);
        out["model"] = modelSpec;
        out["data"] = dataSpec;
        out["params"] = params;
        out["file_bytes"] = bytes;
        out["dense_fp32_bytes"] = params * 4;
        out["latency_ms"] = {{"batch1", latency.batch1Ms}, {"batch256", latency.batch256Ms}};
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    const auto& info = data.info();
    std::cout << "model       " << modelSpec << "\n"
              << "data        " << dataSpec << ": " << eval.images << " test images, " << info.classNames.size()
              << " classes\n\n";
    pare::cli::Table table({"model", "accuracy", "loss", "params", "size on disk", "latency b1", "latency b256",
                            "images/s"});
    table.addRow({std::filesystem::path(modelSpec).filename().string(), pare::cli::fixed(eval.accuracy, 4),
                  pare::cli::fixed(eval.loss, 4), pare::cli::withThousands(params),
                  bytes > 0 ? pare::cli::humanBytes(bytes) : "-", pare::cli::fixed(latency.batch1Ms, 3) + " ms",
                  pare::cli::fixed(latency.batch256Ms, 2) + " ms", pare::cli::withThousands(int64_t(eval.imagesPerSecond))});
    table.print(std::cout);
    std::cout << "\n";
    pare::cli::Table perClass({"class", "name", "images", "accuracy"});
    for (size_t c = 0; c < eval.perClassAccuracy.size(); ++c) {
        int64_t images = 0;
        for (auto v : eval.confusion[c])
            images += v;
        perClass.addRow({std::to_string(c), c < info.classNames.size() ? info.classNames[c] : "", std::to_string(images),
                         pare::cli::fixed(eval.perClassAccuracy[c], 4)});
    }
    perClass.print(std::cout);
    return 0;
}

struct TrainArgs
{
    std::string model;
    std::string data;
    std::string out;
    bool force = false;
    pare::TrainOptions options;
};

void printAccuracyChange(double accuracy, double baseline)
{
    std::cout << "\naccuracy " << pare::cli::fixed(accuracy, 4) << " (baseline " << pare::cli::fixed(baseline, 4)
              << ", change " << pare::cli::fixed(100.0 * (accuracy - baseline), 2) << " points)\n";
}

/// Sizes of the model in every format Pare writes, each the length of a real serialization.
json sizesJson(const pare::Model& model)
{
    json onnx = nullptr; // unknown when the exporter does not cover an operation of the graph
    try {
        onnx = int64_t(model.serialize(pare::ModelFormat::Onnx).size());
    } catch (const pare::InputError&) {
    }
    return {{"dense_fp32", model.parameterCount() * 4},
            {"torchscript", int64_t(model.serialize(pare::ModelFormat::TorchScript).size())},
            {"pare", int64_t(model.serialize(pare::ModelFormat::Pare).size())},
            {"onnx", onnx}};
}

/// What to tell a user who wrote a TorchScript file of a model that only .pare makes smaller; nothing for .pare.
std::string formatNoteFor(const std::string& out, const std::string& note)
{
    return pare::Model::formatForPath(out) == pare::ModelFormat::Pare ? std::string() : note;
}

/// Compression ratios are against `baselineDense`, the unpruned model's dense fp32 size (filter pruning makes the
/// model's own dense size smaller too).
void printSizes(const json& sizes, const std::string& note, int64_t baselineDense)
{
    const auto dense = baselineDense;
    std::cout << "sizes: dense fp32 " << pare::cli::withThousands(sizes.at("dense_fp32").get<int64_t>())
              << " bytes (unpruned " << pare::cli::withThousands(baselineDense) << ")";
    for (const char* format : {"torchscript", "onnx", "pare"}) {
        if (!sizes.at(format).is_number())
            continue;
        const auto bytes = sizes.at(format).get<int64_t>();
        std::cout << ", " << format << " " << pare::cli::withThousands(bytes) << " ("
                  << pare::cli::fixed(double(dense) / double(std::max<int64_t>(bytes, 1)), 1) << "x compression)";
    }
    std::cout << "\n";
    if (!note.empty())
        std::cout << "note: " << note << "\n";
}

/// Refuses a bad output before minutes of work, not after: the input itself, a folder, or an existing file
/// without --force.
void checkOutput(const std::string& input, const std::string& out, bool force)
{
    std::error_code ec;
    if (pathExists(input) && pathExists(out) && std::filesystem::equivalent(input, out, ec))
        throw pare::inputError(out, "is the input model; choose another output");
    if (std::filesystem::is_directory(out, ec))
        throw pare::inputError(out, "is a directory, expected a file name to write");
    if (pathExists(out) && !force)
        throw pare::inputError(out, "already exists (use --force to replace it)");
}

json epochsJson(const pare::TrainResult& trained)
{
    json epochs = json::array();
    for (const auto& e : trained.epochs)
        epochs.push_back(json{{"epoch", e.epoch},
                              {"train_loss", e.trainLoss},
                              {"validation_accuracy", e.validationAccuracy},
                              {"validation_loss", e.validationLoss},
                              {"seconds", e.seconds}});
    return epochs;
}

void printEpochs(const pare::TrainResult& trained)
{
    for (const auto& e : trained.epochs)
        std::cout << "epoch " << e.epoch << ": train loss " << pare::cli::fixed(e.trainLoss, 4)
                  << (e.validationAccuracy >= 0 ? ", validation accuracy " + pare::cli::fixed(e.validationAccuracy, 4)
                                                : std::string())
                  << ", " << pare::cli::fixed(e.seconds, 1) << " s\n";
}

int runTrain(const TrainArgs& args, const CommonOptions& common)
{
    checkOutput(args.model, args.out, args.force);

    const bool fromZoo = !pathExists(args.model) && pare::Model::isZooSpec(args.model);
    std::optional<pare::Model> loaded;
    if (!fromZoo)
        loaded.emplace(loadModel(args.model));
    const auto data = loadData(args.data, datasetOptionsFor(loaded ? &loaded->record() : nullptr, common,
                                                            args.options.seed));
    const auto& info = data.info();
    pare::Model model = fromZoo ? pare::Model::fromZoo(args.model, info.sampleShape,
                                                       static_cast<int64_t>(info.classNames.size()), args.options.seed)
                                : std::move(*loaded);

    pare::cli::ConsoleProgress bar(::isatty(STDERR_FILENO) == 1);
    const auto trained = pare::train(model, data, args.options,
                                     [&](const pare::TrainProgress& p) { bar.update(p); });
    bar.finish();
    const auto eval = pare::evaluate(model, data);
    model.setRecord(pare::recordFromData(info));
    const int64_t outBytes = model.save(args.out, args.force);

    if (common.json) {
        auto out = evalJson(eval);
        out["seconds"] = trained.trainSeconds;
        out["images_per_second"] = trained.imagesPerSecond;
        out["eval_seconds"] = eval.seconds;
        out["params"] = model.parameterCount();
        out["out"] = args.out;
        out["out_bytes"] = outBytes;
        out["epochs"] = epochsJson(trained);
        out["train_images"] = info.trainCount;
        out["validation_images"] = info.validationCount;
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    printEpochs(trained);
    std::cout << "test accuracy " << pare::cli::fixed(eval.accuracy, 4) << ", loss " << pare::cli::fixed(eval.loss, 4)
              << "; " << pare::cli::withThousands(int64_t(trained.imagesPerSecond)) << " images/s\n"
              << "wrote " << args.out << " (" << pare::cli::withThousands(outBytes) << " bytes)\n";
    return 0;
}

/// "conv1=8,fc1=2" as layer names and bit-widths.
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
            throw pare::InputError("--layer-bits: expected LAYER=BITS[,LAYER=BITS...], got '" + item + "'");
        }
        bits[item.substr(0, equals)] = value;
    }
    return bits;
}

/// What prune and quantize share: load a model and its data, measure the accuracy before, run the step in place,
/// measure again, save, and report the file and the model's size in every format.
struct StepOutcome
{
    pare::EvalResult baseline;
    int64_t baselineParams = 0;
    pare::EvalResult eval;
    int64_t outBytes = 0;
    json sizes;
    std::string note; ///< what a TorchScript output does not make smaller; empty for .pare
    json report;      ///< the fields every step reports in --json
    std::optional<pare::LatencyResult> baselineLatency, latency; ///< when the step is about speed
};

struct StepArgs
{
    std::string model;
    std::string data;
    std::string out;
    bool force = false;
};

using CompressionStep = std::function<pare::TrainResult(pare::Model&, const pare::Dataset&,
                                                        const pare::TrainProgressCallback&)>;

StepOutcome runCompressionStep(const StepArgs& args, const CommonOptions& common, uint64_t seed,
                               const std::string& torchScriptNote, const CompressionStep& step,
                               bool measureLatency = false)
{
    checkOutput(args.model, args.out, args.force);
    auto model = loadModel(args.model);
    const auto data = loadData(args.data, datasetOptionsFor(&model.record(), common, seed));
    pare::checkCompatible(model, data);
    StepOutcome outcome;
    outcome.baseline = pare::evaluate(model, data);
    outcome.baselineParams = model.parameterCount();
    if (measureLatency)
        outcome.baselineLatency = pare::measureLatency(model, data.info().sampleShape);
    pare::cli::ConsoleProgress bar(::isatty(STDERR_FILENO) == 1);
    const auto trained = step(model, data, [&](const pare::TrainProgress& p) { bar.update(p); });
    bar.finish();
    outcome.eval = pare::evaluate(model, data);
    if (measureLatency)
        outcome.latency = pare::measureLatency(model, data.info().sampleShape);
    if (!model.record().present) // it gets the shape and statistics it was tuned with
        model.setRecord(pare::recordFromData(data.info()));
    outcome.outBytes = model.save(args.out, args.force);
    outcome.sizes = sizesJson(model);
    outcome.note = formatNoteFor(args.out, torchScriptNote);

    auto& report = outcome.report = evalJson(outcome.eval);
    report["baseline_accuracy"] = outcome.baseline.accuracy;
    report["baseline_params"] = outcome.baselineParams;
    report["params"] = model.parameterCount();
    report["nonzero_params"] = model.nonzeroParameterCount();
    report["seconds"] = trained.trainSeconds;
    report["images_per_second"] = trained.imagesPerSecond;
    report["epochs"] = epochsJson(trained);
    report["out"] = args.out;
    report["out_bytes"] = outcome.outBytes;
    report["sizes"] = outcome.sizes;
    if (!outcome.note.empty())
        report["note"] = outcome.note;
    if (outcome.latency) {
        report["baseline_latency_ms"] = {{"batch1", outcome.baselineLatency->batch1Ms},
                                         {"batch256", outcome.baselineLatency->batch256Ms}};
        report["latency_ms"] = {{"batch1", outcome.latency->batch1Ms}, {"batch256", outcome.latency->batch256Ms}};
    }
    if (!common.json)
        printEpochs(trained);
    return outcome;
}

/// "3.80x faster" or "1.45x slower": the change from `before` to `after` milliseconds.
std::string speedup(double before, double after)
{
    return before >= after ? pare::cli::fixed(before / after, 2) + "x faster" : pare::cli::fixed(after / before, 2) + "x slower";
}

/// The text ending of a step: its layer table, the accuracy change, the file and the sizes.
void printStepOutcome(const pare::cli::Table& layers, const StepOutcome& outcome, const std::string& out)
{
    layers.print(std::cout);
    printAccuracyChange(outcome.eval.accuracy, outcome.baseline.accuracy);
    if (outcome.latency)
        std::cout << "latency at batch 256: " << pare::cli::fixed(outcome.latency->batch256Ms, 2) << " ms, was "
                  << pare::cli::fixed(outcome.baselineLatency->batch256Ms, 2) << " ms ("
                  << speedup(outcome.baselineLatency->batch256Ms, outcome.latency->batch256Ms) << "); batch 1: " << pare::cli::fixed(outcome.latency->batch1Ms, 3) << " ms, was "
                  << pare::cli::fixed(outcome.baselineLatency->batch1Ms, 3) << " ms\n";
    std::cout << "wrote " << out << " (" << pare::cli::withThousands(outcome.outBytes) << " bytes)\n";
    printSizes(outcome.sizes, outcome.note, outcome.baselineParams * 4);
}

int runPrune(const StepArgs& args, const pare::PruneOptions& options, const CommonOptions& common)
{
    pare::PruneResult pruned;
    // Be plain about formats: TorchScript stores dense tensors, so zeros cost as much as any weight.
    // Filter pruning removes channels, so the model is smaller in every format and there is nothing to warn about.
    auto outcome = runCompressionStep(
        args, common, options.finetune.seed,
        options.method == "filters" || options.method == "activation"
            ? std::string()
            : "TorchScript and ONNX store dense tensors: a pruned .pt file is as large as the unpruned model; a .pare "
              "file stores only the non-zero weights",
        [&](pare::Model& model, const pare::Dataset& data, const pare::TrainProgressCallback& progress) {
            pruned = pare::prune(model, data, options, progress);
            return pruned.finetune;
        });
    if (common.json) {
        json layers = json::array();
        for (const auto& layer : pruned.layers)
            layers.push_back(json{{"name", layer.name},
                                  {"weights", layer.weights},
                                  {"nonzero", layer.nonzero},
                                  {"sparsity", layer.sparsity()}});
        outcome.report["sparsity"] = pruned.sparsity();
        outcome.report["layers"] = layers;
        if (!pruned.allocatedRatios.empty())
            outcome.report["allocated_ratios"] = pruned.allocatedRatios;
        std::cout << outcome.report.dump(2) << "\n";
        return 0;
    }
    pare::cli::Table table({"layer", "weights", "non-zero", "sparsity"});
    for (const auto& layer : pruned.layers)
        table.addRow({layer.name, pare::cli::withThousands(layer.weights), pare::cli::withThousands(layer.nonzero),
                      pare::cli::fixed(100.0 * layer.sparsity(), 1) + " %"});
    table.addRow({"total", pare::cli::withThousands(pruned.weights), pare::cli::withThousands(pruned.nonzero),
                  pare::cli::fixed(100.0 * pruned.sparsity(), 1) + " %"});
    if (!pruned.allocatedRatios.empty()) {
        std::cout << "ratios allocated by sensitivity:";
        for (const auto& [layer, r] : pruned.allocatedRatios)
            std::cout << " " << layer << " " << pare::cli::fixed(100.0 * r, 1) << "%";
        std::cout << "\n";
    }
    printStepOutcome(table, outcome, args.out);
    return 0;
}

struct SensitivityArgs
{
    std::string model;
    std::string data;
    std::string csv;
    double target = 0.9;
    bool force = false;
    double targetBits = 4.0;
};

int runSensitivity(const SensitivityArgs& args, const CommonOptions& common)
{
    if (!args.csv.empty())
        checkOutput(args.model, args.csv, args.force);
    const auto model = loadModel(args.model);
    const auto data = loadData(args.data, datasetOptionsFor(&model.record(), common, 0));
    const auto sensitivity = pare::analyzeSensitivity(model, data);
    const auto allocation = pare::allocateRatios(sensitivity, args.target);
    const auto bits = pare::allocateBits(sensitivity, args.targetBits).front();
    if (!args.csv.empty())
        pare::writeTextFile(args.csv, pare::sensitivityCsv(sensitivity), args.force);
    if (common.json) {
        auto report = json::parse(pare::sensitivityJson(sensitivity, allocation, args.target));
        report["target_bits"] = args.targetBits;
        report["allocated_bits"] = json::object();
        for (const auto& [layer, b] : bits)
            report["allocated_bits"][layer] = b;
        std::cout << report.dump(2) << "\n";
        return 0;
    }
    std::cout << "accuracy on " << sensitivity.images << " "
              << (sensitivity.split == pare::Split::Validation ? "validation" : "test")
              << " images when one layer alone is pruned (no fine-tuning) or quantized ("
              << sensitivity.scheme << "); baseline " << pare::cli::fixed(sensitivity.baselineAccuracy, 4) << "\n\n";
    std::vector<std::string> header{"layer", "weights"};
    for (double r : sensitivity.ratios)
        header.push_back("prune " + pare::cli::fixed(100.0 * r, 0) + "%");
    for (int b : sensitivity.bits)
        header.push_back(std::to_string(b) + "-bit");
    pare::cli::Table table(header);
    for (const auto& layer : sensitivity.layers) {
        std::vector<std::string> row{layer.name, pare::cli::withThousands(layer.weights)};
        for (double a : layer.pruneAccuracy)
            row.push_back(pare::cli::fixed(a, 4));
        for (double a : layer.quantizeAccuracy)
            row.push_back(pare::cli::fixed(a, 4));
        table.addRow(row);
    }
    table.print(std::cout);
    std::cout << "\nper-layer ratios for " << pare::cli::fixed(100.0 * args.target, 1)
              << "% overall sparsity with the least predicted loss (what --allocate sensitivity uses):\n";
    for (const auto& [layer, r] : allocation)
        std::cout << "  " << layer << " " << pare::cli::fixed(100.0 * r, 1) << "%\n";
    std::cout << "per-layer bits averaging at most " << pare::cli::fixed(args.targetBits, 1)
              << " bits per weight with the least predicted loss (quantize --allocate sensitivity measures the best few such\n"
                 "allocations and keeps the most accurate):\n";
    for (const auto& [layer, b] : bits)
        std::cout << "  " << layer << " " << b << " bits\n";
    std::cout << "measured in " << pare::cli::fixed(sensitivity.seconds, 1) << " s";
    if (!args.csv.empty())
        std::cout << "; wrote " << args.csv;
    std::cout << "\n";
    return 0;
}

int runQuantize(const StepArgs& args, const pare::QuantizeOptions& options, const CommonOptions& common)
{
    pare::QuantizeResult quantized;
    std::vector<pare::Int8Operation> int8Operations;
    const bool int8 = !options.engine.empty();
    auto outcome = runCompressionStep(
        args, common, options.finetune.seed,
        int8 ? "the .pt file holds the int8 module (packed qint8 weights); .pare and .onnx hold the float model with "
               "its 8-bit levels, and Pare rebuilds the int8 module when it loads a .pare"
             : "TorchScript stores the k-bit weights as fp32: the .pt file is as large as before; a .pare file stores "
               "k-bit codes",
        [&](pare::Model& model, const pare::Dataset& data, const pare::TrainProgressCallback& progress) {
            quantized = pare::quantizeWeights(model, data, options, progress);
            int8Operations = pare::int8Operations(model);
            return quantized.finetune;
        },
        /*measureLatency=*/int8);
    if (common.json) {
        json layers = json::array();
        for (const auto& layer : quantized.layers)
            layers.push_back(json{{"name", layer.name},
                                  {"bits", layer.bits},
                                  {"weights", layer.weights},
                                  {"distinct_values", layer.distinctValues},
                                  {"max_abs_error", layer.maxAbsError}});
        json activations = json::array();
        for (const auto& a : quantized.activations)
            activations.push_back(json{{"name", a.name},
                                       {"bits", a.bits},
                                       {"low", a.low},
                                       {"high", a.high},
                                       {"scale", a.scale},
                                       {"zero_point", a.zeroPoint}});
        json operations = json::array();
        for (const auto& o : int8Operations)
            operations.push_back(json{{"op", o.op}, {"weight_type", o.weightType}, {"weight_shape", o.weightShape}});
        outcome.report["bits"] = options.bits;
        outcome.report["scheme"] = options.scheme;
        outcome.report["per_channel"] = options.perChannel;
        outcome.report["activation_bits"] = options.activationBits;
        if (options.activationBits != 32)
            outcome.report["calibration"] = options.calibration;
        outcome.report["engine"] = int8 ? json(options.engine) : json(nullptr);
        outcome.report["layers"] = layers;
        outcome.report["activations"] = activations;
        outcome.report["int8_operations"] = operations;
        std::cout << outcome.report.dump(2) << "\n";
        return 0;
    }
    if (!quantized.activations.empty()) {
        pare::cli::Table table({"activation", "bits", "clipped to", "scale", "zero point"});
        for (const auto& a : quantized.activations)
            table.addRow({a.name, std::to_string(a.bits),
                          "[" + pare::cli::fixed(a.low, 3) + ", " + pare::cli::fixed(a.high, 3) + "]",
                          pare::cli::fixed(a.scale, 5), std::to_string(a.zeroPoint)});
        std::cout << "activations (" << options.calibration << " calibration on " << options.calibrationImages
                  << " training images):\n";
        table.print(std::cout);
    }
    if (int8) {
        std::map<std::string, int> counts;
        for (const auto& o : int8Operations)
            counts[o.op + (o.weightType.empty() ? "" : " (" + o.weightType + " weights)")]++;
        std::cout << "int8 module on " << options.engine << ":";
        for (const auto& [name, count] : counts)
            std::cout << " " << count << "x " << name << ";";
        std::cout << "\n";
    }
    pare::cli::Table table({"layer", "bits", "weights", "distinct values", "max |error|"});
    for (const auto& layer : quantized.layers)
        table.addRow({layer.name, std::to_string(layer.bits), pare::cli::withThousands(layer.weights),
                      pare::cli::withThousands(layer.distinctValues), pare::cli::fixed(layer.maxAbsError, 6)});
    printStepOutcome(table, outcome, args.out);
    return 0;
}

struct DistillArgs
{
    std::string teacher;
    std::string student = "self";
    std::string data;
    std::string out;
    bool force = false;
    pare::DistillOptions options;
};

int runDistill(const DistillArgs& args, const CommonOptions& common)
{
    checkOutput(args.teacher, args.out, args.force);
    const auto teacher = loadModel(args.teacher);
    const auto data = loadData(args.data, datasetOptionsFor(&teacher.record(), common, args.options.train.seed));
    const auto& info = data.info();
    pare::Model student = args.student == "self" ? teacher.clone()
        : pare::Model::isZooSpec(args.student) && !pathExists(args.student)
        ? pare::Model::fromZoo(args.student, info.sampleShape, static_cast<int64_t>(info.classNames.size()),
                               args.options.train.seed)
        : loadModel(args.student);
    const auto teacherEval = pare::evaluate(teacher, data);

    pare::cli::ConsoleProgress bar(::isatty(STDERR_FILENO) == 1);
    const auto distilled =
        pare::distill(teacher, student, data, args.options, [&](const pare::TrainProgress& p) { bar.update(p); });
    bar.finish();
    const auto eval = pare::evaluate(student, data);
    const double agreement = pare::topOneAgreement(teacher, student, data);
    student.setRecord(pare::recordFromData(info));
    const int64_t outBytes = student.save(args.out, args.force);

    if (common.json) {
        json epochs = json::array();
        for (size_t i = 0; i < distilled.lossTerms.size(); ++i) {
            const auto& terms = distilled.lossTerms[i];
            json epoch{{"epoch", terms.epoch}, {"soft_loss", terms.softLoss}, {"hard_loss", terms.hardLoss}};
            if (i < distilled.training.epochs.size())
                epoch["validation_accuracy"] = distilled.training.epochs[i].validationAccuracy;
            epochs.push_back(epoch);
        }
        auto out = evalJson(eval);
        out["teacher_accuracy"] = teacherEval.accuracy;
        out["teacher_agreement"] = agreement;
        out["params"] = student.parameterCount();
        out["teacher_params"] = teacher.parameterCount();
        out["seconds"] = distilled.training.trainSeconds;
        out["images_per_second"] = distilled.training.imagesPerSecond;
        out["teacher_seconds"] = distilled.teacherSeconds;
        out["epochs"] = epochs;
        out["out"] = args.out;
        out["out_bytes"] = outBytes;
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    for (const auto& terms : distilled.lossTerms)
        std::cout << "epoch " << terms.epoch << ": soft loss " << pare::cli::fixed(terms.softLoss, 4) << ", hard loss "
                  << pare::cli::fixed(terms.hardLoss, 4) << "\n";
    std::cout << "student accuracy " << pare::cli::fixed(eval.accuracy, 4) << " (teacher "
              << pare::cli::fixed(teacherEval.accuracy, 4) << "), agreement with the teacher "
              << pare::cli::fixed(agreement, 4) << "\n"
              << "student " << pare::cli::withThousands(student.parameterCount()) << " parameters, teacher "
              << pare::cli::withThousands(teacher.parameterCount()) << "\n"
              << "teacher pass " << pare::cli::fixed(distilled.teacherSeconds, 1) << " s, training "
              << pare::cli::fixed(distilled.training.trainSeconds, 1) << " s\n"
              << "wrote " << args.out << " (" << pare::cli::withThousands(outBytes) << " bytes)\n";
    return 0;
}

struct CompressArgs
{
    StepArgs io;
    std::string recipe;
    std::string saveRecipe;
    pare::Recipe::Simple simple;
};

/// A TorchScript output of a model with zeros or k-bit weights is no smaller: say so, and where it is.
std::string formatNoteForSnapshot(const pare::Snapshot& last, const std::string& out)
{
    bool quantized = false;
    for (const auto& layer : last.layers)
        quantized = quantized || layer.bits < 32;
    const bool sparse = last.nonzeroParams < last.params;
    if (!quantized && !sparse)
        return {};
    return formatNoteFor(out, "TorchScript and ONNX store dense fp32 tensors, so zeros and k-bit weights cost 4 bytes each "
                              "there: this file is as large as the model's dense size; the same model as .pare "
                              "takes " + pare::cli::withThousands(last.sizes.pare) + " bytes");
}

int runCompress(CompressArgs& args, const CommonOptions& common)
{
    auto simple = args.simple;
    if (!simple.engine.empty() && simple.bits == 32)
        simple.bits = 8; // --engine alone means int8
    if (!simple.engine.empty() && simple.bits != 8)
        throw pare::InputError("--engine: the int8 engine runs 8-bit weights; --bits must be 8");
    const auto recipe = args.recipe.empty() ? pare::Recipe::fromSimple(simple) : pare::Recipe::load(args.recipe);
    checkOutput(args.io.model, args.io.out, args.io.force);
    if (!args.saveRecipe.empty())
        checkOutput(args.io.model, args.saveRecipe, args.io.force);
    const auto original = loadModel(args.io.model);
    const auto data = loadData(args.io.data, datasetOptionsFor(&original.record(), common, recipe.seed));

    const bool text = !common.json;
    pare::cli::ConsoleProgress bar(::isatty(STDERR_FILENO) == 1);
    pare::PipelineCallbacks callbacks;
    callbacks.progress = [&](const pare::PipelineProgress& p) { bar.update(p.train); };
    callbacks.snapshot = [&](const pare::Snapshot& s) {
        bar.finish();
        if (text)
            std::cout << "step " << s.index << " " << s.settings << ": accuracy " << pare::cli::fixed(s.accuracy, 4)
                      << ", non-zero " << pare::cli::withThousands(s.nonzeroParams) << ", .pare "
                      << pare::cli::withThousands(s.sizes.pare) << " bytes" << std::endl;
    };
    const auto result = pare::runPipeline(original, data, recipe, callbacks);
    if (!args.saveRecipe.empty())
        recipe.save(args.saveRecipe, args.io.force);
    const int64_t outBytes = result.model->save(args.io.out, args.io.force);

    const auto& baseline = result.snapshots.front();
    const auto& last = result.snapshots.back();
    const auto note = formatNoteForSnapshot(last, args.io.out);
    if (common.json) {
        json out = json::parse(pare::snapshotToJson(last));
        out["baseline_accuracy"] = baseline.accuracy;
        out["out"] = args.io.out;
        out["out_bytes"] = outBytes;
        out["seconds"] = result.seconds;
        out["recipe"] = json::parse(recipe.toJson());
        json steps = json::array();
        for (const auto& s : result.snapshots)
            steps.push_back(json::parse(pare::snapshotToJson(s)));
        out["steps"] = steps;
        if (!note.empty())
            out["note"] = note;
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << "\n";
    pare::cli::Table table({"step", "settings", "accuracy", "non-zero", "dense fp32", "torchscript", "onnx", "pare",
                            "latency b256", "seconds"});
    for (const auto& s : result.snapshots)
        table.addRow({std::to_string(s.index), s.settings, pare::cli::fixed(s.accuracy, 4),
                      pare::cli::withThousands(s.nonzeroParams), pare::cli::withThousands(s.sizes.denseFp32),
                      pare::cli::withThousands(s.sizes.torchScript),
                      s.sizes.onnx >= 0 ? pare::cli::withThousands(s.sizes.onnx) : std::string("-"),
                      pare::cli::withThousands(s.sizes.pare),
                      pare::cli::fixed(s.latency.batch256Ms, 2) + " ms", pare::cli::fixed(s.stepSeconds, 1)});
    table.print(std::cout);
    printAccuracyChange(last.accuracy, baseline.accuracy);
    std::cout << "wrote " << args.io.out << " (" << pare::cli::withThousands(outBytes) << " bytes, "
              << pare::cli::fixed(double(last.sizes.denseFp32) / double(std::max<int64_t>(outBytes, 1)), 1)
              << "x below dense fp32) in " << pare::cli::fixed(result.seconds, 1) << " s\n";
    if (!note.empty())
        std::cout << "note: " << note << "\n";
    return 0;
}

struct ExportArgs
{
    std::string model;
    std::string out;
    std::string data; ///< optional: check an ONNX export on the test split instead of random inputs
    bool force = false;
};

int runExport(const ExportArgs& args, const CommonOptions& common)
{
    checkOutput(args.model, args.out, args.force);
    auto model = loadModel(args.model);
    if (!common.inputShape.empty()) {
        auto record = model.record();
        record.inputShape = parseShape(common.inputShape);
        model.setRecord(record);
    }
    const auto format = pare::Model::formatForPath(args.out);
    int64_t outBytes = format == pare::ModelFormat::Onnx ? 0 : model.save(args.out, args.force);
    json out{{"model", args.model}, {"out", args.out}, {"params", model.parameterCount()}};
    std::string verified;
    const bool int8 = !model.record().int8Engine.empty();
    if (format == pare::ModelFormat::Onnx) {
        // Pare does not read ONNX back; OpenCV's DNN module, an independent runtime, runs the bytes before they are
        // written, so a file that disagrees never reaches the disk.
        const std::string bytes = model.serialize(pare::ModelFormat::Onnx);
        std::optional<pare::Dataset> data;
        if (!args.data.empty())
            data.emplace(loadData(args.data, datasetOptionsFor(&model.record(), common, 0)));
        const auto check = data ? pare::checkOnnxWithOpenCv(bytes, model, *data)
                                : pare::checkOnnxWithOpenCvOnRandomInputs(bytes, model);
        out["format"] = "onnx";
        out["opencv_check"] = {{"inputs", data ? "test images" : "random inputs"},
                               {"images", check.images},
                               {"same_top1", check.sameTopOne},
                               {"agreement", check.agreement()},
                               {"near_tie_differences", check.nearTieDifferences},
                               {"max_abs_logit_difference", check.maxAbsLogitDifference}};
        verified = "run in OpenCV DNN on " + std::to_string(check.images) + (data ? " test images" : " random inputs") +
            ": same top-1 on " + std::to_string(check.sameTopOne) + ", largest logit difference " +
            pare::cli::fixed(check.maxAbsLogitDifference, 6);
        if (check.images - check.sameTopOne > check.nearTieDifferences)
            throw std::runtime_error(args.out + ": the ONNX export disagrees with LibTorch beyond near-ties (" + verified +
                                     "); nothing was written");
        outBytes = pare::writeTextFile(args.out, bytes, args.force); // the bytes checked, written atomically
    } else {
        const auto reloaded = pare::Model::load(args.out); // proves the file loads before we say it was written
        out["format"] = format == pare::ModelFormat::Pare ? "pare" : "torchscript";
        const auto operations = pare::int8Operations(reloaded);
        verified = int8 && format == pare::ModelFormat::TorchScript
            ? "loaded back: " + std::to_string(operations.size()) + " int8 operations on " + model.record().int8Engine
            : "loaded back: " + pare::cli::withThousands(reloaded.parameterCount()) + " parameters";
    }
    out["out_bytes"] = outBytes;
    const bool sparse = model.nonzeroParameterCount() < model.parameterCount();
    const std::string note = int8 && format == pare::ModelFormat::TorchScript
        ? "this file holds the int8 module: qint8 weights packed for " + model.record().int8Engine
        : sparse && format != pare::ModelFormat::Pare
        ? "this format stores dense fp32 tensors: zeros cost 4 bytes each in this file; .pare stores only the non-zero weights"
        : std::string();
    if (!note.empty())
        out["note"] = note;
    if (common.json) {
        std::cout << out.dump(2) << "\n";
        return 0;
    }
    std::cout << "wrote " << args.out << " (" << pare::cli::withThousands(outBytes) << " bytes), " << verified << "\n";
    if (!note.empty())
        std::cout << "note: " << note << "\n";
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    pare::reexecWithThreadingEnvironment(argc, argv);

    CLI::App app{"Pare: compress neural networks (pruning, distillation, quantization)", "pare"};
    app.require_subcommand(1);
    app.set_version_flag("--version", pare::versionString());
    CommonOptions common;

    std::string inspectModel;
    auto* inspect = app.add_subcommand("inspect", "List a model's layers, parameters, bytes and MACs");
    inspect->add_option("MODEL", inspectModel, "TorchScript file or zoo architecture (lenet5, lenet300, resnet8, NAME@W)")
        ->required();
    addCommonOptions(*inspect, common);

    std::string evalModel, evalData;
    auto* eval = app.add_subcommand("eval", "Evaluate a model on a data set's test split");
    eval->add_option("MODEL", evalModel, "TorchScript file")->required();
    eval->add_option("--data", evalData, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")->required();
    addCommonOptions(*eval, common);

    TrainArgs trainArgs;
    auto* train = app.add_subcommand("train", "Train a zoo architecture or a TorchScript model");
    train->add_option("--model", trainArgs.model, "Zoo architecture (lenet5, lenet300, resnet8, NAME@W) or MODEL.pt")
        ->required();
    train->add_option("--data", trainArgs.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")->required();
    train->add_option("--out", trainArgs.out, "Where to write the trained TorchScript model")->required();
    train->add_flag("--force", trainArgs.force, "Replace an existing output file");
    train->add_option("--epochs", trainArgs.options.epochs, "Epochs (default 4)")->check(CLI::NonNegativeNumber);
    train->add_option("--batch-size", trainArgs.options.batchSize, "Batch size (default 64)")->check(CLI::PositiveNumber);
    train->add_option("--lr", trainArgs.options.learningRate, "Learning rate (default: sgd 0.02, adam 0.001)")
        ->check(CLI::PositiveNumber);
    train->add_option("--optimizer", trainArgs.options.optimizer, "sgd (momentum 0.9) or adam")
        ->check(CLI::IsMember({"sgd", "adam"}));
    train->add_option("--schedule", trainArgs.options.schedule, "Learning-rate schedule: cosine, step or constant")
        ->check(CLI::IsMember({"cosine", "step", "constant"}));
    train->add_option("--seed", trainArgs.options.seed, "Seed for initialization, shuffling and the validation split");
    addCommonOptions(*train, common);

    StepArgs pruneArgs;
    pare::PruneOptions pruneOptions;
    auto* prune = app.add_subcommand("prune", "Prune weights by magnitude and fine-tune; masks keep them at zero");
    prune->add_option("MODEL", pruneArgs.model, "TorchScript file")->required();
    prune->add_option("--data", pruneArgs.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")->required();
    prune->add_option("--out", pruneArgs.out, "Where to write the pruned TorchScript model")->required();
    prune->add_flag("--force", pruneArgs.force, "Replace an existing output file");
    prune->add_option("--method", pruneOptions.method,
                      "magnitude-global (one threshold), magnitude-layer, filters or activation (structured: both "
                      "remove channels, ranked by filter norm or by activations)")
        ->check(CLI::IsMember({"magnitude-global", "magnitude-layer", "filters", "activation"}));
    prune->add_option("--criterion", pruneOptions.activationCriterion,
                      "With activation: mean (mean activation) or apoz (share of zero activations)")
        ->check(CLI::IsMember({"mean", "apoz"}));
    prune->add_option("--ratio", pruneOptions.ratio, "Share of conv and linear weights removed, 0..0.99")
        ->required()
        ->check(CLI::Range(0.0, 0.99));
    prune->add_option("--schedule", pruneOptions.schedule, "oneshot, or gradual (Zhu & Gupta's cubic schedule)")
        ->check(CLI::IsMember({"oneshot", "gradual"}));
    prune->add_option("--allocate", pruneOptions.allocate,
                      "uniform, or sensitivity: per-layer ratios from each layer's measured sensitivity")
        ->check(CLI::IsMember({"uniform", "sensitivity"}));
    prune->add_option("--finetune-epochs", pruneOptions.finetune.epochs, "Fine-tuning epochs (default 2)")
        ->check(CLI::NonNegativeNumber);
    prune->add_option("--lr", pruneOptions.finetune.learningRate, "Fine-tuning learning rate (default 0.01)")
        ->check(CLI::PositiveNumber);
    prune->add_option("--seed", pruneOptions.finetune.seed, "Seed for shuffling and the validation split");
    addCommonOptions(*prune, common);

    StepArgs quantizeArgs;
    pare::QuantizeOptions quantizeOptions;
    auto* quantize = app.add_subcommand("quantize", "Put weights on k-bit levels (uniform, symmetric or k-means)");
    quantize->add_option("MODEL", quantizeArgs.model, "TorchScript file")->required();
    quantize->add_option("--data", quantizeArgs.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")
        ->required();
    quantize->add_option("--out", quantizeArgs.out, "Where to write the quantized TorchScript model")->required();
    quantize->add_flag("--force", quantizeArgs.force, "Replace an existing output file");
    quantize->add_option("--bits", quantizeOptions.bits, "1..8, 16 (fp16) or 32 (none)")
        ->required()
        ->check(CLI::Range(1, 8) | CLI::IsMember({16, 32}));
    quantize->add_option("--scheme", quantizeOptions.scheme, "uniform, symmetric or kmeans")
        ->check(CLI::IsMember({"uniform", "symmetric", "kmeans"}));
    quantize->add_flag("--per-channel", quantizeOptions.perChannel, "Levels per output channel");
    quantize->add_option("--qat-epochs,--finetune-epochs", quantizeOptions.finetune.epochs,
                         "Quantization-aware fine-tuning epochs (default 0)")
        ->check(CLI::NonNegativeNumber);
    quantize->add_option("--lr", quantizeOptions.finetune.learningRate, "Fine-tuning learning rate (default 0.002)")
        ->check(CLI::PositiveNumber);
    quantize->add_option("--allocate", quantizeOptions.allocate,
                         "uniform (default) or sensitivity: per-layer bits averaging --bits, from measured sensitivity")
        ->check(CLI::IsMember({"uniform", "sensitivity"}));
    auto* averageBitsOption = quantize->add_option(
        "--average-bits", quantizeOptions.averageBits,
        "With --allocate sensitivity: average bits per weight to reach, e.g. 2.5 (default: --bits)");
    averageBitsOption->check(CLI::Range(2.0, 8.0));
    std::string layerBits;
    quantize->add_option("--layer-bits", layerBits,
                         "Mixed precision: bits of named layers, conv1=8,fc1=2 (others use --bits)");
    auto* activationBitsOption =
        quantize->add_option("--activation-bits", quantizeOptions.activationBits,
                             "Activations on 1..8 bits, calibrated (default 32: float)")
            ->check(CLI::Range(1, 8) | CLI::IsMember({32}));
    quantize->add_option("--calibration", quantizeOptions.calibration,
                         "Activation clipping: minmax (default), percentile or mse")
        ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
    quantize->add_option("--percentile", quantizeOptions.percentile, "For --calibration percentile (default 99.99)")
        ->check(CLI::Range(50.0, 100.0));
    quantize->add_option("--calibration-images", quantizeOptions.calibrationImages,
                         "Training images the activation ranges are measured on (default 1024)")
        ->check(CLI::PositiveNumber);
    auto* engineOption = quantize->add_option(
        "--engine", quantizeOptions.engine,
        "Run on real int8 ops: onednn or qnnpack (implies --scheme symmetric --per-channel --activation-bits 8)");
    engineOption->check(CLI::IsMember({"onednn", "qnnpack"}));
    quantize->add_option("--seed", quantizeOptions.finetune.seed, "Seed for calibration sampling and shuffling");
    addCommonOptions(*quantize, common);
    const auto finishQuantizeOptions = [&, activationBitsOption, engineOption, averageBitsOption] {
        quantizeOptions.layerBits = parseLayerBits(layerBits);
        if (averageBitsOption->count() > 0 && quantizeOptions.allocate != "sensitivity")
            throw pare::InputError("--average-bits: goes with --allocate sensitivity");
        if (engineOption->count() > 0) {
            // The int8 engine runs one kind of quantization; the flags it implies need not be spelled out.
            if (quantize->get_option("--scheme")->count() == 0)
                quantizeOptions.scheme = "symmetric";
            if (quantize->get_option("--per-channel")->count() == 0)
                quantizeOptions.perChannel = true;
            if (activationBitsOption->count() == 0)
                quantizeOptions.activationBits = 8;
        }
    };

    DistillArgs distillArgs;
    auto* distill = app.add_subcommand("distill", "Train a student on a teacher's softened outputs and the labels");
    distill->add_option("--teacher", distillArgs.teacher, "TorchScript file of the teacher")->required();
    distill->add_option("--student", distillArgs.student,
                        "self (a copy of the teacher), a zoo architecture such as lenet5@0.5, or MODEL.pt");
    distill->add_option("--data", distillArgs.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")
        ->required();
    distill->add_option("--out", distillArgs.out, "Where to write the student")->required();
    distill->add_flag("--force", distillArgs.force, "Replace an existing output file");
    distill->add_option("--temperature", distillArgs.options.temperature, "Softening temperature T, 1..20 (default 4)")
        ->check(CLI::Range(1.0, 20.0));
    distill->add_option("--alpha", distillArgs.options.alpha, "Weight of the soft targets, 0..1 (default 0.9)")
        ->check(CLI::Range(0.0, 1.0));
    distill->add_option("--epochs", distillArgs.options.train.epochs, "Epochs (default 4)")
        ->check(CLI::NonNegativeNumber);
    distill->add_option("--lr", distillArgs.options.train.learningRate, "Learning rate (default 0.01)")
        ->check(CLI::PositiveNumber);
    distill->add_option("--seed", distillArgs.options.train.seed, "Seed for initialization and shuffling");
    addCommonOptions(*distill, common);

    CompressArgs compressArgs;
    auto* compress = app.add_subcommand(
        "compress", "Run a recipe (or prune, distill, quantize from flags) and write the compressed model");
    compress->add_option("MODEL", compressArgs.io.model, "TorchScript or .pare file")->required();
    compress->add_option("--data", compressArgs.io.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")
        ->required();
    compress->add_option("--out", compressArgs.io.out, "OUT.pt, OUT.pare or OUT.onnx")->required();
    compress->add_flag("--force", compressArgs.io.force, "Replace existing output files");
    auto* recipeOption = compress->add_option("--recipe", compressArgs.recipe, "Recipe JSON file (README, Recipes)");
    compress->add_option("--save-recipe", compressArgs.saveRecipe, "Also write the recipe that ran");
    auto& simple = compressArgs.simple;
    std::vector<CLI::Option*> simpleOptions{
        compress->add_option("--prune", simple.pruneRatio, "Pruning ratio, 0..0.99 (default: no pruning)")
            ->check(CLI::Range(0.0, 0.99)),
        compress->add_option("--method", simple.pruneMethod, "magnitude-global, magnitude-layer, filters or activation")
            ->check(CLI::IsMember({"magnitude-global", "magnitude-layer", "filters", "activation"})),
        compress->add_option("--allocate", simple.allocate, "uniform (default) or sensitivity")
            ->check(CLI::IsMember({"uniform", "sensitivity"})),
        compress->add_option("--schedule", simple.pruneSchedule, "oneshot (default) or gradual")
            ->check(CLI::IsMember({"oneshot", "gradual"})),
        compress->add_option("--finetune-epochs", simple.finetuneEpochs, "Fine-tuning epochs after pruning (default 3)")
            ->check(CLI::NonNegativeNumber),
        compress->add_option("--temperature", simple.temperature, "Distill at temperature T, 1..20 (default: no distillation)")
            ->check(CLI::Range(1.0, 20.0)),
        compress->add_option("--alpha", simple.alpha, "Weight of the soft targets (default 0.9)")
            ->check(CLI::Range(0.0, 1.0)),
        compress->add_option("--student", simple.student, "self (default), a zoo architecture, or MODEL.pt"),
        compress->add_option("--distill-epochs", simple.distillEpochs, "Distillation epochs (default 1)")
            ->check(CLI::NonNegativeNumber),
        compress->add_option("--bits", simple.bits, "Weight bits 1..8, 16 (fp16) or 32 (default: none)")
            ->check(CLI::Range(1, 8) | CLI::IsMember({16, 32})),
        compress->add_option("--scheme", simple.scheme, "kmeans (default), uniform or symmetric")
            ->check(CLI::IsMember({"uniform", "symmetric", "kmeans"})),
        compress->add_flag("--per-channel", simple.perChannel, "Quantization levels per output channel"),
        compress->add_option("--qat-epochs", simple.quantizeEpochs, "Fine-tuning epochs on the levels (default 1)")
            ->check(CLI::NonNegativeNumber),
        compress->add_option("--activation-bits", simple.activationBits, "Activations on 1..8 bits (default 32: float)")
            ->check(CLI::Range(1, 8) | CLI::IsMember({32})),
        compress->add_option("--calibration", simple.calibration, "Activation clipping: minmax (default), percentile, mse")
            ->check(CLI::IsMember({"minmax", "percentile", "mse"})),
        compress->add_option("--engine", simple.engine,
                             "Finish on real int8 ops: onednn or qnnpack (8-bit symmetric per-channel weights and "
                             "8-bit activations; implies --bits 8)")
            ->check(CLI::IsMember({"onednn", "qnnpack"}))};
    for (auto* option : simpleOptions)
        option->excludes(recipeOption);
    compress->add_option("--seed", simple.seed, "Seed (with flags; a recipe carries its own)");
    addCommonOptions(*compress, common);

    SensitivityArgs sensitivityArgs;
    auto* sensitivity = app.add_subcommand(
        "sensitivity", "Measure each layer's accuracy when pruned or quantized alone; suggest per-layer ratios");
    sensitivity->add_option("MODEL", sensitivityArgs.model, "TorchScript or .pare file")->required();
    sensitivity->add_option("--data", sensitivityArgs.data, "fashion-mnist, mnist:DIR, cifar10:DIR or an image folder")
        ->required();
    sensitivity->add_option("--csv", sensitivityArgs.csv, "Also write the curves as CSV");
    sensitivity->add_option("--target", sensitivityArgs.target, "Overall sparsity to allocate ratios for (default 0.9)")
        ->check(CLI::Range(0.0, 0.95));
    sensitivity->add_option("--target-bits", sensitivityArgs.targetBits,
                            "Average weight bits to allocate per-layer bit-widths for (default 4)")
        ->check(CLI::Range(2.0, 8.0));
    sensitivity->add_flag("--force", sensitivityArgs.force, "Replace an existing CSV file");
    addCommonOptions(*sensitivity, common);

    ExportArgs exportArgs;
    auto* exportCommand = app.add_subcommand("export", "Write a model as TorchScript, .pare or ONNX, checked by loading it back (ONNX: in OpenCV DNN)");
    exportCommand->add_option("MODEL", exportArgs.model, "TorchScript or .pare file")->required();
    exportCommand->add_option("--out", exportArgs.out, "OUT.pt, OUT.pare or OUT.onnx")->required();
    exportCommand->add_option("--data", exportArgs.data, "With .onnx: check the export in OpenCV DNN on this data set's test split");
    exportCommand->add_flag("--force", exportArgs.force, "Replace an existing output file");
    addCommonOptions(*exportCommand, common);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11's own codes (105, 106...) become the contract's 2.
        std::cerr << "pare: " << e.what() << "\n";
        return 2;
    }

    try {
        pare::configureThreads(common.threads);
        if (*inspect)
            return runInspect(inspectModel, common);
        if (*eval)
            return runEval(evalModel, evalData, common);
        if (*prune)
            return runPrune(pruneArgs, pruneOptions, common);
        if (*distill)
            return runDistill(distillArgs, common);
        if (*quantize) {
            finishQuantizeOptions();
            return runQuantize(quantizeArgs, quantizeOptions, common);
        }
        if (*compress)
            return runCompress(compressArgs, common);
        if (*exportCommand)
            return runExport(exportArgs, common);
        if (*sensitivity)
            return runSensitivity(sensitivityArgs, common);
        return runTrain(trainArgs, common);
    } catch (const pare::InputError& e) {
        std::cerr << "pare: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pare: internal error: " << e.what() << "\n";
        return 1;
    }
}
