#pragma once

#include <QMessageBox>
#include <QString>
#include <QStringList>

class QDialog;
class QWidget;

namespace pare::ui {

/// Every modal question and file dialog of the studio goes through here, so GUI tests can answer them without a
/// nested event loop (KeePassXC's MessageBox::setNextAnswer and FileDialog::setNextFileName are the model).
class Dialogs
{
public:
    /// Tests: dialogs are not shown; answers come from the queues below, errors are recorded.
    static void setTestMode(bool on);
    static void setNextFileName(const QString& name);
    static void setNextAnswer(QMessageBox::StandardButton answer);
    [[nodiscard]] static QString lastError();
    [[nodiscard]] static int errorCount();

    static QString openFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter);
    static QString saveFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter);
    static QString directory(QWidget* parent, const QString& caption, const QString& dir);
    static void error(QWidget* parent, const QString& title, const QString& message);
    /// Runs a dialog of the studio's own; in test mode it is not shown and the next answer (Ok when none is
    /// queued) says whether it was accepted with the values it was filled with.
    static bool accept(QDialog& dialog);
    static QMessageBox::StandardButton question(QWidget* parent,
                                                const QString& title,
                                                const QString& text,
                                                QMessageBox::StandardButtons buttons,
                                                QMessageBox::StandardButton fallback);
};

} // namespace pare::ui
