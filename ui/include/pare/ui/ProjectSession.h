#pragma once

#include "pare/ui/Project.h"

#include <QObject>

namespace pare::ui {

/// The project the studio works on, without widgets: where it lives, whether it has unsaved changes, and how it is
/// opened, saved and kept between sessions. An untitled project saves itself to untitledPath() so that a closed
/// studio reopens with its history; a named one is saved when the user says so.
class ProjectSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProjectSession)

public:
    explicit ProjectSession(QObject* parent = nullptr);

    [[nodiscard]] static QString untitledPath();

    [[nodiscard]] Project& project() { return m_project; }
    [[nodiscard]] const Project& project() const { return m_project; }
    /// Empty for the untitled project.
    [[nodiscard]] const QString& path() const { return m_path; }
    [[nodiscard]] bool isDirty() const { return m_dirty; }
    /// A named project with changes that would be lost.
    [[nodiscard]] bool needsSaving() const { return m_dirty && !m_path.isEmpty(); }

    /// A fresh untitled project on `model` and `data`, its runs in a folder of their own.
    void reset(const QString& model, const QString& data);
    /// Throws InputError naming the file; the current project stays as it was.
    void open(const QString& path);
    /// Atomic write; throws InputError naming the file. Saving to untitledPath() keeps the project untitled.
    void save(const QString& path);
    /// Saves the untitled project where it keeps itself; a named project is left to the user.
    void autosave();
    void markDirty();

signals:
    /// The path or the dirty flag changed: the window title follows.
    void changed();

private:
    Project m_project;
    QString m_path;
    bool m_dirty = false;
};

} // namespace pare::ui
