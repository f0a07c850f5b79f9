#pragma once

// What the search draws from: points of the space the studio's controls span (Config), drawn at random or one step
// from a given point (Space), and the recipe each point runs at a given number of epochs (recipeFor).

#include "pare/Options.h"
#include "pare/Recipe.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace pare::search {

/// A point of the space, without the training budget (which the round decides). Indices refer to the value lists in
/// SearchSpace.cpp.
struct Config
{
    PruneMethod method = PruneMethod::MagnitudeGlobal;
    Allocation allocate = Allocation::Uniform;
    size_t ratio = 0;    ///< index into the method's ratios
    size_t channels = 0; ///< index into the channel ratios: structured pruning before a magnitude method
    size_t bits = 0;     ///< index into the bits (32, 8, 6, 5, 4, 3, 2)
    QuantScheme scheme = QuantScheme::KMeans;
    bool perChannel = false;
    bool int8 = false; ///< on oneDNN's int8 kernels (8-bit weights implied)
    size_t temperature = 0;
    size_t alpha = 2;

    [[nodiscard]] const std::vector<double>& ratios() const;
    bool operator<(const Config& o) const
    {
        return std::tie(method, allocate, ratio, channels, bits, scheme, perChannel, int8, temperature, alpha)
            < std::tie(o.method, o.allocate, o.ratio, o.channels, o.bits, o.scheme, o.perChannel, o.int8, o.temperature,
                       o.alpha);
    }
};

class Space
{
public:
    Space(uint64_t seed, SearchObjective objective)
        : m_random(seed)
        , m_objective(objective)
    {
    }

    [[nodiscard]] Config draw();
    /// One step away from `c` along one axis.
    [[nodiscard]] Config near(Config c);
    /// After a model refused structured pruning (an operation the channel analysis does not follow), no more
    /// candidates ask for it.
    void forbidStructured() { m_structuredWorks = false; }

private:
    static Config normalized(Config c);
    bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(m_random) < p; }
    size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(m_random); }

    std::mt19937_64 m_random;
    SearchObjective m_objective;
    bool m_structuredWorks = true;
};

/// Epochs on the quantization levels after `epochs` of fine-tuning.
[[nodiscard]] int levelEpochs(int epochs);
/// The epochs a candidate trains in all (fine-tuning or distillation, then the levels), for the cost model.
[[nodiscard]] int trainedEpochs(int epochs);

/// The recipe of `c` trained for `epochs` (0: the one-shot model). `layerRatios`: the per-layer ratios a candidate
/// allocated by sensitivity prunes to (magnitude-layer), written out so that the recipe reruns without the analysis.
[[nodiscard]] Recipe
recipeFor(const Config& c, int epochs, uint64_t seed, const std::map<std::string, double>& layerRatios);

} // namespace pare::search
