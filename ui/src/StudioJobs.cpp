#include "pare/ui/StudioJobs.h"

#include "pare/Runtime.h"

#include <QFileInfo>

#include <algorithm>
#include <optional>

namespace pare::ui {
namespace {

QImage toImage(const std::vector<float>& pixels, const std::vector<int64_t>& shape)
{
    const int channels = static_cast<int>(shape[0]);
    const int height = static_cast<int>(shape[1]);
    const int width = static_cast<int>(shape[2]);
    QImage image(width, height, channels == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8);
    for (int y = 0; y < height; ++y) {
        uchar* line = image.scanLine(y);
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < (channels == 3 ? 3 : 1); ++c) {
                const float v = pixels[size_t((c * height + y) * width + x)];
                line[x * (channels == 3 ? 3 : 1) + c] = static_cast<uchar>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
            }
    }
    return image;
}

bool isZoo(const QString& spec)
{
    return !QFileInfo::exists(spec) && Model::isZooSpec(spec.toStdString());
}

} // namespace

DatasetOptions dataOptionsFor(const ModelRecord& record)
{
    DatasetOptions options;
    if (record.inputShape.size() == 3)
        options.inputShape = record.inputShape;
    if (!record.mean.empty() && !record.std.empty()) {
        options.mean = record.mean;
        options.std = record.std;
    }
    return options;
}

Model loadModelSpec(const QString& spec, const DatasetInfo* data)
{
    if (isZoo(spec))
        return data ? Model::fromZoo(spec.toStdString(), data->sampleShape,
                                     static_cast<int64_t>(data->classNames.size()))
                    : Model::fromZoo(spec.toStdString());
    return Model::load(spec.toStdString());
}

LoadJob::LoadJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::ui::Workspace>();
}

LoadJob::~LoadJob()
{
    stopAndWait();
}

bool LoadJob::start(const QString& modelSpec, const QString& dataSpec)
{
    return launch([this, modelSpec, dataSpec] {
        Workspace workspace;
        workspace.model = modelSpec;
        workspace.data = dataSpec;
        // The model first: its record says how to read the data.
        std::optional<Model> model;
        if (!isZoo(modelSpec))
            model.emplace(Model::load(modelSpec.toStdString()));
        const auto data = Dataset::load(dataSpec.toStdString(),
                                        model ? dataOptionsFor(model->record()) : DatasetOptions{});
        if (!model)
            model.emplace(loadModelSpec(modelSpec, &data.info()));
        checkCompatible(*model, data);
        workspace.summary = model->inspect(data.info().sampleShape);
        workspace.hasRecord = model->record().present;
        workspace.fileBytes = isZoo(modelSpec) ? 0 : QFileInfo(modelSpec).size();
        workspace.dataInfo = data.info();
        // Two samples of every class, found among the first test images.
        const auto classes = data.classCount();
        std::vector<int> perClass(static_cast<size_t>(classes), 0);
        const auto& shape = data.info().sampleShape;
        for (int64_t i = 0; i < data.size(Split::Test) && workspace.samples.size() < 2 * classes; ++i) {
            const auto label = data.label(Split::Test, i);
            if (perClass[static_cast<size_t>(label)]++ >= 2)
                continue;
            workspace.samples.push_back(toImage(data.samplePixels(Split::Test, i), shape));
            workspace.sampleLabels.push_back(static_cast<int>(label));
        }
        workspace.baseline = takeSnapshot(*model, data, "baseline");
        workspace.baseline.settings = "baseline";
        emit loaded(workspace);
    });
}

CompressionJob::CompressionJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::PipelineProgress>();
    qRegisterMetaType<pare::Snapshot>();
    qRegisterMetaType<pare::ui::CompressionResult>();
}

CompressionJob::~CompressionJob()
{
    stopAndWait();
}

bool CompressionJob::start(const CompressionParams& params)
{
    return launch([this, params] { run(params); });
}

void CompressionJob::run(const CompressionParams& params)
{
    configureThreads(params.threads);
    std::optional<Model> model;
    if (!isZoo(params.model))
        model.emplace(Model::load(params.model.toStdString()));
    auto options = model ? dataOptionsFor(model->record()) : DatasetOptions{};
    options.seed = params.recipe.seed;
    const auto data = Dataset::load(params.data.toStdString(), options);
    if (!model)
        model.emplace(loadModelSpec(params.model, &data.info()));

    PipelineCallbacks callbacks;
    const int runId = params.runId;
    callbacks.progress = [this, runId](const PipelineProgress& p) { emit progressed(runId, p); };
    callbacks.snapshot = [this, runId](const Snapshot& s) { emit snapshotReady(runId, s); };
    const auto pipeline = runPipeline(*model, data, params.recipe, callbacks, cancelFlag());

    CompressionResult result;
    result.runId = runId;
    result.cancelled = pipeline.cancelled;
    result.seconds = pipeline.seconds;
    if (!pipeline.cancelled && pipeline.model && !params.saveTo.isEmpty()) {
        pipeline.model->save(params.saveTo.toStdString(), /*overwrite=*/true);
        result.savedModel = params.saveTo;
    }
    emit finished(result);
}

} // namespace pare::ui
