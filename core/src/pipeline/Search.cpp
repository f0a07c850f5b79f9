// Multi-fidelity search (successive halving, Jamieson & Talwalkar 2016, in brackets as Hyperband runs them): each
// bracket screens candidates one-shot (pruned and quantized without training, measured on the validation split),
// fine-tunes the best third for SearchOptions::epochs[0] epochs, the best third of those (at least two) for the next
// rung's, and so on. "Best" is Pareto rank on (objective, validation accuracy), then the objective: one-shot
// accuracy at high compression says little about what fine-tuning recovers, so a round keeps the whole trade-off
// rather than the most accurate few. A candidate whose objective is no smaller than the smallest one already within
// the limit cannot win and is not trained further. Brackets after the first draw half their candidates near the front
// found so far.

#include "pare/Search.h"

#include "pare/Distillation.h"
#include "pare/Error.h"
#include "pare/Pipeline.h"
#include "pare/Sensitivity.h"
#include "pare/Training.h"
#include "pipeline/SearchSpace.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace pare {
namespace {

using search::Config;
using search::levelEpochs;
using search::recipeFor;
using search::Space;
using search::trainedEpochs;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double objectiveOf(SearchObjective objective, int64_t bytes, double latencyMs, int64_t macs)
{
    switch (objective) {
    case SearchObjective::PareBytes:
        return double(bytes);
    case SearchObjective::Latency:
        return latencyMs;
    case SearchObjective::Macs:
        return double(macs);
    }
    return double(bytes);
}

/// Pareto rank of each candidate on (objective down, accuracy up): 0 for the front, 1 for the front without it...
std::vector<int> paretoRanks(const std::vector<const SearchCandidate*>& items)
{
    std::vector<int> rank(items.size(), -1);
    size_t ranked = 0;
    for (int level = 0; ranked < items.size(); ++level) {
        std::vector<size_t> current;
        for (size_t i = 0; i < items.size(); ++i) {
            if (rank[i] >= 0)
                continue;
            bool dominated = false;
            for (size_t j = 0; j < items.size() && !dominated; ++j)
                dominated = j != i && rank[j] < 0 && items[j]->objective <= items[i]->objective
                    && items[j]->validationAccuracy >= items[i]->validationAccuracy
                    && (items[j]->objective < items[i]->objective
                        || items[j]->validationAccuracy > items[i]->validationAccuracy);
            if (!dominated)
                current.push_back(i);
        }
        for (auto i : current)
            rank[i] = level;
        ranked += current.size();
    }
    return rank;
}

class Searcher
{
public:
    Searcher(const Model& model,
             const Dataset& data,
             const SearchOptions& options,
             const SearchCallbacks& callbacks,
             const CancelFlag* cancel)
        : m_model(model)
        , m_data(data)
        , m_options(options)
        , m_callbacks(callbacks)
        , m_cancel(cancel)
        , m_space(options.seed, options.objective)
        , m_shape(data.info().sampleShape)
    {
    }

