#include "pare/ui/WeightView.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>
#include <limits>
#include <set>

namespace pare::ui {
namespace {

constexpr int kBins = 80;
constexpr int kMostLevelLines = 64; // beyond that the lines would hide the histogram

/// Counts of `values` (zeros left out) in kBins bins over [-range, range].
QVector<double> histogram(const std::vector<float>& values, double range)
{
    QVector<double> counts(kBins, 0.0);
    for (float v : values) {
        if (v == 0.0f)
            continue;
        const int bin = std::clamp(int((double(v) + range) / (2.0 * range) * kBins), 0, kBins - 1);
        counts[bin] += 1.0;
    }
    return counts;
}

} // namespace

WeightView::WeightView(QWidget* parent)
    : QWidget(parent)
    , m_heatmap(new QCustomPlot(this))
    , m_histogram(new QCustomPlot(this))
    , m_caption(new QLabel(this))
{
    setObjectName(QStringLiteral("weightView"));
    m_caption->setObjectName(QStringLiteral("weightCaptionLabel"));
    m_caption->setWordWrap(true);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_heatmap);
    splitter->addWidget(m_histogram);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_caption);
    layout->addWidget(splitter, 1);

    m_heatmap->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_heatmap->yAxis->setRangeReversed(true); // row 0 at the top, as matrices are read
    m_map = new QCPColorMap(m_heatmap->xAxis, m_heatmap->yAxis);
    auto* scale = new QCPColorScale(m_heatmap);
    m_heatmap->plotLayout()->addElement(0, 1, scale);
    m_map->setColorScale(scale);
    // After setColorScale, which hands the scale's gradient to the map: negative blue, positive red, pruned grey.
    QCPColorGradient gradient(QCPColorGradient::gpPolar);
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(QColor(150, 150, 150)); // pruned: exactly zero
    scale->setGradient(gradient);
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    m_histogram->legend->setVisible(true);
    retranslate();
}

void WeightView::retranslate()
{
    m_heatmap->xAxis->setLabel(tr("input (convolutions: input channel x kernel column)"));
    m_heatmap->yAxis->setLabel(tr("output (convolutions: filter x kernel row)"));
    m_histogram->xAxis->setLabel(tr("weight value (zeros left out)"));
    m_histogram->yAxis->setLabel(tr("weights"));
    m_heatmap->replot();
    m_histogram->replot();
}

void WeightView::clear()
{
    m_map->data()->clear();
    m_histogram->clearPlottables();
    m_histogram->clearItems();
    m_caption->clear();
    m_cells = m_pruned = m_levels = 0;
    m_heatmap->replot();
    m_histogram->replot();
}

void WeightView::show(const QString& layer, const WeightValues& before, const WeightValues& after)
{
    const auto& w = after.values.empty() ? before : after;
    if (w.values.empty() || w.shape.size() < 2) {
        clear();
        return;
    }
    // Linear [out, in]: the matrix. Convolution [out, in, kh, kw]: filter o, input channel i at rows o*kh.., columns
    // i*kw.., so each filter is a row of kernels.
    const int64_t out = w.shape[0], in = w.shape[1];
    const int64_t kh = w.shape.size() == 4 ? w.shape[2] : 1, kw = w.shape.size() == 4 ? w.shape[3] : 1;
    const int64_t rows = out * kh, columns = in * kw;
    m_map->data()->setSize(int(columns), int(rows));
    m_map->data()->setRange(QCPRange(0, double(columns - 1)), QCPRange(0, double(rows - 1)));
    double range = 0.0;
    for (float v : w.values)
        range = std::max(range, double(std::abs(v)));
    for (float v : before.values)
        range = std::max(range, double(std::abs(v)));
    range = std::max(range, 1e-12);
    m_pruned = 0;
    for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < in; ++i)
            for (int64_t y = 0; y < kh; ++y)
                for (int64_t x = 0; x < kw; ++x) {
                    const float v = w.values[size_t(((o * in + i) * kh + y) * kw + x)];
                    if (v == 0.0f)
                        ++m_pruned;
                    m_map->data()->setCell(int(i * kw + x), int(o * kh + y),
                                           v == 0.0f ? std::numeric_limits<double>::quiet_NaN() : double(v));
                }
    m_cells = int(rows * columns);
    m_map->setDataRange(QCPRange(-range, range));
    m_heatmap->xAxis->setRange(-0.5, double(columns) - 0.5);
    m_heatmap->yAxis->setRange(-0.5, double(rows) - 0.5);
    m_heatmap->replot();

    m_histogram->clearPlottables();
    m_histogram->clearItems();
    QVector<double> centres(kBins);
    for (int b = 0; b < kBins; ++b)
        centres[b] = -range + (double(b) + 0.5) * 2.0 * range / kBins;
    const double width = 2.0 * range / kBins;
    if (!before.values.empty()) {
        auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
        bars->setName(tr("before"));
        bars->setWidth(width);
        bars->setBrush(QColor(189, 195, 199, 170));
        bars->setPen(Qt::NoPen);
        bars->setData(centres, histogram(before.values, range));
    }
    auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
    bars->setName(tr("after"));
    bars->setWidth(width);
    bars->setBrush(QColor(31, 119, 180, 170));
    bars->setPen(Qt::NoPen);
    bars->setData(centres, histogram(w.values, range));
    // Few distinct values: quantization levels or k-means centroids, drawn as lines.
    std::set<float> distinct;
    for (float v : w.values)
        if (v != 0.0f && distinct.size() <= size_t(kMostLevelLines))
            distinct.insert(v);
    m_levels = 0;
    if (distinct.size() <= size_t(kMostLevelLines))
        for (float v : distinct) {
            auto* line = new QCPItemStraightLine(m_histogram);
            line->point1->setCoords(double(v), 0);
            line->point2->setCoords(double(v), 1);
            line->setPen(QPen(QColor(230, 126, 34), 1, Qt::DashLine));
            ++m_levels;
        }
    m_histogram->rescaleAxes();
    m_histogram->xAxis->setRange(-range * 1.05, range * 1.05);
    m_histogram->replot();

    const QLocale locale;
    const int64_t total = int64_t(w.values.size());
    QString caption = tr("<b>%1</b>: %2 weights, %3 non-zero (grey: pruned)")
                          .arg(layer.toHtmlEscaped(), locale.toString(total), locale.toString(total - m_pruned));
    if (!before.values.empty() && before.shape != w.shape)
        caption += tr("; %1 of %2 filters kept (structured pruning)").arg(out).arg(before.shape[0]);
    if (m_levels > 0)
        caption += tr("; %1 distinct non-zero values (dashed lines)").arg(m_levels);
    m_caption->setText(caption);
}

} // namespace pare::ui
