#include "pare/ui/SweepResultsWatcher.h"

#include "pare/Error.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace pare::ui {

SweepResultsWatcher::SweepResultsWatcher(Project& project, QObject* parent)
    : QObject(parent)
    , m_project(project)
{
    m_timer.setInterval(kPollMs);
    connect(&m_timer, &QTimer::timeout, this, &SweepResultsWatcher::poll);
}

void SweepResultsWatcher::watch(const QString& dir)
{
    const auto folder = SweepFolder::open(dir.toStdString()); // throws for a folder that is not a sweep's
    (void)folder;
    stop();
    m_dir = QFileInfo(dir).absoluteFilePath();
    m_name = QFileInfo(m_dir).fileName();
    m_known.clear();
    for (const auto& run : m_project.runs) // opened again: what is in the project already stays as it is
        if (run.origin == RunOrigin::Sweep && QFileInfo(run.sweepFolder).absoluteFilePath() == m_dir)
            m_known.insert(run.sweepTask.toStdString());
    poll();
    m_timer.start();
}

void SweepResultsWatcher::stop()
{
    m_timer.stop();
    m_dir.clear();
}

void SweepResultsWatcher::poll()
{
    if (m_dir.isEmpty())
        return;
    std::vector<SweepResult> results;
    int total = 0;
    try {
        results = SweepFolder::readResults(m_dir.toStdString(), m_known);
        total = SweepFolder::open(m_dir.toStdString()).taskCount();
    } catch (const std::exception&) { // the folder went away or is being replaced: look again next time
        return;
    }
    QVector<int> added;
    for (const auto& result : results) {
        m_known.insert(result.id);
        try {
            auto run = toRun(result);
            run.id = m_project.nextRunId++;
            added.push_back(run.id);
            m_project.runs.push_back(std::move(run));
        } catch (const std::exception&) { // a result.json of another version: not a run the views can show
        }
    }
    if (!added.isEmpty())
        emit resultsAdded(added, static_cast<int>(m_known.size()), total);
}

RunRecord SweepResultsWatcher::toRun(const SweepResult& result) const
{
    const auto object = QJsonDocument::fromJson(QByteArray::fromStdString(result.resultJson)).object();
    RunRecord run;
    run.origin = RunOrigin::Sweep;
    run.sweepFolder = m_dir;
    run.sweepTask = QString::fromStdString(result.id);
    run.recipeJson = QString::fromUtf8(QJsonDocument(object.value("recipe").toObject()).toJson(QJsonDocument::Compact));
    run.label = tr("sweep %1 task %2: %3")
                    .arg(m_name, QString::fromStdString(result.id), QString::fromStdString(result.settings));
    const auto origin = QDir(m_dir).filePath(QStringLiteral("tasks/%1/result.json").arg(run.sweepTask)).toStdString();
    for (const auto& step : object.value("steps").toArray())
        run.snapshots.push_back(
            snapshotFromJson(QJsonDocument(step.toObject()).toJson(QJsonDocument::Compact).toStdString(), origin));
    if (run.snapshots.empty())
        throw InputError(origin + ": no steps");
    run.modelFile = QString::fromStdString(result.modelFile);
    run.finished = true;
    run.seconds = object.value("seconds").toDouble();
    run.started = QFileInfo(QString::fromStdString(origin)).lastModified();
    return run;
}

} // namespace pare::ui
