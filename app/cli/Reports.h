#pragma once

// The JSON objects and text lines several commands print: one builder each, so a field is named in one place.

#include "Format.h"

#include "pare/Export.h"
#include "pare/Model.h"
#include "pare/Pipeline.h"
#include "pare/Recipe.h"
#include "pare/Training.h"

#include <nlohmann/json.hpp>

#include <string>

namespace pare::cli {

using nlohmann::json;

[[nodiscard]] json evalJson(const EvalResult& eval);
[[nodiscard]] json layersJson(const ModelSummary& summary);
[[nodiscard]] json epochsJson(const TrainResult& trained);
[[nodiscard]] json latencyJson(const LatencyResult& latency);
/// Sizes in every format, each the length of a real serialization; onnx is null where the exporter does not cover
/// an operation of the graph.
[[nodiscard]] json sizesJson(const ModelSizes& sizes);

/// What `pare compress --json` prints for a finished pipeline that wrote `out` (`outBytes` on disk), and what a
/// sweep task's result.json holds: the last snapshot's fields, the baseline's accuracy, the recipe and every step.
[[nodiscard]] json compressJson(const PipelineResult& result,
                                const Recipe& recipe,
                                const std::string& out,
                                int64_t outBytes,
                                const std::string& note);

/// Writes a command's output model as its extension says. An ONNX file is checked on `data`'s test split first
/// (OpenCV DNN, or Pare's reference evaluator where OpenCV cannot run the graph) and never reaches the disk when
/// it disagrees, as `pare export` does.
[[nodiscard]] ExportReport writeOutput(const Model& model, const std::string& out, bool force, const Dataset& data);
/// The check of an ONNX output (`onnx_check`, `check`, `opencv_problem`) added to a report; nothing for others.
void addOnnxCheckJson(json& report, const ExportReport& written, bool onTestImages);

/// Prints `report` as the one JSON object of --json. Paths and class names may hold any bytes; invalid UTF-8 is
/// replaced by U+FFFD here (stderr keeps the bytes), never an exception.
void printJson(const json& report);

void printEpochs(const TrainResult& trained);
void printAccuracyChange(double accuracy, double baseline);
/// Compression ratios are against `baselineDense`, the unpruned model's dense fp32 size (filter pruning makes the
/// model's own dense size smaller too).
void printSizes(const ModelSizes& sizes, const std::string& note, int64_t baselineDense);
/// "3.80x faster" or "1.45x slower": the change from `before` to `after` milliseconds.
[[nodiscard]] std::string speedup(double before, double after);

/// What to tell a user who wrote a TorchScript or ONNX file of a model that only .pare makes smaller; nothing for
/// a .pare output.
[[nodiscard]] std::string formatNoteFor(const std::string& out, const std::string& note);

} // namespace pare::cli
