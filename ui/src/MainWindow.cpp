#include "pare/ui/MainWindow.h"

#include "pare/BuildConfig.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Quantization.h"
#include "pare/Runtime.h"
#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/ExportDialog.h"
#include "pare/ui/LayerSparsityChart.h"
#include "pare/ui/SensitivityView.h"
#include "pare/ui/WeightView.h"

#include <qcustomplot.h>

#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLibraryInfo>
#include <QLocale>
#include <QMenuBar>
#include <QMimeData>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextStream>
#include <QTableWidget>
#include <QThread>
#include <QUuid>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace pare::ui {
namespace {

/// The bits slider runs 1..10: 1-8 bits, then fp16, then off (32).
int bitsFromPosition(int position)
{
    return position <= 8 ? position : position == 9 ? 16 : 32;
}

int positionFromBits(int bits)
{
    return bits <= 8 ? std::max(bits, 1) : bits == 16 ? 9 : 10;
}

QString offText()
{
    return QCoreApplication::translate("pare::ui::MainWindow", "off");
}

/// A spin box that shows the bits slider's positions as 1..8, "fp16" and "off".
class BitsSpinBox final : public QSpinBox
{
public:
    explicit BitsSpinBox(QWidget* parent)
        : QSpinBox(parent)
    {
        setRange(1, 10);
    }

protected:
    QString textFromValue(int value) const override
    {
        return value <= 8 ? QString::number(value) : value == 9 ? QStringLiteral("fp16") : offText();
    }
    int valueFromText(const QString& text) const override
    {
        if (text == QLatin1String("fp16") || text == QLatin1String("16"))
            return 9;
        bool ok = false;
        const int value = text.toInt(&ok);
        return ok && value >= 1 && value <= 8 ? value : 10;
    }
    QValidator::State validate(QString& text, int&) const override
    {
        return text.isEmpty() || QStringLiteral("fp16").startsWith(text) || offText().startsWith(text) ||
                (text.toInt() >= 1 && text.toInt() <= 8)
            ? QValidator::Acceptable
            : QValidator::Invalid;
    }
};

/// A number that sorts as a number in the runs table.
class NumericItem final : public QTableWidgetItem
{
public:
    using QTableWidgetItem::QTableWidgetItem;
    bool operator<(const QTableWidgetItem& other) const override
    {
        const auto a = data(Qt::UserRole), b = other.data(Qt::UserRole);
        if (a.isValid() && b.isValid())
            return a.toDouble() < b.toDouble();
        return QTableWidgetItem::operator<(other);
    }
};

QTableWidgetItem* sortable(double value, const QString& text)
{
    auto* item = new NumericItem(text);
    item->setData(Qt::UserRole, value);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString bytesText(qint64 bytes)
{
    return QLocale().toString(bytes);
}

int64_t elementCount(const std::vector<int64_t>& shape)
{
    int64_t n = shape.empty() ? 0 : 1;
    for (auto d : shape)
        n *= d;
    return n;
}

QString defaultModel()
{
    return QString::fromStdString(bundledModelPath());
}

} // namespace

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_loadJob(new LoadJob(this))
    , m_job(new CompressionJob(this))
{
    m_sensitivityJob = new SensitivityJob(this);
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    if (m_options.model.isEmpty())
        m_options.model = defaultModel();
    if (m_options.threads <= 0)
        m_options.threads = std::max(1, QThread::idealThreadCount() - 1);

    buildActions();
    buildMenus();
    buildCentre();
    buildCards();
    buildControls();
    m_progressBar = new QProgressBar(this);
    m_progressBar->setObjectName(QStringLiteral("runProgressBar"));
    m_progressBar->setMaximumWidth(260);
    m_progressBar->setRange(0, 1000);
    m_progressBar->setValue(0);
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_progressBar);

    connect(m_loadJob, &LoadJob::loaded, this, &MainWindow::showWorkspace);
    connect(m_loadJob, &LoadJob::failed, this, [this](const QString& message) {
        Dialogs::error(this, tr("Cannot load"), message);
        m_statusLabel->setText(message);
        m_loading = false;
        // The previous model and data stay: the failed load changed nothing.
        if (m_workspaceReady) {
            m_project.model = m_workspace.model;
            m_project.data = m_workspace.data;
        }
        setRunning(false);
        emit workspaceLoaded();
    });
    connect(m_job, &CompressionJob::progressed, this, [this](int runId, const PipelineProgress& p) {
        if (runId != m_runningRun)
            return;
        const double stepShare = p.train.batches > 0
            ? (double(p.train.epoch - 1) + double(p.train.batch) / double(p.train.batches)) / std::max(1, p.train.epochs)
            : 0.0;
        m_progressBar->setValue(int(1000.0 * (double(p.step - 1) + stepShare) / std::max(1, p.steps)));
        QString text = tr("Run %1, step %2 of %3: %4").arg(runId).arg(p.step).arg(p.steps).arg(QString::fromStdString(p.stepName));
        if (p.train.batches > 0)
            text += tr(", epoch %1/%2, loss %3, ETA %4 s")
                        .arg(p.train.epoch)
                        .arg(p.train.epochs)
                        .arg(p.train.loss, 0, 'f', 4)
                        .arg(std::lround(p.train.etaSeconds));
        m_statusLabel->setText(text);
    });
    connect(m_job, &CompressionJob::snapshotReady, this, &MainWindow::addSnapshot);
    connect(m_job, &CompressionJob::finished, this, &MainWindow::finishRun);
    connect(m_job, &CompressionJob::failed, this, &MainWindow::failRun);

    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    const QString language = settings.value("language", QLocale::system().name().startsWith("zh") ? "zh_CN" : "en").toString();
    setLanguage(language);
    refreshRecentMenu();

    const QString last = settings.value("project/last").toString();
    if (!(m_options.reopenLastProject && !last.isEmpty() && QFileInfo::exists(last) && openProject(last)))
        newProject(m_options.model, m_options.data);
}

MainWindow::~MainWindow() = default;

QString MainWindow::untitledProjectPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/untitled.pareproject");
}

void MainWindow::onRetranslate(std::function<void()> setText)
{
    setText();
    m_texts.push_back(std::move(setText));
}

