// Sweep files: strict like recipes (an unknown key or a pointer into nothing is an error before anything is
// submitted), and planned the same way every time, so every array task of a cluster finds its configuration by index.

#include "io/Files.h"

#include "pare/Error.h"
#include "pare/Sweep.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>

namespace pare {
namespace {

using nlohmann::json;

/// Beyond this a grid is a mistake (an axis with a count of 1000, say), not a sweep anyone can run.
constexpr int64_t kMostConfigurations = 100000;

std::string fnv1aHex(const std::string& bytes)
{
    uint64_t hash = 1469598103934665603ULL;
    for (const unsigned char c : bytes) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

/// A number as a sweep writes it into a recipe: at `digits` significant digits, so 0.3 + 0.2 is 0.5 and not
/// 0.49999999999999994 in tables and file names.
std::string numberText(double value, bool wholeNumber, int digits = 12)
{
    if (wholeNumber)
        return json(static_cast<int64_t>(std::llround(value))).dump();
    char text[40];
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    return json(std::strtod(text, nullptr)).dump();
}

class SweepReader
{
public:
    SweepReader(const json& object, std::string where, const std::string& origin)
        : m_object(object)
        , m_where(std::move(where))
        , m_origin(origin)
    {
        if (!object.is_object())
            fail("expected an object");
    }

    [[noreturn]] void fail(const std::string& problem) const { throw inputError(m_origin, m_where + ": " + problem); }

    const json* find(const char* key)
    {
        m_known.insert(key);
        const auto it = m_object.find(key);
        return it == m_object.end() ? nullptr : &*it;
    }

    double number(const char* key)
    {
        const json* value = find(key);
        if (!value || !value->is_number())
            fail(std::string("'") + key + "' must be a number");
        return value->get<double>();
    }

    int64_t wholeNumber(const char* key, int64_t fallback)
    {
        const json* value = find(key);
        if (!value)
            return fallback;
        if (!value->is_number_integer())
            fail(std::string("'") + key + "' must be a whole number");
        return value->get<int64_t>();
    }

    template <typename E> E option(const char* key, E fallback)
    {
        const json* value = find(key);
        if (!value)
            return fallback;
        if (!value->is_string())
            fail(std::string("'") + key + "' must be one of " + optionList<E>());
        const auto chosen = findOption<E>(value->get<std::string>());
        if (!chosen)
            fail(std::string("'") + key + "' must be one of " + optionList<E>());
        return *chosen;
    }

    void finish() const
    {
        for (const auto& item : m_object.items())
            if (!m_known.count(item.key()))
                fail("unknown key '" + item.key().substr(0, 60) + "'");
    }

private:
    const json& m_object;
    std::string m_where;
    const std::string& m_origin;
    std::set<std::string> m_known;
};

SweepAxis readAxis(
    const json& object, const std::string& where, const std::string& origin, const json& base, SweepCombine combine)
{
    SweepReader in(object, where, origin);
    SweepAxis axis;
    const json* pointer = in.find("pointer");
    if (!pointer || !pointer->is_string())
        in.fail("'pointer' must be a JSON Pointer into the recipe, such as \"/steps/0/prune/ratio\"");
    axis.pointer = pointer->get<std::string>();
    json::json_pointer at;
    try {
        at = json::json_pointer(axis.pointer);
    } catch (const json::exception&) {
        in.fail("'pointer' " + axis.pointer.substr(0, 60) + " is not a JSON Pointer (it starts with '/')");
    }
    if (axis.pointer.empty())
        in.fail("'pointer' must address a field of the recipe, not the whole recipe");
    // A field the base recipe leaves at its default is not written by Recipe::toJson ("lr"): its parent object must
    // be there; the recipe check of every configuration then refuses a key that is not a recipe field.
    if (base.contains(at))
        axis.wholeNumbers = base.at(at).is_number_integer();
    else if (!base.contains(at.parent_pointer()) || !base.at(at.parent_pointer()).is_object())
        in.fail("'pointer' " + axis.pointer + " addresses nothing in the recipe");

    if (const json* values = in.find("values")) {
        if (!values->is_array() || values->empty())
            in.fail("'values' must be a non-empty list");
        for (const auto& value : *values)
            axis.values.push_back(value.is_number() ? numberText(value.get<double>(), axis.wholeNumbers)
                                                    : value.dump());
        for (const char* rangeKey : { "from", "to", "count", "scale" })
            if (in.find(rangeKey))
                in.fail("give either 'values' or a range ('from', 'to', 'count', 'scale'), not both");
    } else {
        axis.from = in.number("from");
        axis.to = in.number("to");
        axis.scale = in.option("scale", AxisScale::Linear);
        axis.count = static_cast<int>(std::clamp<int64_t>(in.wholeNumber("count", 0), -1, kMostConfigurations + 1));
        if (axis.from > axis.to)
            in.fail("'from' must not be above 'to'");
        if (axis.scale == AxisScale::Log && axis.from <= 0.0)
            in.fail("a log range needs 'from' above 0");
        if (axis.count < 0 || (axis.count == 0 && combine == SweepCombine::Grid))
            in.fail("'count' must be at least 1 (how many values from 'from' to 'to')");
    }
    in.finish();
    return axis;
}

/// A range's `count` values, evenly spaced on its scale, rounded for whole-number fields and without repeats.
std::vector<std::string> rangeValues(const SweepAxis& axis)
{
    std::vector<std::string> values;
    for (int i = 0; i < axis.count; ++i) {
        const double t = axis.count == 1 ? 0.0 : double(i) / double(axis.count - 1);
        const double value = axis.scale == AxisScale::Log
            ? std::exp(std::log(axis.from) + t * (std::log(axis.to) - std::log(axis.from)))
            : axis.from + t * (axis.to - axis.from);
        auto text = numberText(value, axis.wholeNumbers);
        if (std::find(values.begin(), values.end(), text) == values.end())
            values.push_back(std::move(text));
    }
    return values;
}

/// A value drawn anywhere in a range (uniformly on its scale): what random search gains over a grid is that every
/// configuration tries a value of its own on each axis (Bergstra & Bengio 2012).
std::string drawInRange(const SweepAxis& axis, std::mt19937_64& random)
{
    const double u = double(random() >> 11) * 0x1.0p-53; // [0, 1), the same on every standard library
    const double value = axis.scale == AxisScale::Log
        ? std::exp(std::log(axis.from) + u * (std::log(axis.to) - std::log(axis.from)))
        : axis.from + u * (axis.to - axis.from);
    return numberText(value, axis.wholeNumbers, 4);
}

std::string idFor(int index, int64_t count)
{
    const int width = std::max<int>(3, static_cast<int>(std::to_string(std::max<int64_t>(count - 1, 0)).size()));
    std::string id = std::to_string(index);
    return std::string(std::max<int>(0, width - static_cast<int>(id.size())), '0') + id;
}

} // namespace

std::string SweepConfiguration::describe() const
{
    std::string text;
    for (const auto& [pointer, value] : settings)
        text += (text.empty() ? "" : " ") + pointer + "=" + value;
    return text;
}

std::string SweepConfiguration::settingsJson() const
{
    json object = json::object();
    for (const auto& [pointer, value] : settings)
        object[pointer] = json::parse(value);
    return object.dump();
}

Sweep Sweep::fromJson(const std::string& text, const std::string& origin, const std::string& folder)
{
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        throw inputError(origin, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
    } catch (const json::exception&) {
        throw inputError(origin, "not valid JSON (a number out of range)");
    }
    if (!document.is_object())
        throw inputError(origin, "a sweep is a JSON object with \"version\", \"recipe\" and \"axes\"");
    SweepReader top(document, "sweep", origin);
    if (top.wholeNumber("version", 0) != kVersion)
        top.fail("'version' must be " + std::to_string(kVersion) + " (this Pare reads sweep version 1)");

    Sweep sweep;
    sweep.origin = origin;
    const json* recipe = top.find("recipe");
    if (!recipe)
        top.fail("'recipe' is missing: the base recipe, as an object or a recipe file's name");
    if (recipe->is_string()) {
        const auto path = std::filesystem::path(recipe->get<std::string>());
        sweep.baseRecipeJson
            = Recipe::load(path.is_absolute() ? path.string() : files::joinPath(folder, path.string())).toJson();
    } else if (recipe->is_object()) {
        sweep.baseRecipeJson = Recipe::fromJson(recipe->dump(), origin + ": recipe").toJson();
    } else {
        top.fail("'recipe' must be a recipe object or a recipe file's name");
    }
    sweep.combine = top.option("combine", SweepCombine::Grid);
    if (sweep.combine == SweepCombine::Random) {
        sweep.samples
            = static_cast<int>(std::clamp<int64_t>(top.wholeNumber("samples", 0), 0, kMostConfigurations + 1));
        if (sweep.samples < 1 || sweep.samples > kMostConfigurations)
            top.fail("'samples' must be 1 to " + std::to_string(kMostConfigurations) + " with \"combine\": \"random\"");
    } else if (top.find("samples")) {
        top.fail("'samples' goes with \"combine\": \"random\"");
    }
    sweep.seed = static_cast<uint64_t>(std::max<int64_t>(0, top.wholeNumber("seed", 0)));

    const json base = json::parse(sweep.baseRecipeJson);
    const json* axes = top.find("axes");
    if (!axes || !axes->is_array() || axes->empty())
        top.fail("'axes' must be a non-empty list of {\"pointer\": ..., \"values\": [...]} or ranges");
    std::set<std::string> pointers;
    for (size_t i = 0; i < axes->size(); ++i) {
        auto axis = readAxis((*axes)[i], "axes[" + std::to_string(i) + "]", origin, base, sweep.combine);
        if (!pointers.insert(axis.pointer).second)
            throw inputError(origin, "axes[" + std::to_string(i) + "]: " + axis.pointer + " is swept twice");
        sweep.axes.push_back(std::move(axis));
    }
    top.finish();
    if (sweep.combine == SweepCombine::Grid && sweep.size() > kMostConfigurations)
        throw inputError(origin,
                         "the grid has " + std::to_string(sweep.size()) + " configurations, more than "
                             + std::to_string(kMostConfigurations) + "; use \"combine\": \"random\"");
    sweep.hash = fnv1aHex(text + '\0' + sweep.baseRecipeJson);
    return sweep;
}

Sweep Sweep::load(const std::string& path)
{
    files::requireRegularFile(path);
    const auto folder = std::filesystem::path(path).parent_path().string();
    return fromJson(files::readAll(path), path, folder.empty() ? "." : folder);
}

int64_t Sweep::size() const
{
    if (combine == SweepCombine::Random)
        return samples;
    int64_t count = 1;
    for (const auto& axis : axes) {
        count *= static_cast<int64_t>(axis.isRange() ? rangeValues(axis).size() : axis.values.size());
        if (count > kMostConfigurations)
            return kMostConfigurations + 1;
    }
    return count;
}

std::vector<SweepConfiguration> Sweep::plan() const
{
    std::vector<std::vector<std::string>> discrete; // each axis's values; empty for a range drawn at random
    bool allDiscrete = true;
    for (const auto& axis : axes) {
        discrete.push_back(!axis.isRange()      ? axis.values
                               : axis.count > 0 ? rangeValues(axis)
                                                : std::vector<std::string>());
        allDiscrete = allDiscrete && !discrete.back().empty();
    }
    int64_t gridSize = 1;
    for (const auto& values : discrete)
        gridSize = values.empty() ? gridSize : std::min(gridSize * int64_t(values.size()), kMostConfigurations + 1);

    // Each configuration as one value index per axis (-1: drawn from the range).
    std::vector<std::vector<int64_t>> picks;
    const auto gridPick = [&](int64_t flat) {
        std::vector<int64_t> pick(axes.size());
        for (size_t a = axes.size(); a-- > 0;) { // the last axis varies fastest, as in nested loops
            pick[a] = flat % int64_t(discrete[a].size());
            flat /= int64_t(discrete[a].size());
        }
        return pick;
    };
    std::mt19937_64 random(seed);
    if (combine == SweepCombine::Grid) {
        for (int64_t flat = 0; flat < gridSize; ++flat)
            picks.push_back(gridPick(flat));
    } else if (allDiscrete) {
        // Distinct grid points: a partial Fisher-Yates shuffle over the grid's flat indices.
        if (samples > gridSize)
            throw inputError(origin,
                             "'samples' is " + std::to_string(samples) + " but the axes make only "
                                 + std::to_string(gridSize) + " distinct configurations");
        std::vector<int64_t> order(static_cast<size_t>(gridSize));
        for (int64_t i = 0; i < gridSize; ++i)
            order[size_t(i)] = i;
        for (int i = 0; i < samples; ++i) {
            const auto j = i + int64_t(random() % uint64_t(gridSize - i));
            std::swap(order[size_t(i)], order[size_t(j)]);
            picks.push_back(gridPick(order[size_t(i)]));
        }
    } else {
        for (int i = 0; i < samples; ++i) {
            std::vector<int64_t> pick(axes.size(), -1);
            for (size_t a = 0; a < axes.size(); ++a)
                if (!discrete[a].empty())
                    pick[a] = int64_t(random() % discrete[a].size());
            picks.push_back(std::move(pick));
        }
    }

    std::vector<SweepConfiguration> plan;
    std::mt19937_64 draws(seed ^ 0x9e3779b97f4a7c15ULL); // ranges drawn apart from the choices above
    for (size_t i = 0; i < picks.size(); ++i) {
        SweepConfiguration configuration;
        configuration.index = static_cast<int>(i);
        configuration.id = idFor(configuration.index, int64_t(picks.size()));
        json recipe = json::parse(baseRecipeJson);
        for (size_t a = 0; a < axes.size(); ++a) {
            const auto value = picks[i][a] >= 0 ? discrete[a][size_t(picks[i][a])] : drawInRange(axes[a], draws);
            recipe[json::json_pointer(axes[a].pointer)] = json::parse(value);
            configuration.settings.emplace_back(axes[a].pointer, value);
        }
        configuration.recipe = Recipe::fromJson(recipe.dump(), origin + ", configuration " + configuration.id);
        plan.push_back(std::move(configuration));
    }
    return plan;
}

} // namespace pare
