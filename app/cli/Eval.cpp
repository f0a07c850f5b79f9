// pare eval: accuracy, loss, per-class accuracy and latency of a model on a data set's test split.

#include "Command.h"
#include "CommonOptions.h"
#include "Reports.h"

#include "pare/Training.h"

#include <filesystem>
#include <iostream>

namespace pare::cli {
namespace {

class Eval final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand("eval", "Evaluate a model on a data set's test split");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        command->add_option("--data", m_data, kDataHelp)->required();
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        const auto model = openModel(m_model, common);
        const auto data = loadData(m_data, datasetOptionsFor(&model.record(), common, 0));
        checkCompatible(model, data);
        const auto eval = evaluate(model, data);
        const auto latency = measureLatency(model, data.info().sampleShape);
        const int64_t params = model.parameterCount();
        const int64_t bytes = fileSize(m_model);
        if (common.json) {
            auto out = evalJson(eval);
            out["model"] = m_model;
            out["data"] = m_data;
            out["params"] = params;
            out["file_bytes"] = bytes;
            out["dense_fp32_bytes"] = params * 4;
            out["latency_ms"] = latencyJson(latency);
            printJson(out);
            return 0;
        }
        const auto& info = data.info();
        std::cout << "model       " << m_model << "\n"
                  << "data        " << m_data << ": " << eval.images << " test images, " << info.classNames.size()
                  << " classes\n\n";
        Table table(
            { "model", "accuracy", "loss", "params", "size on disk", "latency b1", "latency b256", "images/s" });
        table.addRow({ std::filesystem::path(m_model).filename().string(), fixed(eval.accuracy, 4), fixed(eval.loss, 4),
                       withThousands(params), bytes > 0 ? humanBytes(bytes) : "-", fixed(latency.batch1Ms, 3) + " ms",
                       fixed(latency.batch256Ms, 2) + " ms", withThousands(int64_t(eval.imagesPerSecond)) });
        table.print(std::cout);
        std::cout << "\n";
        Table perClass({ "class", "name", "images", "accuracy" });
        for (size_t c = 0; c < eval.perClassAccuracy.size(); ++c) {
            int64_t images = 0;
            for (auto v : eval.confusion[c])
                images += v;
            perClass.addRow({ std::to_string(c), c < info.classNames.size() ? info.classNames[c] : "",
                              std::to_string(images), fixed(eval.perClassAccuracy[c], 4) });
        }
        perClass.print(std::cout);
        return 0;
    }

private:
    std::string m_model;
    std::string m_data;
};

} // namespace

std::unique_ptr<Command> makeEvalCommand()
{
    return std::make_unique<Eval>();
}

} // namespace pare::cli
