#include "pare/ui/ExportDialog.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/Model.h"
#include "pare/Onnx.h"
#include "pare/OutputGuard.h"
#include "pare/Pipeline.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/StudioJobs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include <optional>

namespace pare::ui {

ExportJob::ExportJob(QObject* parent)
    : BackgroundJob(parent)
{
}

ExportJob::~ExportJob()
{
    stopAndWait();
}

bool ExportJob::start(const RunRecord& run, const QString& path, const QString& data)
{
    return launch([this, run, path, data] { emit exported(ExportDialog::exportAndVerify(run, path, data)); });
}

ExportDialog::ExportDialog(const RunRecord& run, const QString& data, QWidget* parent)
    : QDialog(parent)
    , m_run(run)
    , m_data(data)
    , m_job(new ExportJob(this))
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
                      "&nbsp;&nbsp;ONNX: %5<br>&nbsp;&nbsp;dense fp32 reference: %6 bytes")
                       .arg(run.label.toHtmlEscaped(), locale.toString(100.0 * last.accuracy, 'f', 2),
                            locale.toString(last.sizes.pare), locale.toString(last.sizes.torchScript),
                            last.sizes.onnx >= 0 ? tr("%1 bytes").arg(locale.toString(last.sizes.onnx))
                                                 : tr("not available (an operation the exporter does not cover)"),
                            locale.toString(last.sizes.denseFp32));
    if (sparse || quantized)
        text += tr("<br><br><i>TorchScript and ONNX store dense fp32 tensors: zeros and k-bit weights take 4 bytes "
                   "each there. Only .pare stores them compactly.</i>");
    sizes->setText(text);
    sizes->setWordWrap(true);
    layout->addWidget(sizes);

    auto* form = new QFormLayout;
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormatCombo"));
    m_format->addItem(tr(".pare (compact, Pare)"), QStringLiteral("pare"));
    m_format->addItem(tr("TorchScript .pt (PyTorch, LibTorch)"), QStringLiteral("pt"));
    m_format->addItem(tr("ONNX (opset 13; OpenCV, ONNX Runtime)"), QStringLiteral("onnx"));
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
        m_path->setText(info.absolutePath() + QLatin1Char('/') + info.completeBaseName() + QLatin1Char('.')
                        + m_format->currentData().toString());
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        const auto path = Dialogs::saveFileName(this, tr("Export to"), m_path->text(),
                                                tr("Pare (*.pare);;TorchScript (*.pt);;ONNX (*.onnx)"));
        if (!path.isEmpty()) {
            m_path->setText(path);
            m_format->setCurrentIndex(path.endsWith(QLatin1String(".pt"))         ? 1
                                          : path.endsWith(QLatin1String(".onnx")) ? 2
                                                                                  : 0);
        }
    });
    connect(exportButton, &QPushButton::clicked, this, &ExportDialog::exportNow);
    connect(m_job, &ExportJob::exported, this, [this, exportButton](const QString& report) {
        m_result->setText(report);
        exportButton->setEnabled(true);
    });
    connect(m_job, &ExportJob::failed, this, [this, exportButton](const QString& message) {
        m_result->clear();
        exportButton->setEnabled(true);
        Dialogs::error(this, tr("Export failed"), message);
    });
    connect(m_job, &ExportJob::started, exportButton, [exportButton] { exportButton->setEnabled(false); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString ExportDialog::exportAndVerify(const RunRecord& run, const QString& path, const QString& data)
{
    if (run.modelFile.isEmpty() || !QFileInfo::exists(run.modelFile))
        throw InputError(tr("Run %1 has no compressed model (it was cancelled or failed, or its file was removed)")
                             .arg(run.id)
                             .toStdString());
    const auto model = Model::load(run.modelFile.toStdString());
    const QLocale locale;
    ExportOptions options;
    options.overwrite = true; // the dialog's file chooser has asked already
    std::optional<Dataset> dataset;
    if (Model::formatForPath(path.toStdString()) == ModelFormat::Onnx) {
        auto dataOptions = dataOptionsFor(model.record());
        dataOptions.testLimit = 64;
        dataset.emplace(Dataset::load(data.toStdString(), dataOptions));
        options.data = &*dataset;
    }
    OutputGuard inputs;
    inputs.protectFile(run.modelFile.toStdString(), "the run's compressed model");
    inputs.protectDataSet(data.toStdString());
    inputs.check(path.toStdString(), options.overwrite);
    const auto report = exportModel(model, path.toStdString(), options);
    if (report.onnxCheck) {
        const QString runtime = report.onnxCheck->evaluator == OnnxEvaluator::OpenCv
            ? tr("OpenCV DNN")
            : tr("Pare's reference ONNX evaluator (OpenCV DNN 4.6 cannot run this graph)");
        return tr("Wrote %1 (%2 bytes on disk) and ran it in %3 on %4 test images: the same top-1 as "
                  "LibTorch on %5, largest logit difference %6.")
            .arg(path, locale.toString(report.bytes), runtime, locale.toString(report.onnxCheck->images),
                 locale.toString(report.onnxCheck->sameTopOne))
            .arg(report.onnxCheck->maxAbsLogitDifference, 0, 'g', 2);
    }
    return tr("Wrote %1 (%2 bytes on disk) and loaded it back: %3 parameters, %4 non-zero.")
        .arg(path, locale.toString(report.bytes), locale.toString(report.reloadedParameters),
             locale.toString(report.reloadedNonzeroParameters));
}

void ExportDialog::exportNow()
{
    m_result->setText(tr("Writing and verifying..."));
    m_job->start(m_run, m_path->text(), m_data);
}

} // namespace pare::ui
