#pragma once

// A sweep: one base recipe and axes over its fields, expanded into independent configurations that each run as a
// `pare compress` (README, "Sweeps and clusters"). The file:
// {"version": 1, "recipe": {...} or "recipe.json",
//  "axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5, 0.8]},
//           {"pointer": "/steps/1/quantize/bits", "from": 2, "to": 8, "count": 4, "scale": "linear"}],
//  "combine": "grid"}                       (or "combine": "random", "samples": 20, "seed": 1)

#include "pare/Options.h"
#include "pare/Recipe.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pare {

/// One recipe field a sweep varies, addressed by JSON Pointer (RFC 6901) into the recipe's JSON.
struct SweepAxis
{
    std::string pointer;
    /// A list of values, each as JSON text ("0.5", "\"filters\""); empty for a range.
    std::vector<std::string> values;
    /// A range, `from` to `to` inclusive: `count` values on the scale (a random sweep without `count` draws anywhere
    /// in between). Whole-number fields are rounded.
    double from = 0.0;
    double to = 0.0;
    int count = 0;
    AxisScale scale = AxisScale::Linear;
    bool wholeNumbers = false; ///< the base recipe holds a whole number at `pointer`

    [[nodiscard]] bool isRange() const { return values.empty(); }
};

/// One configuration of a sweep: its id, the values it sets, and the recipe they make.
struct SweepConfiguration
{
    int index = 0;
    std::string id; ///< the index zero-padded to the width of the largest ("007" of 120)
    /// (pointer, value as JSON text), one per axis, in the axes' order.
    std::vector<std::pair<std::string, std::string>> settings;
    Recipe recipe;

    /// "/steps/0/prune/ratio=0.5 /steps/1/quantize/bits=4".
    [[nodiscard]] std::string describe() const;
    /// {"/steps/0/prune/ratio": 0.5, ...}: what result.json carries under "config".
    [[nodiscard]] std::string settingsJson() const;
};

struct Sweep
{
    static constexpr int kVersion = 1;
    std::string origin;         ///< the file it came from, for messages
    std::string baseRecipeJson; ///< the base recipe as Recipe::toJson writes it (every field that has a value)
    std::vector<SweepAxis> axes;
    SweepCombine combine = SweepCombine::Grid;
    int samples = 0; ///< random: how many configurations
    uint64_t seed = 0;
    /// FNV-1a of the sweep file's bytes and the base recipe, hex: a sweep folder refuses to continue with another.
    std::string hash;

    /// Throws InputError naming `origin`: bad JSON, an unknown key, a pointer that addresses nothing in the base
    /// recipe, an empty or inverted range, a log range that is not positive. A recipe given as a file name is read
    /// relative to `folder`.
    [[nodiscard]] static Sweep fromJson(const std::string& text, const std::string& origin, const std::string& folder);
    [[nodiscard]] static Sweep load(const std::string& path);

    /// Every configuration, in plan order; the same sweep gives the same plan. Throws InputError naming the file and
    /// the configuration's id when its recipe is not valid (a ratio out of range, say), so nothing is submitted.
    [[nodiscard]] std::vector<SweepConfiguration> plan() const;
    /// How many configurations plan() gives, without building their recipes.
    [[nodiscard]] int64_t size() const;
};

} // namespace pare