void MainWindow::buildActions()
{
    const auto action = [this](const char* name, const QKeySequence& shortcut, auto slot) {
        auto* a = new QAction(this);
        a->setObjectName(QString::fromLatin1(name));
        if (!shortcut.isEmpty())
            a->setShortcut(shortcut);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    m_openModelAction = action("openModelAction", QKeySequence::Open, [this] {
        const auto path = Dialogs::openFileName(this, tr("Open model"), QFileInfo(m_project.model).absolutePath(),
                                                tr("Models (*.pt *.pth *.pare);;All files (*)"));
        if (!path.isEmpty())
            openModel(path);
    });
    m_openModelAction->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
    m_openDataAction = action("openDataAction", QKeySequence(), [this] {
        const auto dir = Dialogs::directory(this, tr("Open data set folder (IDX, CIFAR-10 or one folder per class)"),
                                            QDir::homePath());
        if (!dir.isEmpty())
            openData(dir);
    });
    m_fashionAction = action("fashionMnistAction", QKeySequence(), [this] { openData(QStringLiteral("fashion-mnist")); });
    m_newProjectAction = action("newProjectAction", QKeySequence::New, [this] {
        if (confirmDiscard())
            newProject(defaultModel(), QStringLiteral("fashion-mnist"));
    });
    m_openProjectAction = action("openProjectAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), [this] {
        const auto path = Dialogs::openFileName(this, tr("Open project"), QDir::homePath(),
                                                tr("Pare projects (*.pareproject);;All files (*)"));
        if (!path.isEmpty() && confirmDiscard())
            openProject(path);
    });
    m_saveProjectAction = action("saveProjectAction", QKeySequence::Save, [this] {
        QString path = m_projectPath;
        if (path.isEmpty())
            path = Dialogs::saveFileName(this, tr("Save project"), QDir::homePath() + "/compression.pareproject",
                                         tr("Pare projects (*.pareproject)"));
        if (!path.isEmpty())
            saveProject(path);
    });
    m_saveProjectAction->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    m_saveProjectAsAction = action("saveProjectAsAction", QKeySequence::SaveAs, [this] {
        const auto path = Dialogs::saveFileName(this, tr("Save project as"), QDir::homePath() + "/compression.pareproject",
                                                tr("Pare projects (*.pareproject)"));
        if (!path.isEmpty())
            saveProject(path);
    });
    m_exportRunAction = action("exportRunAction", QKeySequence(Qt::CTRL | Qt::Key_E), [this] { showExportDialog(); });
    m_exportChartAction = action("exportChartAction", QKeySequence(), [this] {
        const auto path = Dialogs::saveFileName(this, tr("Export chart"), QDir::homePath() + "/pare-chart.png",
                                                tr("PNG image (*.png);;PDF document (*.pdf)"));
        if (!path.isEmpty())
            exportChart(path);
    });
    m_exportCsvAction = action("exportCsvAction", QKeySequence(), [this] {
        const auto path = Dialogs::saveFileName(this, tr("Export runs table"), QDir::homePath() + "/pare-runs.csv",
                                                tr("CSV (*.csv)"));
        if (!path.isEmpty())
            exportRunsCsv(path);
    });
    m_quitAction = action("quitAction", QKeySequence::Quit, [this] { close(); });
    m_openRecipeAction = action("openRecipeAction", QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
        const auto path = Dialogs::openFileName(this, tr("Open recipe"), QDir::homePath(), tr("Recipes (*.json)"));
        if (!path.isEmpty())
            loadRecipe(path);
    });
    m_saveRecipeAction = action("saveRecipeAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), [this] {
        const auto path = Dialogs::saveFileName(this, tr("Save recipe"), QDir::homePath() + "/recipe.json",
                                                tr("Recipes (*.json)"));
        if (!path.isEmpty())
            saveRecipe(path);
    });
    m_resetAction = action("resetSettingsAction", QKeySequence(), [this] { applySettings(StudioSettings{}); });
    m_runAction = action("runAction", QKeySequence(Qt::CTRL | Qt::Key_R), [this] { startRun(); });
    m_runAction->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_cancelAction = action("cancelAction", QKeySequence(Qt::Key_Escape), [this] { cancelRun(); });
    m_cancelAction->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    m_cancelAction->setEnabled(false);
    m_aboutAction = action("aboutAction", QKeySequence::HelpContents, [this] { showAbout(); });
    m_englishAction = action("englishAction", QKeySequence(), [this] { setLanguage(QStringLiteral("en")); });
    m_chineseAction = action("chineseAction", QKeySequence(), [this] { setLanguage(QStringLiteral("zh_CN")); });
    m_englishAction->setCheckable(true);
    m_chineseAction->setCheckable(true);
    auto* languages = new QActionGroup(this);
    languages->addAction(m_englishAction);
    languages->addAction(m_chineseAction);
    // Language names are written in their own language, so they are never translated.
    m_englishAction->setText(QStringLiteral("English"));
    m_chineseAction->setText(QStringLiteral("简体中文"));

    onRetranslate([this] {
        m_openModelAction->setText(tr("&Open Model..."));
        m_openModelAction->setToolTip(tr("Open a TorchScript (.pt) or .pare model"));
        m_openDataAction->setText(tr("Open &Data Folder..."));
        m_fashionAction->setText(tr("Use &Fashion-MNIST"));
        m_newProjectAction->setText(tr("&New Project"));
        m_openProjectAction->setText(tr("Open &Project..."));
        m_saveProjectAction->setText(tr("&Save Project"));
        m_saveProjectAsAction->setText(tr("Save Project &As..."));
        m_exportRunAction->setText(tr("&Export Selected Run..."));
        m_exportChartAction->setText(tr("Export &Chart (PNG, PDF)..."));
        m_exportCsvAction->setText(tr("Export Runs &Table (CSV)..."));
        m_quitAction->setText(tr("&Quit"));
        m_openRecipeAction->setText(tr("&Load Recipe..."));
        m_saveRecipeAction->setText(tr("&Save Recipe As..."));
        m_resetAction->setText(tr("&Reset Settings"));
        m_runAction->setText(tr("&Run"));
        m_runAction->setToolTip(tr("Compress a copy of the model with the current settings (Ctrl+R)"));
        m_cancelAction->setText(tr("&Cancel"));
        m_cancelAction->setToolTip(tr("Stop the run within one batch (Esc)"));
        m_aboutAction->setText(tr("&About Pare Studio"));
    });
}

void MainWindow::buildMenus()
{
    m_fileMenu = menuBar()->addMenu(QString());
    m_fileMenu->setObjectName(QStringLiteral("fileMenu"));
    m_fileMenu->addAction(m_openModelAction);
    m_recentMenu = m_fileMenu->addMenu(QString());
    m_zooMenu = m_fileMenu->addMenu(QString());
    for (const auto& name : Model::zooNames()) {
        const QString spec = QString::fromStdString(name);
        m_zooMenu->addAction(spec, this, [this, spec] { openModel(spec); });
    }
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_fashionAction);
    m_fileMenu->addAction(m_openDataAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_newProjectAction);
    m_fileMenu->addAction(m_openProjectAction);
    m_fileMenu->addAction(m_saveProjectAction);
    m_fileMenu->addAction(m_saveProjectAsAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_exportRunAction);
    m_fileMenu->addAction(m_exportChartAction);
    m_fileMenu->addAction(m_exportCsvAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);

    m_editMenu = menuBar()->addMenu(QString());
    m_editMenu->setObjectName(QStringLiteral("editMenu"));
    m_editMenu->addAction(m_openRecipeAction);
    m_editMenu->addAction(m_saveRecipeAction);
    m_editMenu->addAction(m_resetAction);

    m_runMenu = menuBar()->addMenu(QString());
    m_runMenu->setObjectName(QStringLiteral("runMenu"));
    m_runMenu->addAction(m_runAction);
    m_runMenu->addAction(m_cancelAction);

    m_viewMenu = menuBar()->addMenu(QString());
    m_viewMenu->setObjectName(QStringLiteral("viewMenu"));
    m_sizeMenu = m_viewMenu->addMenu(QString());
    m_languageMenu = m_viewMenu->addMenu(QString());
    m_languageMenu->addAction(m_englishAction);
    m_languageMenu->addAction(m_chineseAction);

    m_helpMenu = menuBar()->addMenu(QString());
    m_helpMenu->setObjectName(QStringLiteral("helpMenu"));
    m_helpMenu->addAction(m_aboutAction);

    auto* toolbar = addToolBar(QString());
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->addAction(m_openModelAction);
    toolbar->addAction(m_saveProjectAction);
    toolbar->addSeparator();
    toolbar->addAction(m_runAction);
    toolbar->addAction(m_cancelAction);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    onRetranslate([this, toolbar] {
        m_fileMenu->setTitle(tr("&File"));
        m_editMenu->setTitle(tr("&Edit"));
        m_runMenu->setTitle(tr("&Run"));
        m_viewMenu->setTitle(tr("&View"));
        m_helpMenu->setTitle(tr("&Help"));
        m_recentMenu->setTitle(tr("Recent &Models"));
        m_zooMenu->setTitle(tr("New from &Architecture (untrained)"));
        m_sizeMenu->setTitle(tr("&Size Axis"));
        m_languageMenu->setTitle(tr("&Language"));
        toolbar->setWindowTitle(tr("Main toolbar"));
    });
}

