#pragma once

#include "pare/Pipeline.h"
#include "pare/Recipe.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QVector>

#include <map>
#include <optional>
#include <vector>

namespace pare::ui {

/// Where the studio's per-layer pruning ratios come from.
enum class LayerRatioSource
{
    Uniform,     ///< every layer the same ratio (global or layer-wise, as the method says)
    Sensitivity, ///< measured first, then allocated (magnitude methods)
    Applied      ///< taken from the Sensitivity view (layer-wise magnitude pruning to those ratios)
};

/// What the controls hold; converts to and from the recipe JSON the `pare` CLI runs.
struct StudioSettings
{
    int prunePercent = 90; ///< 0 = no pruning step
    PruneMethod pruneMethod = PruneMethod::MagnitudeGlobal;
    PruneSchedule pruneSchedule = PruneSchedule::OneShot;
    LayerRatioSource allocate = LayerRatioSource::Uniform;
    /// With LayerRatioSource::Applied: per-layer ratios taken from the sensitivity view.
    std::map<std::string, double> layerRatios;
    int finetuneEpochs = 2; ///< after pruning, and the distillation epochs
    QString student;        ///< empty: no distillation; "self", or a zoo spec such as "lenet5@0.5", or a file
    double temperature = 4.0;
    double alpha = 0.9;
    int bits = 4; ///< 1..8, 16 (fp16), 32 (off)
    QuantScheme scheme = QuantScheme::KMeans;
    bool perChannel = false;
    /// From a recipe (a search's winner): biases rounded to fp16. No control shows it; a loaded recipe keeps it.
    bool biasFp16 = false;
    int qatEpochs = 1;
    int activationBits = 32; ///< 1..8, or 32 for float activations
    /// Empty: quantization simulated in fp32; else 8-bit weights and activations on that engine's int8 ops.
    std::optional<Int8Engine> engine;
    quint64 seed = 0;
    /// Training augmentation of every step that trains; unset: the data set's default (crop-flip for image folders).
    std::optional<Augmentation> augment;

    [[nodiscard]] Recipe toRecipe() const;
    /// The controls can show one prune, one distill and one quantize step; a recipe with more is refused (InputError).
    [[nodiscard]] static StudioSettings fromRecipe(const Recipe& recipe, const QString& origin);
    bool operator==(const StudioSettings& other) const;
};

/// Who made a run: the Run button (accuracy on the test split), Explore's search, whose candidates are measured
/// on the validation split (decisions never read the test split), or a task of a sweep (`pare sweep run`, test
/// split), read from its folder.
enum class RunOrigin
{
    User,
    Search,
    Sweep
};

/// One compression run: its recipe, the snapshots it produced, the compressed model it left.
struct RunRecord
{
    int id = 0;
    RunOrigin origin = RunOrigin::User;
    QString recipeJson;
    QString label; ///< the settings in one line, for tables and tooltips
    std::vector<Snapshot> snapshots;
    QString modelFile;     ///< the compressed model (.pare), for inspection and export; empty if none
    bool finished = false; ///< false while running, and for a cancelled or failed run
    bool cancelled = false;
    double seconds = 0.0;
    QDateTime started;
    QString sweepFolder; ///< RunOrigin::Sweep: the sweep's folder, as opened
    QString sweepTask;   ///< RunOrigin::Sweep: the task's id ("003")
};

/// A studio project: the model and data it works on and every run so far. Saved as JSON, atomically.
struct Project
{
    QString model;
    QString data;
    QString runsFolder; ///< where the runs' compressed models live
    std::vector<RunRecord> runs;
    int nextRunId = 1;

    [[nodiscard]] QByteArray toJson() const;
    /// Throws InputError naming `origin` when the JSON is not a project.
    [[nodiscard]] static Project fromJson(const QByteArray& json, const QString& origin);
    /// Atomic write (QSaveFile); throws InputError naming the file on failure.
    void save(const QString& path) const;
    [[nodiscard]] static Project load(const QString& path);

    RunRecord* run(int id);
    [[nodiscard]] const RunRecord* run(int id) const;
};

} // namespace pare::ui
