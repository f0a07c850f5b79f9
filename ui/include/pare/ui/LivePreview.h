#pragma once

#include "pare/Pipeline.h"
#include "pare/Preview.h"
#include "pare/ui/BackgroundJob.h"
#include "pare/ui/Project.h"

#include <QString>

#include <map>
#include <optional>
#include <set>

namespace pare::ui {

/// One preview as the chart draws it: plain values.
struct PreviewPoint
{
    int request = 0; ///< the LivePreview::request it answers (0: measured ahead, for estimates)
    int source = 0;  ///< which LivePreview::setSource it was measured for: later ones drop it
    QString family;  ///< the settings without the pruning ratio: previews that differ only in the ratio
    int prunePercent = 0;
    bool estimated = false; ///< interpolated between measured previews of neighbouring ratios, not measured itself
    PreviewResult result;
};

/// Measures one preview (pare::previewRecipe) on the job's thread. The model and data stay loaded between jobs, so
/// a preview costs the one-shot compression and its measurement, not a load.
class PreviewJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PreviewJob)

public:
    explicit PreviewJob(QObject* parent = nullptr);
    ~PreviewJob() override;
    /// `point` says what is asked (request, family, ratio); its result is filled in and sent as measured().
    bool start(const PreviewPoint& point, const QString& model, const QString& data, const Recipe& recipe, int threads);

signals:
    void measured(const pare::ui::PreviewPoint& point);

private:
    // Touched only by the job's thread, and one job runs at a time.
    QString m_loadedModel, m_loadedData;
    uint64_t m_loadedSeed = 0;
    std::optional<ModelWithData> m_loaded;
};

/// The live preview under the sliders, without widgets: every request() shows at once what is known (a preview
/// measured before for the same settings, or one interpolated between measured neighbouring ratios, labelled as an
/// estimate), then measures the settings on a PreviewJob. A newer request cancels the measurement under way; the
/// GUI thread never waits. While idle it measures a few ratios of the current settings ahead, so that the next
/// movement of the ratio slider can be estimated at once.
class LivePreview final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LivePreview)

public:
    explicit LivePreview(QObject* parent = nullptr);

    /// The model and data previews run on; forgets every measurement. An empty model stops previewing.
    void setSource(const QString& model, const QString& data, int threads);
    /// While a run or a search has the cores, nothing is measured; the latest request waits.
    void setPaused(bool paused);
    /// Returns the request's number, which previewed() carries back.
    int request(const StudioSettings& settings);
    /// Cancels and waits: for shutdown.
    void stopAndWait();
    /// Something is being measured, or waits to be: the latest request or a ratio ahead.
    [[nodiscard]] bool isMeasuring();
    /// The number of the latest request.
    [[nodiscard]] int lastRequest() const { return m_request; }

    /// The ratios measured ahead while idle, in percent.
    static const std::vector<int>& aheadPercents();

signals:
    /// An estimate or a measurement for the latest request (`point.request`); an estimate is followed by the
    /// measurement unless a newer request comes first.
    void previewed(const pare::ui::PreviewPoint& point);
    void failed(int request, const QString& message);

private:
    void startNext();
    /// What to measure next (the latest request first, then ratios ahead) and its recipe; nullopt: nothing.
    [[nodiscard]] std::optional<std::pair<PreviewPoint, Recipe>> nextWork();
    [[nodiscard]] std::optional<PreviewPoint> known(const QString& family, int percent) const;
    [[nodiscard]] static QString familyOf(StudioSettings settings);

    PreviewJob* m_job = nullptr;
    QString m_model, m_data;
    int m_source = 0; ///< counts setSource calls
    int m_threads = 1;
    bool m_paused = false;
    int m_request = 0;
    std::optional<StudioSettings> m_latest; ///< the latest request's settings
    bool m_latestMeasured = true;           ///< whether the latest request has its measurement
    PreviewPoint m_running;                 ///< what the job measures now
    /// Measured previews: family, then pruning percent.
    std::map<QString, std::map<int, PreviewResult>> m_measured;
    std::set<QString> m_failedFamilies; ///< not measured ahead again
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::ui::PreviewPoint)
