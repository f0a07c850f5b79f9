#pragma once

// What prune and quantize share: load a model and its data, measure the accuracy before, run the step in place,
// measure again, save, and report the file and the model's size in every format.

#include "CommonOptions.h"
#include "Format.h"
#include "Reports.h"

#include "pare/Training.h"

#include <functional>
#include <optional>
#include <string>

namespace pare::cli {

/// The model, data and output options of a step command.
struct StepArgs
{
    std::string model;
    std::string data;
    std::string out;
    bool force = false;

    /// Adds MODEL, --data, --out and --force; `what` says what the output holds ("the pruned model").
    void declare(CLI::App& command, const std::string& what);
};

struct StepOutcome
{
    EvalResult baseline;
    int64_t baselineParams = 0;
    EvalResult eval;
    int64_t outBytes = 0;
    ModelSizes sizes;
    std::string note;    ///< what a TorchScript output does not make smaller; empty for .pare
    std::string checked; ///< how an ONNX output was checked before it was written; empty for other formats
    json report;         ///< the fields every step reports in --json
    std::optional<LatencyResult> baselineLatency, latency; ///< when the step is about speed
};

using CompressionStep = std::function<TrainResult(Model&, const Dataset&, const TrainProgressCallback&)>;

[[nodiscard]] StepOutcome runCompressionStep(const StepArgs& args,
                                             const CommonOptions& common,
                                             uint64_t seed,
                                             const std::string& torchScriptNote,
                                             const CompressionStep& step,
                                             bool measureLatency = false);

/// The text ending of a step: its layer table, the accuracy change, the file and the sizes.
void printStepOutcome(const Table& layers, const StepOutcome& outcome, const std::string& out);

} // namespace pare::cli
