// pare inspect: a model's layers, parameters, bytes and multiply-accumulates.

#include "Command.h"
#include "CommonOptions.h"
#include "Reports.h"

#include <iostream>

namespace pare::cli {
namespace {

class Inspect final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand("inspect", "List a model's layers, parameters, bytes and MACs");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        const auto model = openModel(m_model, common);
        const auto summary = model.inspect(parseShape(common.inputShape));
        if (common.json) {
            printJson(json { { "model", m_model },
                             { "architecture", summary.architecture },
                             { "input_shape", summary.inputShape },
                             { "outputs", summary.outputs },
                             { "params", summary.params },
                             { "bytes", summary.bytes },
                             { "macs", summary.macs },
                             { "file_bytes", fileSize(m_model) },
                             { "has_record", model.record().present },
                             { "layout", optionName(model.record().layout) },
                             { "layers", layersJson(summary) } });
            return 0;
        }
        // An NHWC graph runs as NCHW inside Pare; the ONNX files Pare writes of it take NHWC again.
        const bool channelsLast = model.record().layout == InputLayout::Nhwc;
        std::cout << m_model << ": " << summary.architecture << ", input " << shapeText(summary.inputShape)
                  << (channelsLast ? " (its own files take NHWC)" : "") << ", " << summary.outputs << " outputs\n\n";
        Table table({ "layer", "type", "weight", "params", "bytes", "MACs" });
        for (const auto& layer : summary.layers)
            table.addRow({ layer.name, layer.type, shapeText(layer.weightShape), withThousands(layer.params),
                           withThousands(layer.bytes), withThousands(layer.macs) });
        table.addRow({ "total", "", "", withThousands(summary.params), withThousands(summary.bytes),
                       withThousands(summary.macs) });
        table.print(std::cout);
        return 0;
    }

private:
    std::string m_model;
};

} // namespace

std::unique_ptr<Command> makeInspectCommand()
{
    return std::make_unique<Inspect>();
}

} // namespace pare::cli
