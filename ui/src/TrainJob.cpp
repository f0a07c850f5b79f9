#include "pare/ui/TrainJob.h"

#include "pare/Model.h"
#include "pare/Runtime.h"

namespace pare::ui {

TrainJob::TrainJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::TrainProgress>();
    qRegisterMetaType<pare::ui::TrainJobResult>();
}

TrainJob::~TrainJob()
{
    stopAndWait();
}

void TrainJob::start(const TrainJobParams& params)
{
    launch([this, params] { run(params); });
}

void TrainJob::run(const TrainJobParams& params)
{
    configureThreads(params.threads);
    const std::string modelSpec = params.model.toStdString();
    auto data = Dataset::load(params.data.toStdString(), params.datasetOptions);
    auto model = Model::isZooSpec(modelSpec)
        ? Model::fromZoo(modelSpec, data.info().sampleShape, data.classCount(), params.trainOptions.seed)
        : Model::load(modelSpec);
    TrainJobResult result;
    result.training = train(model, data, params.trainOptions,
                            [this](const TrainProgress& p) { emit progressed(p); }, cancelFlag());
    result.evaluation = evaluate(model, data);
    result.cancelled = result.training.cancelled;
    emit finished(result);
}

} // namespace pare::ui
