#include "pare/ui/ExploreController.h"

#include "pare/Runtime.h"
#include "pare/ui/ModelInputs.h"

#include <QDir>
#include <QLocale>

namespace pare::ui {

SearchJob::SearchJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::ui::ExploreBaseline>();
    qRegisterMetaType<pare::ui::ExploreResult>();
    qRegisterMetaType<pare::SearchCandidate>();
}

SearchJob::~SearchJob()
{
    stopAndWait();
}

bool SearchJob::start(const ExploreParams& params)
{
    return launch([this, params] {
        configureThreads(params.threads);
        DatasetOptions options;
        options.seed = params.options.seed;
        const auto [model, data] = ModelInputs::open(params.model, params.data, options);
        SearchCallbacks callbacks;
        callbacks.baseline = [this](const SearchResult& r) {
            emit baselineMeasured({ r.baselineValidationAccuracy, r.baselinePareBytes, r.denseFp32Bytes });
        };
        callbacks.starting
            = [this](int, int, const std::string& settings) { emit starting(QString::fromStdString(settings)); };
        callbacks.measured = [this](const SearchCandidate& c) { emit candidateMeasured(c); };
        auto search = searchCompression(model, data, params.options, callbacks, cancelFlag());
        ExploreResult result;
        result.cancelled = search.cancelled;
        result.stoppedBy = QString::fromStdString(search.stoppedBy);
        result.candidates = int(search.candidates.size());
        result.seconds = search.seconds;
        result.baselineTestAccuracy = search.baselineTestAccuracy;
        if (search.winner && search.winnerModel) {
            result.winner = *search.winner;
            result.winnerTestAccuracy = search.winnerTestAccuracy;
            result.winnerTestDropPoints = search.winnerTestDropPoints;
            result.winnerWithinLimit = search.winnerWithinLimit;
            search.winnerModel->save(params.saveWinnerTo.toStdString(), /*overwrite=*/true);
            result.savedWinner = params.saveWinnerTo;
            result.winnerSizes = measureSizes(*search.winnerModel);
        }
        emit finished(result);
    });
}

ExploreController::ExploreController(Project& project, QObject* parent)
    : QObject(parent)
    , m_project(project)
    , m_job(new SearchJob(this))
{
    connect(m_job, &SearchJob::baselineMeasured, this, [this](const ExploreBaseline& b) {
        m_baseline = Snapshot {};
        m_baseline.step = "baseline";
        m_baseline.settings = "baseline";
        m_baseline.accuracy = b.validationAccuracy;
        m_baseline.sizes.pare = b.pareBytes;
        m_baseline.sizes.denseFp32 = b.denseFp32Bytes;
        emit progressed(tr("Search %1: baseline %2% on the validation split; screening candidates...")
                            .arg(m_search)
                            .arg(QLocale().toString(100.0 * b.validationAccuracy, 'f', 2)));
    });
    connect(m_job, &SearchJob::starting, this, [this](const QString& settings) {
        emit progressed(tr("Search %1, candidate %2: %3").arg(m_search).arg(m_runOfCandidate.size() + 1).arg(settings));
    });
    connect(m_job, &SearchJob::candidateMeasured, this, &ExploreController::addCandidate);
    connect(m_job, &SearchJob::finished, this, [this](const ExploreResult& result) { m_result = result; });
    connect(m_job, &SearchJob::failed, this, [this](const QString& message) { m_failure = message; });
    connect(m_job, &SearchJob::ended, this, [this] {
        m_running = false;
        ExploreResult result = m_result.value_or(ExploreResult {});
        const auto run = m_runOfCandidate.find(result.winner);
        m_winnerRun = -1;
        if (run != m_runOfCandidate.end())
            if (auto* record = m_project.run(run->second)) {
                m_winnerRun = record->id;
                record->modelFile = result.savedWinner;
                record->snapshots.back().sizes = result.winnerSizes;
                record->label += tr(" - winner: test %1% (%2 points; limit %3)")
                                     .arg(QLocale().toString(100.0 * result.winnerTestAccuracy, 'f', 2))
                                     .arg(QLocale().toString(-result.winnerTestDropPoints, 'f', 2))
                                     .arg(QLocale().toString(m_maxDropPoints, 'f', 2));
            }
        if (m_failure.isEmpty() && !m_result)
            m_failure = tr("the search ended without a result");
        emit ended(result, m_failure);
    });
}

bool ExploreController::start(const SearchOptions& options, int threads)
{
    if (m_running)
        return false;
    ++m_search;
    m_runOfCandidate.clear();
    m_winnerRun = -1;
    m_failure.clear();
    m_result.reset();
    m_maxDropPoints = options.maxDropPoints;
    QDir().mkpath(m_project.runsFolder);
    ExploreParams params;
    params.model = m_project.model;
    params.data = m_project.data;
    params.options = options;
    // The run that will hold the winner is not known yet: the file is named after the search.
    params.saveWinnerTo = m_project.runsFolder + QStringLiteral("/search-%1-winner.pare").arg(m_project.nextRunId);
    params.threads = threads;
    m_running = m_job->start(params);
    return m_running;
}

void ExploreController::addCandidate(const SearchCandidate& c)
{
    RunRecord run;
    run.id = m_project.nextRunId++;
    run.origin = RunOrigin::Search;
    run.recipeJson = QString::fromStdString(c.recipe.toJson());
    run.label = tr("search %1 #%2 (round %3, %4 epochs, validation): %5")
                    .arg(m_search)
                    .arg(c.id)
                    .arg(c.round)
                    .arg(c.epochs)
                    .arg(QString::fromStdString(c.settings));
    run.finished = true;
    run.seconds = c.seconds;
    run.started = QDateTime::currentDateTime();
    Snapshot s;
    s.index = 1;
    s.step = "search";
    s.settings = c.settings;
    s.accuracy = c.validationAccuracy;
    s.params = c.params;
    s.nonzeroParams = c.nonzeroParams;
    s.macs = c.macs;
    s.latency.batch1Ms = c.latencyMs;
    s.sizes.denseFp32 = 4 * c.params;
    s.sizes.torchScript = c.torchScriptBytes;
    s.sizes.pare = c.pareBytes;
    s.stepSeconds = c.seconds;
    run.snapshots = { m_baseline, s };
    m_project.runs.push_back(std::move(run));
    m_runOfCandidate[c.id] = m_project.runs.back().id;
    emit candidateAdded(m_project.runs.back().id);
}

void ExploreController::cancel()
{
    m_job->cancel();
}

void ExploreController::stopAndWait()
{
    m_job->cancel();
    m_job->wait();
}

} // namespace pare::ui
