#include "pare/ui/AccuracySizeChart.h"

#include "pare/Error.h"

#include <qcustomplot.h>

#include <QLocale>
#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace pare::ui {
namespace {

/// Log-scale ticks labelled as sizes people read: "31 KB", "1.7 MB" (powers of 1000, as file managers show them).
class ByteSizeTicker final : public QCPAxisTickerLog
{
protected:
    QString getTickLabel(double tick, const QLocale& locale, QChar, int) override
    {
        const char* units[] = { "B", "KB", "MB", "GB" };
        int unit = 0;
        while (tick >= 1000.0 && unit < 3) {
            tick /= 1000.0;
            ++unit;
        }
        return locale.toString(tick, 'g', 3) + QLatin1Char(' ') + QLatin1String(units[unit]);
    }
};

/// The live preview's colour: its marker and its label.
const QColor kPreviewColour(142, 68, 173);

} // namespace

AccuracySizeChart::AccuracySizeChart(QWidget* parent)
    : QWidget(parent)
    , m_plot(new QCustomPlot(this))
{
    setObjectName(QStringLiteral("accuracySizeChart"));
    m_plot->setObjectName(QStringLiteral("accuracySizePlot"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);

    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> logTicker(new ByteSizeTicker);
    logTicker->setLogBase(10);
    logTicker->setSubTickCount(8);
    m_plot->xAxis->setTicker(logTicker);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);

    m_pareto = m_plot->addGraph();
    m_pareto->setLineStyle(QCPGraph::lsStepLeft);
    m_pareto->setPen(QPen(QColor(46, 160, 67), 2, Qt::DashLine));

    const QColor teal(22, 160, 160);
    m_searchFront = m_plot->addGraph();
    m_searchFront->setLineStyle(QCPGraph::lsStepLeft);
    m_searchFront->setPen(QPen(teal, 1.5, Qt::DotLine));
    m_candidates = m_plot->addGraph();
    m_candidates->setLineStyle(QCPGraph::lsNone);
    m_candidates->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssTriangle, teal, 8));

    m_sweepResults = m_plot->addGraph();
    m_sweepResults->setLineStyle(QCPGraph::lsNone);
    m_sweepResults->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssSquare, QColor(125, 60, 152), QColor(195, 155, 211), 7));

    m_allPoints = m_plot->addGraph();
    m_allPoints->setLineStyle(QCPGraph::lsNone);
    m_allPoints->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(120, 120, 120), QColor(200, 200, 200), 7));

    m_selected = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_selected->setPen(QPen(QColor(230, 126, 34), 2));
    m_selected->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(230, 126, 34), 8));

    m_current = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    m_current->setPen(QPen(QColor(31, 119, 180), 2.5));
    m_current->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(31, 119, 180), 9));

    m_baseline = m_plot->addGraph();
    m_baseline->setLineStyle(QCPGraph::lsNone);
    m_baseline->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(192, 57, 43), 16));
    m_baseline->setPen(QPen(QColor(192, 57, 43), 2));

    m_previewGraph = m_plot->addGraph();
    m_previewGraph->setLineStyle(QCPGraph::lsNone);
    m_previewGraph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(kPreviewColour, 2.5), kPreviewColour, 15));
    m_previewLabel = new QCPItemText(m_plot);
    m_previewLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_previewLabel->position->setType(QCPItemPosition::ptPlotCoords);
    m_previewLabel->setColor(kPreviewColour);
    m_previewLabel->setPadding(QMargins(4, 2, 4, 2));
    m_previewLabel->setBrush(QColor(255, 255, 255, 220)); // legible over points and the legend
    m_previewLabel->setLayer(QStringLiteral("legend"));
    m_previewLabel->setVisible(false);

    // A user who zooms or drags keeps that view; double-click returns to the automatic one.
    connect(m_plot, &QCustomPlot::mouseWheel, this, [this] { m_userMovedView = true; });
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (e->buttons() & Qt::LeftButton)
            m_userMovedView = true;
        const int index = nearestPoint(e->pos());
        if (index >= 0)
            QToolTip::showText(e->globalPosition().toPoint(), describe(m_points[size_t(index)]), m_plot);
        else
            QToolTip::hideText();
    });
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] {
        m_userMovedView = false;
        markDirty();
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int index = nearestPoint(e->pos());
        if (index >= 0)
            emit runClicked(m_points[size_t(index)].runId);
    });

    m_replotTimer.setSingleShot(true);
    m_replotTimer.setInterval(150);
    connect(&m_replotTimer, &QTimer::timeout, this, &AccuracySizeChart::rebuild);
    retranslate();
}

void AccuracySizeChart::addSnapshot(int runId, const QString& runLabel, const Snapshot& snapshot, PointKind kind)
{
    m_points.push_back({ runId, runLabel, snapshot, kind });
    markDirty();
}

void AccuracySizeChart::setPreview(const PreviewResult& result, bool estimated, int request)
{
    m_preview = Preview { result, estimated, request };
    markDirty();
}

void AccuracySizeChart::clearPreview()
{
    m_preview.reset();
    markDirty();
}

