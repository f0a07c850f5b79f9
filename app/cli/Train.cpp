// pare train: train a zoo architecture or a model file on a data set's training split.

#include "Command.h"
#include "CommonOptions.h"
#include "ConsoleProgress.h"
#include "Reports.h"

#include "pare/Pipeline.h"
#include "pare/Training.h"

#include <iostream>
#include <optional>

namespace pare::cli {
namespace {

class Train final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand("train", "Train a zoo architecture or a TorchScript model");
        command->add_option("--model", m_model, kModelHelp)->required();
        command->add_option("--data", m_data, kDataHelp)->required();
        command->add_option("--out", m_out, "Where to write the trained model (.pt, .pare or .onnx)")->required();
        command->add_flag("--force", m_force, "Replace an existing output file");
        command->add_option("--epochs", m_options.epochs, "Epochs (default 4)")->check(CLI::NonNegativeNumber);
        command->add_option("--batch-size", m_options.batchSize, "Batch size (default 64)")->check(kPositive);
        command->add_option("--lr", m_options.learningRate, "Learning rate (default: sgd 0.02, adam 0.001)")
            ->check(kPositive);
        addChoice(*command, "--optimizer", m_options.optimizer, "sgd (momentum 0.9) or adam");
        addChoice(*command, "--schedule", m_options.schedule, "Learning-rate schedule: cosine, step or constant");
        addAugmentOption(*command, m_options.augment);
        command->add_option("--seed", m_options.seed, "Seed for initialization, shuffling and the validation split");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        OutputGuard inputs;
        inputs.protectFile(m_model, "the input model");
        inputs.protectDataSet(m_data);
        checkOutput(inputs, m_out, m_force);
        // A zoo architecture is built for the data; a file's record decides how the data is read.
        const bool fromZoo = Model::namesZooModel(m_model);
        std::optional<Model> loaded;
        if (!fromZoo)
            loaded.emplace(openModel(m_model, common));
        const auto data
            = loadData(m_data, datasetOptionsFor(loaded ? &loaded->record() : nullptr, common, m_options.seed));
        const auto& info = data.info();
        Model model
            = fromZoo ? Model::open(m_model, info.sampleShape, data.classCount(), m_options.seed) : std::move(*loaded);

        ConsoleProgress bar(stderrIsTerminal());
        const auto trained = train(model, data, m_options, [&](const TrainProgress& p) { bar.update(p); });
        bar.finish();
        const auto eval = evaluate(model, data);
        model.setRecord(recordFromData(info));
        const int64_t outBytes = model.save(m_out, m_force);

        if (common.json) {
            auto out = evalJson(eval);
            out["seconds"] = trained.trainSeconds;
            out["images_per_second"] = trained.imagesPerSecond;
            out["eval_seconds"] = eval.seconds;
            out["params"] = model.parameterCount();
            out["out"] = m_out;
            out["out_bytes"] = outBytes;
            out["epochs"] = epochsJson(trained);
            out["train_images"] = info.trainCount;
            out["validation_images"] = info.validationCount;
            printJson(out);
            return 0;
        }
        printEpochs(trained);
        std::cout << "test accuracy " << fixed(eval.accuracy, 4) << ", loss " << fixed(eval.loss, 4) << "; "
                  << withThousands(int64_t(trained.imagesPerSecond)) << " images/s\n"
                  << "wrote " << m_out << " (" << withThousands(outBytes) << " bytes)\n";
        return 0;
    }

private:
    std::string m_model;
    std::string m_data;
    std::string m_out;
    bool m_force = false;
    TrainOptions m_options;
};

} // namespace

std::unique_ptr<Command> makeTrainCommand()
{
    return std::make_unique<Train>();
}

} // namespace pare::cli
