#include "pare/ui/StudioExploration.h"

#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/CompareView.h"
#include "pare/ui/CompressionSettingsPanel.h"
#include "pare/ui/RunsTableModel.h"

#include <QLabel>
#include <QLocale>

namespace pare::ui {

StudioExploration::StudioExploration(const Parts& parts, QObject* parent)
    : QObject(parent)
    , m_parts(parts)
    , m_preview(new LivePreview(this))
    , m_explorer(new ExploreController(*parts.project, this))
{
    connect(m_parts.settings, &CompressionSettingsPanel::settingsChanged, this, &StudioExploration::requestPreview);
    connect(m_preview, &LivePreview::previewed, this, [this](const PreviewPoint& point) {
        m_parts.chart->setPreview(point.result, point.estimated, point.request);
    });
    connect(m_preview, &LivePreview::failed, this, [this](int, const QString& message) {
        m_parts.chart->clearPreview();
        m_parts.status->setText(tr("No preview for these settings: %1").arg(message));
    });
    connect(m_explorer, &ExploreController::progressed, m_parts.status, &QLabel::setText);
    connect(m_explorer, &ExploreController::candidateAdded, this, [this](int runId) {
        const auto* run = m_parts.project->run(runId);
        m_parts.chart->addSnapshot(runId, run->label, run->snapshots.back(),
                                   AccuracySizeChart::PointKind::SearchCandidate);
        m_parts.runsModel->reset();
        m_parts.compare->refreshRuns();
    });
    connect(m_explorer, &ExploreController::ended, this, [this](const ExploreResult& r, const QString& failure) {
        updatePaused();
        m_parts.runsModel->reset();
        m_parts.compare->refreshRuns();
        const int winner = m_explorer->winnerRun();
        const QLocale locale;
        if (!failure.isEmpty())
            m_parts.status->setText(tr("The search failed: %1").arg(failure));
        else if (const auto* run = m_parts.project->run(winner)) {
            // The winner's recipe goes into the controls where they can show it (one step of each kind); File >
            // Save Selected Run's Recipe writes it in any case, for `pare compress --recipe`.
            bool inControls = true;
            try {
                m_parts.settings->applySettings(StudioSettings::fromRecipe(
                    Recipe::fromJson(run->recipeJson.toStdString(), "search"), QStringLiteral("search")));
            } catch (const std::exception&) {
                inControls = false;
            }
            m_parts.status->setText(
                (inControls ? tr("Search %1 after %2 candidates in %3 s: run %4 wins, test %5% (%6 points, %7 the "
                                 "limit); its settings are in the controls.")
                            : tr("Search %1 after %2 candidates in %3 s: run %4 wins, test %5% (%6 points, %7 the "
                                 "limit); File > Save Selected Run's Recipe writes its recipe."))
                    .arg(r.cancelled ? tr("cancelled") : tr("finished"))
                    .arg(r.candidates)
                    .arg(locale.toString(r.seconds, 'f', 0))
                    .arg(winner)
                    .arg(locale.toString(100.0 * r.winnerTestAccuracy, 'f', 2),
                         locale.toString(-r.winnerTestDropPoints, 'f', 2),
                         r.winnerWithinLimit ? tr("within") : tr("NOT within")));
        } else
            m_parts.status->setText(tr("The search measured no candidate."));
        emit exploreEnded(winner);
    });
}

void StudioExploration::setWorkspace(const QString& model,
                                     const QString& data,
                                     int threads,
                                     const std::vector<std::string>& classes)
{
    m_parts.compare->setClassNames(classes);
    m_preview->setSource(model, data, threads);
    requestPreview();
}

void StudioExploration::requestPreview()
{
    m_preview->request(m_parts.settings->settings());
}

void StudioExploration::setRunBusy(bool busy)
{
    m_runBusy = busy;
    updatePaused();
}

void StudioExploration::updatePaused()
{
    m_preview->setPaused(m_runBusy || m_explorer->isRunning());
}

bool StudioExploration::startExplore(const SearchOptions& options, int threads)
{
    if (!m_explorer->start(options, threads))
        return false;
    updatePaused();
    m_parts.status->setText(tr("Search started: at most %1 points below the baseline.")
                                .arg(QLocale().toString(options.maxDropPoints, 'f', 2)));
    emit exploreStarted();
    return true;
}

void StudioExploration::cancelExplore()
{
    m_explorer->cancel();
    m_parts.status->setText(tr("Cancelling the search; its winner so far is confirmed on the test split..."));
}

void StudioExploration::stopAndWait()
{
    m_explorer->stopAndWait();
    m_preview->stopAndWait();
}

} // namespace pare::ui
