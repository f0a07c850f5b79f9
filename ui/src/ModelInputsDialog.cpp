#include "pare/ui/ModelInputsDialog.h"

#include "pare/ui/Dialogs.h"
#include "pare/ui/ModelInputs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace pare::ui {
namespace {

QString joined(const std::vector<float>& values)
{
    QStringList parts;
    for (float v : values)
        parts << QString::number(double(v), 'g', 6);
    return parts.join(QStringLiteral(", "));
}

/// One value, or one per channel; every one finite (and positive for a standard deviation).
std::optional<std::vector<float>> parseValues(const QString& text, int channels, bool positive)
{
    std::vector<float> values;
    for (const auto& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok || !std::isfinite(v) || (positive && v <= 0))
            return std::nullopt;
        values.push_back(float(v));
    }
    if (values.size() != 1 && values.size() != size_t(channels))
        return std::nullopt;
    return values;
}

} // namespace

ModelInputsDialog::ModelInputsDialog(const QString& modelName, const ModelRecord& proposal, QWidget* parent)
    : QDialog(parent)
    , m_channels(new QComboBox(this))
    , m_height(new QSpinBox(this))
    , m_width(new QSpinBox(this))
    , m_mean(new QLineEdit(this))
    , m_std(new QLineEdit(this))
    , m_classes(new QPlainTextEdit(this))
    , m_problem(new QLabel(this))
{
    setObjectName(QStringLiteral("modelInputsDialog"));
    setWindowTitle(tr("Model inputs"));
    // An ONNX graph knows its input's size but not its normalization or class names; a PyTorch file knows none.
    const bool onnx = modelName.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive);
    auto* intro = new QLabel(
        (onnx ? tr("<b>%1</b> is an ONNX graph: it gives its input's size (proposed below) but not the normalization "
                   "or the class names it was trained with. Check them before the first evaluation; the answer is "
                   "remembered for this file.")
              : tr("<b>%1</b> has no Pare record (it was saved by PyTorch, not by Pare), so it does not "
                   "say what it takes. Check what the data is converted to before the first "
                   "evaluation; the answer is remembered for this file."))
            .arg(modelName.toHtmlEscaped()),
        this);
    intro->setWordWrap(true);

    m_channels->setObjectName(QStringLiteral("channelsCombo"));
    m_channels->addItem(tr("1 (grey)"), 1);
    m_channels->addItem(tr("3 (RGB)"), 3);
    const auto& shape = proposal.inputShape;
    m_channels->setCurrentIndex(shape.size() == 3 && shape[0] == 3 ? 1 : 0);
    for (auto* side : { m_height, m_width }) {
        side->setRange(1, 4096);
        side->setSuffix(tr(" px"));
    }
    m_height->setObjectName(QStringLiteral("heightSpin"));
    m_width->setObjectName(QStringLiteral("widthSpin"));
    m_height->setValue(shape.size() == 3 ? int(shape[1]) : 28);
    m_width->setValue(shape.size() == 3 ? int(shape[2]) : 28);
    auto* size = new QHBoxLayout;
    size->addWidget(m_height);
    size->addWidget(new QLabel(QStringLiteral("x"), this));
    size->addWidget(m_width);

    m_mean->setObjectName(QStringLiteral("meanEdit"));
    m_std->setObjectName(QStringLiteral("stdEdit"));
    m_mean->setText(joined(proposal.mean));
    m_std->setText(joined(proposal.std));
    m_mean->setToolTip(tr("One value, or one per channel, subtracted from pixels in 0..1"));
    m_std->setToolTip(tr("One value, or one per channel, dividing the pixels after the mean"));
    m_classes->setObjectName(QStringLiteral("classesEdit"));
    QStringList classes;
    for (const auto& c : proposal.classes)
        classes << QString::fromStdString(c);
    m_classes->setPlainText(classes.join(QLatin1Char('\n')));
    m_classes->setToolTip(tr("One class name per line, in the order of the model's outputs"));

    auto* form = new QFormLayout;
    form->addRow(tr("Channels:"), m_channels);
    form->addRow(tr("Height x width:"), size);
    form->addRow(tr("Mean:"), m_mean);
    form->addRow(tr("Standard deviation:"), m_std);
    form->addRow(tr("Class names:"), m_classes);

    m_problem->setObjectName(QStringLiteral("problemLabel"));
    m_problem->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ModelInputsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ModelInputsDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

std::optional<ModelRecord> ModelInputsDialog::inputs(QString* problem) const
{
    const int channels = m_channels->currentData().toInt();
    const auto fail = [problem](const QString& why) {
        if (problem)
            *problem = why;
        return std::optional<ModelRecord>();
    };
    const auto mean = parseValues(m_mean->text(), channels, false);
    if (!mean)
        return fail(tr("Mean: one number, or one per channel (%1)").arg(channels));
    const auto std = parseValues(m_std->text(), channels, true);
    if (!std)
        return fail(tr("Standard deviation: one positive number, or one per channel (%1)").arg(channels));
    ModelRecord record;
    record.inputShape = { channels, m_height->value(), m_width->value() };
    record.mean = *mean;
    record.std = *std;
    for (const auto& line : m_classes->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty())
            record.classes.push_back(line.trimmed().toStdString());
    if (record.classes.empty())
        return fail(tr("Class names: one per line"));
    record.present = true;
    return record;
}

void ModelInputsDialog::accept()
{
    QString problem;
    if (!inputs(&problem)) {
        m_problem->setText(problem);
        return;
    }
    QDialog::accept();
}

bool ModelInputsDialog::askAndRemember(QWidget* parent, const QString& modelSpec, const ModelRecord& proposal)
{
    ModelInputsDialog dialog(QFileInfo(modelSpec).fileName(), proposal, parent);
    const auto inputs = Dialogs::accept(dialog) ? dialog.inputs() : std::nullopt;
    if (inputs)
        ModelInputs::remember(modelSpec, *inputs);
    return inputs.has_value();
}

} // namespace pare::ui