    SearchResult run()
    {
        if (m_data.size(Split::Validation) == 0)
            throw InputError(m_data.info().spec
                             + ": the search decides on the validation split, and this data set has none");
        if (m_options.candidates < 1 || m_options.eta < 2)
            throw InputError("search: candidates must be at least 1 and eta at least 2");
        checkCompatible(m_model, m_data);
        m_started = Clock::now();
        m_result.baselineValidationAccuracy = evaluate(m_model, m_data, Split::Validation).accuracy;
        m_result.baselinePareBytes = int64_t(m_model.serialize(ModelFormat::Pare).size());
        m_result.denseFp32Bytes = 4 * m_model.parameterCount();
        m_result.baselineObjective = objectiveOf(m_options.objective, m_result.baselinePareBytes, latencyOf(m_model),
                                                 m_model.inspect(m_shape).macs);
        if (m_callbacks.baseline)
            m_callbacks.baseline(m_result);
        const bool unlimited = m_options.budget.seconds <= 0 && m_options.budget.runs <= 0;
        for (int bracket = 0; !m_stopped; ++bracket) {
            runBracket(bracket);
            if (unlimited && !m_stopped)
                stop("finished");
        }
        finish();
        return std::move(m_result);
    }

private:
    void runBracket(int bracket)
    {
        std::vector<Config> round = drawScreen(bracket);
        if (round.empty()) { // every point drawn has been measured
            stop("finished");
            return;
        }
        for (size_t r = 0; r <= m_options.epochs.size() && !round.empty() && !m_stopped; ++r) {
            std::vector<std::pair<Config, int>> measured; // config, candidate id
            for (size_t i = 0; i < round.size(); ++i) {
                const auto& config = round[i];
                const int epochs = r == 0 ? 0 : epochsOf(r, round.size() - i);
                if (!mayStart(int(r), epochs))
                    break;
                if (const auto id = measure(config, bracket, int(r), epochs))
                    measured.emplace_back(config, *id);
            }
            round = promote(measured);
        }
    }

    /// The one-shot screen: the space's anchors first (8-bit weights alone, Deep Compression's 4-bit codebook after
    /// its usual pruning and after the 98% that fine-tuning brings back on LeNet-5), new draws, and after the first
    /// bracket half of them one step from a front member.
    std::vector<Config> drawScreen(int bracket)
    {
        std::vector<Config> screen;
        std::set<Config> seen;
        auto add = [&](const Config& c) {
            if (seen.insert(c).second && !m_tried.count(c))
                screen.push_back(c);
        };
        if (bracket == 0) {
            Config eightBits;
            eightBits.bits = 1;
            add(eightBits);
            for (size_t ratio : { size_t(3), size_t(5), size_t(7) }) { // 90%, 95% and 98%, 4-bit k-means
                Config deep;
                deep.ratio = ratio;
                deep.bits = 4;
                add(deep);
            }
        }
        std::vector<Config> front;
        for (int id : frontIds())
            front.push_back(m_configs.at(id));
        for (int attempts = 0; int(screen.size()) < m_options.candidates && attempts < 50 * m_options.candidates;
             ++attempts) {
            if (!front.empty() && attempts % 2 == 1)
                add(m_space.near(front[size_t(attempts / 2) % front.size()]));
            else
                add(m_space.draw());
        }
        return screen;
    }

