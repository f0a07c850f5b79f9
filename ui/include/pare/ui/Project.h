#pragma once

#include "pare/Pipeline.h"
#include "pare/Recipe.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QVector>

#include <map>
#include <vector>

namespace pare::ui {

/// What the controls hold; converts to and from the recipe JSON the `pare` CLI runs.
struct StudioSettings
{
    int prunePercent = 90; ///< 0 = no pruning step
    QString pruneMethod = QStringLiteral("magnitude-global");
    QString pruneSchedule = QStringLiteral("oneshot");
    QString allocate = QStringLiteral("uniform"); ///< or "sensitivity" (magnitude methods), or "applied"
    /// With allocate "applied": per-layer ratios taken from the sensitivity view (layer-wise magnitude pruning).
    std::map<std::string, double> layerRatios;
    int finetuneEpochs = 2; ///< after pruning, and the distillation epochs
    QString student = QStringLiteral("none"); ///< "none", "self", or a zoo spec such as "lenet5@0.5"
    double temperature = 4.0;
    double alpha = 0.9;
    int bits = 4; ///< 1..8, 16 (fp16), 32 (off)
    QString scheme = QStringLiteral("kmeans");
    bool perChannel = false;
    int qatEpochs = 1;
    int activationBits = 32; ///< 1..8, or 32 for float activations
    /// "" (quantization simulated in fp32), or "onednn" / "qnnpack": 8-bit weights and activations on int8 ops.
    QString engine;
    quint64 seed = 0;

    [[nodiscard]] Recipe toRecipe() const;
    /// The controls can show one prune, one distill and one quantize step; a recipe with more is refused (InputError).
    [[nodiscard]] static StudioSettings fromRecipe(const Recipe& recipe, const QString& origin);
    bool operator==(const StudioSettings& other) const;
};

/// One compression run: its recipe, the snapshots it produced, the compressed model it left.
struct RunRecord
{
    int id = 0;
    QString recipeJson;
    QString label;          ///< the settings in one line, for tables and tooltips
    std::vector<Snapshot> snapshots;
    QString modelFile;      ///< the compressed model (.pare), for inspection and export; empty if none
    bool finished = false;  ///< false while running, and for a cancelled or failed run
    bool cancelled = false;
    double seconds = 0.0;
    QDateTime started;
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
