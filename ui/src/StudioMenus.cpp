#include "pare/ui/StudioMenus.h"

#include "pare/BuildConfig.h"
#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/ExploreDialog.h"
#include "pare/ui/ExportDialog.h"
#include "pare/ui/MainWindow.h"
#include "pare/ui/ModelInputs.h"
#include "pare/ui/ModelInputsDialog.h"

#include <QActionGroup>
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStyle>
#include <QToolBar>

#include <tuple>

namespace pare::ui {

StudioMenus::StudioMenus(MainWindow& window)
    : QObject(&window)
    , m_window(window)
{
    buildActions();
    buildMenus();
}

QAction* StudioMenus::action(const char* name) const
{
    return m_actions.at(QString::fromLatin1(name));
}

QMenu* StudioMenus::menu(const char* name) const
{
    return m_menus.at(QString::fromLatin1(name));
}

QAction* StudioMenus::addAction(const char* name, const QKeySequence& shortcut, std::function<void()> slot)
{
    auto* a = new QAction(&m_window);
    a->setObjectName(QString::fromLatin1(name));
    a->setShortcut(shortcut);
    connect(a, &QAction::triggered, this, std::move(slot));
    m_actions[a->objectName()] = a;
    return a;
}

void StudioMenus::withChosenFile(bool save,
                                 const QString& title,
                                 const QString& suggestion,
                                 const QString& filter,
                                 const std::function<void(const QString&)>& use)
{
    const auto path = save ? Dialogs::saveFileName(&m_window, title, suggestion, filter)
                           : Dialogs::openFileName(&m_window, title, suggestion, filter);
    if (!path.isEmpty())
        use(path);
}

void StudioMenus::buildActions()
{
    const QString home = QDir::homePath();
    const QString projects = tr("Pare projects (*.pareproject)");
    addAction("openModelAction", QKeySequence::Open, [this] {
        withChosenFile(false, tr("Open model"), QFileInfo(m_window.project().model).absolutePath(),
                       tr("Models (*.pt *.pth *.pare *.onnx);;All files (*)"),
                       [this](const QString& p) { m_window.openModel(p); });
    })->setIcon(m_window.style()->standardIcon(QStyle::SP_DialogOpenButton));
    addAction("openDataAction", QKeySequence(), [this] {
        const auto dir = Dialogs::directory(
            &m_window, tr("Open data set folder (IDX, CIFAR-10 or one folder per class)"), QDir::homePath());
        if (!dir.isEmpty())
            m_window.openData(dir);
    });
    addAction("openSweepAction", QKeySequence(), [this] {
        const auto dir = Dialogs::directory(&m_window, tr("Open sweep results (the --out folder of pare sweep run)"),
                                            QDir::homePath());
        if (!dir.isEmpty())
            m_window.openSweepResults(dir);
    });
    addAction("fashionMnistAction", QKeySequence(), [this] { m_window.openData(QStringLiteral("fashion-mnist")); });
    addAction("newProjectAction", QKeySequence::New, [this] {
        if (m_window.confirmDiscard())
            m_window.newProject(QString::fromStdString(bundledModelPath()), QStringLiteral("fashion-mnist"));
    });
    addAction("openProjectAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), [this, home] {
        withChosenFile(false, tr("Open project"), home, tr("Pare projects (*.pareproject);;All files (*)"),
                       [this](const QString& p) {
                           if (m_window.confirmDiscard())
                               m_window.openProject(p);
                       });
    });
    addAction("saveProjectAction", QKeySequence::Save, [this, home, projects] {
        if (!m_window.projectPath().isEmpty())
            m_window.saveProject(m_window.projectPath());
        else
            withChosenFile(true, tr("Save project"), home + "/compression.pareproject", projects,
                           [this](const QString& p) { m_window.saveProject(p); });
    })->setIcon(m_window.style()->standardIcon(QStyle::SP_DialogSaveButton));
    addAction("saveProjectAsAction", QKeySequence::SaveAs, [this, home, projects] {
        withChosenFile(true, tr("Save project as"), home + "/compression.pareproject", projects,
                       [this](const QString& p) { m_window.saveProject(p); });
    });
    addAction("exportRunAction", QKeySequence(Qt::CTRL | Qt::Key_E), [this] { showExportDialog(); });
    addAction("saveRunRecipeAction", QKeySequence(), [this, home] {
        const int runId = m_window.selectedRun();
        if (!m_window.project().run(runId))
            return Dialogs::error(&m_window, tr("Save recipe"),
                                  tr("Select a finished run first (click its point or its row)."));
        withChosenFile(true, tr("Save recipe"), home + "/recipe.json", tr("Recipes (*.json)"),
                       [this, runId](const QString& p) { m_window.saveRunRecipe(runId, p); });
    });
    addAction("exportChartAction", QKeySequence(), [this, home] {
        withChosenFile(true, tr("Export chart"), home + "/pare-chart.png",
                       tr("PNG image (*.png);;PDF document (*.pdf)"),
                       [this](const QString& p) { m_window.exportChart(p); });
    });
    addAction("exportCsvAction", QKeySequence(), [this, home] {
        withChosenFile(true, tr("Export runs table"), home + "/pare-runs.csv", tr("CSV (*.csv)"),
                       [this](const QString& p) { m_window.exportRunsCsv(p); });
    });
    addAction("quitAction", QKeySequence::Quit, [this] { m_window.close(); });
    addAction("openRecipeAction", QKeySequence(Qt::CTRL | Qt::Key_L), [this, home] {
        withChosenFile(false, tr("Open recipe"), home, tr("Recipes (*.json)"),
                       [this](const QString& p) { m_window.loadRecipe(p); });
    });
    addAction("saveRecipeAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), [this, home] {
        withChosenFile(true, tr("Save recipe"), home + "/recipe.json", tr("Recipes (*.json)"),
                       [this](const QString& p) { m_window.saveRecipe(p); });
    });
    addAction("resetSettingsAction", QKeySequence(), [this] { m_window.applySettings(StudioSettings {}); });
    addAction("modelInputsAction", QKeySequence(), [this] { editModelInputs(); });
    addAction("runAction", QKeySequence(Qt::CTRL | Qt::Key_R), [this] {
        m_window.startRun();
    })->setIcon(m_window.style()->standardIcon(QStyle::SP_MediaPlay));
    addAction("exploreAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R), [this] {
        if (const auto options = ExploreDialog::ask(&m_window))
            m_window.startExplore(*options);
    })->setIcon(m_window.style()->standardIcon(QStyle::SP_FileDialogContentsView));
    auto* cancel = addAction("cancelAction", QKeySequence(Qt::Key_Escape), [this] { m_window.cancelRun(); });
    cancel->setIcon(m_window.style()->standardIcon(QStyle::SP_MediaStop));
    cancel->setEnabled(false);
    addAction("aboutAction", QKeySequence::HelpContents, [this] { showAbout(); });
    auto* languages = new QActionGroup(this);
    // Language names are written in their own language, so they are never translated.
    for (const auto& [name, locale, text] : { std::tuple { "englishAction", "en", QStringLiteral("English") },
                                              std::tuple { "chineseAction", "zh_CN", QStringLiteral("简体中文") } }) {
        auto* a = addAction(name, QKeySequence(),
                            [this, code = QString::fromLatin1(locale)] { m_window.setLanguage(code); });
        a->setCheckable(true);
        a->setText(text);
        languages->addAction(a);
    }
}