int AccuracySizeChart::candidateCount() const
{
    return int(std::count_if(m_points.begin(), m_points.end(),
                             [](const Point& p) { return p.kind == PointKind::SearchCandidate; }));
}

int AccuracySizeChart::sweepResultCount() const
{
    return int(std::count_if(m_points.begin(), m_points.end(),
                             [](const Point& p) { return p.kind == PointKind::SweepResult; }));
}

void AccuracySizeChart::setReference(const Snapshot& snapshot)
{
    m_reference = snapshot;
    markDirty();
}

void AccuracySizeChart::setCurrentRun(int runId)
{
    m_currentRun = runId;
    markDirty();
}

void AccuracySizeChart::setSelectedRun(int runId)
{
    m_selectedRun = runId;
    markDirty();
}

void AccuracySizeChart::clear()
{
    m_points.clear();
    m_reference.reset();
    m_preview.reset();
    m_currentRun = m_selectedRun = -1;
    m_userMovedView = false;
    markDirty();
}

void AccuracySizeChart::retranslate()
{
    m_plot->yAxis->setLabel(tr("Top-1 accuracy (%)"));
    m_pareto->setName(tr("Pareto front of runs and sweeps (test)"));
    m_sweepResults->setName(tr("Sweep results (test)"));
    m_allPoints->setName(tr("Snapshots of all runs (test)"));
    m_selected->setName(tr("Selected run (test)"));
    m_current->setName(tr("Current run (test)"));
    m_baseline->setName(tr("Baseline (test)"));
    m_candidates->setName(tr("Search candidates (validation)"));
    m_searchFront->setName(tr("Search front (validation)"));
    m_previewGraph->setName(tr("Preview, one-shot (1,000 validation images)"));
    setSizeFormat(m_format);
}

void AccuracySizeChart::setSizeFormat(SizeFormat format)
{
    m_format = format;
    const QString name = format == SizeFormat::DenseFp32 ? tr("dense fp32")
        : format == SizeFormat::TorchScript              ? tr("TorchScript file")
                                                         : tr(".pare file");
    m_plot->xAxis->setLabel(tr("Model size, %1 (log scale)").arg(name));
    m_userMovedView = false;
    markDirty();
}

double AccuracySizeChart::sizeOf(const ModelSizes& sizes) const
{
    switch (m_format) {
    case SizeFormat::DenseFp32:
        return double(sizes.denseFp32);
    case SizeFormat::TorchScript:
        return double(sizes.torchScript);
    case SizeFormat::Pare:
        break;
    }
    return double(sizes.pare);
}

void AccuracySizeChart::markDirty()
{
    if (!m_replotTimer.isActive())
        m_replotTimer.start();
}

std::vector<std::pair<double, double>> AccuracySizeChart::paretoFront(std::vector<std::pair<double, double>> points)
{
    // By size ascending, and at equal size the most accurate first; a point is on the front when it beats the best
    // accuracy of everything smaller.
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
        return a.first < b.first || (a.first == b.first && a.second > b.second);
    });
    std::vector<std::pair<double, double>> front;
    double best = -std::numeric_limits<double>::infinity();
    for (const auto& p : points)
        if (p.second > best) {
            front.push_back(p);
            best = p.second;
        }
    return front;
}

