#pragma once

#include "pare/Dataset.h"
#include "pare/Training.h"
#include "pare/ui/BackgroundJob.h"

#include <QString>

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

/// What it produced; the model itself stays in core.
struct TrainJobResult
{
    TrainResult training;
    EvalResult evaluation;
    bool cancelled = false;
};

/// Runs pare::train and pare::evaluate on the job's thread, bridging core's progress callback to Qt signals
/// (queued to the receiver's thread).
class TrainJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrainJob)

public:
    explicit TrainJob(QObject* parent = nullptr);
    ~TrainJob() override;

    void start(const TrainJobParams& params);

signals:
    void progressed(const pare::TrainProgress& progress);
    void finished(const pare::ui::TrainJobResult& result);

private:
    void run(const TrainJobParams& params);
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::TrainProgress)
Q_DECLARE_METATYPE(pare::ui::TrainJobResult)