void StudioMenus::retranslate()
{
    const std::pair<const char*, QString> texts[] = { { "openModelAction", tr("&Open Model...") },
                                                      { "openDataAction", tr("Open &Data Folder...") },
                                                      { "fashionMnistAction", tr("Use &Fashion-MNIST") },
                                                      { "newProjectAction", tr("&New Project") },
                                                      { "openProjectAction", tr("Open &Project...") },
                                                      { "openSweepAction", tr("Open S&weep Results...") },
                                                      { "saveProjectAction", tr("&Save Project") },
                                                      { "saveProjectAsAction", tr("Save Project &As...") },
                                                      { "exportRunAction", tr("&Export Selected Run...") },
                                                      { "saveRunRecipeAction", tr("Save Selected Run's &Recipe...") },
                                                      { "exportChartAction", tr("Export &Chart (PNG, PDF)...") },
                                                      { "exportCsvAction", tr("Export Runs &Table (CSV)...") },
                                                      { "quitAction", tr("&Quit") },
                                                      { "openRecipeAction", tr("&Load Recipe...") },
                                                      { "saveRecipeAction", tr("&Save Recipe As...") },
                                                      { "resetSettingsAction", tr("&Reset Settings") },
                                                      { "modelInputsAction", tr("Model &Inputs...") },
                                                      { "runAction", tr("&Run") },
                                                      { "exploreAction", tr("&Explore...") },
                                                      { "cancelAction", tr("&Cancel") },
                                                      { "aboutAction", tr("&About Pare Studio") },
                                                      { "fileMenu", tr("&File") },
                                                      { "editMenu", tr("&Edit") },
                                                      { "runMenu", tr("&Run") },
                                                      { "viewMenu", tr("&View") },
                                                      { "helpMenu", tr("&Help") },
                                                      { "recentMenu", tr("Recent &Models") },
                                                      { "zooMenu", tr("New from &Architecture (untrained)") },
                                                      { "sizeMenu", tr("&Size Axis") },
                                                      { "languageMenu", tr("&Language") } };
    // Names ending in "Menu" are menus, the others actions.
    for (const auto& [name, text] : texts) {
        const QString key = QString::fromLatin1(name);
        if (key.endsWith(QLatin1String("Menu")))
            m_menus.at(key)->setTitle(text);
        else
            m_actions.at(key)->setText(text);
    }
    m_actions.at("openModelAction")
        ->setToolTip(tr(
            "Open a TorchScript (.pt), .pare or ONNX (.onnx) model, or a zoo architecture. A TorchScript file is code "
            "that runs when it is evaluated: open only models you trust"));
    m_actions.at("modelInputsAction")
        ->setToolTip(tr("What a model saved without a Pare record takes: input size, normalization, class names"));
    m_actions.at("openSweepAction")
        ->setToolTip(tr("Put the results of a sweep (pare sweep run --out FOLDER) on the chart and in the runs "
                        "table, and keep watching the folder while the sweep fills it"));
    m_actions.at("runAction")->setToolTip(tr("Compress a copy of the model with the current settings (Ctrl+R)"));
    m_actions.at("exploreAction")
        ->setToolTip(tr("Search for the smallest model within an accuracy limit: candidates screened one-shot, the "
                        "promising ones fine-tuned (Ctrl+Shift+R)"));
    m_actions.at("cancelAction")->setToolTip(tr("Stop the run or the search within one batch (Esc)"));
    m_toolbar->setWindowTitle(tr("Main toolbar"));
}

