#include "pipeline/SearchSpace.h"

#include <algorithm>

namespace pare::search {
namespace {

// The values the search draws from: the sliders' ranges, in steps that make a visible difference on the chart.
const std::vector<double> kMagnitudeRatios { 0.0, 0.5, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99 };
const std::vector<double> kFilterRatios { 0.2, 0.3, 0.4, 0.5, 0.6, 0.7 };
/// Channels removed before magnitude pruning (0: none). Removing whole channels first makes the remaining weights
/// denser per layer, so each non-zero weight costs fewer bits of position in .pare: on LeNet-5, filters 50% then
/// magnitude 92% and 4-bit k-means wrote 11,761 bytes for 9,015 weights, where magnitude 98% alone wrote 15-17 KB
/// for 8,600.
const std::vector<double> kChannelRatios { 0.0, 0.25, 0.4, 0.5 };
const std::vector<int> kBits { 32, 8, 6, 5, 4, 3, 2 };
const std::vector<double> kTemperatures { 0.0, 2.0, 4.0, 8.0 };
const std::vector<double> kAlphas { 0.5, 0.7, 0.9 };

} // namespace

const std::vector<double>& Config::ratios() const
{
    return method == PruneMethod::Filters ? kFilterRatios : kMagnitudeRatios;
}

Config Space::draw()
{
    Config c;
    // Magnitude pruning leaves the MACs as they are: for that objective only structured pruning counts.
    const bool structured = m_objective == SearchObjective::Macs || chance(0.3);
    c.method = structured && m_structuredWorks ? PruneMethod::Filters : PruneMethod::MagnitudeGlobal;
    if (c.method == PruneMethod::MagnitudeGlobal && chance(0.2)) {
        c.method = PruneMethod::MagnitudeLayer;
        c.allocate = Allocation::Sensitivity;
    }
    c.ratio = pick(c.ratios().size());
    if (c.method != PruneMethod::Filters && m_structuredWorks && chance(0.4))
        c.channels = 1 + pick(kChannelRatios.size() - 1);
    c.bits = pick(kBits.size());
    c.scheme = chance(0.6) ? QuantScheme::KMeans : QuantScheme::Uniform;
    c.perChannel = c.scheme == QuantScheme::Uniform && chance(0.5);
    c.int8 = m_objective == SearchObjective::Latency && chance(0.3);
    c.temperature = chance(0.5) ? 0 : 1 + pick(kTemperatures.size() - 1);
    c.alpha = pick(kAlphas.size());
    return normalized(c);
}

/// One step away from `c` along one axis.
Config Space::near(Config c)
{
    const auto step = [&](size_t& index, size_t size) {
        index = chance(0.5) ? std::min(index + 1, size - 1) : (index > 0 ? index - 1 : 0);
    };
    switch (pick(c.channels > 0 ? 4 : 3)) {
    case 0:
        step(c.ratio, c.ratios().size());
        break;
    case 3:
        step(c.channels, kChannelRatios.size());
        break;
    case 1:
        step(c.bits, kBits.size());
        break;
    default:
        c.temperature = c.temperature > 0 ? 0 : 1 + pick(kTemperatures.size() - 1);
        break;
    }
    return normalized(c);
}

Config Space::normalized(Config c)
{
    if (c.method == PruneMethod::Filters)
        c.channels = 0;
    if (c.int8) {
        c.bits = size_t(std::find(kBits.begin(), kBits.end(), 8) - kBits.begin());
        c.scheme = QuantScheme::Symmetric;
        c.perChannel = true;
    }
    if (kBits[c.bits] == 32) {
        c.scheme = QuantScheme::KMeans;
        c.perChannel = false;
    }
    if (c.temperature == 0)
        c.alpha = 2;
    return c;
}

/// The learning rate of the search's fine-tuning and distillation (the steps' default is 0.01, tuned for 2-3 epochs):
/// LeNet-5 pruned to 98% came back to +0.12 points after 16 epochs at 0.05, to -0.17 at 0.01.
namespace {
constexpr double kFinetuneRate = 0.05;
} // namespace

/// Epochs on the quantization levels after `epochs` of fine-tuning: one for every eight (at least one). LeNet-5 pruned
/// to 98% and fine-tuned for 16 epochs lost 0.45 points of its accuracy to 4-bit k-means with one epoch on the
/// levels, 0.35 with three.
int levelEpochs(int epochs)
{
    return epochs > 0 ? std::max(1, epochs / 8) : 0;
}

int trainedEpochs(int epochs)
{
    return epochs + levelEpochs(epochs);
}

/// The recipe of `c` trained for `epochs`: plain fine-tuning after pruning, or, where the candidate distils, the
/// same epochs as distillation from the original into the pruned model; quantized weights get epochs on their
/// levels (levelEpochs) once anything trains. Zero epochs: the one-shot model.
Recipe recipeFor(const Config& c, int epochs, uint64_t seed, const std::map<std::string, double>& layerRatios)
{
    Recipe::Simple s;
    s.seed = seed;
    s.pruneMethod = c.method;
    s.pruneRatio = c.ratios()[c.ratio];
    s.layerRatios = layerRatios;
    const bool distils = epochs > 0 && c.temperature > 0;
    s.finetuneEpochs = distils ? 0 : epochs;
    s.temperature = distils ? kTemperatures[c.temperature] : 0.0;
    s.alpha = kAlphas[c.alpha];
    s.distillEpochs = epochs;
    s.bits = kBits[c.bits];
    s.scheme = c.scheme;
    s.perChannel = c.perChannel;
    s.biasFp16 = kBits[c.bits] <= 8 && !c.int8; // every byte counts for the candidates this search compares
    s.quantizeEpochs = levelEpochs(epochs);
    if (c.int8)
        s.engine = Int8Engine::OneDnn;
    auto recipe = Recipe::fromSimple(s);
    for (auto& step : recipe.steps) {
        if (step.kind == RecipeStep::Kind::Prune && step.prune.finetune.epochs > 0)
            step.prune.finetune.learningRate = kFinetuneRate;
        if (step.kind == RecipeStep::Kind::Distill && step.distill.options.train.epochs > 0)
            step.distill.options.train.learningRate = kFinetuneRate;
    }
    if (c.channels > 0) {
        RecipeStep channels;
        channels.kind = RecipeStep::Kind::Prune;
        channels.prune.method = PruneMethod::Filters;
        channels.prune.ratio = kChannelRatios[c.channels];
        channels.prune.finetune.epochs = 0;
        recipe.steps.insert(recipe.steps.begin(), channels);
    }
    return recipe;
}

} // namespace pare::search
