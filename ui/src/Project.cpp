#include "pare/ui/Project.h"

#include "pare/Error.h"
#include "pare/OutputGuard.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace pare::ui {

Recipe StudioSettings::toRecipe() const
{
    const bool structured = isStructured(pruneMethod);
    Recipe::Simple simple;
    simple.pruneRatio = prunePercent / 100.0;
    simple.pruneMethod = pruneMethod;
    // Structured methods remove channels at once: no gradual schedule, no per-layer allocation.
    simple.pruneSchedule = structured ? PruneSchedule::OneShot : pruneSchedule;
    simple.finetuneEpochs = finetuneEpochs;
    simple.allocate
        = !structured && allocate == LayerRatioSource::Sensitivity ? Allocation::Sensitivity : Allocation::Uniform;
    if (allocate == LayerRatioSource::Applied && !structured && !layerRatios.empty()) {
        simple.pruneMethod = PruneMethod::MagnitudeLayer;
        simple.layerRatios = layerRatios;
    }
    simple.temperature = student.isEmpty() ? 0.0 : temperature;
    simple.alpha = alpha;
    if (!student.isEmpty())
        simple.student = student.toStdString();
    simple.distillEpochs = std::max(1, finetuneEpochs);
    simple.bits = engine ? 8 : bits; // the int8 engine runs 8-bit weights, whatever the slider said
    simple.scheme = scheme;
    simple.perChannel = perChannel;
    simple.biasFp16 = biasFp16 && !engine;
    simple.quantizeEpochs = qatEpochs;
    simple.activationBits = activationBits;
    simple.engine = engine;
    simple.seed = seed;
    simple.augment = augment;
    return Recipe::fromSimple(simple);
}

StudioSettings StudioSettings::fromRecipe(const Recipe& recipe, const QString& origin)
{
    StudioSettings s;
    s.prunePercent = 0;
    s.bits = 32;
    s.seed = recipe.seed;
    s.augment = recipe.augment;
    int prunes = 0, distills = 0, quantizes = 0;
    for (const auto& step : recipe.steps) {
        switch (step.kind) {
        case RecipeStep::Kind::Prune:
            ++prunes;
            s.prunePercent = static_cast<int>(std::lround(step.prune.ratio * 100.0));
            s.pruneMethod = step.prune.method;
            s.pruneSchedule = step.prune.schedule;
            s.allocate = step.prune.allocate == Allocation::Sensitivity ? LayerRatioSource::Sensitivity
                                                                        : LayerRatioSource::Uniform;
            s.layerRatios = step.prune.layerRatios;
            if (!s.layerRatios.empty())
                s.allocate = LayerRatioSource::Applied;
            s.finetuneEpochs = step.prune.finetune.epochs;
            break;
        case RecipeStep::Kind::Distill:
            ++distills;
            s.student = QString::fromStdString(step.distill.student);
            s.temperature = step.distill.options.temperature;
            s.alpha = step.distill.options.alpha;
            if (prunes == 0)
                s.finetuneEpochs = step.distill.options.train.epochs;
            break;
        case RecipeStep::Kind::Quantize:
            ++quantizes;
            s.bits = step.quantize.bits;
            s.scheme = step.quantize.scheme;
            s.perChannel = step.quantize.perChannel;
            s.biasFp16 = step.quantize.biasFp16;
            s.qatEpochs = step.quantize.finetune.epochs;
            s.activationBits = step.quantize.activationBits;
            s.engine = step.quantize.engine;
            break;
        case RecipeStep::Kind::Evaluate:
            break;
        }
    }
    if (prunes > 1 || distills > 1 || quantizes > 1)
        throw inputError(origin.toStdString(),
                         "has more than one step of a kind; the studio's controls show one "
                         "prune, one distill and one quantize step (run it with `pare compress`)");
    return s;
}

bool StudioSettings::operator==(const StudioSettings& o) const
{
    return prunePercent == o.prunePercent && pruneMethod == o.pruneMethod && pruneSchedule == o.pruneSchedule
        && allocate == o.allocate && layerRatios == o.layerRatios && finetuneEpochs == o.finetuneEpochs
        && student == o.student && temperature == o.temperature && alpha == o.alpha && bits == o.bits
        && scheme == o.scheme && perChannel == o.perChannel && qatEpochs == o.qatEpochs
        && activationBits == o.activationBits && engine == o.engine && biasFp16 == o.biasFp16 && seed == o.seed
        && augment == o.augment;
}