void MainWindow::buildCentre()
{
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("viewTabs"));

    auto* chartPage = new QWidget(m_tabs);
    auto* chartLayout = new QVBoxLayout(chartPage);
    auto* formatRow = new QHBoxLayout;
    auto* formatLabel = new QLabel(chartPage);
    m_sizeFormatCombo = new QComboBox(chartPage);
    m_sizeFormatCombo->setObjectName(QStringLiteral("sizeFormatCombo"));
    m_sizeFormatCombo->addItems({QString(), QString(), QString()});
    m_sizeFormatCombo->setCurrentIndex(2);
    formatRow->addWidget(formatLabel);
    formatRow->addWidget(m_sizeFormatCombo);
    formatRow->addStretch(1);
    chartLayout->addLayout(formatRow);
    m_chart = new AccuracySizeChart(chartPage);
    chartLayout->addWidget(m_chart, 1);
    connect(m_sizeFormatCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_chart->setSizeFormat(static_cast<AccuracySizeChart::SizeFormat>(index));
    });
    connect(m_chart, &AccuracySizeChart::runClicked, this, &MainWindow::selectRun);
    auto* sizeGroup = new QActionGroup(this);
    for (int i = 0; i < 3; ++i) {
        auto* a = m_sizeMenu->addAction(QString());
        a->setCheckable(true);
        a->setChecked(i == 2);
        sizeGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { m_sizeFormatCombo->setCurrentIndex(i); });
        connect(m_sizeFormatCombo, &QComboBox::currentIndexChanged, a, [a, i](int index) { a->setChecked(index == i); });
    }

    m_runsTable = new QTableWidget(0, 11, m_tabs);
    m_runsTable->setObjectName(QStringLiteral("runsTable"));
    m_runsTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runsTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_runsTable->setSortingEnabled(true);
    m_runsTable->verticalHeader()->hide();
    m_runsTable->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    connect(m_runsTable, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_runsTable->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            selectRun(m_runsTable->item(rows.first().row(), 0)->data(Qt::UserRole).toInt());
    });

    m_layerChart = new LayerSparsityChart(m_tabs);

    auto* weightPage = new QWidget(m_tabs);
    auto* weightLayout = new QVBoxLayout(weightPage);
    auto* weightRow = new QHBoxLayout;
    auto* weightLabel = new QLabel(weightPage);
    m_weightLayerCombo = new QComboBox(weightPage);
    m_weightLayerCombo->setObjectName(QStringLiteral("weightLayerCombo"));
    weightRow->addWidget(weightLabel);
    weightRow->addWidget(m_weightLayerCombo);
    weightRow->addStretch(1);
    weightLayout->addLayout(weightRow);
    m_weightView = new WeightView(weightPage);
    weightLayout->addWidget(m_weightView, 1);
    connect(m_weightLayerCombo, &QComboBox::currentIndexChanged, this, [this] { showWeights(); });

    m_sensitivityView = new SensitivityView(m_tabs);
    connect(m_sensitivityView, &SensitivityView::measureRequested, this, &MainWindow::measureSensitivity);
    connect(m_sensitivityJob, &SensitivityJob::measured, this, [this](const SensitivityResult& result) {
        m_sensitivityView->setResult(result);
        m_statusLabel->setText(tr("Sensitivity measured in %1 s.").arg(result.seconds, 0, 'f', 1));
    });
    connect(m_sensitivityJob, &SensitivityJob::failed, this, [this](const QString& message) {
        m_sensitivityView->setBusy(false);
        Dialogs::error(this, tr("Sensitivity analysis failed"), message);
    });
    connect(m_sensitivityView, &SensitivityView::applyRequested, this,
            [this](const std::map<std::string, double>& ratios) {
                auto s = settings();
                if (s.pruneMethod == QLatin1String("filters") || s.pruneMethod == QLatin1String("activation"))
                    s.pruneMethod = QStringLiteral("magnitude-global");
                s.allocate = QStringLiteral("applied");
                s.layerRatios = ratios;
                applySettings(s);
                m_statusLabel->setText(tr("Per-layer ratios from the sensitivity view applied; press Run."));
            });

    m_tabs->addTab(chartPage, QString());
    m_tabs->addTab(m_runsTable, QString());
    m_tabs->addTab(m_layerChart, QString());
    m_tabs->addTab(weightPage, QString());
    m_tabs->addTab(m_sensitivityView, QString());
    setCentralWidget(m_tabs);

    onRetranslate([this, formatLabel, sizeGroup, weightLabel] {
        m_tabs->setTabText(0, tr("Accuracy vs size"));
        m_tabs->setTabText(1, tr("Runs"));
        m_tabs->setTabText(2, tr("Layer sparsity"));
        m_tabs->setTabText(3, tr("Weights"));
        m_tabs->setTabText(4, tr("Sensitivity"));
        weightLabel->setText(tr("Layer:"));
        formatLabel->setText(tr("Size axis:"));
        const QStringList formats{tr("Dense fp32 (4 bytes per parameter)"), tr("TorchScript file"), tr(".pare file")};
        for (int i = 0; i < 3; ++i) {
            m_sizeFormatCombo->setItemText(i, formats[i]);
            sizeGroup->actions()[i]->setText(formats[i]);
        }
        m_runsTable->setHorizontalHeaderLabels({tr("Run"), tr("Settings"), tr("Accuracy %"), tr("Drop (points)"),
                                                tr("Dense bytes"), tr("TorchScript bytes"), tr(".pare bytes"),
                                                tr("Compression"), tr("Non-zero params"), tr("Latency b256 (ms)"),
                                                tr("Time (s)")});
    });
}

void MainWindow::buildCards()
{
    auto* dock = new QDockWidget(this);
    dock->setObjectName(QStringLiteral("workspaceDock"));
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    auto* page = new QWidget(dock);
    auto* layout = new QVBoxLayout(page);
    auto* modelBox = new QGroupBox(page);
    auto* modelLayout = new QVBoxLayout(modelBox);
    m_modelCard = new QLabel(modelBox);
    m_modelCard->setObjectName(QStringLiteral("modelCardLabel"));
    m_modelCard->setWordWrap(true);
    m_modelCard->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layerTable = new QTableWidget(0, 6, modelBox);
    m_layerTable->setObjectName(QStringLiteral("layerTable"));
    m_layerTable->verticalHeader()->hide();
    m_layerTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_layerTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layerTable->setMinimumWidth(380);
    modelLayout->addWidget(m_modelCard);
    modelLayout->addWidget(m_layerTable, 1);
    auto* dataBox = new QGroupBox(page);
    auto* dataLayout = new QVBoxLayout(dataBox);
    m_dataCard = new QLabel(dataBox);
    m_dataCard->setObjectName(QStringLiteral("dataCardLabel"));
    m_dataCard->setWordWrap(true);
    m_sampleGrid = new QLabel(dataBox);
    m_sampleGrid->setObjectName(QStringLiteral("sampleGridLabel"));
    m_sampleGrid->setAlignment(Qt::AlignCenter);
    dataLayout->addWidget(m_dataCard);
    dataLayout->addWidget(m_sampleGrid);
    layout->addWidget(modelBox, 3);
    layout->addWidget(dataBox, 2);
    dock->setWidget(page);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    onRetranslate([=] {
        dock->setWindowTitle(tr("Model and data"));
        modelBox->setTitle(tr("Model"));
        dataBox->setTitle(tr("Data set"));
        m_layerTable->setHorizontalHeaderLabels(
            {tr("Layer"), tr("Type"), tr("Shape"), tr("Params"), tr("Sparsity %"), tr("Bits")});
    });
}

