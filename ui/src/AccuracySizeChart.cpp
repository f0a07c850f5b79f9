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

void AccuracySizeChart::addSnapshot(int runId, const QString& runLabel, const Snapshot& snapshot)
{
    m_points.push_back({ runId, runLabel, snapshot });
    markDirty();
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
    m_currentRun = m_selectedRun = -1;
    m_userMovedView = false;
    markDirty();
}

void AccuracySizeChart::retranslate()
{
    m_plot->yAxis->setLabel(tr("Test accuracy (%)"));
    m_pareto->setName(tr("Pareto front"));
    m_allPoints->setName(tr("Snapshots of all runs"));
    m_selected->setName(tr("Selected run"));
    m_current->setName(tr("Current run"));
    m_baseline->setName(tr("Baseline"));
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

double AccuracySizeChart::sizeOf(const Snapshot& s) const
{
    switch (m_format) {
    case SizeFormat::DenseFp32:
        return double(s.sizes.denseFp32);
    case SizeFormat::TorchScript:
        return double(s.sizes.torchScript);
    case SizeFormat::Pare:
        break;
    }
    return double(s.sizes.pare);
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
    QVector<double> xs, ys, bx, by;
    QVector<double> ct, cx, cy, st, sx, sy;
    std::vector<std::pair<double, double>> all;
    if (m_reference) {
        bx << sizeOf(*m_reference);
        by << 100.0 * m_reference->accuracy;
        all.emplace_back(bx.back(), by.back());
    }
    for (const auto& p : m_points) {
        const double x = sizeOf(p.snapshot);
        const double y = 100.0 * p.snapshot.accuracy;
        all.emplace_back(x, y);
        if (p.snapshot.step == "baseline") {
            bx << x;
            by << y;
        } else {
            xs << x;
            ys << y;
        }
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
    const auto front = paretoFront(all);
    m_paretoCount = static_cast<int>(front.size());
    QVector<double> fx, fy;
    for (const auto& [x, y] : front) {
        fx << x;
        fy << y;
    }
    m_pareto->setData(fx, fy, /*alreadySorted=*/true);

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

int AccuracySizeChart::nearestPoint(const QPoint& pixel) const
{
    int best = -1;
    double bestDistance = 10.0; // pixels
    for (size_t i = 0; i < m_points.size(); ++i) {
        const double px = m_plot->xAxis->coordToPixel(sizeOf(m_points[i].snapshot));
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
    return tr("<b>Run %1</b>, step %2: %3<br>%4<br>accuracy %5%<br>non-zero parameters %6 of %7<br>"
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
