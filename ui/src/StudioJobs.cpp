#include "pare/ui/StudioJobs.h"

#include "ModelProbe.h"

#include "pare/Runtime.h"
#include "pare/ui/ModelInputs.h"

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

} // namespace

LoadJob::LoadJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::ui::Workspace>();
    qRegisterMetaType<pare::ui::InputsRequest>();
}

LoadJob::~LoadJob()
{
    stopAndWait();
}

bool LoadJob::start(int request, const QString& modelSpec, const QString& dataSpec)
{
    return launch([this, request, modelSpec, dataSpec] {
        // A superseded load stops at the next of these points and reports nothing.
        const auto cancelled = [this] { return cancelFlag()->isRequested(); };
        Workspace workspace;
        workspace.request = request;
        workspace.model = modelSpec;
        workspace.data = dataSpec;
        const bool fromFile = !Model::namesZooModel(modelSpec.toStdString());
        const auto inputs = fromFile ? ModelInputs::remembered(modelSpec) : std::nullopt;
        if (fromFile)
            probeModelInChildProcess(modelSpec, dataSpec, inputs, cancelled);
        if (cancelled())
            return;
        auto [model, data]
            = openModelWithData(modelSpec.toStdString(), dataSpec.toStdString(), {}, inputs ? &*inputs : nullptr);
        if (cancelled())
            return;
        if (fromFile && !model.record().present) {
            // Evaluating with a guess would put a meaningless baseline on the chart: ask first.
            emit inputsNeeded({ request, modelSpec, dataSpec, recordFromData(data.info()) });
            return;
        }
        // The layout belongs to the model (an NHWC graph's), not to what the studio asked: compare the rest.
        auto asked = inputs;
        if (asked)
            asked->layout = model.record().layout;
        workspace.inputsFromStudio = asked && model.record().toJson() == asked->toJson();
        checkCompatible(model, data);
        workspace.summary = model.inspect(data.info().sampleShape);
        workspace.hasRecord = model.record().present;
        workspace.fileBytes = Model::namesZooModel(modelSpec.toStdString()) ? 0 : QFileInfo(modelSpec).size();
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
        if (cancelled())
            return;
        workspace.baseline = takeSnapshot(model, data, "baseline");
        workspace.baseline.settings = "baseline";
        if (!cancelled())
            emit loaded(workspace);
    });
}

WorkspaceLoader::WorkspaceLoader(QObject* parent)
    : QObject(parent)
    , m_job(new LoadJob(this))
{
    connect(m_job, &LoadJob::loaded, this, [this](const Workspace& workspace) {
        if (workspace.request != m_request)
            return; // superseded while it loaded
        m_loading = false;
        emit loaded(workspace);
    });
    connect(m_job, &LoadJob::inputsNeeded, this, [this](const InputsRequest& request) {
        if (request.request != m_request)
            return;
        m_loading = false;
        if (m_askInputs && m_askInputs(request))
            load(request.model, request.data);
        else
            emit declined(request.model);
    });
    connect(m_job, &LoadJob::failed, this, [this](const QString& message) {
        if (m_pending)
            return; // a newer request follows; this failure is about one nobody waits for
        m_loading = false;
        emit failed(message);
    });
    connect(m_job, &LoadJob::ended, this, [this] {
        if (!m_pending)
            return;
        m_pending = false;
        m_job->start(m_request, m_model, m_data);
    });
}

void WorkspaceLoader::load(const QString& model, const QString& data)
{
    ++m_request;
    m_loading = true;
    m_model = model;
    m_data = data;
    if (m_job->isRunning()) {
        m_job->cancel();
        m_pending = true;
    } else {
        m_job->start(m_request, model, data);
    }
}

void WorkspaceLoader::stopAndWait()
{
    m_pending = false;
    m_job->cancel();
    m_job->wait();
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
    DatasetOptions options;
    options.seed = params.recipe.seed;
    const auto [model, data] = ModelInputs::open(params.model, params.data, options);

    PipelineCallbacks callbacks;
    const int runId = params.runId;
    callbacks.progress = [this, runId](const PipelineProgress& p) { emit progressed(runId, p); };
    callbacks.snapshot = [this, runId](const Snapshot& s) { emit snapshotReady(runId, s); };
    const auto pipeline = runPipeline(model, data, params.recipe, callbacks, cancelFlag());

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