void StudioMenus::buildMenus()
{
    const auto menu = [this](QMenu* parent, const char* name, const std::vector<const char*>& actions) {
        auto* m = parent ? parent->addMenu(QString()) : m_window.menuBar()->addMenu(QString());
        m->setObjectName(QString::fromLatin1(name));
        m_menus[m->objectName()] = m;
        for (const char* action : actions) {
            if (qstrlen(action) == 0)
                m->addSeparator();
            else
                m->addAction(m_actions.at(QString::fromLatin1(action)));
        }
        return m;
    };
    auto* file = menu(nullptr, "fileMenu", { "openModelAction" });
    menu(file, "recentMenu", {});
    auto* zoo = menu(file, "zooMenu", {});
    for (const auto& name : Model::zooNames())
        zoo->addAction(QString::fromStdString(name), this,
                       [this, spec = QString::fromStdString(name)] { m_window.openModel(spec); });
    for (const char* action : { "", "fashionMnistAction", "openDataAction", "", "newProjectAction", "openProjectAction",
                                "saveProjectAction", "saveProjectAsAction", "", "openSweepAction", "exportRunAction",
                                "saveRunRecipeAction", "exportChartAction", "exportCsvAction", "", "quitAction" })
        qstrlen(action) == 0 ? (void)file->addSeparator() : file->addAction(m_actions.at(QString::fromLatin1(action)));
    menu(nullptr, "editMenu",
         { "openRecipeAction", "saveRecipeAction", "resetSettingsAction", "", "modelInputsAction" });
    menu(nullptr, "runMenu", { "runAction", "exploreAction", "cancelAction" });
    auto* view = menu(nullptr, "viewMenu", {});
    menu(view, "sizeMenu", {});
    menu(view, "languageMenu", { "englishAction", "chineseAction" });
    menu(nullptr, "helpMenu", { "aboutAction" });

    auto* toolbar = m_toolbar = m_window.addToolBar(QString());
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    for (const char* action :
         { "openModelAction", "saveProjectAction", "", "runAction", "exploreAction", "cancelAction" })
        qstrlen(action) == 0 ? (void)toolbar->addSeparator()
                             : toolbar->addAction(m_actions.at(QString::fromLatin1(action)));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
}

