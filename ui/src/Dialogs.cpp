#include "pare/ui/Dialogs.h"

#include <QDialog>
#include <QFileDialog>

namespace pare::ui {
namespace {

struct TestSeam
{
    bool on = false;
    QStringList fileNames;
    QList<QMessageBox::StandardButton> answers;
    QString lastError;
    int errors = 0;
};

TestSeam& seam()
{
    static TestSeam instance;
    return instance;
}

QString nextFileName()
{
    return seam().fileNames.isEmpty() ? QString() : seam().fileNames.takeFirst();
}

} // namespace

void Dialogs::setTestMode(bool on)
{
    seam() = TestSeam {};
    seam().on = on;
}

void Dialogs::setNextFileName(const QString& name)
{
    seam().fileNames << name;
}

void Dialogs::setNextAnswer(QMessageBox::StandardButton answer)
{
    seam().answers << answer;
}

QString Dialogs::lastError()
{
    return seam().lastError;
}

int Dialogs::errorCount()
{
    return seam().errors;
}

QString Dialogs::openFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter)
{
    return seam().on ? nextFileName() : QFileDialog::getOpenFileName(parent, caption, dir, filter);
}

QString Dialogs::saveFileName(QWidget* parent, const QString& caption, const QString& dir, const QString& filter)
{
    return seam().on ? nextFileName() : QFileDialog::getSaveFileName(parent, caption, dir, filter);
}

QString Dialogs::directory(QWidget* parent, const QString& caption, const QString& dir)
{
    return seam().on ? nextFileName() : QFileDialog::getExistingDirectory(parent, caption, dir);
}

void Dialogs::error(QWidget* parent, const QString& title, const QString& message)
{
    seam().lastError = message;
    ++seam().errors;
    if (!seam().on)
        QMessageBox::critical(parent, title, message);
}

bool Dialogs::accept(QDialog& dialog)
{
    if (seam().on)
        return (seam().answers.isEmpty() ? QMessageBox::Ok : seam().answers.takeFirst()) == QMessageBox::Ok;
    return dialog.exec() == QDialog::Accepted;
}

QMessageBox::StandardButton Dialogs::question(QWidget* parent,
                                              const QString& title,
                                              const QString& text,
                                              QMessageBox::StandardButtons buttons,
                                              QMessageBox::StandardButton fallback)
{
    if (seam().on)
        return seam().answers.isEmpty() ? fallback : seam().answers.takeFirst();
    return QMessageBox::question(parent, title, text, buttons, fallback);
}

} // namespace pare::ui
