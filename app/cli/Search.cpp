// pare search: the smallest (or fastest) compression within an accuracy limit, found by a multi-fidelity search
// (core's searchCompression), its winner confirmed on the test split, written as a model and a recipe.

#include "Command.h"
#include "CommonOptions.h"
#include "Format.h"
#include "Reports.h"

#include "pare/Search.h"

#include <cmath>
#include <filesystem>
#include <iostream>

namespace pare::cli {
namespace {

json candidateJson(const SearchCandidate& c)
{
    return { { "id", c.id },
             { "bracket", c.bracket },
             { "round", c.round },
             { "epochs", c.epochs },
             { "settings", c.settings },
             { "recipe", json::parse(c.recipe.toJson()) },
             { "bytes", c.pareBytes },
             { "torchscript_bytes", c.torchScriptBytes },
             { "params", c.params },
             { "nonzero_params", c.nonzeroParams },
             { "macs", c.macs },
             { "latency_ms", c.latencyMs },
             { "objective", c.objective },
             { "validation_accuracy", c.validationAccuracy },
             { "validation_drop_points", c.dropPoints },
             { "validation_drop_se_points", c.dropStandardErrorPoints },
             { "seconds", c.seconds } };
}

std::string objectiveText(SearchObjective objective, double value)
{
    switch (objective) {
    case SearchObjective::Latency:
        return fixed(value, 3) + " ms";
    case SearchObjective::Macs:
        return withThousands(int64_t(value)) + " MACs";
    case SearchObjective::PareBytes:
        break;
    }
    return withThousands(int64_t(value)) + " bytes";
}

class Search final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "search",
            "Find the smallest model within an accuracy limit (multi-fidelity search over the sliders' space)");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        command->add_option("--data", m_data, kDataHelp)->required();
        command
            ->add_option("--max-drop", m_options.maxDropPoints,
                         "Largest loss of top-1 accuracy allowed, in percentage points (0.5: half a point)")
            ->required()
            ->check(CLI::Range(0.0, 100.0));
        command->add_option("--budget", m_budget, "Time (20m, 90s, 1.5h) or runs (50runs); default 20m");
        addChoice(*command, "--objective", m_options.objective,
                  "What to minimise: pare-bytes (default), latency (batch 1) or macs (structured pruning only)");
        command->add_option("--out", m_out, "Write the winner: OUT.pt, OUT.pare or OUT.onnx");
        command->add_option("--save-recipe", m_saveRecipe, "Write the winner's recipe (rerun with pare compress)");
        command->add_flag("--force", m_force, "Replace existing output files");
        command->add_option("--seed", m_options.seed, "Seed of the search and of every candidate (default 0)");
        command
            ->add_option("--candidates", m_options.candidates,
                         "Candidates screened one-shot per bracket (default 27; a third go on each round)")
            ->check(CLI::Range(1, 10000));
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        if (!m_budget.empty())
            m_options.budget = parseSearchBudget(m_budget, "--budget");
        OutputGuard inputs;
        inputs.protectFile(m_model, "the input model");
        inputs.protectDataSet(m_data);
        if (!m_out.empty())
            checkOutput(inputs, m_out, m_force);
        if (!m_saveRecipe.empty()) {
            checkOutput(inputs, m_saveRecipe, m_force);
            if (!m_out.empty()
                && std::filesystem::weakly_canonical(m_saveRecipe) == std::filesystem::weakly_canonical(m_out))
                throw InputError("--save-recipe: is the same file as --out");
        }
        const auto original = openModel(m_model, common);
        const auto data = loadData(m_data, datasetOptionsFor(&original.record(), common, m_options.seed));

        const bool text = !common.json;
        SearchCallbacks callbacks;
        callbacks.measured = [&](const SearchCandidate& c) {
            if (text)
                std::cerr << "#" << c.id << " [bracket " << c.bracket << ", round " << c.round << "] " << c.settings
                          << ": validation " << fixed(c.validationAccuracy, 4) << " (" << signedPoints(-c.dropPoints)
                          << "), " << withThousands(c.pareBytes) << " bytes, " << fixed(c.seconds, 1) << " s"
                          << std::endl;
        };
        auto result = searchCompression(original, data, m_options, callbacks);
        if (!result.winner || !result.winnerModel)
            throw InputError(m_model + ": the search measured no candidate (budget too small?)");
        const auto& winner = result.candidates[size_t(*result.winner)];
        int64_t outBytes = -1;
        if (!m_out.empty())
            outBytes = result.winnerModel->save(m_out, m_force);
        if (!m_saveRecipe.empty())
            winner.recipe.save(m_saveRecipe, m_force);