    /// The best 1/eta of a round go on: by Pareto rank, then the objective; none that cannot win. After a round that
    /// trained, one still further beyond the limit than more epochs are expected to bring back does not go on: one
    /// point plus 4 over the epochs it had (5 after one epoch, 2 after four). A first 20-minute search promoted a
    /// 99%-pruned candidate 2 points down after one epoch over three within a point, and it was 2.08 down after four;
    /// but LeNet-5 pruned to 98% is 2.5 points down after one epoch and 0.46 after sixteen.
    std::vector<Config> promote(const std::vector<std::pair<Config, int>>& measured) const
    {
        std::vector<const SearchCandidate*> items;
        std::vector<Config> configs;
        for (const auto& [config, id] : measured) {
            const auto& c = m_result.candidates[size_t(id)];
            if (m_best && c.objective >= m_result.candidates[size_t(*m_best)].objective)
                continue;
            if (c.round > 0 && c.dropPoints > m_options.maxDropPoints + 1.0 + 4.0 / double(std::max(1, c.epochs)))
                continue;
            items.push_back(&c);
            configs.push_back(config);
        }
        const auto ranks = paretoRanks(items);
        std::vector<size_t> order(items.size());
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return std::tie(ranks[a], items[a]->objective, items[a]->id)
                < std::tie(ranks[b], items[b]->objective, items[b]->id);
        });
        // At least two go on, so that the longest rung is not one candidate's chance.
        const auto keep
            = std::min(order.size(), std::max(size_t(2), size_t(std::ceil(double(measured.size()) / m_options.eta))));
        std::vector<Config> next;
        for (size_t i = 0; i < keep; ++i)
            next.push_back(configs[order[i]]);
        return next;
    }

    /// Seconds a candidate is expected to take at `round` with `epochs`: the rung's mean so far, or, for a rung
    /// whose epochs the budget sets, the cost model of the trained rungs before it; 0 before anything was measured.
    double expectedSeconds(int round, int epochs) const
    {
        if (const auto model = costModel(); model && size_t(round) == m_options.epochs.size())
            return model->first + model->second * trainedEpochs(epochs);
        const auto cost = m_costs.find(round);
        return cost == m_costs.end() ? 0.0 : cost->second.first / cost->second.second;
    }

    /// (seconds per candidate besides training, seconds per epoch), fitted on the means of the first two trained
    /// rungs, the seconds per epoch then taken from the last rung's own candidates once one was measured (its long
    /// runs are what the estimate is for); none before the first two rungs were measured.
    std::optional<std::pair<double, double>> costModel() const
    {
        if (m_options.epochs.size() < 3)
            return std::nullopt;
        const auto first = m_costs.find(1), second = m_costs.find(2);
        if (first == m_costs.end() || second == m_costs.end() || m_options.epochs[1] <= m_options.epochs[0])
            return std::nullopt;
        const double c1 = first->second.first / first->second.second;
        const double c2 = second->second.first / second->second.second;
        const int e1 = trainedEpochs(m_options.epochs[0]), e2 = trainedEpochs(m_options.epochs[1]);
        const double perEpoch = (c2 - c1) / double(e2 - e1);
        if (!(perEpoch > 0.0))
            return std::nullopt;
        const double overhead = std::max(0.0, c1 - perEpoch * e1);
        double lastSeconds = 0.0, lastEpochs = 0.0;
        for (const auto& c : m_result.candidates)
            if (size_t(c.round) == m_options.epochs.size()) {
                lastSeconds += c.seconds - overhead;
                lastEpochs += trainedEpochs(c.epochs);
            }
        return std::make_pair(overhead, lastEpochs > 0.0 && lastSeconds > 0.0 ? lastSeconds / lastEpochs : perEpoch);
    }

    /// The epochs of the next candidate of rung `round` (1-based among trained rungs), `candidates` of which are still
    /// to run. With a time budget, the last rung trains them for as many epochs as 90% of the rest of the budget
    /// allows (at least the configured number, at most kMostFinalEpochs; the margin because an estimate from the
    /// short rungs alone let a 20-minute search with a build beside it run past 25 minutes): accuracy at high sparsity
    /// keeps coming back with epochs (LeNet-5 at 98% and 4-bit k-means: -0.81 points after 8 epochs, -0.46 after 16),
    /// while a second bracket that the budget cuts off before its last rung adds only candidates too short-trained to
    /// win.
    int epochsOf(size_t round, size_t candidates) const
    {
        constexpr int kMostFinalEpochs = 48;
        const int configured = m_options.epochs[round - 1];
        const auto model = costModel();
        if (round != m_options.epochs.size() || m_options.budget.seconds <= 0 || !model || candidates == 0)
            return configured;
        const double remaining = 0.9 * (m_options.budget.seconds - secondsSince(m_started));
        int epochs = configured;
        while (epochs < kMostFinalEpochs
               && double(candidates) * (model->first + model->second * trainedEpochs(epochs + 1)) <= remaining)
            ++epochs;
        return epochs;
    }

    bool mayStart(int round, int epochs)
    {
        if (m_cancel && m_cancel->isRequested())
            return stop("cancelled", true);
        if (m_options.budget.runs > 0 && int(m_result.candidates.size()) >= m_options.budget.runs)
            return stop("budget");
        if (m_options.budget.seconds > 0
            && secondsSince(m_started) + expectedSeconds(round, epochs) > m_options.budget.seconds)
            return stop("budget");
        return true;
    }

    bool stop(const char* why, bool cancelled = false)
    {
        if (!m_stopped) {
            m_result.stoppedBy = why;
            m_result.cancelled = cancelled;
        }
        m_stopped = true;
        return false;
    }

    std::optional<int> measure(const Config& config, int bracket, int round, int epochs)
    {
        SearchCandidate c;
        c.bracket = bracket;
        c.round = round;
        c.epochs = epochs;
        c.recipe = recipeFor(config, epochs, m_options.seed, layerRatiosFor(config));
        c.settings = c.recipe.describe();
        if (config.allocate == Allocation::Sensitivity && config.ratio > 0)
            c.settings += " (per-layer ratios by sensitivity)";
        if (m_callbacks.starting)
            m_callbacks.starting(bracket, round, c.settings);
        const auto started = Clock::now();
        std::optional<Model> model;
        try {
            model = applyRecipe(m_model, m_data, c.recipe, m_cancel);
        } catch (const InputError&) {
            // A graph the channel analysis does not follow refuses structured pruning, and changes nothing: the
            // search goes on without it. Anything else is the search's failure.
            if (config.method != PruneMethod::Filters && config.channels == 0)
                throw;
            m_space.forbidStructured();
            m_tried.insert(config);
            return std::nullopt;
        }
        if (!model) {
            stop("cancelled", true);
            return std::nullopt;
        }
        c.validationAccuracy = evaluate(*model, m_data, Split::Validation).accuracy;
        c.dropPoints = 100.0 * (m_result.baselineValidationAccuracy - c.validationAccuracy);
        const double changed = 1.0 - topOneAgreement(m_model, *model, m_data, Split::Validation);
        c.dropStandardErrorPoints = 100.0 * std::sqrt(changed / double(m_data.size(Split::Validation)));
        c.withinLimit = c.dropPoints + c.dropStandardErrorPoints <= m_options.maxDropPoints + 1e-9;
        c.pareBytes = int64_t(model->serialize(ModelFormat::Pare).size());
        c.torchScriptBytes = int64_t(model->serialize(ModelFormat::TorchScript).size());
        c.params = model->parameterCount();
        c.nonzeroParams = model->nonzeroParameterCount();
        c.macs = model->inspect(m_shape).macs;
        c.latencyMs = m_options.objective == SearchObjective::Latency ? latencyOf(*model) : 0.0;
        c.objective = objectiveOf(m_options.objective, c.pareBytes, c.latencyMs, c.macs);
        c.seconds = secondsSince(started);
        c.id = int(m_result.candidates.size());
        auto& cost = m_costs[round];
        cost.first += c.seconds;
        cost.second += 1;
        m_tried.insert(config);
        m_configs.emplace(c.id, config);
        const auto better = [&](const std::optional<int>& than, bool byObjective) {
            if (!than)
                return true;
            const auto& o = m_result.candidates[size_t(*than)];
            return byObjective
                ? std::tie(c.objective, o.validationAccuracy) < std::tie(o.objective, c.validationAccuracy)
                : c.validationAccuracy > o.validationAccuracy;
        };
        if (c.withinLimit && better(m_best, true)) {
            m_best = c.id;
            m_bestModel.emplace(model->clone());
        }
        if (!m_best && better(m_mostAccurate, false)) {
            m_mostAccurate = c.id;
            m_accurateModel.emplace(model->clone());
        }
        m_result.candidates.push_back(c);
        if (m_callbacks.measured)
            m_callbacks.measured(m_result.candidates.back());
        return c.id;
    }

    /// Sensitivity is measured once per search (pruning curves only, 1,000 validation images, up to 99%) and
    /// allocated for each candidate that asks for it.
    std::map<std::string, double> layerRatiosFor(const Config& config)
    {
        if (config.allocate != Allocation::Sensitivity || config.ratio == 0)
            return {};
        if (!m_sensitivity) {
            SensitivityOptions options;
            options.ratios = { 0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99 };
            options.bits.clear();
            options.images = 1000;
            m_sensitivity = analyzeSensitivity(m_model, m_data, options, m_cancel);
        }
        const auto allocated = allocateRatios(*m_sensitivity, config.ratios()[config.ratio]);
        return { allocated.begin(), allocated.end() };
    }

    /// Batch 1, the median of up to 9 passes in at most a second: batch 256 matters for throughput, not here.
    double latencyOf(const Model& model) const
    {
        auto samples = latencySamplesMs(model, m_shape, 1, 9, 1.0);
        std::nth_element(samples.begin(), samples.begin() + std::ptrdiff_t(samples.size() / 2), samples.end());
        return samples[samples.size() / 2];
    }

    std::vector<int> frontIds() const
    {
        std::vector<const SearchCandidate*> sorted;
        for (const auto& c : m_result.candidates)
            sorted.push_back(&c);
        std::sort(sorted.begin(), sorted.end(), [](const SearchCandidate* a, const SearchCandidate* b) {
            return std::tie(a->objective, b->validationAccuracy, a->id)
                < std::tie(b->objective, a->validationAccuracy, b->id);
        });
        std::vector<int> front;
        double bestAccuracy = -1.0;
        for (const auto* c : sorted)
            if (c->validationAccuracy > bestAccuracy) {
                front.push_back(c->id);
                bestAccuracy = c->validationAccuracy;
            }
        return front;
    }

    void finish()
    {
        m_result.front = frontIds();
        m_result.winner = m_best ? m_best : m_mostAccurate;
        auto& winnerModel = m_best ? m_bestModel : m_accurateModel;
        // The test split is read twice in a search, both here: the baseline and the winner, once each.
        m_result.baselineTestAccuracy = evaluate(m_model, m_data, Split::Test).accuracy;
        if (m_result.winner && winnerModel) {
            m_result.winnerTestAccuracy = evaluate(*winnerModel, m_data, Split::Test).accuracy;
            m_result.winnerTestDropPoints = 100.0 * (m_result.baselineTestAccuracy - m_result.winnerTestAccuracy);
            m_result.winnerWithinLimit = m_result.winnerTestDropPoints <= m_options.maxDropPoints + 1e-9;
            m_result.winnerModel = std::move(winnerModel);
        }
        m_result.seconds = secondsSince(m_started);
    }

    const Model& m_model;
    const Dataset& m_data;
    const SearchOptions& m_options;
    const SearchCallbacks& m_callbacks;
    const CancelFlag* m_cancel;
    Space m_space;
    std::vector<int64_t> m_shape;
    Clock::time_point m_started;
    SearchResult m_result;
    bool m_stopped = false;
    std::set<Config> m_tried;
    std::map<int, Config> m_configs;
    std::map<int, std::pair<double, int>> m_costs; ///< per round: seconds spent, candidates measured
    std::optional<int> m_best, m_mostAccurate;
    std::optional<Model> m_bestModel, m_accurateModel;
    std::optional<SensitivityResult> m_sensitivity;
};

} // namespace

SearchBudget parseSearchBudget(const std::string& text, const std::string& field)
{
    const auto fail = [&]() -> SearchBudget {
        throw InputError(field + ": '" + text
                         + "' is not a budget (expected minutes, seconds or hours such as 20m, "
                           "90s, 1.5h, or a count of runs such as 50runs)");
    };
    size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return fail();
    }
    const auto unit = text.substr(used);
    if (!std::isfinite(value) || value <= 0.0)
        return fail();
    SearchBudget budget;
    if (unit == "runs" && value == std::floor(value) && value <= 1e6)
        budget.runs = int(value);
    else if (unit == "s")
        budget.seconds = value;
    else if (unit == "m")
        budget.seconds = 60.0 * value;
    else if (unit == "h")
        budget.seconds = 3600.0 * value;
    else
        return fail();
    return budget;
}

SearchResult searchCompression(const Model& model,
                               const Dataset& data,
                               const SearchOptions& options,
                               const SearchCallbacks& callbacks,
                               const CancelFlag* cancel)
{
    return Searcher(model, data, options, callbacks, cancel).run();
}

} // namespace pare
