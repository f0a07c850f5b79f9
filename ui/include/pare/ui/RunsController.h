#pragma once

#include "pare/ui/Project.h"
#include "pare/ui/StudioJobs.h"

#include <QObject>

namespace pare::ui {

/// Compression runs without widgets: each run's record in the project (its recipe, label, snapshots as they arrive,
/// how it ended) and the CompressionJob that runs it. One run at a time.
class RunsController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsController)

public:
    /// `project` must outlive the controller; it receives every run.
    RunsController(Project& project, QObject* parent = nullptr);

    /// Starts a run of `settings` on the project's model and data; returns its id, or -1 while a run is going.
    int start(const StudioSettings& settings, int threads);
    void cancel();
    /// Cancels and waits for the current batch: for shutdown.
    void stopAndWait();
    [[nodiscard]] bool isRunning() const { return m_running >= 0; }
    [[nodiscard]] int runningRun() const { return m_running; }

    /// How far a run is, 0..1, from its progress: finished steps plus the share of the current step's training.
    [[nodiscard]] static double completedShare(const PipelineProgress& progress);
    /// "Run 3, step 2 of 4: prune, epoch 1/2, loss 0.4123, ETA 12 s", for the status bar.
    [[nodiscard]] static QString progressText(int runId, const PipelineProgress& progress);

signals:
    void started(int runId);
    void progressed(int runId, const pare::PipelineProgress& progress);
    void snapshotAdded(int runId, const pare::Snapshot& snapshot);
    /// The run ended: finished, cancelled (run->cancelled) or failed (`failure` is not empty).
    void ended(int runId, const QString& failure);

private:
    Project& m_project;
    CompressionJob* m_job = nullptr;
    int m_running = -1;
};

} // namespace pare::ui
