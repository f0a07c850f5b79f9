#pragma once

#include "pare/Pipeline.h"
#include "pare/Preview.h"

#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QCustomPlot;
class QCPCurve;
class QCPGraph;
class QCPItemText;

namespace pare::ui {

/// Accuracy against model size on a log axis, one point per snapshot: the running run's steps as a trajectory that
/// grows live, the baseline marked, the Pareto front of all runs; a search's candidates and their front apart; the
/// live preview of the controls' settings as one marker with its figures. Every series names the split its accuracy
/// is measured on (runs: test; search: validation; preview: a validation subset). Points arrive any time; the plot
/// redraws on a 150 ms timer, never per point. Hover shows a point's figures; a click selects its run.
class AccuracySizeChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AccuracySizeChart)

public:
    enum class SizeFormat
    {
        DenseFp32,
        TorchScript,
        Pare
    };

    /// Runs and sweep results are measured on the test split (one front over both); a search's candidates on the
    /// validation split.
    enum class PointKind
    {
        Run,
        SearchCandidate,
        SweepResult ///< a sweep task's compressed model, drawn as the sweeps' own series
    };

    /// The preview marker as drawn: for tests and the bench.
    struct Preview
    {
        PreviewResult result;
        bool estimated = false;
        int request = 0;
    };

    explicit AccuracySizeChart(QWidget* parent = nullptr);

    void addSnapshot(int runId, const QString& runLabel, const Snapshot& snapshot, PointKind kind = PointKind::Run);
    /// The live preview's marker (replaces the previous one); an estimate is drawn hollow and labelled as one.
    void setPreview(const PreviewResult& result, bool estimated, int request);
    void clearPreview();
    [[nodiscard]] const std::optional<Preview>& preview() const { return m_preview; }
    /// Search candidates drawn (for tests).
    [[nodiscard]] int candidateCount() const;
    /// Sweep results drawn (for tests).
    [[nodiscard]] int sweepResultCount() const;
    /// The loaded model's own point, drawn as the baseline before any run (replaces the previous one).
    void setReference(const Snapshot& snapshot);
    void setCurrentRun(int runId); ///< the run drawn as a live trajectory (-1: none)
    void setSelectedRun(int runId);
    void clear();
    void setSizeFormat(SizeFormat format);
    /// Sets the axis labels and legend in the current language.
    void retranslate();
    /// Writes the chart as PDF (a path ending in .pdf) or PNG at twice the screen resolution; throws InputError
    /// naming the file when it cannot be written.
    void save(const QString& path) const;
    [[nodiscard]] SizeFormat sizeFormat() const { return m_format; }

    /// For tests and the status line: points drawn, points on the Pareto front, replots done.
    [[nodiscard]] int pointCount() const { return static_cast<int>(m_points.size()); }
    [[nodiscard]] int paretoCount() const { return m_paretoCount; }
    [[nodiscard]] int replotCount() const { return m_replots; }
    [[nodiscard]] QCustomPlot* plot() const { return m_plot; }

    /// The points of `points` (size, accuracy) that no other point beats on both: smaller or equal size and higher
    /// or equal accuracy. Sorted by size.
    [[nodiscard]] static std::vector<std::pair<double, double>>
    paretoFront(std::vector<std::pair<double, double>> points);

signals:
    void runClicked(int runId);

private:
    struct Point
    {
        int runId = 0;
        QString runLabel;
        Snapshot snapshot;
        PointKind kind = PointKind::Run;
    };

    [[nodiscard]] double sizeOf(const ModelSizes& sizes) const;
    /// Draws the preview marker and its label; adds its point to `all`, which the automatic view must include.
    void showPreview(std::vector<std::pair<double, double>>& all);
    void markDirty();
    void rebuild();
    [[nodiscard]] int nearestPoint(const QPoint& pixel) const;
    [[nodiscard]] QString describe(const Point& point) const;

    QCustomPlot* m_plot = nullptr;
    QCPGraph* m_allPoints = nullptr;
    QCPGraph* m_baseline = nullptr;
    QCPGraph* m_pareto = nullptr;
    QCPGraph* m_candidates = nullptr;
    QCPGraph* m_sweepResults = nullptr;
    QCPGraph* m_searchFront = nullptr;
    QCPGraph* m_previewGraph = nullptr;
    QCPItemText* m_previewLabel = nullptr;
    std::optional<Preview> m_preview;
    QCPCurve* m_current = nullptr;
    QCPCurve* m_selected = nullptr;
    std::vector<Point> m_points;
    std::optional<Snapshot> m_reference;
    int m_currentRun = -1;
    int m_selectedRun = -1;
    SizeFormat m_format = SizeFormat::Pare;
    QTimer m_replotTimer;
    bool m_userMovedView = false;
    int m_paretoCount = 0;
    int m_replots = 0;
};

} // namespace pare::ui
