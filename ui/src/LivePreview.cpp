#include "pare/ui/LivePreview.h"

#include "pare/Runtime.h"
#include "pare/ui/ModelInputs.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace pare::ui {

PreviewJob::PreviewJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::ui::PreviewPoint>();
}

PreviewJob::~PreviewJob()
{
    stopAndWait();
}

bool PreviewJob::start(
    const PreviewPoint& point, const QString& model, const QString& data, const Recipe& recipe, int threads)
{
    return launch([this, point, model, data, recipe, threads] {
        configureThreads(threads);
        // The validation split is drawn with the recipe's seed, as in a run of the same settings.
        if (!m_loaded || model != m_loadedModel || data != m_loadedData || recipe.seed != m_loadedSeed) {
            m_loaded.reset();
            DatasetOptions options;
            options.seed = recipe.seed;
            m_loaded.emplace(ModelInputs::open(model, data, options));
            m_loadedModel = model;
            m_loadedData = data;
            m_loadedSeed = recipe.seed;
        }
        auto result = previewRecipe(m_loaded->model, m_loaded->data, recipe, kPreviewImages, cancelFlag());
        if (!result)
            return;
        PreviewPoint measured = point;
        measured.result = std::move(*result);
        emit this->measured(measured);
    });
}

LivePreview::LivePreview(QObject* parent)
    : QObject(parent)
    , m_job(new PreviewJob(this))
{
    connect(m_job, &PreviewJob::measured, this, [this](const PreviewPoint& point) {
        if (point.source != m_source)
            return; // measured on a model or data set no longer on screen
        m_measured[point.family][point.prunePercent] = point.result;
        if (point.request == m_request && point.request > 0) {
            m_latestMeasured = true;
            emit previewed(point);
        }
    });
    connect(m_job, &PreviewJob::failed, this, [this](const QString& message) {
        if (m_running.source != m_source)
            return;
        m_failedFamilies.insert(m_running.family);
        if (m_running.request == m_request && m_running.request > 0) {
            m_latestMeasured = true;
            emit failed(m_running.request, message);
        }
    });
    connect(m_job, &PreviewJob::ended, this, &LivePreview::startNext);
}

const std::vector<int>& LivePreview::aheadPercents()
{
    static const std::vector<int> percents { 0, 30, 50, 70, 80, 90, 95, 98, 99 };
    return percents;
}

void LivePreview::setSource(const QString& model, const QString& data, int threads)
{
    if (model == m_model && data == m_data && threads == m_threads)
        return;
    m_model = model;
    m_data = data;
    m_threads = threads;
    ++m_source;
    m_measured.clear();
    m_failedFamilies.clear();
    m_job->cancel();
    startNext();
}

void LivePreview::setPaused(bool paused)
{
    m_paused = paused;
    if (paused)
        m_job->cancel();
    else
        startNext();
}

QString LivePreview::familyOf(StudioSettings settings)
{
    // Any ratio above zero keeps the pruning step (and its method) in the recipe.
    settings.prunePercent = 50;
    return QString::fromStdString(oneShotRecipe(settings.toRecipe()).toJson());
}

int LivePreview::request(const StudioSettings& settings)
{
    const int number = ++m_request;
    m_latest = settings;
    m_latestMeasured = false;
    QString family;
    try {
        family = familyOf(settings);
    } catch (const std::exception& e) {
        m_latestMeasured = true;
        emit failed(number, QString::fromStdString(e.what()));
        return number;
    }
    if (auto point = known(family, settings.prunePercent)) {
        point->request = number;
        m_latestMeasured = !point->estimated;
        emit previewed(*point);
    }
    if (m_job->isRunning())
        m_job->cancel(); // startNext follows when it has ended
    else
        startNext();
    return number;
}

std::optional<PreviewPoint> LivePreview::known(const QString& family, int percent) const
{
    const auto measured = m_measured.find(family);
    if (measured == m_measured.end())
        return std::nullopt;
    const auto& byPercent = measured->second;
    PreviewPoint point;
    point.family = family;
    point.prunePercent = percent;
    if (const auto exact = byPercent.find(percent); exact != byPercent.end()) {
        point.result = exact->second;
        return point;
    }
    const auto above = byPercent.upper_bound(percent);
    if (above == byPercent.begin() || above == byPercent.end())
        return std::nullopt; // nothing on one side: no estimate rather than a guess
    const auto below = std::prev(above);
    const double t = double(percent - below->first) / double(above->first - below->first);
    const auto& lo = below->second;
    const auto& hi = above->second;
    // Sizes shrink roughly geometrically with the ratio: interpolate their logarithms.
    const auto geometric = [t](int64_t a, int64_t b) {
        return int64_t(std::llround(std::exp((1.0 - t) * std::log(double(std::max<int64_t>(a, 1)))
                                             + t * std::log(double(std::max<int64_t>(b, 1))))));
    };
    point.estimated = true;
    point.result.settings = "estimated from the previews measured at " + std::to_string(below->first) + "% and "
        + std::to_string(above->first) + "%";
    point.result.accuracy = (1.0 - t) * lo.accuracy + t * hi.accuracy;
    point.result.images = lo.images;
    point.result.params = geometric(lo.params, hi.params);
    point.result.nonzeroParams = geometric(lo.nonzeroParams, hi.nonzeroParams);
    point.result.sizes.denseFp32 = geometric(lo.sizes.denseFp32, hi.sizes.denseFp32);
    point.result.sizes.torchScript = geometric(lo.sizes.torchScript, hi.sizes.torchScript);
    point.result.sizes.pare = geometric(lo.sizes.pare, hi.sizes.pare);
    return point;
}

std::optional<std::pair<PreviewPoint, Recipe>> LivePreview::nextWork()
{
    if (m_paused || m_model.isEmpty() || !m_latest)
        return std::nullopt;
    PreviewPoint next;
    next.source = m_source;
    StudioSettings settings = *m_latest;
    try {
        next.family = familyOf(settings);
        if (!m_latestMeasured) {
            next.request = m_request;
            next.prunePercent = settings.prunePercent;
        } else {
            // Idle: measure ahead the ratios the slider is likely to visit, for estimates.
            if (m_failedFamilies.count(next.family))
                return std::nullopt;
            const auto measured = m_measured.find(next.family);
            const auto& percents = aheadPercents();
            const auto missing = std::find_if(percents.begin(), percents.end(), [&](int p) {
                return measured == m_measured.end() || measured->second.count(p) == 0;
            });
            if (missing == percents.end())
                return std::nullopt;
            next.prunePercent = settings.prunePercent = *missing;
        }
        return std::pair { next, settings.toRecipe() };
    } catch (const std::exception&) {
        return std::nullopt; // request() reported it
    }
}

bool LivePreview::isMeasuring()
{
    return m_job->isRunning() || nextWork().has_value();
}

void LivePreview::startNext()
{
    if (m_job->isRunning())
        return;
    if (auto work = nextWork()) {
        m_running = work->first;
        m_job->start(work->first, m_model, m_data, work->second, m_threads);
    }
}

void LivePreview::stopAndWait()
{
    m_latest.reset();
    m_job->cancel();
    m_job->wait();
}

} // namespace pare::ui
