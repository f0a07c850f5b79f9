// pare quantize: weights on k-bit levels (uniform, symmetric, k-means), activations on k-bit levels, or the model
// lowered to real int8 operations.

#include "Command.h"
#include "StepRunner.h"

#include "pare/Quantization.h"

#include <iostream>

namespace pare::cli {
namespace {

class Quantize final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "quantize", "Put weights (and activations) on k-bit levels, or run the model on real int8 operations");
        m_args.declare(*command, "the quantized model");
        command->add_option("--bits", m_options.bits, "1..8, 16 (fp16) or 32 (none)")
            ->required()
            ->check(CLI::Range(1, 8) | CLI::IsMember({ 16, 32 }));
        m_scheme = addChoice(*command, "--scheme", m_options.scheme, "uniform, symmetric or kmeans");
        m_perChannel = command->add_flag("--per-channel", m_options.perChannel, "Levels per output channel");
        command
            ->add_option("--qat-epochs,--finetune-epochs", m_options.finetune.epochs,
                         "Quantization-aware fine-tuning epochs (default 0)")
            ->check(CLI::NonNegativeNumber);
        command->add_option("--lr", m_options.finetune.learningRate, "Fine-tuning learning rate (default 0.002)")
            ->check(kPositive);
        addChoice(*command, "--allocate", m_options.allocate,
                  "uniform (default) or sensitivity: per-layer bits averaging --bits, from measured sensitivity");
        m_averageBits = command->add_option(
            "--average-bits", m_options.averageBits,
            "With --allocate sensitivity: average bits per weight to reach, e.g. 2.5 (default: --bits)");
        m_averageBits->check(CLI::Range(2.0, 8.0));
        command->add_option("--layer-bits", m_layerBits,
                            "Mixed precision: bits of named layers, conv1=8,fc1=2 (others use --bits)");
        m_activationBits = command
                               ->add_option("--activation-bits", m_options.activationBits,
                                            "Activations on 1..8 bits, calibrated (default 32: float)")
                               ->check(CLI::Range(1, 8) | CLI::IsMember({ 32 }));
        addChoice(*command, "--calibration", m_options.calibration,
                  "Activation clipping: minmax (default), percentile or mse");
        command->add_option("--percentile", m_options.percentile, "For --calibration percentile (default 99.99)")
            ->check(CLI::Range(50.0, 100.0));
        command
            ->add_option("--calibration-images", m_options.calibrationImages,
                         "Training images the activation ranges are measured on (default 1024)")
            ->check(kPositive);
        m_engineOption = addChoice(*command, "--engine", m_engine,
                                   "Run on real int8 ops: onednn or qnnpack (implies --scheme symmetric "
                                   "--per-channel --activation-bits 8)");
        addAugmentOption(*command, m_options.finetune.augment);
        command->add_option("--seed", m_options.finetune.seed, "Seed for calibration sampling and shuffling");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        finishOptions();
        const auto& options = m_options;
        QuantizeResult quantized;
        std::vector<Int8Operation> operations;
        const bool int8 = options.engine.has_value();
        auto outcome = runCompressionStep(
            m_args, common, options.finetune.seed,
            int8 ? "the .pt file holds the int8 module (packed qint8 weights); .pare and .onnx hold the float model "
                   "with its 8-bit levels, and Pare rebuilds the int8 module when it loads a .pare"
                 : "TorchScript stores the k-bit weights as fp32: the .pt file is as large as before; a .pare file "
                   "stores k-bit codes",
            [&](Model& model, const Dataset& data, const TrainProgressCallback& progress) {
                quantized = quantizeWeights(model, data, options, progress);
                operations = int8Operations(model);
                return quantized.finetune;
            },
            /*measureLatency=*/int8);
        if (common.json)
            printJson(outcome, quantized, operations);
        else
            printText(outcome, quantized, operations);
        return 0;
    }