void MainWindow::buildControls()
{
    auto* dock = new QDockWidget(this);
    dock->setObjectName(QStringLiteral("controlsDock"));
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    auto* page = new QWidget(dock);
    auto* layout = new QVBoxLayout(page);

    // A slider and a spin box that always show the same value; the slider moves in `scale` steps of the spin box.
    const auto linked = [page](QSlider*& slider, auto*& spin, const char* name, double low, double high, double scale) {
        slider = new QSlider(Qt::Horizontal, page);
        slider->setObjectName(QString::fromLatin1(name) + QStringLiteral("Slider"));
        slider->setRange(int(std::lround(low * scale)), int(std::lround(high * scale)));
        using Spin = std::remove_pointer_t<std::remove_reference_t<decltype(spin)>>;
        spin = new Spin(page);
        spin->setObjectName(QString::fromLatin1(name) + QStringLiteral("SpinBox"));
        spin->setRange(low, high);
        auto* row = new QWidget(page);
        auto* rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        rowLayout->addWidget(slider, 1);
        rowLayout->addWidget(spin);
        QObject::connect(slider, &QSlider::valueChanged, spin, [spin, scale](int v) {
            if (std::lround(spin->value() * scale) != v)
                spin->setValue(v / scale);
        });
        QObject::connect(spin, qOverload<std::conditional_t<std::is_same_v<Spin, QSpinBox>, int, double>>(&Spin::valueChanged),
                         slider, [slider, scale](auto v) { slider->setValue(int(std::lround(v * scale))); });
        return row;
    };

    auto* pruneBox = new QGroupBox(page);
    auto* pruneForm = new QFormLayout(pruneBox);
    auto* pruneRow = linked(m_pruneSlider, m_pruneSpin, "pruneRatio", 0, 99, 1);
    m_pruneSpin->setSuffix(QStringLiteral(" %"));
    m_methodCombo = new QComboBox(pruneBox);
    m_methodCombo->setObjectName(QStringLiteral("pruneMethodCombo"));
    m_methodCombo->addItem(QString(), QStringLiteral("magnitude-global"));
    m_methodCombo->addItem(QString(), QStringLiteral("magnitude-layer"));
    m_methodCombo->addItem(QString(), QStringLiteral("filters"));
    m_methodCombo->addItem(QString(), QStringLiteral("activation"));
    m_scheduleCombo = new QComboBox(pruneBox);
    m_scheduleCombo->setObjectName(QStringLiteral("pruneScheduleCombo"));
    m_scheduleCombo->addItem(QString(), QStringLiteral("oneshot"));
    m_scheduleCombo->addItem(QString(), QStringLiteral("gradual"));
    m_allocateCombo = new QComboBox(pruneBox);
    m_allocateCombo->setObjectName(QStringLiteral("allocateCombo"));
    m_allocateCombo->addItem(QString(), QStringLiteral("uniform"));
    m_allocateCombo->addItem(QString(), QStringLiteral("sensitivity"));
    m_allocateCombo->addItem(QString(), QStringLiteral("applied"));
    auto* epochsRow = linked(m_epochsSlider, m_epochsSpin, "finetuneEpochs", 0, 10, 1);
    auto* pruneRatioLabel = new QLabel(pruneBox);
    auto* methodLabel = new QLabel(pruneBox);
    auto* scheduleLabel = new QLabel(pruneBox);
    auto* allocateLabel = new QLabel(pruneBox);
    auto* epochsLabel = new QLabel(pruneBox);
    pruneForm->addRow(pruneRatioLabel, pruneRow);
    pruneForm->addRow(methodLabel, m_methodCombo);
    pruneForm->addRow(scheduleLabel, m_scheduleCombo);
    pruneForm->addRow(allocateLabel, m_allocateCombo);
    pruneForm->addRow(epochsLabel, epochsRow);

    auto* distillBox = new QGroupBox(page);
    auto* distillForm = new QFormLayout(distillBox);
    m_studentCombo = new QComboBox(distillBox);
    m_studentCombo->setObjectName(QStringLiteral("studentCombo"));
    m_studentCombo->addItem(QString(), QStringLiteral("none"));
    m_studentCombo->addItem(QString(), QStringLiteral("self"));
    m_studentCombo->addItem(QString(), QStringLiteral("lenet5@0.5"));
    auto* temperatureRow = linked(m_temperatureSlider, m_temperatureSpin, "temperature", 1.0, 20.0, 10.0);
    m_temperatureSpin->setDecimals(1);
    m_temperatureSpin->setSingleStep(0.5);
    auto* alphaRow = linked(m_alphaSlider, m_alphaSpin, "alpha", 0.0, 1.0, 100.0);
    m_alphaSpin->setDecimals(2);
    m_alphaSpin->setSingleStep(0.05);
    auto* studentLabel = new QLabel(distillBox);
    auto* temperatureLabel = new QLabel(distillBox);
    auto* alphaLabel = new QLabel(distillBox);
    distillForm->addRow(studentLabel, m_studentCombo);
    distillForm->addRow(temperatureLabel, temperatureRow);
    distillForm->addRow(alphaLabel, alphaRow);

    auto* quantBox = new QGroupBox(page);
    auto* quantForm = new QFormLayout(quantBox);
    m_bitsSlider = new QSlider(Qt::Horizontal, quantBox);
    m_bitsSlider->setObjectName(QStringLiteral("bitsSlider"));
    m_bitsSlider->setRange(1, 10);
    m_bitsSpin = new BitsSpinBox(quantBox);
    m_bitsSpin->setObjectName(QStringLiteral("bitsSpinBox"));
    connect(m_bitsSlider, &QSlider::valueChanged, m_bitsSpin, &QSpinBox::setValue);
    connect(m_bitsSpin, &QSpinBox::valueChanged, m_bitsSlider, &QSlider::setValue);
    auto* bitsRow = new QWidget(quantBox);
    auto* bitsLayout = new QHBoxLayout(bitsRow);
    bitsLayout->setContentsMargins(0, 0, 0, 0);
    bitsLayout->addWidget(m_bitsSlider, 1);
    bitsLayout->addWidget(m_bitsSpin);
    m_schemeCombo = new QComboBox(quantBox);
    m_schemeCombo->setObjectName(QStringLiteral("schemeCombo"));
    m_schemeCombo->addItem(QString(), QStringLiteral("kmeans"));
    m_schemeCombo->addItem(QString(), QStringLiteral("uniform"));
    m_schemeCombo->addItem(QString(), QStringLiteral("symmetric"));
    m_perChannelCheck = new QCheckBox(quantBox);
    m_perChannelCheck->setObjectName(QStringLiteral("perChannelCheckBox"));
    m_qatSpin = new QSpinBox(quantBox);
    m_qatSpin->setObjectName(QStringLiteral("qatEpochsSpinBox"));
    m_qatSpin->setRange(0, 10);
    // 0 stands for float activations (32 bits in the recipe): the spin box shows its special text there.
    m_activationBitsSpin = new QSpinBox(quantBox);
    m_activationBitsSpin->setObjectName(QStringLiteral("activationBitsSpinBox"));
    m_activationBitsSpin->setRange(0, 8);
    m_engineCombo = new QComboBox(quantBox);
    m_engineCombo->setObjectName(QStringLiteral("engineCombo"));
    m_engineCombo->addItem(QString(), QString());
    for (const auto& engine : int8Engines())
        m_engineCombo->addItem(QString(), QString::fromStdString(engine));
    auto* bitsLabel = new QLabel(quantBox);
    auto* schemeLabel = new QLabel(quantBox);
    auto* qatLabel = new QLabel(quantBox);
    auto* activationBitsLabel = new QLabel(quantBox);
    auto* engineLabel = new QLabel(quantBox);
    quantForm->addRow(bitsLabel, bitsRow);
    quantForm->addRow(schemeLabel, m_schemeCombo);
    quantForm->addRow(QString(), m_perChannelCheck);
    quantForm->addRow(activationBitsLabel, m_activationBitsSpin);
    quantForm->addRow(engineLabel, m_engineCombo);
    quantForm->addRow(qatLabel, m_qatSpin);

    m_runButton = new QPushButton(page);
    m_runButton->setObjectName(QStringLiteral("runButton"));
    m_runButton->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_cancelButton = new QPushButton(page);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    m_cancelButton->setEnabled(false);
    connect(m_runButton, &QPushButton::clicked, this, &MainWindow::startRun);
    connect(m_cancelButton, &QPushButton::clicked, this, &MainWindow::cancelRun);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_runButton, 1);
    buttons->addWidget(m_cancelButton);

    layout->addWidget(pruneBox);
    layout->addWidget(distillBox);
    layout->addWidget(quantBox);
    layout->addLayout(buttons);
    layout->addStretch(1);
    dock->setWidget(page);
    addDockWidget(Qt::RightDockWidgetArea, dock);

    connect(m_pruneSpin, &QSpinBox::valueChanged, this, [this](int percent) {
        if (m_sensitivityView)
            m_sensitivityView->setTarget(percent / 100.0);
    });
    // Distillation settings mean nothing without a student.
    const auto updateEnabled = [=] {
        const bool distilling = m_studentCombo->currentData().toString() != QLatin1String("none");
        m_temperatureSlider->setEnabled(distilling);
        m_temperatureSpin->setEnabled(distilling);
        m_alphaSlider->setEnabled(distilling);
        m_alphaSpin->setEnabled(distilling);
        // The int8 engine runs one kind of quantization: 8-bit symmetric per-channel weights, 8-bit activations.
        const bool int8 = !m_engineCombo->currentData().toString().isEmpty();
        if (int8) {
            m_bitsSpin->setValue(8);
            m_schemeCombo->setCurrentIndex(m_schemeCombo->findData(QStringLiteral("symmetric")));
            m_perChannelCheck->setChecked(true);
            m_activationBitsSpin->setValue(8);
        }
        m_bitsSlider->setEnabled(!int8);
        m_bitsSpin->setEnabled(!int8);
        m_activationBitsSpin->setEnabled(!int8);
        const bool quantizing = m_bitsSpin->value() <= 8;
        m_schemeCombo->setEnabled(quantizing && !int8);
        m_perChannelCheck->setEnabled(quantizing && !int8
                                      && m_schemeCombo->currentData().toString() != QLatin1String("kmeans"));
        m_qatSpin->setEnabled(quantizing || m_activationBitsSpin->value() > 0);
    };
    connect(m_engineCombo, &QComboBox::currentIndexChanged, this, updateEnabled);
    connect(m_activationBitsSpin, &QSpinBox::valueChanged, this, updateEnabled);
    connect(m_studentCombo, &QComboBox::currentIndexChanged, this, updateEnabled);
    connect(m_bitsSpin, &QSpinBox::valueChanged, this, updateEnabled);
    connect(m_schemeCombo, &QComboBox::currentIndexChanged, this, updateEnabled);
    // Filters are removed one-shot; the gradual schedule belongs to the magnitude methods.
    connect(m_methodCombo, &QComboBox::currentIndexChanged, this, [this] {
        const auto method = m_methodCombo->currentData().toString();
        const bool structured = method == QLatin1String("filters") || method == QLatin1String("activation");
        if (structured) {
            m_scheduleCombo->setCurrentIndex(m_scheduleCombo->findData(QStringLiteral("oneshot")));
            m_allocateCombo->setCurrentIndex(0);
        }
        m_scheduleCombo->setEnabled(!structured);
        m_allocateCombo->setEnabled(!structured);
    });
    applySettings(StudioSettings{});
    updateEnabled();

    onRetranslate([=] {
        dock->setWindowTitle(tr("Compression settings"));
        pruneBox->setTitle(tr("Pruning"));
        distillBox->setTitle(tr("Knowledge distillation"));
        quantBox->setTitle(tr("Quantization"));
        pruneRatioLabel->setText(tr("Ratio"));
        methodLabel->setText(tr("Method"));
        scheduleLabel->setText(tr("Schedule"));
        allocateLabel->setText(tr("Per-layer ratios"));
        m_allocateCombo->setItemText(0, tr("Uniform"));
        m_allocateCombo->setItemText(1, tr("By measured sensitivity"));
        m_allocateCombo->setItemText(2, tr("Applied from the Sensitivity tab"));
        m_allocateCombo->setToolTip(tr("By sensitivity: each layer is first pruned alone at 10-95% and the ratios "
                                       "with the least predicted accuracy loss for the overall ratio are used."));
        epochsLabel->setText(tr("Fine-tune epochs"));
        studentLabel->setText(tr("Student"));
        temperatureLabel->setText(tr("Temperature T"));
        alphaLabel->setText(tr("Alpha"));
        bitsLabel->setText(tr("Weight bits"));
        schemeLabel->setText(tr("Scheme"));
        qatLabel->setText(tr("Fine-tune epochs on levels"));
        activationBitsLabel->setText(tr("Activation bits"));
        engineLabel->setText(tr("Run on"));
        const QString ratioTip = tr("Share of convolution and linear weights set to zero (0 = no pruning). Zeros "
                                    "make the .pare file smaller; TorchScript stores them anyway.");
        m_pruneSlider->setToolTip(ratioTip);
        m_pruneSpin->setToolTip(ratioTip);
        m_methodCombo->setItemText(0, tr("Global magnitude (one threshold)"));
        m_methodCombo->setItemText(1, tr("Layer-wise magnitude"));
        m_methodCombo->setItemText(2, tr("Structured filters (removes channels)"));
        m_methodCombo->setItemText(3, tr("Activation-based (removes channels)"));
        m_methodCombo->setToolTip(tr("Global: the smallest weights of the whole model go, with a 1% floor per layer. "
                                     "Layer-wise: every layer loses the same share. Structured: whole filters and "
                                     "neurons are removed, so the model is smaller in every format and faster. "
                                     "Activation-based: the same, keeping the channels with the largest mean "
                                     "activation on training images."));
        m_scheduleCombo->setItemText(0, tr("One-shot, then fine-tune"));
        m_scheduleCombo->setItemText(1, tr("Gradual (Zhu & Gupta cubic)"));
        m_scheduleCombo->setToolTip(tr("One-shot prunes at once and fine-tunes; gradual raises sparsity step by step "
                                       "while fine-tuning."));
        const QString epochsTip = tr("Epochs of fine-tuning after pruning, and of distillation.");
        m_epochsSlider->setToolTip(epochsTip);
        m_epochsSpin->setToolTip(epochsTip);
        m_studentCombo->setItemText(0, tr("None (no distillation)"));
        m_studentCombo->setItemText(1, tr("Pruned self (distillation-assisted fine-tuning)"));
        m_studentCombo->setItemText(2, tr("Half-width LeNet-5 (lenet5@0.5)"));
        m_studentCombo->setToolTip(tr("Who learns from the original model's softened outputs."));
        const QString temperatureTip = tr("Softening temperature: higher T spreads the teacher's probabilities over "
                                          "more classes (1-20).");
        m_temperatureSlider->setToolTip(temperatureTip);
        m_temperatureSpin->setToolTip(temperatureTip);
        const QString alphaTip = tr("Weight of the teacher's soft targets against the true labels (0-1).");
        m_alphaSlider->setToolTip(alphaTip);
        m_alphaSpin->setToolTip(alphaTip);
        const QString bitsTip = tr("Bits per weight: 1-8 integer levels or codebook entries, fp16, or off.");
        m_bitsSlider->setToolTip(bitsTip);
        m_bitsSpin->setToolTip(bitsTip);
        m_schemeCombo->setItemText(0, tr("k-means codebook"));
        m_schemeCombo->setItemText(1, tr("Uniform (affine)"));
        m_schemeCombo->setItemText(2, tr("Symmetric"));
        m_schemeCombo->setToolTip(tr("How the 2^bits levels are chosen for each layer."));
        m_perChannelCheck->setText(tr("Per output channel"));
        m_perChannelCheck->setToolTip(tr("Separate levels for every output channel (uniform and symmetric)."));
        m_qatSpin->setToolTip(tr("Fine-tuning with weights kept on their levels (straight-through estimator)."));
        m_activationBitsSpin->setSpecialValueText(tr("float"));
        m_activationBitsSpin->setToolTip(tr("Activations on 1-8 bits, ranges calibrated on 1,024 training images, or "
                                            "float."));
        for (int i = 0; i < m_engineCombo->count(); ++i) {
            const auto engine = m_engineCombo->itemData(i).toString();
            m_engineCombo->setItemText(i, engine.isEmpty() ? tr("fp32 (quantization simulated)")
                                           : engine == QLatin1String("onednn") ? tr("int8 on oneDNN")
                                                                               : tr("int8 on QNNPACK"));
        }
        m_engineCombo->setToolTip(tr("int8: the model runs on quantized integer operations (8-bit weights per "
                                     "channel and 8-bit activations); its latency is measured on them."));
        m_runButton->setText(tr("Run"));
        m_runButton->setToolTip(m_runAction->toolTip());
        m_cancelButton->setText(tr("Cancel"));
        m_cancelButton->setToolTip(m_cancelAction->toolTip());
    });
}

