#pragma once

#include "pare/Cancel.h"
#include "pare/Training.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QString>
#include <QThread>

#include <memory>

namespace pare::ui {

/// What a training job was asked to do: plain values, copied into the job's thread.
struct TrainJobParams
{
    QString model; ///< zoo architecture or TorchScript file
    QString data;  ///< data set spec, as on the command line
    DatasetOptions datasetOptions;
    TrainOptions trainOptions;
    int threads = 0;
};

/// What it produced; the model itself stays in core (saved to `savedTo` when asked).
struct TrainJobResult
{
    TrainResult training;
    EvalResult evaluation;
    bool cancelled = false;
};

/// Runs pare::train and pare::evaluate on a thread the job owns, bridging core's progress callback to Qt
/// signals (queued to the receiver's thread). cancel() is safe from any thread; the destructor cancels and
/// waits, so the job never outlives its owner. Shaped after qBittorrent's TorrentCreator.
class TrainJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainJob)

public:
    explicit TrainJob(QObject* parent = nullptr);
    ~TrainJob() override;

    void start(const TrainJobParams& params);
    void cancel();
    [[nodiscard]] bool isRunning() const;
    /// Blocks until the job's thread ends; for tests and shutdown, never from a slot that must stay responsive.
    bool wait(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

signals:
    void progressed(const pare::TrainProgress& progress);
    void finished(const pare::ui::TrainJobResult& result);
    void failed(const QString& message);

private:
    void run(TrainJobParams params);

    std::unique_ptr<QThread> m_thread;
    CancelFlag m_cancel;
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::TrainProgress)
Q_DECLARE_METATYPE(pare::ui::TrainJobResult)
