#pragma once

#include "pare/Search.h"
#include "pare/ui/BackgroundJob.h"
#include "pare/ui/Project.h"

#include <QObject>
#include <QString>

#include <map>
#include <optional>

namespace pare::ui {

struct ExploreParams
{
    QString model;
    QString data;
    SearchOptions options;
    QString saveWinnerTo; ///< where the winner's model is written (.pare)
    int threads = 0;
};

/// The baseline a search measures first: what each candidate's drop is counted from.
struct ExploreBaseline
{
    double validationAccuracy = 0.0;
    int64_t pareBytes = 0;
    int64_t denseFp32Bytes = 0;
};

/// How a search ended: plain values.
struct ExploreResult
{
    bool cancelled = false;
    QString stoppedBy;
    int candidates = 0;
    double seconds = 0.0;
    int winner = -1; ///< the candidate's id, -1 when none was measured
    double baselineTestAccuracy = 0.0;
    double winnerTestAccuracy = 0.0;
    double winnerTestDropPoints = 0.0;
    bool winnerWithinLimit = false; ///< on the test split
    QString savedWinner;            ///< the winner's model file, empty when none was written
    ModelSizes winnerSizes;         ///< every format, ONNX included, as the export dialog shows them
};

/// One search (pare::searchCompression) on the job's thread; every candidate arrives as a signal when measured.
class SearchJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchJob)

public:
    explicit SearchJob(QObject* parent = nullptr);
    ~SearchJob() override;
    bool start(const ExploreParams& params);

signals:
    void baselineMeasured(const pare::ui::ExploreBaseline& baseline);
    void starting(const QString& settings);
    void candidateMeasured(const pare::SearchCandidate& candidate);
    void finished(const pare::ui::ExploreResult& result);
};

/// Explore without widgets: a search's candidates become runs of the project (RunOrigin::Search, accuracy on the
/// validation split) as they are measured; when it ends, the winner's run keeps its model for export and says its
/// test accuracy. One search at a time; cancelling keeps what was measured and still confirms the winner on test.
class ExploreController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExploreController)

public:
    /// `project` must outlive the controller; it receives every candidate as a run.
    ExploreController(Project& project, QObject* parent = nullptr);

    /// Searches the project's model and data; false while a search is going.
    bool start(const SearchOptions& options, int threads);
    void cancel();
    void stopAndWait();
    [[nodiscard]] bool isRunning() const { return m_running; }
    /// The run that holds the last search's winner, -1 when there is none.
    [[nodiscard]] int winnerRun() const { return m_winnerRun; }

signals:
    void candidateAdded(int runId);
    void progressed(const QString& text);
    /// The search ended: finished, cancelled (result.cancelled) or failed (`failure` is not empty).
    void ended(const pare::ui::ExploreResult& result, const QString& failure);

private:
    void addCandidate(const SearchCandidate& candidate);

    Project& m_project;
    SearchJob* m_job = nullptr;
    bool m_running = false;
    int m_search = 0; ///< numbers the searches of this session in run labels
    double m_maxDropPoints = 0.0;
    Snapshot m_baseline;
    std::map<int, int> m_runOfCandidate;
    int m_winnerRun = -1;
    QString m_failure;
    std::optional<ExploreResult> m_result;
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::ui::ExploreBaseline)
Q_DECLARE_METATYPE(pare::ui::ExploreResult)
Q_DECLARE_METATYPE(pare::SearchCandidate)