namespace {

// How a project file names a run's origin.
constexpr std::pair<RunOrigin, const char*> kOriginNames[]
    = { { RunOrigin::User, "user" }, { RunOrigin::Search, "search" }, { RunOrigin::Sweep, "sweep" } };

const char* originName(RunOrigin origin)
{
    for (const auto& [value, name] : kOriginNames)
        if (value == origin)
            return name;
    return "user";
}

RunOrigin originNamed(const QString& name)
{
    for (const auto& [value, text] : kOriginNames)
        if (name == QLatin1String(text))
            return value;
    return RunOrigin::User; // projects before origins were saved
}

} // namespace

QByteArray Project::toJson() const
{
    QJsonArray runArray;
    for (const auto& r : runs) {
        QJsonArray snapshots;
        for (const auto& s : r.snapshots)
            snapshots.append(QJsonDocument::fromJson(QByteArray::fromStdString(snapshotToJson(s))).object());
        QJsonObject run { { "id", r.id },
                          { "origin", originName(r.origin) },
                          { "recipe", QJsonDocument::fromJson(r.recipeJson.toUtf8()).object() },
                          { "label", r.label },
                          { "snapshots", snapshots },
                          { "model_file", r.modelFile },
                          { "finished", r.finished },
                          { "cancelled", r.cancelled },
                          { "seconds", r.seconds },
                          { "started", r.started.toString(Qt::ISODate) } };
        if (r.origin == RunOrigin::Sweep) {
            run.insert("sweep_folder", r.sweepFolder);
            run.insert("sweep_task", r.sweepTask);
        }
        runArray.append(run);
    }
    const QJsonObject root { { "pare_project", 1 },         { "model", model },           { "data", data },
                             { "runs_folder", runsFolder }, { "next_run_id", nextRunId }, { "runs", runArray } };
    return QJsonDocument(root).toJson();
}

Project Project::fromJson(const QByteArray& json, const QString& origin)
{
    QJsonParseError error;
    const auto document = QJsonDocument::fromJson(json, &error);
    const auto fail = [&](const QString& problem) { return inputError(origin.toStdString(), problem.toStdString()); };
    if (error.error != QJsonParseError::NoError)
        throw fail(QStringLiteral("not valid JSON (%1 at byte %2)").arg(error.errorString()).arg(error.offset));
    const auto root = document.object();
    if (root.value("pare_project").toInt() != 1)
        throw fail(QStringLiteral("not a Pare project (no \"pare_project\": 1)"));
    Project project;
    project.model = root.value("model").toString();
    project.data = root.value("data").toString();
    project.runsFolder = root.value("runs_folder").toString();
    project.nextRunId = root.value("next_run_id").toInt(1);
    for (const auto& value : root.value("runs").toArray()) {
        const auto o = value.toObject();
        RunRecord r;
        r.id = o.value("id").toInt();
        r.origin = originNamed(o.value("origin").toString());
        r.sweepFolder = o.value("sweep_folder").toString();
        r.sweepTask = o.value("sweep_task").toString();
        r.recipeJson = QString::fromUtf8(QJsonDocument(o.value("recipe").toObject()).toJson(QJsonDocument::Compact));
        r.label = o.value("label").toString();
        for (const auto& s : o.value("snapshots").toArray())
            r.snapshots.push_back(snapshotFromJson(
                QJsonDocument(s.toObject()).toJson(QJsonDocument::Compact).toStdString(), origin.toStdString()));
        r.modelFile = o.value("model_file").toString();
        r.finished = o.value("finished").toBool();
        r.cancelled = o.value("cancelled").toBool();
        r.seconds = o.value("seconds").toDouble();
        r.started = QDateTime::fromString(o.value("started").toString(), Qt::ISODate);
        project.nextRunId = std::max(project.nextRunId, r.id + 1);
        project.runs.push_back(std::move(r));
    }
    if (project.model.isEmpty() || project.data.isEmpty())
        throw fail(QStringLiteral("names no model or no data set"));
    return project;
}

void Project::save(const QString& path) const
{
    OutputGuard inputs; // a project saved over its own model or a data file would lose them
    inputs.protectFile(model.toStdString(), "the project's model");
    inputs.protectDataSet(data.toStdString());
    for (const auto& r : runs)
        inputs.protectFile(r.modelFile.toStdString(), "a run's compressed model");
    inputs.check(path.toStdString(), /*overwrite=*/true);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(toJson()) < 0 || !file.commit())
        throw inputError(path.toStdString(), "cannot write (" + file.errorString().toStdString() + ")");
}

Project Project::load(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw inputError(path.toStdString(), "cannot read (" + file.errorString().toStdString() + ")");
    return fromJson(file.readAll(), path);
}

RunRecord* Project::run(int id)
{
    for (auto& r : runs)
        if (r.id == id)
            return &r;
    return nullptr;
}

const RunRecord* Project::run(int id) const
{
    return const_cast<Project*>(this)->run(id);
}

} // namespace pare::ui
