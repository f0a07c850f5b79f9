#pragma once

#include "pare/SweepFolder.h"
#include "pare/ui/Project.h"

#include <QObject>
#include <QTimer>
#include <QVector>

#include <set>
#include <string>

namespace pare::ui {

/// File > Open Sweep Results, without widgets: a sweep folder's finished tasks become runs of the project (so the
/// chart, the runs table, Compare and Export treat them as any run), and the folder is looked at every two seconds
/// while the sweep fills it, locally or from a cluster's shared disk (a poll, not inotify, which network file systems
/// do not deliver). One folder is watched at a time; results imported before stay in the project.
class SweepResultsWatcher final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SweepResultsWatcher)

public:
    static constexpr int kPollMs = 2000;

    /// `project` must outlive the watcher; it receives the runs.
    explicit SweepResultsWatcher(Project& project, QObject* parent = nullptr);

    /// Imports the results of `dir` the project does not hold yet and watches the folder for more (replacing the
    /// folder watched before). Throws InputError naming `dir` when it is not a sweep folder.
    void watch(const QString& dir);
    void stop();
    [[nodiscard]] QString folder() const { return m_dir; }
    /// Looks once (the timer calls it): imports what appeared, emits resultsAdded when anything did.
    void poll();

signals:
    /// Runs `runIds` were added; `done` of the sweep's `total` tasks have results now.
    void resultsAdded(const QVector<int>& runIds, int done, int total);

private:
    /// A task's result.json as a run: its steps as snapshots, its model file, its settings as the label.
    RunRecord toRun(const SweepResult& result) const;

    Project& m_project;
    QString m_dir;
    QString m_name; ///< the folder's name, for labels
    QTimer m_timer;
    std::set<std::string> m_known; ///< task ids of this folder already in the project
};

} // namespace pare::ui
