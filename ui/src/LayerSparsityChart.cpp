#include "pare/ui/LayerSparsityChart.h"

#include <qcustomplot.h>

#include <QLocale>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <string>
#include <unordered_map>

namespace pare::ui {

LayerSparsityChart::LayerSparsityChart(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    setObjectName(QStringLiteral("layerSparsityChart"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_scroll = new QScrollBar(Qt::Horizontal, this);
    m_scroll->setObjectName(QStringLiteral("layerSparsityScrollBar"));
    m_scroll->hide();
    layout->addWidget(m_scroll);
    connect(m_scroll, &QScrollBar::valueChanged, this, &LayerSparsityChart::scrollTo);
    m_plot->yAxis->setRange(0, 105);
    retranslate();
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
}

void LayerSparsityChart::retranslate()
{
    m_plot->yAxis->setLabel(tr("Sparsity (% of weights that are zero)"));
    if (m_shown)
        show(m_shown->first, m_shown->second, m_runTitle);
    else
        m_plot->replot();
}

void LayerSparsityChart::clear()
{
    m_shown.reset();
    m_plot->clearPlottables();
    m_runSparsity.clear();
    m_scroll->hide();
    m_plot->replot();
}

void LayerSparsityChart::scrollTo(int first)
{
    m_plot->xAxis->setRange(double(first) + 0.4, double(first + kMostBarsInView) + 0.6);
    m_plot->replot();
}

void LayerSparsityChart::show(const Snapshot& baseline, const Snapshot& run, const QString& runTitle)
{
    m_shown.emplace(baseline, run);
    m_runTitle = runTitle;
    m_plot->clearPlottables();
    m_runSparsity.clear();
    const QLocale locale;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> positions, before, after;
    std::unordered_map<std::string, const LayerSnapshot*> baselineLayers;
    for (const auto& b : baseline.layers)
        baselineLayers[b.name] = &b;
    const bool scrolled = int(run.layers.size()) > kMostBarsInView;
    for (size_t i = 0; i < run.layers.size(); ++i) {
        const auto& layer = run.layers[i];
        // Against the baseline's layer of the same name: filter pruning shrinks the layer itself, and the weights it
        // no longer has count as removed.
        const auto found = baselineLayers.find(layer.name);
        const LayerSnapshot* reference = found == baselineLayers.end() ? nullptr : found->second;
        const int64_t total = reference ? std::max(reference->weights, layer.weights) : layer.weights;
        positions << double(i + 1);
        after << (total > 0 ? 100.0 * (1.0 - double(layer.nonzero) / double(total)) : 0.0);
        before << (reference ? 100.0 * reference->sparsity() : 0.0);
        ticker->addTick(double(i + 1),
                        scrolled ? QString::fromStdString(layer.name)
                                 : tr("%1\n%2 kept\nof %3\n%4 bits")
                                       .arg(QString::fromStdString(layer.name), locale.toString(layer.nonzero),
                                            locale.toString(total))
                                       .arg(layer.bits));
    }
    m_runSparsity = after;
    auto* group = new QCPBarsGroup(m_plot);
    auto* baselineBars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    baselineBars->setName(tr("Baseline"));
    baselineBars->setBrush(QColor(189, 195, 199));
    baselineBars->setPen(Qt::NoPen);
    baselineBars->setWidth(0.35);
    baselineBars->setBarsGroup(group);
    baselineBars->setData(positions, before);
    auto* runBars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    runBars->setName(runTitle);
    runBars->setBrush(QColor(31, 119, 180));
    runBars->setPen(Qt::NoPen);
    runBars->setWidth(0.35);
    runBars->setBarsGroup(group);
    runBars->setData(positions, after);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(scrolled ? 45.0 : 0.0);
    m_scroll->setVisible(scrolled);
    if (scrolled) {
        const QSignalBlocker block(m_scroll);
        m_scroll->setRange(0, int(run.layers.size()) - kMostBarsInView);
        m_scroll->setPageStep(kMostBarsInView);
        m_scroll->setValue(0);
        scrollTo(0);
        return;
    }
    m_plot->xAxis->setRange(0.4, double(run.layers.size()) + 0.6);
    m_plot->replot();
}

} // namespace pare::ui