StudioSettings MainWindow::settings() const
{
    StudioSettings s;
    s.prunePercent = m_pruneSpin->value();
    s.pruneMethod = m_methodCombo->currentData().toString();
    s.pruneSchedule = m_scheduleCombo->currentData().toString();
    s.allocate = m_allocateCombo->currentData().toString();
    if (s.allocate == QLatin1String("applied"))
        s.layerRatios = m_appliedRatios;
    s.finetuneEpochs = m_epochsSpin->value();
    s.student = m_studentCombo->currentData().toString();
    s.temperature = m_temperatureSpin->value();
    s.alpha = m_alphaSpin->value();
    s.bits = bitsFromPosition(m_bitsSpin->value());
    s.scheme = m_schemeCombo->currentData().toString();
    s.perChannel = m_perChannelCheck->isChecked();
    s.qatEpochs = m_qatSpin->value();
    s.activationBits = m_activationBitsSpin->value() == 0 ? 32 : m_activationBitsSpin->value();
    s.engine = m_engineCombo->currentData().toString();
    return s;
}

void MainWindow::applySettings(const StudioSettings& s)
{
    m_pruneSpin->setValue(s.prunePercent);
    m_methodCombo->setCurrentIndex(std::max(0, m_methodCombo->findData(s.pruneMethod)));
    m_scheduleCombo->setCurrentIndex(std::max(0, m_scheduleCombo->findData(s.pruneSchedule)));
    m_appliedRatios = s.layerRatios;
    m_allocateCombo->setCurrentIndex(std::max(0, m_allocateCombo->findData(s.allocate)));
    m_epochsSpin->setValue(s.finetuneEpochs);
    int student = m_studentCombo->findData(s.student);
    if (student < 0) { // a recipe may name any zoo student or file
        m_studentCombo->addItem(s.student, s.student);
        student = m_studentCombo->count() - 1;
    }
    m_studentCombo->setCurrentIndex(student);
    m_temperatureSpin->setValue(s.temperature);
    m_alphaSpin->setValue(s.alpha);
    m_bitsSpin->setValue(positionFromBits(s.bits));
    m_schemeCombo->setCurrentIndex(std::max(0, m_schemeCombo->findData(s.scheme)));
    m_perChannelCheck->setChecked(s.perChannel);
    m_qatSpin->setValue(s.qatEpochs);
    m_activationBitsSpin->setValue(s.activationBits >= 1 && s.activationBits <= 8 ? s.activationBits : 0);
    m_engineCombo->setCurrentIndex(std::max(0, m_engineCombo->findData(s.engine)));
}

