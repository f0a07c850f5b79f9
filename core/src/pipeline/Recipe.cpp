// Recipe files: the JSON the studio saves and `pare compress --recipe` runs. Strict on purpose: an unknown key is
// an error, because a misspelt "ration" silently falling back to a default would cost the user a whole run.

#include "io/Files.h"

#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Recipe.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>

namespace pare {
namespace {

using nlohmann::json;

/// A value from the file as messages quote it: at most 60 characters, so a hostile 10-million-character value does not
/// become a 10-million-character line.
std::string quotedValue(const std::string& text)
{
    constexpr size_t kMost = 60;
    return "'" + (text.size() <= kMost ? text : text.substr(0, kMost) + "...") + "'";
}

std::string percent(double ratio)
{
    std::ostringstream out;
    out << std::lround(ratio * 100.0) << "%";
    return out.str();
}

/// " at lr 0.05" where a step trains at another rate than its default; nothing otherwise.
std::string rateNote(int epochs, double rate, double defaultRate)
{
    if (epochs == 0 || rate == defaultRate || rate <= 0.0)
        return {};
    std::ostringstream out;
    out << " at lr " << rate;
    return out.str();
}

/// Reads the keys of one step's object, refusing unknown ones and values of the wrong type or range.
class StepReader
{
public:
    StepReader(const json& object, std::string where, const std::string& origin)
        : m_object(object)
        , m_where(std::move(where))
        , m_origin(origin)
    {
        if (!object.is_object())
            fail("expected an object");
    }

    template <typename T> void read(const char* key, T& value)
    {
        m_known.insert(key);
        const auto it = m_object.find(key);
        if (it == m_object.end())
            return;
        // get<int>() would truncate 4.7 to 4 without a word.
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
            if (it->is_number_float())
                fail(std::string("'") + key + "' must be a whole number");
        if constexpr (std::is_same_v<T, std::map<std::string, int>>)
            if (it->is_object())
                for (const auto& item : *it)
                    if (item.is_number_float())
                        fail(std::string("'") + key + "' takes whole numbers");
        try {
            value = it->get<T>();
        } catch (const json::exception&) {
            fail(std::string("'") + key + "' has the wrong type");
        }
    }

    [[nodiscard]] bool has(const char* key) const { return m_object.contains(key); }

    void readNumber(const char* key, double& value, double low, double high)
    {
        read(key, value);
        if (!(value >= low && value <= high)) {
            std::ostringstream range;
            range << "'" << key << "' must be in [" << low << ", " << high << "]";
            fail(range.str());
        }
    }

