// pare prune: remove weights by magnitude, or whole channels by filter norm or activation, and fine-tune.

#include "Command.h"
#include "StepRunner.h"

#include "pare/Pruning.h"

#include <iostream>

namespace pare::cli {
namespace {

class Prune final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "prune",
            "Prune weights by magnitude or whole channels (structured), and fine-tune; masks keep zeros at "
            "zero");
        m_args.declare(*command, "the pruned model");
        addChoice(*command, "--method", m_options.method,
                  "magnitude-global (one threshold), magnitude-layer, filters or activation (structured: both remove "
                  "channels, ranked by filter norm or by activations)");
        addChoice(*command, "--criterion", m_options.activationCriterion,
                  "With activation: mean (mean activation) or apoz (share of zero activations)");
        command->add_option("--ratio", m_options.ratio, "Share of conv and linear weights removed, 0..0.99")
            ->required()
            ->check(CLI::Range(0.0, 0.99));
        addChoice(*command, "--schedule", m_options.schedule, "oneshot, or gradual (Zhu & Gupta's cubic schedule)");
        addChoice(*command, "--allocate", m_options.allocate,
                  "uniform, or sensitivity: per-layer ratios from each layer's measured sensitivity");
        command->add_option("--finetune-epochs", m_options.finetune.epochs, "Fine-tuning epochs (default 2)")
            ->check(CLI::NonNegativeNumber);
        command->add_option("--lr", m_options.finetune.learningRate, "Fine-tuning learning rate (default 0.01)")
            ->check(kPositive);
        addAugmentOption(*command, m_options.finetune.augment);
        command->add_option("--seed", m_options.finetune.seed, "Seed for shuffling and the validation split");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        PruneResult pruned;
        // Be plain about formats: TorchScript stores dense tensors, so zeros cost as much as any weight. Structured
        // pruning removes channels, so the model is smaller in every format and there is nothing to warn about.
        auto outcome = runCompressionStep(
            m_args, common, m_options.finetune.seed,
            isStructured(m_options.method)
                ? std::string()
                : "TorchScript and ONNX store dense tensors: a pruned .pt file is as large as the unpruned model; a "
                  ".pare file stores only the non-zero weights",
            [&](Model& model, const Dataset& data, const TrainProgressCallback& progress) {
                pruned = prune(model, data, m_options, progress);
                return pruned.finetune;
            });
        if (common.json) {
            json layers = json::array();
            for (const auto& layer : pruned.layers)
                layers.push_back(json { { "name", layer.name },
                                        { "weights", layer.weights },
                                        { "nonzero", layer.nonzero },
                                        { "sparsity", layer.sparsity() } });
            outcome.report["sparsity"] = pruned.sparsity();
            outcome.report["layers"] = layers;
            if (!pruned.allocatedRatios.empty())
                outcome.report["allocated_ratios"] = pruned.allocatedRatios;
            if (isStructured(m_options.method)) {
                outcome.report["kept_by"] = pruned.keptBy;
                outcome.report["renormalized"] = pruned.renormalized;
                json heads = json::array();
                for (const auto& h : pruned.headsRemoved)
                    heads.push_back({ { "layer", h.layer }, { "removed", h.removed }, { "of", h.of } });
                outcome.report["attention_heads_removed"] = heads;
            }
            printJson(outcome.report);
            return 0;
        }
        Table table({ "layer", "weights", "non-zero", "sparsity" });
        for (const auto& layer : pruned.layers)
            table.addRow({ layer.name, withThousands(layer.weights), withThousands(layer.nonzero),
                           fixed(100.0 * layer.sparsity(), 1) + " %" });
        table.addRow({ "total", withThousands(pruned.weights), withThousands(pruned.nonzero),
                       fixed(100.0 * pruned.sparsity(), 1) + " %" });
        if (!pruned.allocatedRatios.empty()) {
            std::cout << "ratios allocated by sensitivity:";
            for (const auto& [layer, r] : pruned.allocatedRatios)
                std::cout << " " << layer << " " << fixed(100.0 * r, 1) << "%";
            std::cout << "\n";
        }
        if (!pruned.keptBy.empty())
            std::cout << "channels kept because the analysis does not follow: " << pruned.keptBy.front()
                      << (pruned.keptBy.size() > 1 ? " (and others)" : "") << "\n";
        if (!pruned.renormalized.empty())
            std::cout << pruned.renormalized.size()
                      << " layer norms now normalize over fewer channels (fine-tuning adapts the rest)\n";
        if (!pruned.headsRemoved.empty())
            std::cout << "attention heads removed: " << pruned.headsRemoved.front().removed << " of "
                      << pruned.headsRemoved.front().of << " in " << pruned.headsRemoved.size() << " layer"
                      << (pruned.headsRemoved.size() > 1 ? "s" : "") << "\n";
        printStepOutcome(table, outcome, m_args.out);
        return 0;
    }

private:
    StepArgs m_args;
    PruneOptions m_options;
};

} // namespace

std::unique_ptr<Command> makePruneCommand()
{
    return std::make_unique<Prune>();
}

} // namespace pare::cli
