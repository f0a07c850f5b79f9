#include "pare/ui/TrainJob.h"

#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Runtime.h"

namespace pare::ui {

TrainJob::TrainJob(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<pare::TrainProgress>();
    qRegisterMetaType<pare::ui::TrainJobResult>();
}

TrainJob::~TrainJob()
{
    cancel();
    wait();
}

void TrainJob::start(const TrainJobParams& params)
{
    if (isRunning())
        return;
    m_cancel.reset();
    m_thread.reset(QThread::create([this, params] { run(params); }));
    m_thread->start();
}

void TrainJob::cancel()
{
    m_cancel.request();
}

bool TrainJob::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

bool TrainJob::wait(QDeadlineTimer deadline)
{
    return !m_thread || m_thread->wait(deadline);
}

void TrainJob::run(TrainJobParams params)
{
    // Exceptions end here, at the job boundary, as a readable failure: nothing torch-shaped crosses threads.
    try {
        configureThreads(params.threads);
        const std::string modelSpec = params.model.toStdString();
        auto data = Dataset::load(params.data.toStdString(), params.datasetOptions);
        auto model = Model::isZooSpec(modelSpec)
            ? Model::fromZoo(modelSpec, data.info().sampleShape, data.classCount(), params.trainOptions.seed)
            : Model::load(modelSpec);
        TrainJobResult result;
        result.training = train(model, data, params.trainOptions,
                                [this](const TrainProgress& p) { emit progressed(p); }, &m_cancel);
        result.evaluation = evaluate(model, data);
        result.cancelled = result.training.cancelled;
        emit finished(result);
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
}

} // namespace pare::ui
