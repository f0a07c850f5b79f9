#include "pare/ui/WeightView.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace pare::ui {
namespace {

constexpr int kBins = 80;
constexpr int kMostLevelLines = 64; // beyond that the lines would hide the histogram

/// Every how many values the histogram counts one, to count at most WeightView::kMostHistogramValues.
size_t histogramStride(size_t values)
{
    return std::max<size_t>(
        1, (values + size_t(WeightView::kMostHistogramValues) - 1) / size_t(WeightView::kMostHistogramValues));
}

/// Counts of every stride-th of `values` (zeros left out) in kBins bins over [-range, range].
QVector<double> histogram(const std::vector<float>& values, double range, size_t stride)
{
    QVector<double> counts(kBins, 0.0);
    for (size_t i = 0; i < values.size(); i += stride) {
        const float v = values[i];
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
    // A wheel turn changes the range several times: the region is redrawn once the zoom settles.
    m_redraw = new QTimer(this);
    m_redraw->setSingleShot(true);
    m_redraw->setInterval(60);
    connect(m_redraw, &QTimer::timeout, this, &WeightView::redrawVisible);
    connect(m_heatmap->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_redraw,
            qOverload<>(&QTimer::start));
    connect(m_heatmap->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), m_redraw,
            qOverload<>(&QTimer::start));
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
    m_cells = m_pruned = m_levels = m_drawnCells = 0;
    m_step = 1;
    m_shown = {};
    m_rows = m_columns = 0;
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
    const int64_t out = w.shape[0];
    m_shown = w;
    const int64_t kh = w.shape.size() == 4 ? w.shape[2] : 1, kw = w.shape.size() == 4 ? w.shape[3] : 1;
    m_rows = out * kh;
    m_columns = w.shape[1] * kw;
    double range = 0.0;
    for (float v : w.values)
        range = std::max(range, double(std::abs(v)));
    for (float v : before.values)
        range = std::max(range, double(std::abs(v)));
    range = std::max(range, 1e-12);
    m_pruned = int(std::count(w.values.begin(), w.values.end(), 0.0f));
    m_cells = int(m_rows * m_columns);
    m_map->setDataRange(QCPRange(-range, range));
    {
        const QSignalBlocker blockX(m_heatmap->xAxis), blockY(m_heatmap->yAxis);
        m_heatmap->xAxis->setRange(-0.5, double(m_columns) - 0.5);
        m_heatmap->yAxis->setRange(-0.5, double(m_rows) - 0.5);
    }
    drawRegion(0, m_rows, 0, m_columns);

    m_histogram->clearPlottables();
    m_histogram->clearItems();
    QVector<double> centres(kBins);
    for (int b = 0; b < kBins; ++b)
        centres[b] = -range + (double(b) + 0.5) * 2.0 * range / kBins;
    const double width = 2.0 * range / kBins;
    const size_t stride = histogramStride(w.values.size());
    if (!before.values.empty()) {
        auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
        bars->setName(tr("before"));
        bars->setWidth(width);
        bars->setBrush(QColor(189, 195, 199, 170));
        bars->setPen(Qt::NoPen);
        bars->setData(centres, histogram(before.values, range, histogramStride(before.values.size())));
    }
    auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
    bars->setName(tr("after"));
    bars->setWidth(width);
    bars->setBrush(QColor(31, 119, 180, 170));
    bars->setPen(Qt::NoPen);
    bars->setData(centres, histogram(w.values, range, stride));
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
    if (stride > 1)
        caption += tr("; the histogram counts every %1th weight (%2 of them)")
                       .arg(stride)
                       .arg(locale.toString(int64_t((w.values.size() + stride - 1) / stride)));
    if (m_step > 1)
        caption
            += tr("; the heat-map shows %1x%1 blocks by their largest weight: zoom in for every weight").arg(m_step);
    m_caption->setText(caption);
}

void WeightView::drawRegion(int64_t row0, int64_t row1, int64_t column0, int64_t column1)
{
    const auto& w = m_shown;
    const int64_t kh = w.shape.size() == 4 ? w.shape[2] : 1, kw = w.shape.size() == 4 ? w.shape[3] : 1;
    const int64_t in = w.shape[1];
    const int64_t rows = row1 - row0, columns = column1 - column0;
    m_step = 1;
    while ((rows + m_step - 1) / m_step * ((columns + m_step - 1) / m_step) > kMostDrawnCells)
        ++m_step;
    const int64_t gridRows = (rows + m_step - 1) / m_step, gridColumns = (columns + m_step - 1) / m_step;
    // Per cell: the weight of largest magnitude in its block; NaN (grey) when every weight of the block is zero.
    std::vector<float> best(size_t(gridRows * gridColumns), 0.0f);
    for (int64_t r = row0; r < row1; ++r) {
        const int64_t o = r / kh, y = r % kh;
        for (int64_t c = column0; c < column1; ++c) {
            const int64_t i = c / kw, x = c % kw;
            const float v = w.values[size_t(((o * in + i) * kh + y) * kw + x)];
            float& cell = best[size_t((r - row0) / m_step * gridColumns + (c - column0) / m_step)];
            if (std::abs(v) > std::abs(cell))
                cell = v;
        }
    }
    m_map->data()->setSize(int(gridColumns), int(gridRows));
    // Cell centres: a block of m_step weights is centred on the middle of its weights.
    const double half = double(m_step - 1) / 2.0;
    m_map->data()->setRange(
        QCPRange(double(column0) + half, double(column0) + half + double((gridColumns - 1) * m_step)),
        QCPRange(double(row0) + half, double(row0) + half + double((gridRows - 1) * m_step)));
    for (int64_t r = 0; r < gridRows; ++r)
        for (int64_t c = 0; c < gridColumns; ++c) {
            const float v = best[size_t(r * gridColumns + c)];
            m_map->data()->setCell(int(c), int(r), v == 0.0f ? std::numeric_limits<double>::quiet_NaN() : double(v));
        }
    m_drawnCells = int(gridRows * gridColumns);
    m_heatmap->replot();
}

void WeightView::redrawVisible()
{
    // A small tensor is drawn whole at full detail already; a big one, the region in view (all of it when zoomed
    // out far enough to be downsampled anyway).
    if (m_rows == 0 || int64_t(m_cells) <= kMostDrawnCells)
        return;
    const auto x = m_heatmap->xAxis->range(), y = m_heatmap->yAxis->range();
    const int64_t column0 = std::clamp<int64_t>(int64_t(std::floor(x.lower)), 0, m_columns - 1);
    const int64_t column1 = std::clamp<int64_t>(int64_t(std::ceil(x.upper)) + 1, column0 + 1, m_columns);
    const int64_t row0 = std::clamp<int64_t>(int64_t(std::floor(y.lower)), 0, m_rows - 1);
    const int64_t row1 = std::clamp<int64_t>(int64_t(std::ceil(y.upper)) + 1, row0 + 1, m_rows);
    drawRegion(row0, row1, column0, column1);
}

} // namespace pare::ui
