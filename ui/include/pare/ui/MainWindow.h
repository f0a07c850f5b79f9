#pragma once

#include "pare/ui/Project.h"
#include "pare/ui/ProjectSession.h"
#include "pare/ui/RunsController.h"
#include "pare/ui/StudioExploration.h"
#include "pare/ui/StudioJobs.h"

#include <QMainWindow>

#include <functional>
#include <map>
#include <optional>
#include <vector>

class QDockWidget;
class QLabel;
class QProgressBar;

namespace pare::ui {

class AccuracySizeChart;
class CompressionSettingsPanel;
class LayerSparsityChart;
class RunsTableModel;
class StudioMenus;
class SweepResultsWatcher;
class ViewTabs;
class SensitivityView;
class WeightView;
class WeightsPage;
class WorkspacePanel;

/// Pare Studio's window: the frame (menus, toolbar, docks, status bar) that wires the panels together. The panels
/// do the showing (WorkspacePanel, CompressionSettingsPanel, the chart, RunsTableModel, WeightsPage,
/// SensitivityView); ProjectSession and RunsController hold the project and its runs without widgets. Closing the
/// window cancels every job and waits for it.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    struct Options
    {
        QString model; ///< used when no project is reopened: the bundled LeNet-5 by default
        QString data = QStringLiteral("fashion-mnist");
        bool reopenLastProject = true;
        int threads = 0; ///< engine threads for runs; 0 = one fewer than the cores, so the window stays responsive
    };

    explicit MainWindow(const Options& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// The settings the controls hold now.
    [[nodiscard]] StudioSettings settings() const;
    void applySettings(const StudioSettings& settings);
    [[nodiscard]] const Project& project() const { return m_session->project(); }
    /// A run or a search is going.
    [[nodiscard]] bool isRunning() const { return m_runs->isRunning() || m_exploration->isExploring(); }
    [[nodiscard]] bool isLoading() const { return m_loader->isLoading(); }
    [[nodiscard]] int selectedRun() const { return m_selectedRun; }
    [[nodiscard]] AccuracySizeChart* chart() const { return m_chart; }
    [[nodiscard]] LayerSparsityChart* layerChart() const { return m_layerChart; }
    [[nodiscard]] WeightView* weightView() const;
    [[nodiscard]] SensitivityView* sensitivityView() const { return m_sensitivityView; }

    // The actions of the menus, callable from tests.
    void openModel(const QString& path);
    void openData(const QString& spec);
    bool openProject(const QString& path);
    /// File > Open Sweep Results: the sweep's finished tasks as runs, and its folder watched while it fills.
    bool openSweepResults(const QString& dir);
    [[nodiscard]] SweepResultsWatcher* sweepWatcher() const { return m_sweeps; }
    bool saveProject(const QString& path);
    void newProject(const QString& model, const QString& data);
    bool loadRecipe(const QString& path);
    bool saveRecipe(const QString& path);
    bool exportRun(int runId, const QString& path);
    /// Writes the recipe a run ran (a search's winner too), for `pare compress --recipe`.
    bool saveRunRecipe(int runId, const QString& path);
    bool exportChart(const QString& path);
    bool exportRunsCsv(const QString& path);
    void startRun();
    /// Run > Explore with these options (the dialog's answer); false when something is running.
    bool startExplore(const SearchOptions& options);
    /// Cancels the run or the search that is going.
    void cancelRun();
    [[nodiscard]] StudioExploration* exploration() const { return m_exploration; }
    void selectRun(int runId);
    void setLanguage(const QString& locale); ///< "en" or "zh_CN"
    /// The model and data on screen; null before the first load.
    [[nodiscard]] const Workspace* workspace() const { return m_workspaceReady ? &m_workspace : nullptr; }
    /// Asks whether to save a named project's changes first; false when the user cancels.
    bool confirmDiscard();
    /// The project's file; empty for the untitled project.
    [[nodiscard]] QString projectPath() const { return m_session->path(); }

    /// Where an untitled project keeps itself between sessions.
    [[nodiscard]] static QString untitledProjectPath() { return ProjectSession::untitledPath(); }

signals:
    void workspaceLoaded();
    void runStarted(int runId);
    void runFinished(int runId);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildCentre();
    void buildDocks();
    void connectJobs();
    void retranslate();
    void loadWorkspace(const QString& model, const QString& data);
    void showWorkspace(const Workspace& workspace);
    /// After a load that did not happen: the project names the model and data on screen again.
    void keepPreviousWorkspace();
    void showSelectedRun();
    void finishRun(int runId, const QString& failure);
    void setRunning(bool running);
    /// Runs `action`; an exception becomes an error dialog titled `title`. Returns whether it succeeded.
    bool tryOrReport(const QString& title, const std::function<void()>& action);
    void updateTitle();

    Options m_options;
    ProjectSession* m_session = nullptr;
    RunsController* m_runs = nullptr;
    StudioExploration* m_exploration = nullptr;
    SweepResultsWatcher* m_sweeps = nullptr;
    int m_selectedRun = -1;
    bool m_workspaceReady = false;
    Workspace m_workspace;
    WorkspaceLoader* m_loader = nullptr;

    AccuracySizeChart* m_chart = nullptr;
    LayerSparsityChart* m_layerChart = nullptr;
    WeightsPage* m_weightsPage = nullptr;
    SensitivityView* m_sensitivityView = nullptr;
    CompressionSettingsPanel* m_settingsPanel = nullptr;
    WorkspacePanel* m_workspacePanel = nullptr;
    RunsTableModel* m_runsModel = nullptr;
    ViewTabs* m_views = nullptr;
    QProgressBar* m_progressBar = nullptr;
    QLabel* m_statusLabel = nullptr;
    StudioMenus* m_menus = nullptr;
    std::vector<QDockWidget*> m_docks;
};

} // namespace pare::ui