        if (common.json) {
            json front = json::array();
            for (int id : result.front)
                front.push_back(candidateJson(result.candidates[size_t(id)]));
            json all = json::array();
            for (const auto& c : result.candidates)
                all.push_back(candidateJson(c));
            auto w = candidateJson(winner);
            w["test_accuracy"] = result.winnerTestAccuracy;
            w["test_drop_points"] = result.winnerTestDropPoints;
            w["within_limit"] = result.winnerWithinLimit;
            w["within_limit_on_validation"] = winner.withinLimit;
            if (outBytes >= 0) {
                w["out"] = m_out;
                w["out_bytes"] = outBytes;
            }
            printJson({ { "objective", optionName(m_options.objective) },
                        { "max_drop_points", m_options.maxDropPoints },
                        { "baseline",
                          { { "validation_accuracy", result.baselineValidationAccuracy },
                            { "test_accuracy", result.baselineTestAccuracy },
                            { "bytes", result.baselinePareBytes },
                            { "dense_fp32_bytes", result.denseFp32Bytes },
                            { "objective", result.baselineObjective } } },
                        { "winner", w },
                        { "front", front },
                        { "candidates", all },
                        { "runs", result.candidates.size() },
                        { "stopped_by", result.stoppedBy },
                        { "seconds", result.seconds } });
            return 0;
        }
        std::cout << "\nPareto front (validation split; " << optionName(m_options.objective) << "):\n";
        Table table({ "#", "settings", "validation", "change", optionName(m_options.objective) });
        for (int id : result.front) {
            const auto& c = result.candidates[size_t(id)];
            table.addRow({ std::to_string(c.id), c.settings, fixed(c.validationAccuracy, 4),
                           signedPoints(-c.dropPoints), objectiveText(m_options.objective, c.objective) });
        }
        table.print(std::cout);
        std::cout << "\n"
                  << result.candidates.size() << " candidates in " << fixed(result.seconds, 0)
                  << " s (stopped: " << result.stoppedBy << ")\nwinner #" << winner.id << ": " << winner.settings
                  << "\n  validation " << fixed(winner.validationAccuracy, 4) << " (baseline "
                  << fixed(result.baselineValidationAccuracy, 4) << ", " << signedPoints(-winner.dropPoints)
                  << ", standard error " << fixed(winner.dropStandardErrorPoints, 2) << ")\n  test "
                  << fixed(result.winnerTestAccuracy, 4) << " (baseline " << fixed(result.baselineTestAccuracy, 4)
                  << ", " << signedPoints(-result.winnerTestDropPoints)
                  << "): " << (result.winnerWithinLimit ? "within" : "NOT within") << " the limit of "
                  << fixed(m_options.maxDropPoints, 2) << " points on the test split\n  "
                  << objectiveText(m_options.objective, winner.objective) << "; .pare "
                  << withThousands(winner.pareBytes) << " bytes, "
                  << fixed(double(result.denseFp32Bytes) / double(std::max<int64_t>(winner.pareBytes, 1)), 1)
                  << "x below dense fp32\n";
        if (outBytes >= 0)
            std::cout << "wrote " << m_out << " (" << withThousands(outBytes) << " bytes)\n";
        if (!m_saveRecipe.empty())
            std::cout << "wrote " << m_saveRecipe << " (rerun: pare compress " << m_model << " --data " << m_data
                      << " --recipe " << m_saveRecipe << " --out FILE)\n";
        return 0;
    }

private:
    static std::string signedPoints(double points)
    {
        const std::string text = fixed(std::abs(points), 2);
        return (points < 0 && text != "0.00" ? "-" : "+") + text + " points"; // never "+-0.00"
    }

    std::string m_model;
    std::string m_data;
    std::string m_budget;
    std::string m_out;
    std::string m_saveRecipe;
    bool m_force = false;
    SearchOptions m_options;
};

} // namespace

std::unique_ptr<Command> makeSearchCommand()
{
    return std::make_unique<Search>();
}

} // namespace pare::cli
