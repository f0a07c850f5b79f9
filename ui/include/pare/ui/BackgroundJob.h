#pragma once

#include "pare/Cancel.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace pare::ui {

/// A long job on a thread it owns, shaped after qBittorrent's TorrentCreator: plain values in, signals out, an
/// atomic cancel flag the engine polls before every batch. Exceptions end at the job boundary as failed(message).
/// Subclasses are final and call stopAndWait() in their destructor, so the thread never runs into a half-destroyed
/// object and never outlives its owner.
class BackgroundJob : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BackgroundJob)

public:
    explicit BackgroundJob(QObject* parent = nullptr);
    ~BackgroundJob() override;

    void cancel();
    [[nodiscard]] bool isRunning() const;
    /// Blocks until the thread ends: for tests and shutdown, never from a slot that must stay responsive.
    bool wait(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

signals:
    void started();
    void failed(const QString& message);
    /// The work returned (done, failed or cancelled): a job may be started again from a slot connected to this.
    void ended();

protected:
    /// Runs `work` on a new thread unless one is running; returns whether it started.
    bool launch(std::function<void()> work);
    void stopAndWait();
    [[nodiscard]] const CancelFlag* cancelFlag() const { return &m_cancel; }

private:
    std::unique_ptr<QThread> m_thread;
    CancelFlag m_cancel;
    /// From launch() until the work returns; the thread itself may still be finishing after that.
    std::atomic<bool> m_busy { false };
};

} // namespace pare::ui
