#pragma once

#include "pare/ui/Project.h"
#include "pare/ui/StudioJobs.h"

#include <QMainWindow>
#include <QTimer>
#include <QTranslator>

#include <functional>
#include <map>
#include <optional>
#include <vector>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTabWidget;

namespace pare::ui {

class AccuracySizeChart;
class LayerSparsityChart;
class SensitivityJob;
class SensitivityView;
class WeightView;

/// Pare Studio's window: the model and data cards, the three technique controls, the live accuracy-vs-size chart,
/// the runs table and the per-layer view. Runs execute on a CompressionJob the window owns; closing cancels and waits.
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
    [[nodiscard]] const Project& project() const { return m_project; }
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] bool isLoading() const;
    [[nodiscard]] int selectedRun() const { return m_selectedRun; }
    [[nodiscard]] AccuracySizeChart* chart() const { return m_chart; }
    [[nodiscard]] LayerSparsityChart* layerChart() const { return m_layerChart; }
    [[nodiscard]] WeightView* weightView() const { return m_weightView; }
    [[nodiscard]] SensitivityView* sensitivityView() const { return m_sensitivityView; }
    void measureSensitivity();

    // The actions of the menus, callable from tests.
    void openModel(const QString& path);
    void openData(const QString& spec);
    bool openProject(const QString& path);
    bool saveProject(const QString& path);
    void newProject(const QString& model, const QString& data);
    bool loadRecipe(const QString& path);
    bool saveRecipe(const QString& path);
    bool exportRun(int runId, const QString& path);
    bool exportChart(const QString& path);
    bool exportRunsCsv(const QString& path);
    void startRun();
    void cancelRun();
    void selectRun(int runId);
    void setLanguage(const QString& locale); ///< "en" or "zh_CN"

    /// Where an untitled project keeps itself between sessions.
    [[nodiscard]] static QString untitledProjectPath();

signals:
    void workspaceLoaded();
    void runStarted(int runId);
    void runFinished(int runId);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildControls();
    void buildCentre();
    void buildCards();
    void retranslate();
    void loadWorkspace(const QString& model, const QString& data);
    void showWorkspace(const Workspace& workspace);
    void showLayers(const Snapshot* snapshot);
    void showWeights();
    void rebuildRunsTable();
    void updateRunRow(const RunRecord& run);
    void addSnapshot(int runId, const Snapshot& snapshot);
    void finishRun(const CompressionResult& result);
    void failRun(const QString& message);
    void setRunning(bool running);
    void markDirty();
    void autosave();
    bool confirmDiscard();
    void rememberRecentModel(const QString& path);
    void refreshRecentMenu();
    void showAbout();
    void showExportDialog();
    void updateTitle();

    /// Sets a widget's text now and again whenever the language changes.
    void onRetranslate(std::function<void()> setText);

    Options m_options;
    std::vector<std::function<void()>> m_texts;
    Project m_project;
    QString m_projectPath; ///< empty: the untitled project
    bool m_dirty = false;
    int m_selectedRun = -1;
    int m_runningRun = -1;
    bool m_workspaceReady = false;
    bool m_loading = false; ///< a LoadJob was started and has not reported yet
    Workspace m_workspace;

    LoadJob* m_loadJob = nullptr;
    SensitivityJob* m_sensitivityJob = nullptr;
    /// Models the weight view reads, kept while they are shown (loading a .pare takes tens of milliseconds).
    std::optional<Model> m_baselineModel;
    std::optional<Model> m_runModel;
    std::map<std::string, double> m_appliedRatios; ///< from the sensitivity view, while "applied" is chosen
    CompressionJob* m_job = nullptr;
    QTranslator m_translator;
    QString m_language = QStringLiteral("en");

    // Widgets, named after their class for findChild in tests.
    AccuracySizeChart* m_chart = nullptr;
    LayerSparsityChart* m_layerChart = nullptr;
    WeightView* m_weightView = nullptr;
    QComboBox* m_weightLayerCombo = nullptr;
    SensitivityView* m_sensitivityView = nullptr;
    QTabWidget* m_tabs = nullptr;
    QTableWidget* m_runsTable = nullptr;
    QTableWidget* m_layerTable = nullptr;
    QLabel* m_modelCard = nullptr;
    QLabel* m_dataCard = nullptr;
    QLabel* m_sampleGrid = nullptr;
    QComboBox* m_sizeFormatCombo = nullptr;
    QSlider* m_pruneSlider = nullptr;
    QSpinBox* m_pruneSpin = nullptr;
    QComboBox* m_methodCombo = nullptr;
    QComboBox* m_scheduleCombo = nullptr;
    QComboBox* m_allocateCombo = nullptr;
    QSlider* m_epochsSlider = nullptr;
    QSpinBox* m_epochsSpin = nullptr;
    QComboBox* m_studentCombo = nullptr;
    QSlider* m_temperatureSlider = nullptr;
    QDoubleSpinBox* m_temperatureSpin = nullptr;
    QSlider* m_alphaSlider = nullptr;
    QDoubleSpinBox* m_alphaSpin = nullptr;
    QSlider* m_bitsSlider = nullptr;
    QSpinBox* m_bitsSpin = nullptr;
    QComboBox* m_schemeCombo = nullptr;
    QCheckBox* m_perChannelCheck = nullptr;
    QSpinBox* m_qatSpin = nullptr;
    QSpinBox* m_activationBitsSpin = nullptr;
    QComboBox* m_engineCombo = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progressBar = nullptr;
    QLabel* m_statusLabel = nullptr;

    QMenu* m_fileMenu = nullptr;
    QMenu* m_editMenu = nullptr;
    QMenu* m_runMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_zooMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QMenu* m_sizeMenu = nullptr;
    QAction* m_openModelAction = nullptr;
    QAction* m_openDataAction = nullptr;
    QAction* m_fashionAction = nullptr;
    QAction* m_newProjectAction = nullptr;
    QAction* m_openProjectAction = nullptr;
    QAction* m_saveProjectAction = nullptr;
    QAction* m_saveProjectAsAction = nullptr;
    QAction* m_exportRunAction = nullptr;
    QAction* m_exportChartAction = nullptr;
    QAction* m_exportCsvAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_openRecipeAction = nullptr;
    QAction* m_saveRecipeAction = nullptr;
    QAction* m_resetAction = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_englishAction = nullptr;
    QAction* m_chineseAction = nullptr;
};

} // namespace pare::ui
