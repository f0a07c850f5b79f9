#include "pare/ui/ProjectSession.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QUuid>

namespace pare::ui {

ProjectSession::ProjectSession(QObject* parent)
    : QObject(parent)
{
}

QString ProjectSession::untitledPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/untitled.pareproject");
}

void ProjectSession::reset(const QString& model, const QString& data)
{
    m_project = Project {};
    m_project.model = model;
    m_project.data = data;
    m_project.runsFolder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs/")
        + QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_path.clear();
    m_dirty = false;
    emit changed();
}

void ProjectSession::open(const QString& path)
{
    m_project = Project::load(path);
    m_path = path == untitledPath() ? QString() : path;
    m_dirty = false;
    QSettings().setValue("project/last", path);
    emit changed();
}

void ProjectSession::save(const QString& path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    m_project.save(path);
    if (path != untitledPath()) {
        m_path = path;
        m_dirty = false;
    }
    QSettings().setValue("project/last", path);
    emit changed();
}

void ProjectSession::autosave()
{
    if (m_path.isEmpty())
        save(untitledPath());
}

void ProjectSession::markDirty()
{
    m_dirty = true;
    emit changed();
}

} // namespace pare::ui
