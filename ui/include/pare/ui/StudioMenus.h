#pragma once

#include <QObject>
#include <QTranslator>

#include <functional>
#include <map>

class QAction;
class QKeySequence;
class QMenu;
class QToolBar;

namespace pare::ui {

class MainWindow;

/// The studio's actions, menus and toolbar: each action asks the window to do what it says (choosing a file first
/// where it needs one). Actions and menus carry object names ("runAction", "fileMenu") for tests.
class StudioMenus final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudioMenus)

public:
    explicit StudioMenus(MainWindow& window);

    [[nodiscard]] QAction* action(const char* name) const;
    [[nodiscard]] QMenu* menu(const char* name) const;
    /// While a run goes, nothing may replace the model, data or project under it.
    void setRunning(bool running, bool canRun);
    /// What a file dropped on the window opens: a recipe (.json), a project (.pareproject), a sweep's folder, a
    /// data folder, or else a model.
    void openDropped(const QString& path);
    /// File > Export Selected Run: the export dialog for the run selected in the window.
    void showExportDialog();
    /// Edit > Model Inputs: for a model file without a record, asks again what it takes and reloads it.
    void editModelInputs();
    void rememberRecentModel(const QString& path);
    void refreshRecentMenu();
    void retranslate();
    /// Installs the translation for "zh_CN", or none for "en" (any other locale); remembered in the settings.
    void setLanguage(const QString& locale);

private:
    QAction* addAction(const char* name, const QKeySequence& shortcut, std::function<void()> slot);
    void buildActions();
    void buildMenus();
    void showAbout();
    /// A file chosen in a dialog: `save` asks for a name to write, otherwise for one to open.
    void withChosenFile(bool save,
                        const QString& title,
                        const QString& suggestion,
                        const QString& filter,
                        const std::function<void(const QString&)>& use);

    MainWindow& m_window;
    QTranslator m_translator;
    QToolBar* m_toolbar = nullptr;
    std::map<QString, QAction*> m_actions; ///< by object name
    std::map<QString, QMenu*> m_menus;     ///< by object name
};

} // namespace pare::ui
