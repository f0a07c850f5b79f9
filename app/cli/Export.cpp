// pare export: write a model as TorchScript, .pare or ONNX, checked before anything reaches the destination.

#include "Command.h"
#include "CommonOptions.h"
#include "Reports.h"

#include "pare/Export.h"

#include <iostream>
#include <optional>

namespace pare::cli {
namespace {

class Export final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand(
            "export",
            "Write a model as TorchScript, .pare or ONNX, checked before it is written (ONNX: in OpenCV DNN)");
        command->add_option("MODEL", m_model, kModelHelp)->required();
        command->add_option("--out", m_out, "OUT.pt, OUT.pare or OUT.onnx")->required();
        command->add_option("--data", m_data,
                            "With .onnx: check the export in OpenCV DNN on this data set's test split");
        command->add_flag("--force", m_force, "Replace an existing output file");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        OutputGuard inputs;
        inputs.protectFile(m_model, "the input model");
        if (!m_data.empty())
            inputs.protectDataSet(m_data);
        checkOutput(inputs, m_out, m_force);
        auto model = openModel(m_model, common);
        if (!common.inputShape.empty()) {
            auto record = model.record();
            record.inputShape = parseShape(common.inputShape);
            model.setRecord(record);
        }
        std::optional<Dataset> data;
        if (!m_data.empty() && Model::formatForPath(m_out) == ModelFormat::Onnx)
            data.emplace(loadData(m_data, datasetOptionsFor(&model.record(), common, 0)));
        ExportOptions options;
        options.overwrite = m_force;
        options.data = data ? &*data : nullptr;
        const auto report = exportModel(model, m_out, options);

        json out { { "model", m_model }, { "out", m_out }, { "params", model.parameterCount() } };
        if (report.onnxCheck) {
            out["format"] = "onnx";
            addOnnxCheckJson(out, report, data.has_value());
        } else {
            out["format"] = report.format == ModelFormat::Pare ? "pare" : "torchscript";
        }
        out["out_bytes"] = report.bytes;
        if (!report.note.empty())
            out["note"] = report.note;
        if (common.json) {
            printJson(out);
            return 0;
        }
        std::cout << "wrote " << m_out << " (" << withThousands(report.bytes) << " bytes), " << report.verified << "\n";
        if (!report.note.empty())
            std::cout << "note: " << report.note << "\n";
        return 0;
    }

private:
    std::string m_model;
    std::string m_out;
    std::string m_data; ///< optional: check an ONNX export on the test split instead of random inputs
    bool m_force = false;
};

} // namespace

std::unique_ptr<Command> makeExportCommand()
{
    return std::make_unique<Export>();
}

} // namespace pare::cli