void MainWindow::retranslate()
{
    for (const auto& setText : m_texts)
        setText();
    m_chart->retranslate();
    m_layerChart->retranslate();
    m_weightView->retranslate();
    m_sensitivityView->retranslate();
    updateTitle();
    if (m_workspaceReady)
        showWorkspace(m_workspace);
    rebuildRunsTable();
}

void MainWindow::setLanguage(const QString& locale)
{
    qApp->removeTranslator(&m_translator);
    m_language = locale == QLatin1String("zh_CN") ? locale : QStringLiteral("en");
    if (m_language != QLatin1String("en") && m_translator.load(QStringLiteral(":/i18n/pare_") + m_language))
        qApp->installTranslator(&m_translator);
    m_englishAction->setChecked(m_language == QLatin1String("en"));
    m_chineseAction->setChecked(m_language != QLatin1String("en"));
    QSettings().setValue("language", m_language);
    retranslate();
}

void MainWindow::updateTitle()
{
    const QString name = m_projectPath.isEmpty() ? tr("untitled project") : QFileInfo(m_projectPath).fileName();
    setWindowTitle(QStringLiteral("%1%2 - Pare Studio").arg(name, m_dirty ? QStringLiteral("*") : QString()));
}

void MainWindow::loadWorkspace(const QString& model, const QString& data)
{
    if (isRunning()) {
        Dialogs::error(this, tr("Busy"), tr("A run is in progress; cancel it before loading another model or data set."));
        return;
    }
    m_project.model = model;
    m_project.data = data;
    m_statusLabel->setText(tr("Loading %1 and %2...").arg(QFileInfo(model).fileName(), data));
    m_runButton->setEnabled(false);
    m_runAction->setEnabled(false);
    m_loadJob->cancel();
    m_loadJob->wait();
    m_loading = true;
    m_loadJob->start(model, data);
}

void MainWindow::showWorkspace(const Workspace& w)
{
    const bool changed = !m_workspaceReady || w.model != m_workspace.model || w.data != m_workspace.data;
    m_workspace = w;
    m_workspaceReady = true;
    m_loading = false;
    m_chart->setReference(w.baseline);
    m_project.model = w.model;
    m_project.data = w.data;
    const QLocale locale;
    const auto& s = w.summary;
    QString card = tr("<b>%1</b> (%2)<br>%3 layers with weights, %4 parameters, %5 MACs per image<br>")
                       .arg(QFileInfo(w.model).fileName().toHtmlEscaped(), QString::fromStdString(s.architecture))
                       .arg(s.layers.size())
                       .arg(locale.toString(s.params), locale.toString(s.macs));
    card += w.fileBytes > 0 ? tr("%1 bytes on disk").arg(locale.toString(w.fileBytes))
                            : tr("built from the zoo, untrained");
    card += tr("<br>baseline test accuracy %1%, latency %2 ms at batch 256")
                .arg(locale.toString(100.0 * w.baseline.accuracy, 'f', 2), locale.toString(w.baseline.latency.batch256Ms, 'f', 1));
    m_modelCard->setText(card);
    if (changed) {
        const QSignalBlocker block(m_weightLayerCombo);
        m_weightLayerCombo->clear();
        for (const auto& layer : s.layers)
            if (layer.weightShape.size() >= 2)
                m_weightLayerCombo->addItem(QString::fromStdString(layer.name));
        m_baselineModel.reset();
    }
    const auto* selected = m_project.run(m_selectedRun);
    showLayers(selected && !selected->snapshots.empty() ? &selected->snapshots.back() : nullptr);
    showWeights();

    const auto& d = w.dataInfo;
    m_dataCard->setText(tr("<b>%1</b> (%2)<br>%3 classes; %4 training, %5 validation, %6 test images of %7")
                            .arg(w.data.toHtmlEscaped(), QString::fromStdString(d.kind))
                            .arg(d.classNames.size())
                            .arg(locale.toString(d.trainCount), locale.toString(d.validationCount),
                                 locale.toString(d.testCount))
                            .arg(QStringLiteral("%1x%2x%3").arg(d.sampleShape[0]).arg(d.sampleShape[1]).arg(d.sampleShape[2])));
    // The sample grid: each image with its class name under it.
    const int columns = 5, cell = 64, caption = 14;
    const int rows = (int(w.samples.size()) + columns - 1) / columns;
    QPixmap grid(columns * cell, std::max(1, rows) * (cell + caption));
    grid.fill(palette().color(QPalette::Base));
    QPainter painter(&grid);
    QFont font = painter.font();
    font.setPointSizeF(7);
    painter.setFont(font);
    for (int i = 0; i < int(w.samples.size()); ++i) {
        const QRect box((i % columns) * cell, (i / columns) * (cell + caption), cell, cell);
        painter.drawImage(box.adjusted(6, 2, -6, -10), w.samples[i]);
        const int label = w.sampleLabels[i];
        const QString name = label < int(d.classNames.size()) ? QString::fromStdString(d.classNames[size_t(label)])
                                                              : QString::number(label);
        painter.drawText(QRect(box.left(), box.bottom() - 10, cell, caption + 8), Qt::AlignHCenter | Qt::AlignTop,
                         name);
    }
    painter.end();
    m_sampleGrid->setPixmap(grid);

    setRunning(false);
    if (changed)
        m_statusLabel->setText(tr("Ready: move the sliders and press Run."));
    updateTitle();
    emit workspaceLoaded();
}

void MainWindow::showLayers(const Snapshot* snapshot)
{
    const QLocale locale;
    const auto& layers = m_workspace.summary.layers;
    m_layerTable->setRowCount(int(layers.size()));
    for (int row = 0; row < int(layers.size()); ++row) {
        const auto& layer = layers[size_t(row)];
        QString shape;
        for (auto d : layer.weightShape)
            shape += (shape.isEmpty() ? QString() : QStringLiteral("x")) + QString::number(d);
        double sparsity = 0.0;
        int bits = 32;
        if (snapshot)
            for (const auto& l : snapshot->layers)
                if (l.name == layer.name) {
                    // Against the layer as loaded: filter pruning shrinks the layer itself.
                    const int64_t original = std::max(l.weights, elementCount(layer.weightShape));
                    sparsity = original > 0 ? 1.0 - double(l.nonzero) / double(original) : 0.0;
                    bits = l.bits;
                }
        m_layerTable->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(layer.name)));
        m_layerTable->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(layer.type)));
        m_layerTable->setItem(row, 2, new QTableWidgetItem(shape));
        m_layerTable->setItem(row, 3, sortable(double(layer.params), locale.toString(layer.params)));
        m_layerTable->setItem(row, 4, sortable(sparsity, locale.toString(100.0 * sparsity, 'f', 1)));
        m_layerTable->setItem(row, 5, sortable(bits, QString::number(bits)));
    }
}

