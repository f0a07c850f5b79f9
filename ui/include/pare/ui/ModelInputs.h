#pragma once

// What a model file without a record takes (a model saved by PyTorch, not by Pare): the studio asks once, in
// ModelInputsDialog, and remembers the answer per model file in its settings. Every job that opens the model
// applies it, so the workspace, runs, sensitivity and exports all read the data the same way.

#include "pare/Model.h"
#include "pare/Pipeline.h"

#include <QString>

#include <optional>

namespace pare::ui::ModelInputs {

/// The inputs remembered for `modelSpec` (a file; found by its canonical path), if any.
[[nodiscard]] std::optional<ModelRecord> remembered(const QString& modelSpec);
void remember(const QString& modelSpec, const ModelRecord& inputs);
/// openModelWithData with the remembered inputs for a file that has no record of its own.
[[nodiscard]] ModelWithData open(const QString& modelSpec, const QString& dataSpec, DatasetOptions options = {});

} // namespace pare::ui::ModelInputs
