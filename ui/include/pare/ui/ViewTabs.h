#pragma once

#include <QTabWidget>

#include <vector>

class QAction;
class QComboBox;
class QLabel;
class QMenu;
class QTableView;

namespace pare::ui {

class AccuracySizeChart;
class CompareView;
class LayerSparsityChart;
class RunsTableModel;
class SensitivityView;
class WeightsPage;
struct Project;

/// The window's centre: the accuracy-vs-size chart with its size axis, the runs table, the layer sparsity bars, the
/// weights page, the sensitivity view and the comparison of two runs, one tab each. A run chosen on the chart or in the
/// table is announced once.
class ViewTabs final : public QTabWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ViewTabs)

public:
    /// The size-axis choices are added to `sizeMenu` as well; the runs table shows `project`'s runs.
    ViewTabs(const Project& project, QMenu* sizeMenu, QWidget* parent = nullptr);

    [[nodiscard]] AccuracySizeChart* chart() const { return m_chart; }
    [[nodiscard]] LayerSparsityChart* layerChart() const { return m_layerChart; }
    [[nodiscard]] WeightsPage* weightsPage() const { return m_weightsPage; }
    [[nodiscard]] SensitivityView* sensitivityView() const { return m_sensitivityView; }
    [[nodiscard]] RunsTableModel* runsModel() const { return m_runsModel; }
    [[nodiscard]] CompareView* compareView() const { return m_compareView; }
    /// Draws every run of `project` on the chart again (after a project was opened).
    void showRuns(const Project& project);
    /// Marks `runId` on the chart and selects its row, without announcing it again.
    void showSelectedRun(int runId);
    void retranslate();

signals:
    void runClicked(int runId);

private:
    QWidget* buildChartPage(QMenu* sizeMenu);
    void buildRunsTable(const Project& project);

    AccuracySizeChart* m_chart = nullptr;
    QComboBox* m_sizeFormatCombo = nullptr;
    QLabel* m_sizeFormatLabel = nullptr;
    std::vector<QAction*> m_sizeActions;
    RunsTableModel* m_runsModel = nullptr;
    QTableView* m_runsTable = nullptr;
    LayerSparsityChart* m_layerChart = nullptr;
    WeightsPage* m_weightsPage = nullptr;
    SensitivityView* m_sensitivityView = nullptr;
    CompareView* m_compareView = nullptr;
};

} // namespace pare::ui