void MainWindow::openModel(const QString& path)
{
    if (!m_workspaceReady || path != m_project.model)
        rememberRecentModel(path);
    loadWorkspace(path, m_project.data);
    markDirty();
}

void MainWindow::openData(const QString& spec)
{
    loadWorkspace(m_project.model, spec);
    markDirty();
}

void MainWindow::newProject(const QString& model, const QString& data)
{
    m_project = Project{};
    m_project.runsFolder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs/") +
        QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_projectPath.clear();
    m_dirty = false;
    m_selectedRun = -1;
    m_chart->clear();
    m_layerChart->clear();
    rebuildRunsTable();
    loadWorkspace(model, data);
    updateTitle();
}

bool MainWindow::openProject(const QString& path)
{
    try {
        auto project = Project::load(path);
        m_project = std::move(project);
    } catch (const std::exception& e) {
        Dialogs::error(this, tr("Cannot open project"), QString::fromStdString(e.what()));
        return false;
    }
    m_projectPath = path == untitledProjectPath() ? QString() : path;
    m_dirty = false;
    m_selectedRun = -1;
    m_chart->clear();
    for (const auto& run : m_project.runs)
        for (const auto& s : run.snapshots)
            m_chart->addSnapshot(run.id, run.label, s);
    rebuildRunsTable();
    if (!m_project.runs.empty())
        selectRun(m_project.runs.back().id);
    QSettings().setValue("project/last", path);
    loadWorkspace(m_project.model, m_project.data);
    updateTitle();
    return true;
}

bool MainWindow::saveProject(const QString& path)
{
    try {
        QDir().mkpath(QFileInfo(path).absolutePath());
        m_project.save(path);
    } catch (const std::exception& e) {
        Dialogs::error(this, tr("Cannot save project"), QString::fromStdString(e.what()));
        return false;
    }
    if (path != untitledProjectPath()) {
        m_projectPath = path;
        m_dirty = false;
    }
    QSettings().setValue("project/last", path);
    updateTitle();
    return true;
}

void MainWindow::markDirty()
{
    m_dirty = true;
    updateTitle();
}

void MainWindow::autosave()
{
    // The untitled project keeps itself so that a closed studio reopens with its history; a named project is
    // saved when the user says so (and the window asks before discarding its changes).
    if (m_projectPath.isEmpty())
        saveProject(untitledProjectPath());
}

