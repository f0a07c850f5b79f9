#include "pare/ui/RunsController.h"

#include <QDir>

#include <algorithm>
#include <cmath>

namespace pare::ui {

RunsController::RunsController(Project& project, QObject* parent)
    : QObject(parent)
    , m_project(project)
    , m_job(new CompressionJob(this))
{
    connect(m_job, &CompressionJob::progressed, this, [this](int runId, const PipelineProgress& p) {
        if (runId == m_running)
            emit progressed(runId, p);
    });
    connect(m_job, &CompressionJob::snapshotReady, this, [this](int runId, const Snapshot& snapshot) {
        auto* run = m_project.run(runId);
        if (!run)
            return;
        run->snapshots.push_back(snapshot);
        emit snapshotAdded(runId, snapshot);
    });
    connect(m_job, &CompressionJob::finished, this, [this](const CompressionResult& result) {
        if (auto* run = m_project.run(result.runId)) {
            run->finished = !result.cancelled;
            run->cancelled = result.cancelled;
            run->seconds = result.seconds;
            if (result.savedModel.isEmpty())
                run->modelFile.clear();
        }
        m_running = -1;
        emit ended(result.runId, QString());
    });
    connect(m_job, &CompressionJob::failed, this, [this](const QString& message) {
        const int runId = m_running;
        if (auto* run = m_project.run(runId)) {
            run->finished = false;
            run->modelFile.clear();
        }
        m_running = -1;
        emit ended(runId, message);
    });
}

int RunsController::start(const StudioSettings& settings, int threads)
{
    if (isRunning())
        return -1;
    RunRecord run;
    run.id = m_project.nextRunId++;
    const auto recipe = settings.toRecipe();
    run.recipeJson = QString::fromStdString(recipe.toJson());
    QStringList parts;
    for (const auto& step : recipe.steps)
        if (step.kind != RecipeStep::Kind::Evaluate)
            parts << QString::fromStdString(step.describe());
    run.label = parts.isEmpty() ? tr("evaluate only") : parts.join(QStringLiteral("; "));
    run.started = QDateTime::currentDateTime();
    QDir().mkpath(m_project.runsFolder);
    run.modelFile = m_project.runsFolder + QStringLiteral("/run-%1.pare").arg(run.id);

    CompressionParams params;
    params.runId = run.id;
    params.model = m_project.model;
    params.data = m_project.data;
    params.recipe = recipe;
    params.saveTo = run.modelFile;
    params.threads = threads;
    m_project.runs.push_back(run);
    m_running = run.id;
    m_job->start(params);
    emit started(run.id);
    return run.id;
}

double RunsController::completedShare(const PipelineProgress& p)
{
    const auto& t = p.train;
    const double stepShare
        = t.batches > 0 ? (double(t.epoch - 1) + double(t.batch) / double(t.batches)) / std::max(1, t.epochs) : 0.0;
    return (double(p.step - 1) + stepShare) / std::max(1, p.steps);
}

QString RunsController::progressText(int runId, const PipelineProgress& p)
{
    QString text
        = tr("Run %1, step %2 of %3: %4").arg(runId).arg(p.step).arg(p.steps).arg(QString::fromStdString(p.stepName));
    if (p.train.batches > 0)
        text += tr(", epoch %1/%2, loss %3, ETA %4 s")
                    .arg(p.train.epoch)
                    .arg(p.train.epochs)
                    .arg(p.train.loss, 0, 'f', 4)
                    .arg(std::lround(p.train.etaSeconds));
    return text;
}

void RunsController::cancel()
{
    m_job->cancel();
}

void RunsController::stopAndWait()
{
    m_job->cancel();
    m_job->wait();
}

} // namespace pare::ui