void StudioMenus::setRunning(bool running, bool canRun)
{
    action("runAction")->setEnabled(canRun);
    action("exploreAction")->setEnabled(canRun);
    action("cancelAction")->setEnabled(running);
    for (const char* name : { "openModelAction", "openDataAction", "fashionMnistAction", "openProjectAction",
                              "newProjectAction", "modelInputsAction" })
        action(name)->setEnabled(!running);
    menu("recentMenu")->setEnabled(!running && !menu("recentMenu")->isEmpty());
    menu("zooMenu")->setEnabled(!running);
}

void StudioMenus::setLanguage(const QString& locale)
{
    qApp->removeTranslator(&m_translator);
    const bool chinese = locale == QLatin1String("zh_CN");
    if (chinese && m_translator.load(QStringLiteral(":/i18n/pare_zh_CN")))
        qApp->installTranslator(&m_translator);
    action("englishAction")->setChecked(!chinese);
    action("chineseAction")->setChecked(chinese);
    QSettings().setValue("language", chinese ? locale : QStringLiteral("en"));
}

void StudioMenus::openDropped(const QString& path)
{
    if (path.endsWith(QLatin1String(".json")))
        m_window.loadRecipe(path);
    else if (path.endsWith(QLatin1String(".pareproject")))
        m_window.openProject(path);
    else if (QFileInfo::exists(QDir(path).filePath(QStringLiteral("sweep-state.json"))))
        m_window.openSweepResults(path);
    else if (QFileInfo(path).isDir())
        m_window.openData(path);
    else
        m_window.openModel(path);
}

void StudioMenus::showExportDialog()
{
    const auto* run = m_window.project().run(m_window.selectedRun());
    if (!run || run->snapshots.empty())
        return Dialogs::error(&m_window, tr("Export"), tr("Select a finished run first (click its point or its row)."));
    ExportDialog dialog(*run, m_window.project().data, &m_window);
    dialog.exec();
}

void StudioMenus::editModelInputs()
{
    const auto* workspace = m_window.workspace();
    if (!workspace || !workspace->inputsFromStudio)
        return Dialogs::error(&m_window, tr("Model inputs"),
                              tr("This model's own record says what it takes; inputs are set here only for a model "
                                 "saved without one."));
    const auto current = ModelInputs::remembered(workspace->model).value_or(ModelRecord {});
    if (ModelInputsDialog::askAndRemember(&m_window, workspace->model, current))
        m_window.openModel(workspace->model);
}

void StudioMenus::rememberRecentModel(const QString& path)
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

void StudioMenus::refreshRecentMenu()
{
    auto* recent = menu("recentMenu");
    recent->clear();
    for (const auto& path : QSettings().value("recentModels").toStringList())
        recent->addAction(path, this, [this, path] { m_window.openModel(path); });
    recent->setEnabled(!recent->isEmpty() && !m_window.isRunning());
}

void StudioMenus::showAbout()
{
    QMessageBox::about(&m_window, tr("About Pare Studio"),
                       tr("<h3>Pare Studio %1</h3><p>Prune, distill and quantize neural networks, and see the "
                          "trade-off between accuracy and size.</p><p>%2<br>Qt %3</p>")
                           .arg(QStringLiteral(PARE_VERSION), QString::fromStdString(versionString()),
                                QString::fromLatin1(qVersion())));
}

} // namespace pare::ui