bool MainWindow::confirmDiscard()
{
    if (!m_dirty || m_projectPath.isEmpty())
        return true;
    const auto answer = Dialogs::question(
        this, tr("Unsaved project"), tr("Save the changes to %1 first?").arg(QFileInfo(m_projectPath).fileName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
        return saveProject(m_projectPath);
    return answer == QMessageBox::Discard;
}

bool MainWindow::loadRecipe(const QString& path)
{
    try {
        applySettings(StudioSettings::fromRecipe(Recipe::load(path.toStdString()), path));
        m_statusLabel->setText(tr("Loaded recipe %1").arg(path));
        return true;
    } catch (const std::exception& e) {
        Dialogs::error(this, tr("Cannot load recipe"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::saveRecipe(const QString& path)
{
    try {
        settings().toRecipe().save(path.toStdString(), /*overwrite=*/true);
        m_statusLabel->setText(tr("Saved recipe %1").arg(path));
        return true;
    } catch (const std::exception& e) {
        Dialogs::error(this, tr("Cannot save recipe"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::isRunning() const
{
    return m_runningRun >= 0;
}

bool MainWindow::isLoading() const
{
    return m_loading;
}

void MainWindow::setRunning(bool running)
{
    const bool ready = m_workspaceReady && !running && !m_loading;
    m_runButton->setEnabled(ready);
    m_runAction->setEnabled(ready);
    m_cancelButton->setEnabled(running);
    m_cancelAction->setEnabled(running);
    m_openModelAction->setEnabled(!running);
    m_openDataAction->setEnabled(!running);
    m_fashionAction->setEnabled(!running);
    m_openProjectAction->setEnabled(!running);
    m_newProjectAction->setEnabled(!running);
    m_recentMenu->setEnabled(!running);
    m_zooMenu->setEnabled(!running);
}

void MainWindow::startRun()
{
    if (isRunning() || !m_workspaceReady || m_loading)
        return;
    const auto settings = this->settings();
    RunRecord run;
    run.id = m_project.nextRunId++;
    const auto recipe = settings.toRecipe();
    run.recipeJson = QString::fromStdString(recipe.toJson());
    QStringList parts;
    for (const auto& step : recipe.steps)
        if (step.kind != RecipeStep::Kind::Evaluate)
            parts << QString::fromStdString(step.describe());
    run.label = parts.isEmpty() ? tr("evaluate only") : parts.join(QStringLiteral("; "));
    run.started = QDateTime::currentDateTime();
    QDir().mkpath(m_project.runsFolder);
    run.modelFile = m_project.runsFolder + QStringLiteral("/run-%1.pare").arg(run.id);

    CompressionParams params;
    params.runId = run.id;
    params.model = m_project.model;
    params.data = m_project.data;
    params.recipe = recipe;
    params.saveTo = run.modelFile;
    params.threads = m_options.threads;
    m_project.runs.push_back(run);
    m_runningRun = run.id;
    m_chart->setCurrentRun(run.id);
    rebuildRunsTable();
    setRunning(true);
    m_progressBar->setValue(0);
    m_statusLabel->setText(tr("Run %1 started: %2").arg(run.id).arg(run.label));
    m_job->start(params);
    markDirty();
    emit runStarted(run.id);
}

void MainWindow::cancelRun()
{
    if (!isRunning())
        return;
    m_job->cancel();
    m_statusLabel->setText(tr("Cancelling run %1 after the current batch...").arg(m_runningRun));
}

void MainWindow::addSnapshot(int runId, const Snapshot& snapshot)
{
    auto* run = m_project.run(runId);
    if (!run)
        return;
    run->snapshots.push_back(snapshot);
    m_chart->addSnapshot(runId, run->label, snapshot);
    updateRunRow(*run);
}

void MainWindow::finishRun(const CompressionResult& result)
{
    auto* run = m_project.run(result.runId);
    if (run) {
        run->finished = !result.cancelled;
        run->cancelled = result.cancelled;
        run->seconds = result.seconds;
        if (result.savedModel.isEmpty())
            run->modelFile.clear();
        updateRunRow(*run);
    }
    m_runningRun = -1;
    m_chart->setCurrentRun(-1);
    setRunning(false);
    m_progressBar->setValue(result.cancelled ? 0 : 1000);
    m_statusLabel->setText(result.cancelled ? tr("Run %1 cancelled.").arg(result.runId)
                                            : tr("Run %1 finished in %2 s.").arg(result.runId).arg(result.seconds, 0, 'f', 1));
    if (run && run->finished)
        selectRun(run->id);
    markDirty();
    autosave();
    emit runFinished(result.runId);
}

void MainWindow::failRun(const QString& message)
{
    const int runId = m_runningRun;
    if (auto* run = m_project.run(runId)) {
        run->finished = false;
        run->modelFile.clear();
        updateRunRow(*run);
    }
    m_runningRun = -1;
    m_chart->setCurrentRun(-1);
    setRunning(false);
    m_progressBar->setValue(0);
    m_statusLabel->setText(tr("Run %1 failed: %2").arg(runId).arg(message));
    Dialogs::error(this, tr("Run failed"), message);
    emit runFinished(runId);
}

void MainWindow::rebuildRunsTable()
{
    if (!m_runsTable)
        return;
    m_runsTable->setSortingEnabled(false);
    m_runsTable->setRowCount(0);
    for (const auto& run : m_project.runs)
        updateRunRow(run);
}

void MainWindow::updateRunRow(const RunRecord& run)
{
    const bool sorting = m_runsTable->isSortingEnabled();
    m_runsTable->setSortingEnabled(false);
    int row = -1;
    for (int r = 0; r < m_runsTable->rowCount(); ++r)
        if (m_runsTable->item(r, 0) && m_runsTable->item(r, 0)->data(Qt::UserRole).toInt() == run.id)
            row = r;
    if (row < 0) {
        row = m_runsTable->rowCount();
        m_runsTable->insertRow(row);
    }
    const QLocale locale;
    auto* id = sortable(run.id, QString::number(run.id));
    id->setData(Qt::UserRole, run.id);
    m_runsTable->setItem(row, 0, id);
    QString label = run.label;
    if (run.cancelled)
        label += tr(" (cancelled)");
    else if (!run.finished && run.id != m_runningRun)
        label += tr(" (failed)");
    else if (run.id == m_runningRun)
        label += tr(" (running)");
    m_runsTable->setItem(row, 1, new QTableWidgetItem(label));
    if (!run.snapshots.empty()) {
        const auto& baseline = run.snapshots.front();
        const auto& last = run.snapshots.back();
        m_runsTable->setItem(row, 2, sortable(last.accuracy, locale.toString(100.0 * last.accuracy, 'f', 2)));
        const double drop = 100.0 * (baseline.accuracy - last.accuracy);
        m_runsTable->setItem(row, 3, sortable(drop, locale.toString(drop, 'f', 2)));
        m_runsTable->setItem(row, 4, sortable(double(last.sizes.denseFp32), bytesText(last.sizes.denseFp32)));
        m_runsTable->setItem(row, 5, sortable(double(last.sizes.torchScript), bytesText(last.sizes.torchScript)));
        m_runsTable->setItem(row, 6, sortable(double(last.sizes.pare), bytesText(last.sizes.pare)));
        const double ratio = double(baseline.sizes.denseFp32) / double(std::max<int64_t>(1, last.sizes.pare));
        m_runsTable->setItem(row, 7, sortable(ratio, locale.toString(ratio, 'f', 1) + QStringLiteral("x")));
        m_runsTable->setItem(row, 8, sortable(double(last.nonzeroParams), locale.toString(last.nonzeroParams)));
        m_runsTable->setItem(row, 9, sortable(last.latency.batch256Ms, locale.toString(last.latency.batch256Ms, 'f', 2)));
    }
    m_runsTable->setItem(row, 10, sortable(run.seconds, locale.toString(run.seconds, 'f', 1)));
    m_runsTable->setSortingEnabled(sorting);
}

void MainWindow::selectRun(int runId)
{
    const auto* run = m_project.run(runId);
    if (!run || run->snapshots.empty())
        return;
    m_selectedRun = runId;
    m_chart->setSelectedRun(runId);
    const auto& last = run->snapshots.back();
    m_layerChart->show(run->snapshots.front(), last, tr("Run %1").arg(runId));
    showLayers(&last);
    showWeights();
    for (int r = 0; r < m_runsTable->rowCount(); ++r)
        if (m_runsTable->item(r, 0)->data(Qt::UserRole).toInt() == runId && m_runsTable->currentRow() != r) {
            const QSignalBlocker block(m_runsTable);
            m_runsTable->selectRow(r);
        }
}

void MainWindow::showWeights()
{
    const QString layer = m_weightLayerCombo->currentText();
    if (layer.isEmpty() || !m_workspaceReady)
        return;
    try {
        if (!m_baselineModel || QString::fromStdString(m_baselineModel->origin()) != m_project.model)
            m_baselineModel.emplace(loadModelSpec(m_project.model, &m_workspace.dataInfo));
        const auto* run = m_project.run(m_selectedRun);
        const bool haveRun = run && !run->modelFile.isEmpty() && QFileInfo::exists(run->modelFile);
        if (haveRun && (!m_runModel || QString::fromStdString(m_runModel->origin()) != run->modelFile))
            m_runModel.emplace(Model::load(run->modelFile.toStdString()));
        const auto before = m_baselineModel->layerWeight(layer.toStdString());
        const auto after = haveRun ? m_runModel->layerWeight(layer.toStdString()) : WeightValues{};
        m_weightView->show(haveRun ? tr("%1, run %2").arg(layer).arg(run->id) : layer, before, after);
    } catch (const std::exception& e) {
        m_weightView->clear();
        m_statusLabel->setText(QString::fromStdString(e.what()));
    }
}

void MainWindow::measureSensitivity()
{
    if (!m_workspaceReady || m_loading || m_sensitivityJob->isRunning())
        return;
    m_sensitivityView->setBusy(true);
    m_sensitivityView->setTarget(m_pruneSpin->value() / 100.0);
    m_sensitivityJob->start(m_project.model, m_project.data, m_options.threads);
}

bool MainWindow::exportRun(int runId, const QString& path)
{
    const auto* run = m_project.run(runId);
    try {
        if (!run)
            throw InputError(tr("There is no run %1").arg(runId).toStdString());
        m_statusLabel->setText(ExportDialog::exportAndVerify(*run, path, m_project.data));
        return true;
    } catch (const std::exception& e) {
        Dialogs::error(this, tr("Export failed"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::showExportDialog()
{
    const auto* run = m_project.run(m_selectedRun);
    if (!run || run->snapshots.empty()) {
        Dialogs::error(this, tr("Export"), tr("Select a finished run first (click its point or its row)."));
        return;
    }
    ExportDialog dialog(*run, m_project.data, this);
    dialog.exec();
}

bool MainWindow::exportChart(const QString& path)
{
    auto* plot = m_chart->plot();
    const bool ok = path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive) ? plot->savePdf(path)
                                                                             : plot->savePng(path, 0, 0, 2.0);
    if (!ok)
        Dialogs::error(this, tr("Export failed"), tr("%1: cannot write the chart").arg(path));
    return ok;
}

bool MainWindow::exportRunsCsv(const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        Dialogs::error(this, tr("Export failed"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    QTextStream out(&file);
    out << "run,settings,accuracy,baseline_accuracy,params,nonzero_params,dense_fp32_bytes,torchscript_bytes,"
           "pare_bytes,latency_b1_ms,latency_b256_ms,seconds,status\n";
    for (const auto& run : m_project.runs) {
        if (run.snapshots.empty())
            continue;
        const auto& b = run.snapshots.front();
        const auto& s = run.snapshots.back();
        QString settings = run.label;
        settings.replace('"', QStringLiteral("\"\""));
        out << run.id << ",\"" << settings << "\"," << s.accuracy << ',' << b.accuracy << ',' << s.params << ','
            << s.nonzeroParams << ',' << s.sizes.denseFp32 << ',' << s.sizes.torchScript << ',' << s.sizes.pare << ','
            << s.latency.batch1Ms << ',' << s.latency.batch256Ms << ',' << run.seconds << ','
            << (run.finished ? "finished" : run.cancelled ? "cancelled" : "failed") << '\n';
    }
    out.flush();
    if (!file.commit()) {
        Dialogs::error(this, tr("Export failed"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

void MainWindow::rememberRecentModel(const QString& path)
{
    if (!QFileInfo::exists(path))
        return;
    QSettings settings;
    auto recent = settings.value("recentModels").toStringList();
    recent.removeAll(path);
    recent.prepend(QFileInfo(path).absoluteFilePath());
    while (recent.size() > 8)
        recent.removeLast();
    settings.setValue("recentModels", recent);
    refreshRecentMenu();
}

void MainWindow::refreshRecentMenu()
{
    m_recentMenu->clear();
    for (const auto& path : QSettings().value("recentModels").toStringList())
        m_recentMenu->addAction(path, this, [this, path] { openModel(path); });
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty() && !isRunning());
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Pare Studio"),
                       tr("<h3>Pare Studio %1</h3><p>Prune, distill and quantize neural networks, and see the "
                          "trade-off between accuracy and size.</p><p>%2<br>Qt %3</p>")
                           .arg(QStringLiteral(PARE_VERSION), QString::fromStdString(versionString()),
                                QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!confirmDiscard()) {
        event->ignore();
        return;
    }
    // Closing cancels a run and waits for its current batch: the thread never outlives the window.
    m_job->cancel();
    m_job->wait();
    m_loadJob->cancel();
    m_loadJob->wait();
    m_sensitivityJob->cancel();
    m_sensitivityJob->wait();
    autosave();
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
    const QString path = urls.first().toLocalFile();
    if (path.endsWith(QLatin1String(".json")))
        loadRecipe(path);
    else if (path.endsWith(QLatin1String(".pareproject")))
        openProject(path);
    else if (QFileInfo(path).isDir())
        openData(path);
    else
        openModel(path);
    event->acceptProposedAction();
}

} // namespace pare::ui
