#include "pare/ui/ExportDialog.h"

#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/ui/Dialogs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace pare::ui {

ExportDialog::ExportDialog(const RunRecord& run, QWidget* parent)
    : QDialog(parent)
    , m_run(run)
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export run %1").arg(run.id));
    const QLocale locale;
    const auto& last = run.snapshots.back();
    auto* layout = new QVBoxLayout(this);
    auto* sizes = new QLabel(this);
    sizes->setObjectName(QStringLiteral("exportSizesLabel"));
    const bool sparse = last.nonzeroParams < last.params;
    bool quantized = false;
    for (const auto& layer : last.layers)
        quantized = quantized || layer.bits < 32;
    QString text = tr("<b>%1</b><br>accuracy %2%<br><br>Size of this model in each format:<br>"
                      "&nbsp;&nbsp;.pare: %3 bytes<br>&nbsp;&nbsp;TorchScript (.pt): %4 bytes<br>"
                      "&nbsp;&nbsp;dense fp32 reference: %5 bytes")
                       .arg(run.label.toHtmlEscaped(), locale.toString(100.0 * last.accuracy, 'f', 2),
                            locale.toString(last.sizes.pare), locale.toString(last.sizes.torchScript),
                            locale.toString(last.sizes.denseFp32));
    if (sparse || quantized)
        text += tr("<br><br><i>TorchScript stores dense fp32 tensors: zeros and k-bit weights take 4 bytes each "
                   "there. Only .pare stores them compactly.</i>");
    sizes->setText(text);
    sizes->setWordWrap(true);
    layout->addWidget(sizes);

    auto* form = new QFormLayout;
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormatCombo"));
    m_format->addItem(tr(".pare (compact, Pare)"), QStringLiteral("pare"));
    m_format->addItem(tr("TorchScript .pt (PyTorch, LibTorch)"), QStringLiteral("pt"));
    auto* pathRow = new QHBoxLayout;
    m_path = new QLineEdit(QDir::homePath() + QStringLiteral("/run-%1.pare").arg(run.id), this);
    m_path->setObjectName(QStringLiteral("exportPathEdit"));
    auto* browse = new QPushButton(tr("Browse..."), this);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("File"), pathRow);
    layout->addLayout(form);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("exportResultLabel"));
    m_result->setWordWrap(true);
    layout->addWidget(m_result);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* exportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    exportButton->setObjectName(QStringLiteral("exportButton"));
    layout->addWidget(buttons);

    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        QFileInfo info(m_path->text());
        m_path->setText(info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QLatin1Char('.') +
                        m_format->currentData().toString());
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        const auto path = Dialogs::saveFileName(this, tr("Export to"), m_path->text(),
                                                tr("Pare (*.pare);;TorchScript (*.pt)"));
        if (!path.isEmpty()) {
            m_path->setText(path);
            m_format->setCurrentIndex(path.endsWith(QLatin1String(".pt")) ? 1 : 0);
        }
    });
    connect(exportButton, &QPushButton::clicked, this, &ExportDialog::exportNow);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString ExportDialog::exportAndVerify(const RunRecord& run, const QString& path)
{
    if (run.modelFile.isEmpty() || !QFileInfo::exists(run.modelFile))
        throw InputError(tr("Run %1 has no compressed model (it was cancelled or failed, or its file was removed)")
                             .arg(run.id)
                             .toStdString());
    const auto model = Model::load(run.modelFile.toStdString());
    const auto written = model.save(path.toStdString(), /*overwrite=*/true);
    const auto back = Model::load(path.toStdString());
    if (back.parameterCount() != model.parameterCount() ||
        back.nonzeroParameterCount() != model.nonzeroParameterCount())
        throw inputError(path.toStdString(), "loaded back with different parameters");
    return tr("Wrote %1 (%2 bytes on disk) and loaded it back: %3 parameters, %4 non-zero.")
        .arg(path, QLocale().toString(written), QLocale().toString(back.parameterCount()),
             QLocale().toString(back.nonzeroParameterCount()));
}

void ExportDialog::exportNow()
{
    try {
        m_result->setText(exportAndVerify(m_run, m_path->text()));
    } catch (const std::exception& e) {
        m_result->setText(QString());
        Dialogs::error(this, tr("Export failed"), QString::fromStdString(e.what()));
    }
}

} // namespace pare::ui
