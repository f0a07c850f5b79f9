// pare compress: a recipe (or prune, distill, quantize from flags) on a copy of the model, a snapshot after every
// step, and the compressed model written.

#include "Command.h"
#include "CommonOptions.h"
#include "ConsoleProgress.h"
#include "Reports.h"

#include "pare/Pipeline.h"
#include "pare/Recipe.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace pare::cli {
namespace {

/// A TorchScript output of a model with zeros or k-bit weights is no smaller: say so, and where it is.
std::string formatNoteForSnapshot(const Snapshot& last, const std::string& out)
{
    const bool quantized
        = std::any_of(last.layers.begin(), last.layers.end(), [](const LayerSnapshot& l) { return l.bits < 32; });
    const bool sparse = last.nonzeroParams < last.params;
    if (!quantized && !sparse)
        return {};
    return formatNoteFor(out,
                         "TorchScript and ONNX store dense fp32 tensors, so zeros and k-bit weights cost 4 bytes "
                         "each there: this file is as large as the model's dense size; the same model as .pare "
                         "takes "
                             + withThousands(last.sizes.pare) + " bytes");
}

class Compress final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "compress", "Run a recipe (or prune, distill, quantize from flags) and write the compressed model");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        command->add_option("--data", m_data, kDataHelp)->required();
        command->add_option("--out", m_out, "OUT.pt, OUT.pare or OUT.onnx")->required();
        command->add_flag("--force", m_force, "Replace existing output files");
        auto* recipe = command->add_option("--recipe", m_recipe, "Recipe JSON file (README, Recipes)");
        command->add_option("--save-recipe", m_saveRecipe, "Also write the recipe that ran");
        auto& s = m_simple;
        const std::vector<CLI::Option*> simple {
            command->add_option("--prune", s.pruneRatio, "Pruning ratio, 0..0.99 (default: no pruning)")
                ->check(CLI::Range(0.0, 0.99)),
            addChoice(*command, "--method", s.pruneMethod, "magnitude-global, magnitude-layer, filters or activation"),
            addChoice(*command, "--allocate", s.allocate, "uniform (default) or sensitivity"),
            addChoice(*command, "--schedule", s.pruneSchedule, "oneshot (default) or gradual"),
            command->add_option("--finetune-epochs", s.finetuneEpochs, "Fine-tuning epochs after pruning (default 3)")
                ->check(CLI::NonNegativeNumber),
            command
                ->add_option("--temperature", s.temperature,
                             "Distill at temperature T, 1..20 (default: no distillation)")
                ->check(CLI::Range(1.0, 20.0)),
            command->add_option("--alpha", s.alpha, "Weight of the soft targets (default 0.9)")
                ->check(CLI::Range(0.0, 1.0)),
            command->add_option("--student", s.student, "self (default), a zoo architecture, or a model file"),
            command->add_option("--distill-epochs", s.distillEpochs, "Distillation epochs (default 1)")
                ->check(CLI::NonNegativeNumber),
            command->add_option("--bits", s.bits, "Weight bits 1..8, 16 (fp16) or 32 (default: none)")
                ->check(CLI::Range(1, 8) | CLI::IsMember({ 16, 32 })),
            addChoice(*command, "--scheme", s.scheme, "kmeans (default), uniform or symmetric"),
            command->add_flag("--per-channel", s.perChannel, "Quantization levels per output channel"),
            command->add_option("--qat-epochs", s.quantizeEpochs, "Fine-tuning epochs on the levels (default 1)")
                ->check(CLI::NonNegativeNumber),
            command->add_option("--activation-bits", s.activationBits, "Activations on 1..8 bits (default 32: float)")
                ->check(CLI::Range(1, 8) | CLI::IsMember({ 32 })),
            addAugmentOption(*command, s.augment),
            addChoice(*command, "--calibration", s.calibration,
                      "Activation clipping: minmax (default), percentile, mse"),
            m_engineOption = addChoice(*command, "--engine", m_engine,
                                       "Finish on real int8 ops: onednn or qnnpack (8-bit symmetric per-channel "
                                       "weights and 8-bit activations; implies --bits 8)")
        };
        for (auto* option : simple)
            option->excludes(recipe);
        command->add_option("--seed", s.seed, "Seed (with flags; a recipe carries its own)");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        if (m_engineOption->count() > 0)
            m_simple.engine = m_engine;
        const auto recipe = m_recipe.empty() ? Recipe::fromSimple(m_simple) : Recipe::load(m_recipe);
        OutputGuard inputs;
        inputs.protectFile(m_model, "the input model");
        inputs.protectFile(m_recipe, "the recipe");
        inputs.protectDataSet(m_data);
        for (const auto& step : recipe.steps)
            if (step.kind == RecipeStep::Kind::Distill) {
                inputs.protectFile(step.distill.teacher, "the recipe's teacher");
                inputs.protectFile(step.distill.student, "the recipe's student");
            }
        checkOutput(inputs, m_out, m_force);
        if (!m_saveRecipe.empty()) {
            checkOutput(inputs, m_saveRecipe, m_force);
            if (std::filesystem::weakly_canonical(m_saveRecipe) == std::filesystem::weakly_canonical(m_out))
                throw InputError("--save-recipe: is the same file as --out");
        }
        const auto original = openModel(m_model, common);
        const auto data = loadData(m_data, datasetOptionsFor(&original.record(), common, recipe.seed));

        const bool text = !common.json;
        ConsoleProgress bar(stderrIsTerminal());
        PipelineCallbacks callbacks;
        callbacks.progress = [&](const PipelineProgress& p) { bar.update(p.train); };
        callbacks.snapshot = [&](const Snapshot& s) {
            bar.finish();
            if (text)
                std::cout << "step " << s.index << " " << s.settings << ": accuracy " << fixed(s.accuracy, 4)
                          << ", non-zero " << withThousands(s.nonzeroParams) << ", .pare "
                          << withThousands(s.sizes.pare) << " bytes" << std::endl;
        };
        const auto result = runPipeline(original, data, recipe, callbacks);
        if (!m_saveRecipe.empty())
            recipe.save(m_saveRecipe, m_force);
        const auto written = writeOutput(*result.model, m_out, m_force, data);
        const int64_t outBytes = written.bytes;

        const auto& baseline = result.snapshots.front();
        const auto& last = result.snapshots.back();
        const auto note = formatNoteForSnapshot(last, m_out);
        if (common.json) {
            json out = compressJson(result, recipe, m_out, outBytes, note);
            addOnnxCheckJson(out, written, true);
            printJson(out);
            return 0;
        }
        std::cout << "\n";
        Table table({ "step", "settings", "accuracy", "non-zero", "dense fp32", "torchscript", "onnx", "pare",
                      "latency b256", "seconds" });
        for (const auto& s : result.snapshots)
            table.addRow({ std::to_string(s.index), s.settings, fixed(s.accuracy, 4), withThousands(s.nonzeroParams),
                           withThousands(s.sizes.denseFp32), withThousands(s.sizes.torchScript),
                           s.sizes.onnx >= 0 ? withThousands(s.sizes.onnx) : std::string("-"),
                           withThousands(s.sizes.pare), fixed(s.latency.batch256Ms, 2) + " ms",
                           fixed(s.stepSeconds, 1) });
        table.print(std::cout);
        printAccuracyChange(last.accuracy, baseline.accuracy);
        std::cout << "wrote " << m_out << " (" << withThousands(outBytes) << " bytes, "
                  << fixed(double(baseline.sizes.denseFp32) / double(std::max<int64_t>(outBytes, 1)), 1)
                  << "x below dense fp32) in " << fixed(result.seconds, 1) << " s\n";
        if (written.onnxCheck)
            std::cout << "checked: " << written.verified << "\n";
        if (!note.empty())
            std::cout << "note: " << note << "\n";
        return 0;
    }

private:
    std::string m_model;
    std::string m_data;
    std::string m_out;
    bool m_force = false;
    std::string m_recipe;
    std::string m_saveRecipe;
    Recipe::Simple m_simple;
    Int8Engine m_engine = Int8Engine::OneDnn;
    CLI::Option* m_engineOption = nullptr;
};

} // namespace

std::unique_ptr<Command> makeCompressCommand()
{
    return std::make_unique<Compress>();
}

} // namespace pare::cli
