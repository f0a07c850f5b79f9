#include "Reports.h"

#include <algorithm>
#include <iostream>

namespace pare::cli {

json compressJson(const PipelineResult& result,
                  const Recipe& recipe,
                  const std::string& out,
                  int64_t outBytes,
                  const std::string& note)
{
    json report = json::parse(snapshotToJson(result.snapshots.back()));
    report["baseline_accuracy"] = result.snapshots.front().accuracy;
    report["out"] = out;
    report["out_bytes"] = outBytes;
    report["seconds"] = result.seconds;
    report["recipe"] = json::parse(recipe.toJson());
    json steps = json::array();
    for (const auto& s : result.snapshots)
        steps.push_back(json::parse(snapshotToJson(s)));
    report["steps"] = steps;
    if (!note.empty())
        report["note"] = note;
    return report;
}

ExportReport writeOutput(const Model& model, const std::string& out, bool force, const Dataset& data)
{
    ExportOptions options;
    options.overwrite = force;
    options.data = &data;
    return exportModel(model, out, options);
}

void addOnnxCheckJson(json& report, const ExportReport& written, bool onTestImages)
{
    if (!written.onnxCheck)
        return;
    const auto& check = *written.onnxCheck;
    report["onnx_check"] = onnxEvaluatorName(check.evaluator);
    if (!check.openCvProblem.empty())
        report["opencv_problem"] = check.openCvProblem;
    report["check"] = { { "inputs", onTestImages ? "test images" : "random inputs" },
                        { "images", check.images },
                        { "same_top1", check.sameTopOne },
                        { "agreement", check.agreement() },
                        { "near_tie_differences", check.nearTieDifferences },
                        { "max_abs_logit_difference", check.maxAbsLogitDifference } };
}

void printJson(const json& report)
{
    std::cout << report.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

json evalJson(const EvalResult& eval)
{
    return { { "accuracy", eval.accuracy },
             { "loss", eval.loss },
             { "images", eval.images },
             { "seconds", eval.seconds },
             { "images_per_second", eval.imagesPerSecond },
             { "per_class_accuracy", eval.perClassAccuracy },
             { "confusion", eval.confusion } };
}

json layersJson(const ModelSummary& summary)
{
    json layers = json::array();
    for (const auto& layer : summary.layers)
        layers.push_back(json { { "name", layer.name },
                                { "type", layer.type },
                                { "weight_shape", layer.weightShape },
                                { "params", layer.params },
                                { "bytes", layer.bytes },
                                { "macs", layer.macs } });
    return layers;
}

json epochsJson(const TrainResult& trained)
{
    json epochs = json::array();
    for (const auto& e : trained.epochs)
        epochs.push_back(json { { "epoch", e.epoch },
                                { "train_loss", e.trainLoss },
                                { "validation_accuracy", e.validationAccuracy },
                                { "validation_loss", e.validationLoss },
                                { "seconds", e.seconds } });
    return epochs;
}

json latencyJson(const LatencyResult& latency)
{
    return { { "batch1", latency.batch1Ms }, { "batch256", latency.batch256Ms } };
}

json sizesJson(const ModelSizes& sizes)
{
    return { { "dense_fp32", sizes.denseFp32 },
             { "torchscript", sizes.torchScript },
             { "pare", sizes.pare },
             { "onnx", sizes.onnx >= 0 ? json(sizes.onnx) : json(nullptr) } };
}

void printEpochs(const TrainResult& trained)
{
    for (const auto& e : trained.epochs)
        std::cout << "epoch " << e.epoch << ": train loss " << fixed(e.trainLoss, 4)
                  << (e.validationAccuracy >= 0 ? ", validation accuracy " + fixed(e.validationAccuracy, 4)
                                                : std::string())
                  << ", " << fixed(e.seconds, 1) << " s\n";
}

void printAccuracyChange(double accuracy, double baseline)
{
    std::cout << "\naccuracy " << fixed(accuracy, 4) << " (baseline " << fixed(baseline, 4) << ", change "
              << fixed(100.0 * (accuracy - baseline), 2) << " points)\n";
}

void printSizes(const ModelSizes& sizes, const std::string& note, int64_t baselineDense)
{
    const auto ratio = [baselineDense](int64_t bytes) {
        return fixed(double(baselineDense) / double(std::max<int64_t>(bytes, 1)), 1) + "x compression)";
    };
    std::cout << "sizes: dense fp32 " << withThousands(sizes.denseFp32) << " bytes (unpruned "
              << withThousands(baselineDense) << ")";
    std::cout << ", torchscript " << withThousands(sizes.torchScript) << " (" << ratio(sizes.torchScript);
    if (sizes.onnx >= 0)
        std::cout << ", onnx " << withThousands(sizes.onnx) << " (" << ratio(sizes.onnx);
    std::cout << ", pare " << withThousands(sizes.pare) << " (" << ratio(sizes.pare) << "\n";
    if (!note.empty())
        std::cout << "note: " << note << "\n";
}

std::string speedup(double before, double after)
{
    return before >= after ? fixed(before / after, 2) + "x faster" : fixed(after / before, 2) + "x slower";
}

std::string formatNoteFor(const std::string& out, const std::string& note)
{
    return Model::formatForPath(out) == ModelFormat::Pare ? std::string() : note;
}

} // namespace pare::cli
