#include "pare/ui/SensitivityView.h"

#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/ui/ModelInputs.h"
#include "pare/ui/StudioJobs.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

namespace pare::ui {

SensitivityJob::SensitivityJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::SensitivityResult>();
}

SensitivityJob::~SensitivityJob()
{
    stopAndWait();
}

bool SensitivityJob::start(const QString& modelSpec, const QString& dataSpec, int threads)
{
    return launch([this, modelSpec, dataSpec, threads] {
        configureThreads(threads);
        const auto [model, data] = ModelInputs::open(modelSpec, dataSpec);
        emit measured(analyzeSensitivity(model, data, SensitivityOptions {}, cancelFlag()));
    });
}

SensitivityView::SensitivityView(QWidget* parent)
    : QWidget(parent)
    , m_prunePlot(new QCustomPlot(this))
    , m_quantizePlot(new QCustomPlot(this))
    , m_suggestionLabel(new QLabel(this))
    , m_measureButton(new QPushButton(this))
    , m_applyButton(new QPushButton(this))
{
    setObjectName(QStringLiteral("sensitivityView"));
    m_suggestionLabel->setObjectName(QStringLiteral("sensitivitySuggestionLabel"));
    m_measureButton->setObjectName(QStringLiteral("measureSensitivityButton"));
    m_applyButton->setObjectName(QStringLiteral("applySensitivityButton"));
    m_suggestionLabel->setWordWrap(true);
    m_applyButton->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_measureButton);
    buttons->addWidget(m_applyButton);
    buttons->addStretch(1);
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_prunePlot, 3);
    plots->addWidget(m_quantizePlot, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_suggestionLabel);
    layout->addLayout(plots, 1);
    for (auto* plot : { m_prunePlot, m_quantizePlot }) {
        plot->legend->setVisible(true);
        plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);
    }
    m_quantizePlot->xAxis->setRangeReversed(true); // from 8 bits down to 2
    m_job = new SensitivityJob(this);
    connect(m_measureButton, &QPushButton::clicked, this, &SensitivityView::measure);
    connect(m_job, &SensitivityJob::measured, this, [this](const SensitivityResult& result) {
        setResult(result);
        emit measured(result.seconds);
    });
    connect(m_job, &SensitivityJob::failed, this, [this](const QString& message) {
        setBusy(false);
        emit failed(message);
    });
    connect(m_applyButton, &QPushButton::clicked, this, [this] { emit applyRequested(m_suggestion); });
    retranslate();
}

void SensitivityView::retranslate()
{
    m_measureButton->setText(tr("Measure sensitivity"));
    m_measureButton->setToolTip(tr("Prune each layer alone at 10-95% and quantize it alone at 8-2 bits, without "
                                   "fine-tuning, and measure the accuracy on the validation split."));
    m_applyButton->setText(tr("Apply suggested ratios"));
    m_prunePlot->xAxis->setLabel(tr("share of the layer's weights pruned"));
    m_prunePlot->yAxis->setLabel(tr("accuracy (%)"));
    m_quantizePlot->xAxis->setLabel(tr("weight bits"));
    m_quantizePlot->yAxis->setLabel(tr("accuracy (%)"));
    redraw();
}

void SensitivityView::setSource(const QString& model, const QString& data, int threads)
{
    m_model = model;
    m_data = data;
    m_threads = threads;
}

void SensitivityView::measure()
{
    if (m_model.isEmpty() || m_job->isRunning())
        return;
    setBusy(true);
    m_job->start(m_model, m_data, m_threads);
}

void SensitivityView::setBusy(bool busy)
{
    m_measureButton->setEnabled(!busy);
    if (busy)
        m_suggestionLabel->setText(tr("Measuring: every layer pruned and quantized alone..."));
}

void SensitivityView::setResult(const SensitivityResult& result)
{
    m_result = result;
    setBusy(false);
    setTarget(m_target);
}

void SensitivityView::setTarget(double ratio)
{
    m_target = ratio;
    m_suggestion.clear();
    m_problem.clear();
    if (m_result && ratio > 0.0) {
        try {
            for (const auto& [layer, r] : allocateRatios(*m_result, ratio))
                m_suggestion[layer] = r;
        } catch (const std::exception& e) {
            m_problem = QString::fromStdString(e.what());
        }
    }
    redraw();
}

void SensitivityView::redraw()
{
    const QLocale locale;
    if (!m_result) {
        m_suggestionLabel->setText(tr("Press \"Measure sensitivity\" to see how much each layer can lose."));
        m_applyButton->setEnabled(false);
        return;
    }
    static const QList<QColor> colors { QColor(31, 119, 180), QColor(255, 127, 14),  QColor(44, 160, 44),
                                        QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75) };
    for (auto* plot : { m_prunePlot, m_quantizePlot })
        plot->clearGraphs();
    for (size_t i = 0; i < m_result->layers.size(); ++i) {
        const auto& layer = m_result->layers[i];
        const QColor color = colors[int(i) % colors.size()];
        auto* prune = m_prunePlot->addGraph();
        prune->setName(QString::fromStdString(layer.name));
        prune->setPen(QPen(color, 2));
        prune->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 5));
        for (size_t k = 0; k < layer.pruneAccuracy.size(); ++k)
            prune->addData(m_result->ratios[k] * 100.0, layer.pruneAccuracy[k] * 100.0);
        auto* quantize = m_quantizePlot->addGraph();
        quantize->setName(QString::fromStdString(layer.name));
        quantize->setPen(QPen(color, 2));
        quantize->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 5));
        for (size_t k = 0; k < layer.quantizeAccuracy.size(); ++k)
            quantize->addData(m_result->bits[k], layer.quantizeAccuracy[k] * 100.0);
    }
    for (auto* plot : { m_prunePlot, m_quantizePlot }) {
        plot->rescaleAxes();
        plot->yAxis->setRangeUpper(100.0 * m_result->baselineAccuracy + 1.0);
        plot->replot();
    }
    QString text = tr("Baseline %1% on %2 validation images. ")
                       .arg(locale.toString(100.0 * m_result->baselineAccuracy, 'f', 2))
                       .arg(locale.toString(m_result->images));
    if (!m_problem.isEmpty()) {
        text += m_problem;
    } else if (!m_suggestion.empty()) {
        QStringList parts;
        for (const auto& [layer, r] : m_suggestion)
            parts << QStringLiteral("%1 %2%").arg(QString::fromStdString(layer), locale.toString(100.0 * r, 'f', 1));
        text += tr("Suggested per-layer ratios for %1% overall: %2")
                    .arg(locale.toString(100.0 * m_target, 'f', 0), parts.join(QStringLiteral(", ")));
    }
    m_suggestionLabel->setText(text);
    m_applyButton->setEnabled(!m_suggestion.empty());
}

} // namespace pare::ui