    void readInt(const char* key, int& value, int low, int high)
    {
        read(key, value);
        if (value < low || value > high)
            fail(std::string("'") + key + "' must be in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    }

    /// A value of an option set, by its name in the set's table (pare/Options.h).
    template <typename E> void readOption(const char* key, E& value)
    {
        std::string name = optionName(value);
        read(key, name);
        const auto found = findOption<E>(name);
        if (!found)
            fail(std::string("'") + key + "' must be one of " + optionList<E>() + ", got " + quotedValue(name));
        value = *found;
    }

    /// Call last: anything not read is a key this version does not know.
    void finish() const
    {
        for (const auto& item : m_object.items())
            if (!m_known.count(item.key()))
                fail("unknown key " + quotedValue(item.key()));
    }

    [[noreturn]] void fail(const std::string& problem) const { throw inputError(m_origin, m_where + ": " + problem); }

private:
    const json& m_object;
    std::string m_where;
    const std::string& m_origin;
    std::set<std::string> m_known;
};

RecipeStep readPrune(StepReader& in)
{
    RecipeStep step;
    step.kind = RecipeStep::Kind::Prune;
    auto& o = step.prune;
    in.readOption("method", o.method);
    in.readOption("criterion", o.activationCriterion);
    in.readNumber("ratio", o.ratio, 0.0, 0.99);
    in.readOption("schedule", o.schedule);
    in.readInt("gradual_steps", o.gradualSteps, 1, 1000);
    in.readNumber("layer_floor", o.layerFloor, 0.0, 1.0);
    in.readInt("finetune_epochs", o.finetune.epochs, 0, 1000);
    in.readNumber("lr", o.finetune.learningRate, 0.0, 10.0);
    in.readOption("allocate", o.allocate);
    std::map<std::string, double> layerRatios;
    in.read("layer_ratios", layerRatios);
    for (const auto& [layer, r] : layerRatios)
        if (!(r >= 0.0 && r <= 0.99))
            in.fail("'layer_ratios' of " + quotedValue(layer) + " must be in [0, 0.99]");
    o.layerRatios = layerRatios;
    return step;
}

RecipeStep readDistill(StepReader& in)
{
    RecipeStep step;
    step.kind = RecipeStep::Kind::Distill;
    auto& d = step.distill;
    in.read("teacher", d.teacher);
    in.read("student", d.student);
    if (d.teacher.empty() || d.student.empty())
        in.fail("'teacher' and 'student' must not be empty");
    in.readNumber("temperature", d.options.temperature, 1.0, 20.0);
    in.readNumber("alpha", d.options.alpha, 0.0, 1.0);
    in.readInt("epochs", d.options.train.epochs, 0, 1000);
    in.readNumber("lr", d.options.train.learningRate, 0.0, 10.0);
    return step;
}

RecipeStep readQuantize(StepReader& in)
{
    RecipeStep step;
    step.kind = RecipeStep::Kind::Quantize;
    auto& q = step.quantize;
    in.read("bits", q.bits);
    if (!((q.bits >= 1 && q.bits <= 8) || q.bits == 16 || q.bits == 32))
        in.fail("'bits' must be 1..8, 16 (fp16) or 32 (none)");
    in.readOption("scheme", q.scheme);
    in.read("per_channel", q.perChannel);
    in.read("bias_fp16", q.biasFp16);
    in.readInt("finetune_epochs", q.finetune.epochs, 0, 1000);
    in.readNumber("lr", q.finetune.learningRate, 0.0, 10.0);
    in.readOption("allocate", q.allocate);
    in.readNumber("average_bits", q.averageBits, 0.0, 8.0);
    std::map<std::string, int> layerBits;
    in.read("layer_bits", layerBits);
    for (const auto& [layer, b] : layerBits)
        if (!((b >= 1 && b <= 8) || b == 16 || b == 32))
            in.fail("'layer_bits' of " + quotedValue(layer) + " must be 1..8, 16 (fp16) or 32 (none)");
    q.layerBits = layerBits;
    in.read("activation_bits", q.activationBits);
    if (!((q.activationBits >= 1 && q.activationBits <= 8) || q.activationBits == 32))
        in.fail("'activation_bits' must be 1..8, or 32 (float activations)");
    in.readOption("calibration", q.calibration);
    in.readNumber("percentile", q.percentile, 50.0, 100.0);
    double calibrationImages = double(q.calibrationImages);
    in.readNumber("calibration_images", calibrationImages, 1.0, 1e9);
    if (calibrationImages != std::floor(calibrationImages))
        in.fail("'calibration_images' must be a whole number");
    q.calibrationImages = int64_t(calibrationImages);
    if (in.has("engine")) {
        Int8Engine engine = Int8Engine::OneDnn;
        in.readOption("engine", engine);
        // As on the command line, the engine implies the one kind of quantization it runs.
        const auto implied = QuantizeOptions::forEngine(engine);
        q.engine = engine;
        if (!in.has("scheme"))
            q.scheme = implied.scheme;
        if (!in.has("per_channel"))
            q.perChannel = implied.perChannel;
        if (!in.has("activation_bits"))
            q.activationBits = implied.activationBits;
        if (q.bits != implied.bits || q.scheme != implied.scheme || !q.perChannel
            || q.activationBits != implied.activationBits || !q.layerBits.empty())
            in.fail("'engine' runs 8-bit symmetric per-channel weights and 8-bit activations (bits 8, scheme "
                    "symmetric, per_channel true, activation_bits 8, no layer_bits)");
    }
    return step;
}

} // namespace

const char* RecipeStep::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Prune:
        return "prune";
    case Kind::Distill:
        return "distill";
    case Kind::Quantize:
        return "quantize";
    case Kind::Evaluate:
        break;
    }
    return "evaluate";
}

std::string Recipe::describe() const
{
    std::string text;
    for (const auto& step : steps)
        if (step.kind != RecipeStep::Kind::Evaluate)
            text += (text.empty() ? "" : ", ") + step.describe();
    return text.empty() ? "no compression" : text;
}

std::string RecipeStep::describe() const
{
    std::ostringstream out;
    switch (kind) {
    case Kind::Prune:
        out << "prune " << optionName(prune.method) << " " << percent(prune.ratio) << " " << optionName(prune.schedule)
            << (prune.allocate == Allocation::Sensitivity ? " by sensitivity" : "") << ", " << prune.finetune.epochs
            << " ep"
            << rateNote(prune.finetune.epochs, prune.finetune.learningRate, PruneOptions().finetune.learningRate);
        break;
    case Kind::Distill:
        out << "distill " << distill.student << " T=" << distill.options.temperature << " a=" << distill.options.alpha
            << ", " << distill.options.train.epochs << " ep"
            << rateNote(distill.options.train.epochs, distill.options.train.learningRate,
                        DistillOptions().train.learningRate);
        break;
    case Kind::Quantize:
        out << "quantize " << quantize.bits << "-bit " << optionName(quantize.scheme)
            << (quantize.perChannel ? " per-channel" : "") << (quantize.layerBits.empty() ? "" : " mixed")
            << (quantize.biasFp16 ? ", fp16 biases" : "")
            << (quantize.allocate == Allocation::Sensitivity ? " by sensitivity" : "")
            << (quantize.activationBits < 32 ? ", activations " + std::to_string(quantize.activationBits) + "-bit "
                        + optionName(quantize.calibration)
                                             : std::string())
            << (quantize.engine ? std::string(", int8 on ") + optionName(*quantize.engine) : std::string()) << ", "
            << quantize.finetune.epochs << " ep"
            << rateNote(quantize.finetune.epochs, quantize.finetune.learningRate,
                        QuantizeOptions().finetune.learningRate);
        break;
    case Kind::Evaluate:
        out << "evaluate";
        break;
    }
    return out.str();
}

std::string Recipe::toJson() const
{
    json steps = json::array();
    for (const auto& s : this->steps) {
        json body = json::object();
        switch (s.kind) {
        case RecipeStep::Kind::Prune:
            body = { { "method", optionName(s.prune.method) },
                     { "ratio", s.prune.ratio },
                     { "schedule", optionName(s.prune.schedule) },
                     { "finetune_epochs", s.prune.finetune.epochs },
                     { "allocate", optionName(s.prune.allocate) } };
            if (!s.prune.layerRatios.empty())
                body["layer_ratios"] = s.prune.layerRatios;
            if (s.prune.schedule == PruneSchedule::Gradual)
                body["gradual_steps"] = s.prune.gradualSteps;
            if (s.prune.layerFloor != PruneOptions().layerFloor)
                body["layer_floor"] = s.prune.layerFloor;
            if (s.prune.finetune.learningRate != PruneOptions().finetune.learningRate)
                body["lr"] = s.prune.finetune.learningRate;
            if (s.prune.method == PruneMethod::Activation)
                body["criterion"] = optionName(s.prune.activationCriterion);
            break;
        case RecipeStep::Kind::Distill:
            body = { { "teacher", s.distill.teacher },
                     { "student", s.distill.student },
                     { "temperature", s.distill.options.temperature },
                     { "alpha", s.distill.options.alpha },
                     { "epochs", s.distill.options.train.epochs } };
            if (s.distill.options.train.learningRate != DistillOptions().train.learningRate)
                body["lr"] = s.distill.options.train.learningRate;
            break;
        case RecipeStep::Kind::Quantize:
            body = { { "bits", s.quantize.bits },
                     { "scheme", optionName(s.quantize.scheme) },
                     { "per_channel", s.quantize.perChannel },
                     { "finetune_epochs", s.quantize.finetune.epochs } };
            if (!s.quantize.layerBits.empty())
                body["layer_bits"] = s.quantize.layerBits;
            if (s.quantize.allocate != Allocation::Uniform)
                body["allocate"] = optionName(s.quantize.allocate);
            if (s.quantize.averageBits > 0.0)
                body["average_bits"] = s.quantize.averageBits;
            if (s.quantize.activationBits != 32) {
                body["activation_bits"] = s.quantize.activationBits;
                body["calibration"] = optionName(s.quantize.calibration);
                if (s.quantize.calibration == Calibration::Percentile)
                    body["percentile"] = s.quantize.percentile;
                body["calibration_images"] = s.quantize.calibrationImages;
            }
            if (s.quantize.engine)
                body["engine"] = optionName(*s.quantize.engine);
            if (s.quantize.biasFp16)
                body["bias_fp16"] = true;
            if (s.quantize.finetune.learningRate != QuantizeOptions().finetune.learningRate)
                body["lr"] = s.quantize.finetune.learningRate;
            break;
        case RecipeStep::Kind::Evaluate:
            break;
        }
        steps.push_back(json { { RecipeStep::kindName(s.kind), body } });
    }
    json document { { "version", kVersion }, { "seed", seed } };
    if (augment)
        document["augment"] = optionName(*augment);
    document["steps"] = steps;
    return document.dump(2) + "\n";
}

Recipe Recipe::fromJson(const std::string& text, const std::string& origin)
{
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        throw inputError(origin, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
    } catch (const json::exception&) { // out_of_range: a number beyond a double's range, such as 1e400
        throw inputError(origin, "not valid JSON (a number out of range)");
    }
    if (!document.is_object())
        throw inputError(origin, "a recipe is a JSON object with \"version\" and \"steps\"");
    StepReader top(document, "recipe", origin);
    int version = 0;
    top.read("version", version);
    if (version != kVersion)
        top.fail("'version' must be " + std::to_string(kVersion) + " (this Pare reads recipe version 1)");
    Recipe recipe;
    top.read("seed", recipe.seed);
    if (top.has("augment")) {
        Augmentation augment = Augmentation::None;
        top.readOption("augment", augment);
        recipe.augment = augment;
    }
    json steps = json::array();
    top.read("steps", steps);
    top.finish();
    if (!steps.is_array() || steps.empty())
        top.fail("'steps' must be a non-empty array");

    for (size_t i = 0; i < steps.size(); ++i) {
        const std::string where = "steps[" + std::to_string(i) + "]";
        if (!steps[i].is_object() || steps[i].size() != 1)
            throw inputError(origin, where + ": expected one step such as {\"prune\": {...}}");
        // Not `const auto& [name, body] = *steps[i].items().begin()`: that binds to the iteration proxy, a temporary
        // gone by the next line (AddressSanitizer found it: fuzz/regressions/fuzz_recipe/).
        const auto first = steps[i].begin();
        const std::string name = first.key();
        const json& body = first.value();
        StepReader in(body, where + "." + name, origin);
        std::optional<RecipeStep::Kind> kind;
        for (const auto k : { RecipeStep::Kind::Prune, RecipeStep::Kind::Distill, RecipeStep::Kind::Quantize,
                              RecipeStep::Kind::Evaluate })
            if (name == RecipeStep::kindName(k))
                kind = k;
        if (!kind)
            throw inputError(origin,
                             where + ": unknown step " + quotedValue(name) + " (prune, distill, quantize, evaluate)");
        RecipeStep step;
        switch (*kind) {
        case RecipeStep::Kind::Prune:
            step = readPrune(in);
            break;
        case RecipeStep::Kind::Distill:
            step = readDistill(in);
            break;
        case RecipeStep::Kind::Quantize:
            step = readQuantize(in);
            break;
        case RecipeStep::Kind::Evaluate:
            step.kind = RecipeStep::Kind::Evaluate;
            break;
        }
        in.finish();
        if (!recipe.steps.empty() && recipe.steps.back().kind == RecipeStep::Kind::Quantize
            && recipe.steps.back().quantize.engine && step.kind != RecipeStep::Kind::Evaluate)
            throw inputError(origin,
                             where
                                 + ": a model on the int8 engine can only be evaluated; quantize with "
                                   "'engine' must be the last step before evaluate");
        recipe.steps.push_back(step);
    }
    return recipe;
}

Recipe Recipe::load(const std::string& path)
{
    files::requireRegularFile(path);
    return fromJson(files::readAll(path), path);
}

void Recipe::save(const std::string& path, bool overwrite) const
{
    files::writeAtomically(path, toJson(), overwrite);
}

StudentKind DistillStep::studentKind() const
{
    if (const auto keyword = findOption<StudentKind>(student))
        return *keyword;
    return Model::namesZooModel(student) ? StudentKind::Zoo : StudentKind::File;
}

Recipe Recipe::fromSimple(const Simple& simple)
{
    // An int8 engine alone means 8-bit weights; it runs no other width.
    const int bits = simple.engine && simple.bits == 32 ? 8 : simple.bits;
    if (simple.engine && bits != 8)
        throw InputError("engine: the int8 engine runs 8-bit weights; bits must be 8");
    Recipe recipe;
    recipe.seed = simple.seed;
    recipe.augment = simple.augment;
    if (simple.pruneRatio > 0.0) {
        RecipeStep step;
        step.kind = RecipeStep::Kind::Prune;
        step.prune.method = simple.pruneMethod;
        step.prune.ratio = simple.pruneRatio;
        step.prune.schedule = simple.pruneSchedule;
        step.prune.finetune.epochs = simple.finetuneEpochs;
        step.prune.allocate = simple.allocate;
        step.prune.layerRatios = simple.layerRatios;
        recipe.steps.push_back(step);
    }
    if (simple.temperature > 0.0) {
        RecipeStep step;
        step.kind = RecipeStep::Kind::Distill;
        step.distill.student = simple.student;
        step.distill.options.temperature = simple.temperature;
        step.distill.options.alpha = simple.alpha;
        step.distill.options.train.epochs = simple.distillEpochs;
        recipe.steps.push_back(step);
    }
    if (bits < 32) {
        RecipeStep step;
        step.kind = RecipeStep::Kind::Quantize;
        step.quantize.bits = bits;
        step.quantize.scheme = simple.scheme;
        step.quantize.perChannel = simple.perChannel;
        step.quantize.biasFp16 = simple.biasFp16;
        step.quantize.finetune.epochs = simple.quantizeEpochs;
        step.quantize.activationBits = simple.activationBits;
        step.quantize.calibration = simple.calibration;
        if (simple.engine)
            step.quantize = QuantizeOptions::forEngine(*simple.engine, step.quantize);
        recipe.steps.push_back(step);
    }
    RecipeStep evaluate;
    evaluate.kind = RecipeStep::Kind::Evaluate;
    recipe.steps.push_back(evaluate);
    return recipe;
}

} // namespace pare
