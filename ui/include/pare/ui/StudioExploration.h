#pragma once

#include "pare/Search.h"
#include "pare/ui/ExploreController.h"
#include "pare/ui/LivePreview.h"

#include <QObject>

#include <string>
#include <vector>

class QLabel;

namespace pare::ui {

class AccuracySizeChart;
class CompareView;
class CompressionSettingsPanel;
class RunsTableModel;

/// The window's exploring side, wired in one place: the live preview that follows the controls onto the chart,
/// Explore's search whose candidates become runs (chart, runs table, Compare), and its winner's recipe put into the
/// controls. The window owns it and tells it when the workspace changes and when a run has the cores.
class StudioExploration final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudioExploration)

public:
    struct Parts
    {
        Project* project = nullptr;
        AccuracySizeChart* chart = nullptr;
        RunsTableModel* runsModel = nullptr;
        CompareView* compare = nullptr;
        CompressionSettingsPanel* settings = nullptr;
        QLabel* status = nullptr;
    };
    StudioExploration(const Parts& parts, QObject* parent);

    /// A workspace is on screen (empty model: none): previews run on it.
    void setWorkspace(const QString& model, const QString& data, int threads, const std::vector<std::string>& classes);
    /// A run started or ended: previews wait while it has the cores.
    void setRunBusy(bool busy);
    /// Starts a search of the workspace; false when one is going.
    bool startExplore(const SearchOptions& options, int threads);
    void cancelExplore();
    [[nodiscard]] bool isExploring() const { return m_explorer->isRunning(); }
    void stopAndWait();
    [[nodiscard]] LivePreview* preview() const { return m_preview; }
    [[nodiscard]] ExploreController* explorer() const { return m_explorer; }

signals:
    void exploreStarted();
    /// The search ended; `winnerRun` is the run holding its winner (-1: none).
    void exploreEnded(int winnerRun);

private:
    void requestPreview();
    void updatePaused();

    Parts m_parts;
    LivePreview* m_preview = nullptr;
    ExploreController* m_explorer = nullptr;
    bool m_runBusy = false;
};

} // namespace pare::ui
