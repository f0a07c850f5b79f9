#include "pare/ui/SensitivityView.h"

#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/ui/ModelInputs.h"
#include "pare/ui/StudioJobs.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

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
        SensitivityOptions options;
        options.budgetSeconds = kBudgetSeconds;
        emit measured(analyzeSensitivity(model, data, options, cancelFlag(),
                                         [this](int64_t done, int64_t total) { emit progressed(done, total); }));
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
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("sensitivitySearchEdit"));
    m_search->setClearButtonEnabled(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_measureButton);
    buttons->addWidget(m_applyButton);
    buttons->addStretch(1);
    buttons->addWidget(m_search);
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
    connect(m_job, &SensitivityJob::progressed, this, [this](qint64 done, qint64 total) {
        const QLocale locale;
        m_suggestionLabel->setText(tr("Measuring: %1 of %2 points (every layer pruned and quantized alone)...")
                                       .arg(locale.toString(done), locale.toString(total)));
    });
    connect(m_applyButton, &QPushButton::clicked, this, [this] { emit applyRequested(m_suggestion); });
    connect(m_search, &QLineEdit::textChanged, this, &SensitivityView::redraw);
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
    m_search->setPlaceholderText(tr("Highlight layers"));
    m_search->setToolTip(
        tr("Layers whose path contains this text are drawn in colour; empty: the %1 most sensitive").arg(kHighlighted));
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
    static const QList<QColor> colors { QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                        QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                        QColor(227, 119, 194), QColor(188, 189, 34) };
    for (auto* plot : { m_prunePlot, m_quantizePlot })
        plot->clearGraphs();
    // Which layers get colour: those the search names, else the most sensitive (the largest loss at the strongest
    // pruning ratio, then at the fewest bits); the rest are thin grey lines without a legend entry.
    const auto& layers = m_result->layers;
    const auto loss = [&](size_t i) {
        const auto& l = layers[i];
        return (l.pruneAccuracy.empty() ? 0.0 : m_result->baselineAccuracy - l.pruneAccuracy.back())
            + (l.quantizeAccuracy.empty() ? 0.0 : m_result->baselineAccuracy - l.quantizeAccuracy.back());
    };
    std::vector<size_t> order(layers.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return loss(a) > loss(b); });
    const QString search = m_search->text().trimmed();
    std::vector<bool> highlighted(layers.size(), false);
    int colored = 0;
    for (size_t i : order) {
        const bool named
            = !search.isEmpty() && QString::fromStdString(layers[i].name).contains(search, Qt::CaseInsensitive);
        if ((search.isEmpty() || named) && colored < kHighlighted) {
            highlighted[i] = true;
            ++colored;
        }
    }
    m_highlighted.clear();
    // Grey first, so the coloured curves are drawn over them.
    for (const bool colour : { false, true })
        for (size_t i = 0; i < layers.size(); ++i) {
            if (highlighted[i] != colour)
                continue;
            const auto& layer = layers[i];
            const QColor color = colour ? colors[m_highlighted.size() % colors.size()] : QColor(190, 190, 190, 140);
            const QPen pen(color, colour ? 2.0 : 1.0);
            const auto scatter = colour ? QCPScatterStyle(QCPScatterStyle::ssDisc, color, 5) : QCPScatterStyle();
            auto* prune = m_prunePlot->addGraph();
            auto* quantize = m_quantizePlot->addGraph();
            for (auto* graph : { prune, quantize }) {
                graph->setName(QString::fromStdString(layer.name));
                graph->setPen(pen);
                graph->setScatterStyle(scatter);
                if (!colour)
                    graph->removeFromLegend();
            }
            for (size_t k = 0; k < layer.pruneAccuracy.size(); ++k)
                prune->addData(m_result->ratios[k] * 100.0, layer.pruneAccuracy[k] * 100.0);
            for (size_t k = 0; k < layer.quantizeAccuracy.size(); ++k)
                quantize->addData(m_result->bits[k], layer.quantizeAccuracy[k] * 100.0);
            if (colour)
                m_highlighted << QString::fromStdString(layer.name);
        }
    for (auto* plot : { m_prunePlot, m_quantizePlot }) {
        plot->rescaleAxes();
        plot->yAxis->setRangeUpper(100.0 * m_result->baselineAccuracy + 1.0);
        plot->replot();
    }
    QString text = tr("Baseline %1% on %2 validation images. ")
                       .arg(locale.toString(100.0 * m_result->baselineAccuracy, 'f', 2))
                       .arg(locale.toString(m_result->images));
    if (m_result->sampling.sampled)
        text += tr("Sampled to fit %1 s: %2 of %3 images, %4 ratios and %5 bit-widths. ")
                    .arg(locale.toString(m_result->sampling.budgetSeconds, 'f', 0))
                    .arg(locale.toString(m_result->images), locale.toString(m_result->sampling.imagesAsked))
                    .arg(m_result->ratios.size())
                    .arg(m_result->bits.size());
    if (layers.size() > size_t(colored))
        text += tr("%1 of %2 layers in colour. ").arg(colored).arg(layers.size());
    if (!m_problem.isEmpty()) {
        text += m_problem;
    } else if (!m_suggestion.empty()) {
        // All of them in the tooltip; in the text, the first twelve (a DenseNet has 120 convolutions).
        constexpr int kListed = 12;
        QStringList parts;
        for (const auto& [layer, r] : m_suggestion)
            parts << QStringLiteral("%1 %2%").arg(QString::fromStdString(layer), locale.toString(100.0 * r, 'f', 1));
        m_suggestionLabel->setToolTip(parts.join(QLatin1Char('\n')));
        QString listed = QStringList(parts.mid(0, kListed)).join(QStringLiteral(", "));
        if (parts.size() > kListed)
            listed += tr(" and %1 more (tooltip)").arg(parts.size() - kListed);
        text += tr("Suggested per-layer ratios for %1% overall: %2")
                    .arg(locale.toString(100.0 * m_target, 'f', 0), listed);
    }
    m_suggestionLabel->setText(text);
    m_applyButton->setEnabled(!m_suggestion.empty());
}

} // namespace pare::ui
