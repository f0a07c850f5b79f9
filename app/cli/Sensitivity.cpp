// pare sensitivity: each layer pruned or quantized alone, and the per-layer ratios and bit-widths that follow.

#include "Command.h"
#include "CommonOptions.h"
#include "ConsoleProgress.h"
#include "Reports.h"

#include "pare/Error.h"
#include "pare/Search.h"
#include "pare/Sensitivity.h"
#include "pare/TextFile.h"

#include <iostream>

namespace pare::cli {
namespace {

class Sensitivity final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "sensitivity", "Measure each layer's accuracy when pruned or quantized alone; suggest per-layer ratios");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        command->add_option("--data", m_data, kDataHelp)->required();
        command->add_option("--csv", m_csv, "Also write the curves as CSV");
        command->add_option("--target", m_target, "Overall sparsity to allocate ratios for (default 0.9)")
            ->check(CLI::Range(0.0, 0.95));
        command
            ->add_option("--target-bits", m_targetBits,
                         "Average weight bits to allocate per-layer bit-widths for (default 4)")
            ->check(CLI::Range(2.0, 8.0));
        command
            ->add_option("--images", m_options.images,
                         "Validation images evaluated per point (default 3000; 0: all); the cost grows with it")
            ->check(CLI::NonNegativeNumber);
        command->add_option("--sensitivity-budget", m_budget,
                            "Time the analysis may take (90s, 10m, 1h); over it, fewer images (down to 256) and then "
                            "fewer settings are measured, as the JSON's sampling says");
        command->add_flag("--force", m_force, "Replace an existing CSV file");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        OutputGuard inputs;
        inputs.protectFile(m_model, "the input model");
        inputs.protectDataSet(m_data);
        if (!m_csv.empty())
            checkOutput(inputs, m_csv, m_force);
        const auto model = openModel(m_model, common);
        const auto data = loadData(m_data, datasetOptionsFor(&model.record(), common, 0));
        if (!m_budget.empty()) {
            const auto budget = parseSearchBudget(m_budget, "--sensitivity-budget");
            if (budget.runs > 0)
                throw InputError("--sensitivity-budget: a time such as 90s or 10m, not a count of runs");
            m_options.budgetSeconds = budget.seconds;
        }
        ConsoleProgress bar(stderrIsTerminal() && !common.json);
        const auto sensitivity = analyzeSensitivity(model, data, m_options, nullptr, [&](int64_t done, int64_t total) {
            bar.update("sensitivity", done, total, "points");
        });
        bar.finish();
        const auto allocation = allocateRatios(sensitivity, m_target);
        const auto bits = allocateBits(sensitivity, m_targetBits).front();
        if (!m_csv.empty())
            writeTextFile(m_csv, sensitivityCsv(sensitivity), m_force);
        if (common.json) {
            auto report = json::parse(sensitivityJson(sensitivity, allocation, m_target));
            report["target_bits"] = m_targetBits;
            report["allocated_bits"] = json::object();
            for (const auto& [layer, b] : bits)
                report["allocated_bits"][layer] = b;
            printJson(report);
            return 0;
        }
        printText(sensitivity, allocation, bits);
        return 0;
    }

private:
    SensitivityOptions m_options;
    void printText(const SensitivityResult& sensitivity,
                   const std::vector<std::pair<std::string, double>>& allocation,
                   const std::vector<std::pair<std::string, int>>& bits) const
    {
        std::cout << "accuracy on " << sensitivity.images << " "
                  << (sensitivity.split == Split::Validation ? "validation" : "test")
                  << " images when one layer alone is pruned (no fine-tuning) or quantized ("
                  << optionName(sensitivity.scheme) << "); baseline " << fixed(sensitivity.baselineAccuracy, 4)
                  << "\n\n";
        std::vector<std::string> header { "layer", "weights" };
        for (double r : sensitivity.ratios)
            header.push_back("prune " + fixed(100.0 * r, 0) + "%");
        for (int b : sensitivity.bits)
            header.push_back(std::to_string(b) + "-bit");
        Table table(header);
        for (const auto& layer : sensitivity.layers) {
            std::vector<std::string> row { layer.name, withThousands(layer.weights) };
            for (double a : layer.pruneAccuracy)
                row.push_back(fixed(a, 4));
            for (double a : layer.quantizeAccuracy)
                row.push_back(fixed(a, 4));
            table.addRow(row);
        }
        table.print(std::cout);
        std::cout << "\nper-layer ratios for " << fixed(100.0 * m_target, 1)
                  << "% overall sparsity with the least predicted loss (what --allocate sensitivity uses):\n";
        for (const auto& [layer, r] : allocation)
            std::cout << "  " << layer << " " << fixed(100.0 * r, 1) << "%\n";
        std::cout << "per-layer bits averaging at most " << fixed(m_targetBits, 1)
                  << " bits per weight with the least predicted loss (quantize --allocate sensitivity measures the "
                     "best few such\nallocations and keeps the most accurate):\n";
        for (const auto& [layer, b] : bits)
            std::cout << "  " << layer << " " << b << " bits\n";
        const auto& sampling = sensitivity.sampling;
        if (sampling.sampled)
            std::cout << "sampled to fit " << fixed(sampling.budgetSeconds, 0) << " s: " << sensitivity.images << " of "
                      << sampling.imagesAsked << " images, " << sensitivity.ratios.size() << " ratios and "
                      << sensitivity.bits.size() << " bit-widths (the full grid was estimated at "
                      << fixed(sampling.fullGridSeconds, 0) << " s)\n";
        std::cout << "measured in " << fixed(sensitivity.seconds, 1) << " s";
        if (!m_csv.empty())
            std::cout << "; wrote " << m_csv;
        std::cout << "\n";
    }

    std::string m_model;
    std::string m_data;
    std::string m_csv;
    std::string m_budget;
    double m_target = 0.9;
    double m_targetBits = 4.0;
    bool m_force = false;
};

} // namespace

std::unique_ptr<Command> makeSensitivityCommand()
{
    return std::make_unique<Sensitivity>();
}

} // namespace pare::cli
