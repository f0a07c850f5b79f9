#include "pare/ui/MainWindow.h"

#include "pare/Error.h"
#include "pare/Runtime.h"
#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/CompressionSettingsPanel.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/LayerSparsityChart.h"
#include "pare/ui/ModelInputsDialog.h"
#include "pare/ui/ProjectSession.h"
#include "pare/ui/RunsController.h"
#include "pare/ui/RunsTableModel.h"
#include "pare/ui/SensitivityView.h"
#include "pare/ui/StudioMenus.h"
#include "pare/ui/SweepResultsWatcher.h"
#include "pare/ui/ViewTabs.h"
#include "pare/ui/WeightsPage.h"
#include "pare/ui/WorkspacePanel.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QThread>

namespace pare::ui {

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_session(new ProjectSession(this))
    , m_runs(new RunsController(m_session->project(), this))
    , m_sweeps(new SweepResultsWatcher(m_session->project(), this))
    , m_loader(new WorkspaceLoader(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    if (m_options.model.isEmpty())
        m_options.model = QString::fromStdString(bundledModelPath());
    if (m_options.threads <= 0)
        m_options.threads = std::max(1, QThread::idealThreadCount() - 1);

    m_menus = new StudioMenus(*this);
    buildCentre();
    buildDocks();
    m_progressBar = new QProgressBar(this);
    m_progressBar->setObjectName(QStringLiteral("runProgressBar"));
    m_progressBar->setMaximumWidth(260);
    m_progressBar->setRange(0, 1000);
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_progressBar);
    m_exploration = new StudioExploration(
        { &m_session->project(), m_chart, m_runsModel, m_views->compareView(), m_settingsPanel, m_statusLabel }, this);
    connectJobs();
    connect(m_session, &ProjectSession::changed, this, &MainWindow::updateTitle);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    setLanguage(settings.value("language", QLocale::system().name().startsWith("zh") ? "zh_CN" : "en").toString());
    m_menus->refreshRecentMenu();

    const QString last = settings.value("project/last").toString();
    if (!(m_options.reopenLastProject && !last.isEmpty() && QFileInfo::exists(last) && openProject(last)))
        newProject(m_options.model, m_options.data);
}

MainWindow::~MainWindow() = default;

WeightView* MainWindow::weightView() const
{
    return m_weightsPage->view();
}

StudioSettings MainWindow::settings() const
{
    return m_settingsPanel->settings();
}

void MainWindow::applySettings(const StudioSettings& settings)
{
    m_settingsPanel->applySettings(settings);
}

bool MainWindow::tryOrReport(const QString& title, const std::function<void()>& action)
{
    try {
        action();
        return true;
    } catch (const std::exception& e) {
        Dialogs::error(this, title, QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::buildCentre()
{
    m_views = new ViewTabs(project(), m_menus->menu("sizeMenu"), this);
    m_chart = m_views->chart();
    m_layerChart = m_views->layerChart();
    m_weightsPage = m_views->weightsPage();
    m_sensitivityView = m_views->sensitivityView();
    m_runsModel = m_views->runsModel();
    connect(m_views, &ViewTabs::runClicked, this, &MainWindow::selectRun);
    connect(m_weightsPage, &WeightsPage::failed, this, [this](const QString& m) { m_statusLabel->setText(m); });
    connect(m_sensitivityView, &SensitivityView::measured, this, [this](double seconds) {
        m_statusLabel->setText(tr("Sensitivity measured in %1 s.").arg(seconds, 0, 'f', 1));
    });
    connect(m_sensitivityView, &SensitivityView::failed, this,
            [this](const QString& message) { Dialogs::error(this, tr("Sensitivity analysis failed"), message); });
    connect(m_sensitivityView, &SensitivityView::applyRequested, this, [this](const auto& ratios) {
        m_settingsPanel->applyLayerRatios(ratios);
        m_statusLabel->setText(tr("Per-layer ratios from the sensitivity view applied; press Run."));
    });
    setCentralWidget(m_views);
}

void MainWindow::buildDocks()
{
    m_workspacePanel = new WorkspacePanel;
    m_settingsPanel = new CompressionSettingsPanel;
    connect(m_settingsPanel, &CompressionSettingsPanel::runRequested, this, &MainWindow::startRun);
    connect(m_settingsPanel, &CompressionSettingsPanel::cancelRequested, this, &MainWindow::cancelRun);
    connect(m_settingsPanel, &CompressionSettingsPanel::pruneRatioChanged, m_sensitivityView,
            &SensitivityView::setTarget);
    m_sensitivityView->setTarget(settings().prunePercent / 100.0);
    const std::tuple<const char*, QWidget*, Qt::DockWidgetArea> docks[]
        = { { "workspaceDock", m_workspacePanel, Qt::LeftDockWidgetArea },
            { "controlsDock", m_settingsPanel, Qt::RightDockWidgetArea } };
    for (const auto& [name, panel, area] : docks) {
        auto* dock = new QDockWidget(this);
        dock->setObjectName(QString::fromLatin1(name));
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
        dock->setWidget(panel);
        addDockWidget(area, dock);
        m_docks.push_back(dock);
    }
}

void MainWindow::connectJobs()
{
    connect(m_loader, &WorkspaceLoader::loaded, this, &MainWindow::showWorkspace);
    m_loader->setInputsQuestion(
        [this](const InputsRequest& r) { return ModelInputsDialog::askAndRemember(this, r.model, r.proposal); });
    connect(m_loader, &WorkspaceLoader::declined, this, [this](const QString& model) {
        m_statusLabel->setText(tr("%1 was not opened: what it takes was not said").arg(QFileInfo(model).fileName()));
        keepPreviousWorkspace();
    });
    connect(m_loader, &WorkspaceLoader::failed, this, [this](const QString& message) {
        Dialogs::error(this, tr("Cannot load"), message);
        m_statusLabel->setText(message);
        keepPreviousWorkspace();
    });
    connect(m_runs, &RunsController::progressed, this, [this](int runId, const PipelineProgress& p) {
        m_progressBar->setValue(int(1000.0 * RunsController::completedShare(p)));
        m_statusLabel->setText(RunsController::progressText(runId, p));
    });
    connect(m_runs, &RunsController::snapshotAdded, this, [this](int runId, const Snapshot& snapshot) {
        m_chart->addSnapshot(runId, project().run(runId)->label, snapshot);
        m_runsModel->updateRun(runId);
    });
    connect(m_runs, &RunsController::ended, this, &MainWindow::finishRun);
    connect(m_sweeps, &SweepResultsWatcher::resultsAdded, this, [this](const QVector<int>&, int done, int total) {
        m_views->showRuns(project());
        m_views->showSelectedRun(m_selectedRun);
        m_statusLabel->setText(
            tr("Sweep %1: %2 of %3 tasks have results.").arg(m_sweeps->folder()).arg(done).arg(total));
        m_session->markDirty();
        m_session->autosave();
    });
    connect(m_exploration, &StudioExploration::exploreEnded, this, [this](int winnerRun) {
        setRunning(false);
        selectRun(winnerRun);
        m_session->markDirty();
        m_session->autosave();
    });
}

void MainWindow::retranslate()
{
    m_menus->retranslate();
    m_views->retranslate();
    m_docks[0]->setWindowTitle(tr("Model and data"));
    m_docks[1]->setWindowTitle(tr("Compression settings"));
    m_workspacePanel->retranslate();
    m_settingsPanel->retranslate(m_menus->action("runAction")->toolTip(), m_menus->action("cancelAction")->toolTip());
    updateTitle();
    if (m_workspaceReady)
        showWorkspace(m_workspace);
}

void MainWindow::setLanguage(const QString& locale)
{
    m_menus->setLanguage(locale);
    retranslate();
}

void MainWindow::updateTitle()
{
    const auto& path = m_session->path();
    const QString name = path.isEmpty() ? tr("untitled project") : QFileInfo(path).fileName();
    setWindowTitle(
        QStringLiteral("%1%2 - Pare Studio").arg(name, m_session->isDirty() ? QStringLiteral("*") : QString()));
}

void MainWindow::loadWorkspace(const QString& model, const QString& data)
{
    if (isRunning()) {
        Dialogs::error(this, tr("Busy"),
                       tr("A run is in progress; cancel it before loading another model or data set."));
        return;
    }
    m_session->project().model = model;
    m_session->project().data = data;
    m_statusLabel->setText(tr("Loading %1 and %2...").arg(QFileInfo(model).fileName(), data));
    m_loader->load(model, data);
    setRunning(false);
}

void MainWindow::keepPreviousWorkspace()
{
    // The previous model and data stay: the load that did not happen changed nothing.
    if (m_workspaceReady) {
        m_session->project().model = m_workspace.model;
        m_session->project().data = m_workspace.data;
    }
    setRunning(false);
    emit workspaceLoaded();
}

void MainWindow::showWorkspace(const Workspace& w)
{
    const bool changed = !m_workspaceReady || w.model != m_workspace.model || w.data != m_workspace.data;
    m_workspace = w;
    m_workspaceReady = true;
    m_chart->setReference(w.baseline);
    m_session->project().model = w.model;
    m_session->project().data = w.data;
    m_workspacePanel->showWorkspace(w);
    m_exploration->setWorkspace(w.model, w.data, m_options.threads, w.dataInfo.classNames);
    if (changed)
        m_weightsPage->setLayers(w.summary);
    showSelectedRun();
    setRunning(false);
    if (changed)
        m_statusLabel->setText(tr("Ready: move the sliders and press Run."));
    updateTitle();
    emit workspaceLoaded();
}

void MainWindow::showSelectedRun()
{
    const auto* run = project().run(m_selectedRun);
    m_workspacePanel->showLayers(m_workspace, run && !run->snapshots.empty() ? &run->snapshots.back() : nullptr);
    const bool haveModel = run && !run->modelFile.isEmpty() && QFileInfo::exists(run->modelFile);
    if (m_workspaceReady)
        m_weightsPage->setSource(project().model, m_workspace.dataInfo, haveModel ? run->modelFile : QString(),
                                 m_selectedRun);
}

void MainWindow::openModel(const QString& path)
{
    if (!m_workspaceReady || path != project().model)
        m_menus->rememberRecentModel(path);
    loadWorkspace(path, project().data);
    m_session->markDirty();
}

void MainWindow::openData(const QString& spec)
{
    loadWorkspace(project().model, spec);
    m_session->markDirty();
}

void MainWindow::newProject(const QString& model, const QString& data)
{
    m_sweeps->stop();
    m_session->reset(model, data);
    m_selectedRun = -1;
    m_layerChart->clear();
    m_views->showRuns(project());
    loadWorkspace(model, data);
}

bool MainWindow::openProject(const QString& path)
{
    if (!tryOrReport(tr("Cannot open project"), [&] { m_session->open(path); }))
        return false;
    m_sweeps->stop();
    m_selectedRun = -1;
    m_views->showRuns(project());
    if (!project().runs.empty())
        selectRun(project().runs.back().id);
    loadWorkspace(project().model, project().data);
    return true;
}

bool MainWindow::saveProject(const QString& path)
{
    return tryOrReport(tr("Cannot save project"), [&] { m_session->save(path); });
}

bool MainWindow::confirmDiscard()
{
    if (!m_session->needsSaving())
        return true;
    const auto answer = Dialogs::question(
        this, tr("Unsaved project"), tr("Save the changes to %1 first?").arg(QFileInfo(m_session->path()).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
        return saveProject(m_session->path());
    return answer == QMessageBox::Discard;
}

void MainWindow::setRunning(bool running)
{
    const bool ready = m_workspaceReady && !running && !m_loader->isLoading();
    m_settingsPanel->setRunState(ready, running);
    m_sensitivityView->setSource(ready || running ? project().model : QString(), project().data, m_options.threads);
    m_menus->setRunning(running, ready);
    m_exploration->setRunBusy(m_runs->isRunning());
}

void MainWindow::startRun()
{
    if (isRunning() || !m_workspaceReady || m_loader->isLoading())
        return;
    const int runId = m_runs->start(settings(), m_options.threads);
    m_chart->setCurrentRun(runId);
    m_runsModel->setRunningRun(runId);
    m_runsModel->reset();
    setRunning(true);
    m_progressBar->setValue(0);
    m_statusLabel->setText(tr("Run %1 started: %2").arg(runId).arg(project().run(runId)->label));
    m_session->markDirty();
    emit runStarted(runId);
}

bool MainWindow::startExplore(const SearchOptions& options)
{
    if (isRunning() || !m_workspaceReady || m_loader->isLoading()
        || !m_exploration->startExplore(options, m_options.threads))
        return false;
    setRunning(true);
    m_session->markDirty();
    return true;
}

void MainWindow::cancelRun()
{
    if (m_exploration->isExploring())
        return m_exploration->cancelExplore();
    if (!isRunning())
        return;
    m_runs->cancel();
    m_statusLabel->setText(tr("Cancelling run %1 after the current batch...").arg(m_runs->runningRun()));
}

void MainWindow::finishRun(int runId, const QString& failure)
{
    const auto* run = project().run(runId);
    m_chart->setCurrentRun(-1);
    m_runsModel->setRunningRun(-1);
    setRunning(false);
    if (!failure.isEmpty()) {
        m_progressBar->setValue(0);
        m_statusLabel->setText(tr("Run %1 failed: %2").arg(runId).arg(failure));
        Dialogs::error(this, tr("Run failed"), failure);
        emit runFinished(runId);
        return;
    }
    const bool cancelled = run && run->cancelled;
    m_progressBar->setValue(cancelled ? 0 : 1000);
    m_statusLabel->setText(cancelled
                               ? tr("Run %1 cancelled.").arg(runId)
                               : tr("Run %1 finished in %2 s.").arg(runId).arg(run ? run->seconds : 0.0, 0, 'f', 1));
    if (run && run->finished)
        selectRun(runId);
    m_session->markDirty();
    m_session->autosave();
    emit runFinished(runId);
}

void MainWindow::selectRun(int runId)
{
    const auto* run = project().run(runId);
    if (!run || run->snapshots.empty())
        return;
    m_selectedRun = runId;
    m_layerChart->show(run->snapshots.front(), run->snapshots.back(), tr("Run %1").arg(runId));
    showSelectedRun();
    m_views->showSelectedRun(runId);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!confirmDiscard()) {
        event->ignore();
        return;
    }
    // Closing cancels a run and waits for its current batch: no thread outlives the window.
    m_runs->stopAndWait();
    m_exploration->stopAndWait();
    m_loader->stopAndWait();
    m_session->autosave();
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    m_menus->openDropped(urls.first().toLocalFile());
    event->acceptProposedAction();
}

} // namespace pare::ui