void AccuracySizeChart::rebuild()
{
    QVector<double> xs, ys, bx, by, kx, ky;
    QVector<double> ct, cx, cy, st, sx, sy, wx, wy;
    std::vector<std::pair<double, double>> all, runs, candidates;
    if (m_reference) {
        bx << sizeOf(m_reference->sizes);
        by << 100.0 * m_reference->accuracy;
        all.emplace_back(bx.back(), by.back());
        runs.push_back(all.back());
    }
    for (const auto& p : m_points) {
        const double x = sizeOf(p.snapshot.sizes);
        const double y = 100.0 * p.snapshot.accuracy;
        all.emplace_back(x, y);
        if (p.kind == PointKind::SearchCandidate) {
            kx << x;
            ky << y;
            candidates.emplace_back(x, y);
        } else if (p.kind == PointKind::SweepResult) {
            wx << x;
            wy << y;
        } else if (p.snapshot.step == "baseline") {
            bx << x;
            by << y;
        } else {
            xs << x;
            ys << y;
        }
        if (p.kind != PointKind::SearchCandidate)
            runs.emplace_back(x, y);
        if (p.runId == m_currentRun) {
            ct << double(ct.size());
            cx << x;
            cy << y;
        }
        if (p.runId == m_selectedRun && p.runId != m_currentRun) {
            st << double(st.size());
            sx << x;
            sy << y;
        }
    }
    m_allPoints->setData(xs, ys);
    m_baseline->setData(bx, by);
    m_current->setData(ct, cx, cy);
    m_selected->setData(st, sx, sy);
    m_candidates->setData(kx, ky);
    m_sweepResults->setData(wx, wy);
    // Test and validation accuracies are not one scale: each has its own front.
    const auto drawFront = [](QCPGraph* graph, const std::vector<std::pair<double, double>>& points) {
        const auto front = paretoFront(points);
        QVector<double> fx, fy;
        for (const auto& [x, y] : front) {
            fx << x;
            fy << y;
        }
        graph->setData(fx, fy, /*alreadySorted=*/true);
        return static_cast<int>(front.size());
    };
    m_paretoCount = drawFront(m_pareto, runs);
    drawFront(m_searchFront, candidates);
    showPreview(all);
    // The legend names what is drawn, not every series the chart could draw.
    const auto inLegend
        = [](QCPAbstractPlottable* p, bool drawn) { drawn ? (void)p->addToLegend() : (void)p->removeFromLegend(); };
    for (auto* graph :
         { m_pareto, m_searchFront, m_candidates, m_sweepResults, m_allPoints, m_baseline, m_previewGraph })
        inLegend(graph, !graph->data()->isEmpty());
    for (auto* curve : { m_selected, m_current })
        inLegend(curve, !curve->data()->isEmpty());

    if (!m_userMovedView && !all.empty()) {
        double minX = all.front().first, maxX = minX, minY = all.front().second, maxY = minY;
        for (const auto& [x, y] : all) {
            minX = std::min(minX, x);
            maxX = std::max(maxX, x);
            minY = std::min(minY, y);
            maxY = std::max(maxY, y);
        }
        m_plot->xAxis->setRange(minX / 1.6, maxX * 1.6);
        const double pad = std::max(0.5, (maxY - minY) * 0.15);
        m_plot->yAxis->setRange(minY - pad, std::min(100.0, maxY + pad));
    }
    ++m_replots;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void AccuracySizeChart::showPreview(std::vector<std::pair<double, double>>& all)
{
    m_previewLabel->setVisible(m_preview.has_value());
    if (!m_preview) {
        m_previewGraph->data()->clear();
        return;
    }
    const auto& r = m_preview->result;
    const double x = sizeOf(r.sizes);
    const double y = 100.0 * r.accuracy;
    all.emplace_back(x, y);
    m_previewGraph->setData({ x }, { y });
    // An estimate is drawn hollow: it was not measured.
    m_previewGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(kPreviewColour, 2.5),
                                                    m_preview->estimated ? QColor(Qt::white) : kPreviewColour, 15));
    const QLocale locale;
    m_previewLabel->position->setCoords(x * 1.15, y); // on a log axis, a fixed step right of the marker
    const QString accuracy = locale.toString(y, 'f', 2);
    const QString bytes = locale.toString(qlonglong(x));
    m_previewLabel->setText(
        m_preview->estimated
            ? tr("Estimate: %1%, %2 bytes").arg(accuracy, bytes)
            : tr("Preview: %1%, %2 bytes (measured in %3 s)").arg(accuracy, bytes, locale.toString(r.seconds, 'f', 2)));
}

int AccuracySizeChart::nearestPoint(const QPoint& pixel) const
{
    int best = -1;
    double bestDistance = 10.0; // pixels
    for (size_t i = 0; i < m_points.size(); ++i) {
        const double px = m_plot->xAxis->coordToPixel(sizeOf(m_points[i].snapshot.sizes));
        const double py = m_plot->yAxis->coordToPixel(100.0 * m_points[i].snapshot.accuracy);
        const double d = std::hypot(px - pixel.x(), py - pixel.y());
        if (d < bestDistance) {
            bestDistance = d;
            best = static_cast<int>(i);
        }
    }
    return best;
}

QString AccuracySizeChart::describe(const Point& p) const
{
    const auto& s = p.snapshot;
    const QLocale locale;
    if (p.kind == PointKind::SearchCandidate)
        return tr("<b>Run %1</b> (search candidate): %2<br>validation accuracy %3%<br>non-zero parameters %4 of "
                  "%5<br>.pare %6 bytes, TorchScript %7 bytes")
            .arg(p.runId)
            .arg(p.runLabel.toHtmlEscaped())
            .arg(locale.toString(100.0 * s.accuracy, 'f', 2))
            .arg(locale.toString(s.nonzeroParams), locale.toString(s.params), locale.toString(s.sizes.pare),
                 locale.toString(s.sizes.torchScript));
    return tr("<b>Run %1</b>, step %2: %3<br>%4<br>test accuracy %5%<br>non-zero parameters %6 of %7<br>"
              ".pare %8 bytes, TorchScript %9 bytes, dense %10 bytes<br>latency %11 ms (batch 256)")
        .arg(p.runId)
        .arg(s.index)
        .arg(QString::fromStdString(s.settings).toHtmlEscaped(), p.runLabel.toHtmlEscaped())
        .arg(locale.toString(100.0 * s.accuracy, 'f', 2))
        .arg(locale.toString(s.nonzeroParams), locale.toString(s.params), locale.toString(s.sizes.pare),
             locale.toString(s.sizes.torchScript), locale.toString(s.sizes.denseFp32))
        .arg(locale.toString(s.latency.batch256Ms, 'f', 2));
}

void AccuracySizeChart::save(const QString& path) const
{
    const bool ok = path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive) ? m_plot->savePdf(path)
                                                                              : m_plot->savePng(path, 0, 0, 2.0);
    if (!ok)
        throw inputError(path.toStdString(), "cannot write the chart");
}

} // namespace pare::ui
