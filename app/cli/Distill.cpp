// pare distill: a student learns from a teacher's softened outputs and from the labels.

#include "Command.h"
#include "CommonOptions.h"
#include "ConsoleProgress.h"
#include "Reports.h"

#include "pare/Distillation.h"
#include "pare/Pipeline.h"
#include "pare/Recipe.h"

#include <iostream>

namespace pare::cli {
namespace {

class Distill final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* command = app.add_subcommand("distill", "Train a student on a teacher's softened outputs and the labels");
        command->add_option("--teacher", m_teacher, "The teacher: " + std::string(kModelHelp))->required();
        command->add_option("--student", m_student,
                            "self (a copy of the teacher), a zoo architecture such as lenet5@0.5, or a model file");
        command->add_option("--data", m_data, kDataHelp)->required();
        command->add_option("--out", m_out, "Where to write the student (.pt, .pare or .onnx)")->required();
        command->add_flag("--force", m_force, "Replace an existing output file");
        command->add_option("--temperature", m_options.temperature, "Softening temperature T, 1..20 (default 4)")
            ->check(CLI::Range(1.0, 20.0));
        command->add_option("--alpha", m_options.alpha, "Weight of the soft targets, 0..1 (default 0.9)")
            ->check(CLI::Range(0.0, 1.0));
        command->add_option("--epochs", m_options.train.epochs, "Epochs (default 4)")->check(CLI::NonNegativeNumber);
        command->add_option("--lr", m_options.train.learningRate, "Learning rate (default 0.01)")->check(kPositive);
        addAugmentOption(*command, m_options.train.augment);
        command->add_option("--seed", m_options.train.seed, "Seed for initialization and shuffling");
        addCommonOptions(*command, common);
        return command;
    }

    int execute(const CommonOptions& common) override
    {
        OutputGuard inputs;
        inputs.protectFile(m_teacher, "the teacher");
        inputs.protectFile(m_student, "the student");
        inputs.protectDataSet(m_data);
        checkOutput(inputs, m_out, m_force);
        const auto teacher = openModel(m_teacher, common);
        const auto data = loadData(m_data, datasetOptionsFor(&teacher.record(), common, m_options.train.seed));
        const auto& info = data.info();
        DistillStep step;
        step.student = m_student;
        Model student = step.studentKind() == StudentKind::Self
            ? teacher.clone()
            : Model::open(m_student, info.sampleShape, data.classCount(), m_options.train.seed);
        const auto teacherEval = evaluate(teacher, data);

        ConsoleProgress bar(stderrIsTerminal());
        const auto distilled
            = distill(teacher, student, data, m_options, [&](const TrainProgress& p) { bar.update(p); });
        bar.finish();
        const auto eval = evaluate(student, data);
        const double agreement = topOneAgreement(teacher, student, data);
        student.setRecord(recordFromData(info));
        const int64_t outBytes = student.save(m_out, m_force);

        if (common.json) {
            json epochs = json::array();
            for (size_t i = 0; i < distilled.lossTerms.size(); ++i) {
                const auto& terms = distilled.lossTerms[i];
                json epoch { { "epoch", terms.epoch },
                             { "soft_loss", terms.softLoss },
                             { "hard_loss", terms.hardLoss } };
                if (i < distilled.training.epochs.size())
                    epoch["validation_accuracy"] = distilled.training.epochs[i].validationAccuracy;
                epochs.push_back(epoch);
            }
            auto out = evalJson(eval);
            out["teacher_accuracy"] = teacherEval.accuracy;
            out["teacher_agreement"] = agreement;
            out["params"] = student.parameterCount();
            out["teacher_params"] = teacher.parameterCount();
            out["seconds"] = distilled.training.trainSeconds;
            out["images_per_second"] = distilled.training.imagesPerSecond;
            out["teacher_seconds"] = distilled.teacherSeconds;
            out["epochs"] = epochs;
            out["out"] = m_out;
            out["out_bytes"] = outBytes;
            printJson(out);
            return 0;
        }
        for (const auto& terms : distilled.lossTerms)
            std::cout << "epoch " << terms.epoch << ": soft loss " << fixed(terms.softLoss, 4) << ", hard loss "
                      << fixed(terms.hardLoss, 4) << "\n";
        std::cout << "student accuracy " << fixed(eval.accuracy, 4) << " (teacher " << fixed(teacherEval.accuracy, 4)
                  << "), agreement with the teacher " << fixed(agreement, 4) << "\n"
                  << "student " << withThousands(student.parameterCount()) << " parameters, teacher "
                  << withThousands(teacher.parameterCount()) << "\n"
                  << "teacher pass " << fixed(distilled.teacherSeconds, 1) << " s, training "
                  << fixed(distilled.training.trainSeconds, 1) << " s\n"
                  << "wrote " << m_out << " (" << withThousands(outBytes) << " bytes)\n";
        return 0;
    }

private:
    std::string m_teacher;
    std::string m_student = optionName(StudentKind::Self);
    std::string m_data;
    std::string m_out;
    bool m_force = false;
    DistillOptions m_options;
};

} // namespace

std::unique_ptr<Command> makeDistillCommand()
{
    return std::make_unique<Distill>();
}

} // namespace pare::cli
