#include "StepRunner.h"

#include "ConsoleProgress.h"

#include "pare/Pipeline.h"

#include <iostream>

namespace pare::cli {

void StepArgs::declare(CLI::App& command, const std::string& what)
{
    command.add_option("MODEL", model, kModelHelp)->required();
    command.add_option("--data", data, kDataHelp)->required();
    command.add_option("--out", out, "Where to write " + what + " (.pt, .pare or .onnx)")->required();
    command.add_flag("--force", force, "Replace an existing output file");
}

StepOutcome runCompressionStep(const StepArgs& args,
                               const CommonOptions& common,
                               uint64_t seed,
                               const std::string& torchScriptNote,
                               const CompressionStep& step,
                               bool measureLatency)
{
    OutputGuard inputs;
    inputs.protectFile(args.model, "the input model");
    inputs.protectDataSet(args.data);
    checkOutput(inputs, args.out, args.force);
    auto model = openModel(args.model, common);
    const auto data = loadData(args.data, datasetOptionsFor(&model.record(), common, seed));
    checkCompatible(model, data);
    StepOutcome outcome;
    outcome.baseline = evaluate(model, data);
    outcome.baselineParams = model.parameterCount();
    if (measureLatency)
        outcome.baselineLatency = pare::measureLatency(model, data.info().sampleShape);
    ConsoleProgress bar(stderrIsTerminal());
    const auto trained = step(model, data, [&](const TrainProgress& p) { bar.update(p); });
    bar.finish();
    outcome.eval = evaluate(model, data);
    if (measureLatency)
        outcome.latency = pare::measureLatency(model, data.info().sampleShape);
    if (!model.record().present) // it gets the shape and statistics it was tuned with
        model.setRecord(recordFromData(data.info()));
    const auto written = writeOutput(model, args.out, args.force, data);
    outcome.outBytes = written.bytes;
    outcome.sizes = measureSizes(model);
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
    report["sizes"] = sizesJson(outcome.sizes);
    addOnnxCheckJson(report, written, true);
    if (written.onnxCheck)
        outcome.checked = written.verified;
    if (!outcome.note.empty())
        report["note"] = outcome.note;
    if (outcome.latency) {
        report["baseline_latency_ms"] = latencyJson(*outcome.baselineLatency);
        report["latency_ms"] = latencyJson(*outcome.latency);
    }
    if (!common.json)
        printEpochs(trained);
    return outcome;
}

void printStepOutcome(const Table& layers, const StepOutcome& outcome, const std::string& out)
{
    layers.print(std::cout);
    printAccuracyChange(outcome.eval.accuracy, outcome.baseline.accuracy);
    if (outcome.latency) {
        const auto& before = *outcome.baselineLatency;
        const auto& after = *outcome.latency;
        std::cout << "latency at batch 256: " << fixed(after.batch256Ms, 2) << " ms, was "
                  << fixed(before.batch256Ms, 2) << " ms (" << speedup(before.batch256Ms, after.batch256Ms)
                  << "); batch 1: " << fixed(after.batch1Ms, 3) << " ms, was " << fixed(before.batch1Ms, 3) << " ms\n";
    }
    std::cout << "wrote " << out << " (" << withThousands(outcome.outBytes) << " bytes)\n";
    if (!outcome.checked.empty())
        std::cout << "checked: " << outcome.checked << "\n";
    printSizes(outcome.sizes, outcome.note, outcome.baselineParams * 4);
}

} // namespace pare::cli