private:
    /// The settings that depend on more than one flag.
    void finishOptions()
    {
        m_options.layerBits = parseLayerBits(m_layerBits);
        if (m_averageBits->count() > 0 && m_options.allocate != Allocation::Sensitivity)
            throw InputError("--average-bits: goes with --allocate sensitivity");
        if (m_engineOption->count() == 0)
            return;
        // The int8 engine runs one kind of quantization; the flags it implies need not be spelled out.
        const auto implied = QuantizeOptions::forEngine(m_engine);
        m_options.engine = m_engine;
        if (m_scheme->count() == 0)
            m_options.scheme = implied.scheme;
        if (m_perChannel->count() == 0)
            m_options.perChannel = implied.perChannel;
        if (m_activationBits->count() == 0)
            m_options.activationBits = implied.activationBits;
    }

    void
    printJson(StepOutcome& outcome, const QuantizeResult& quantized, const std::vector<Int8Operation>& operations) const
    {
        const auto& options = m_options;
        json layers = json::array();
        for (const auto& layer : quantized.layers)
            layers.push_back(json { { "name", layer.name },
                                    { "bits", layer.bits },
                                    { "weights", layer.weights },
                                    { "distinct_values", layer.distinctValues },
                                    { "max_abs_error", layer.maxAbsError } });
        json activations = json::array();
        for (const auto& a : quantized.activations)
            activations.push_back(json { { "name", a.name },
                                         { "bits", a.bits },
                                         { "low", a.low },
                                         { "high", a.high },
                                         { "scale", a.scale },
                                         { "zero_point", a.zeroPoint } });
        json ops = json::array();
        for (const auto& o : operations)
            ops.push_back(json { { "op", o.op }, { "weight_type", o.weightType }, { "weight_shape", o.weightShape } });
        auto& report = outcome.report;
        report["bits"] = options.bits;
        report["scheme"] = optionName(options.scheme);
        report["per_channel"] = options.perChannel;
        report["activation_bits"] = options.activationBits;
        if (options.activationBits != 32)
            report["calibration"] = optionName(options.calibration);
        report["engine"] = options.engine ? json(optionName(*options.engine)) : json(nullptr);
        report["layers"] = layers;
        report["activations"] = activations;
        report["int8_operations"] = ops;
        if (options.engine) {
            report["int8_agreement"] = quantized.int8Agreement;
            report["int8_lowered_convolutions"] = quantized.loweredConvolutions;
            report["convolutions"] = quantized.convolutions;
        }
        pare::cli::printJson(report);
    }

    void printText(const StepOutcome& outcome,
                   const QuantizeResult& quantized,
                   const std::vector<Int8Operation>& operations) const
    {
        const auto& options = m_options;
        if (!quantized.activations.empty()) {
            Table table({ "activation", "bits", "clipped to", "scale", "zero point" });
            for (const auto& a : quantized.activations)
                table.addRow({ a.name, std::to_string(a.bits), "[" + fixed(a.low, 3) + ", " + fixed(a.high, 3) + "]",
                               fixed(a.scale, 5), std::to_string(a.zeroPoint) });
            std::cout << "activations (" << optionName(options.calibration) << " calibration on "
                      << options.calibrationImages << " training images):\n";
            table.print(std::cout);
        }
        if (options.engine) {
            std::map<std::string, int> counts;
            for (const auto& o : operations)
                counts[o.op + (o.weightType.empty() ? "" : " (" + o.weightType + " weights)")]++;
            std::cout << "int8 module on " << optionName(*options.engine) << ":";
            for (const auto& [name, count] : counts)
                std::cout << " " << count << "x " << name << ";";
            std::cout << "\n"
                      << quantized.loweredConvolutions << " of " << quantized.convolutions
                      << " convolutions run on int8 kernels";
            if (quantized.int8Agreement >= 0)
                std::cout << "; top-1 agrees with the fake-quantized model on "
                          << fixed(100.0 * quantized.int8Agreement, 2) << "% of test images";
            std::cout << "\n";
            if (*options.engine == Int8Engine::OneDnn)
                std::cout << "note: oneDNN's activations are calibrated on 128 levels: on a CPU without VNNI its "
                             "uint8 x int8 products are summed in pairs into int16, which saturates on 256\n";
        }
        Table table({ "layer", "bits", "weights", "distinct values", "max |error|" });
        for (const auto& layer : quantized.layers)
            table.addRow({ layer.name, std::to_string(layer.bits), withThousands(layer.weights),
                           withThousands(layer.distinctValues), fixed(layer.maxAbsError, 6) });
        printStepOutcome(table, outcome, m_args.out);
    }

    CLI::Option* m_scheme = nullptr;
    CLI::Option* m_perChannel = nullptr;
    CLI::Option* m_averageBits = nullptr;
    CLI::Option* m_activationBits = nullptr;
    CLI::Option* m_engineOption = nullptr;
    StepArgs m_args;
    QuantizeOptions m_options;
    Int8Engine m_engine = Int8Engine::OneDnn;
    std::string m_layerBits;
};

} // namespace

std::unique_ptr<Command> makeQuantizeCommand()
{
    return std::make_unique<Quantize>();
}

} // namespace pare::cli
