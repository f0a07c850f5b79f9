#pragma once

// A TorchScript file is code, and a LibTorch forward that never returns cannot be interrupted in-process. Before the
// studio first loads and evaluates a model file on its own threads, it runs that first evaluation in a child
// process (`pare eval` on a few test images, one thread) and kills it after a stated time limit: a model that never
// returns, or one that crashes, then costs neither the window nor a core. A model that passed once is trusted for
// the session (the same file, size and modification time).

#include "pare/Model.h"

#include <QString>

#include <functional>
#include <optional>

namespace pare::ui {

/// The time limit of the child's first evaluation: 60 s, or PARE_MODEL_PROBE_SECONDS.
[[nodiscard]] int modelProbeSeconds();

/// Runs the child. Throws InputError naming `model` when it ran past the limit or died by a signal. Returns
/// normally when it finished, whatever its exit code: bad input is then reported by the in-process load, in the
/// studio's words. Returns early, killing the child, when `cancelled` turns true. Where no `pare` command is found
/// (PARE_CLI, next to the studio, or on PATH) nothing is probed and a warning is printed.
void probeModelInChildProcess(const QString& model,
                              const QString& data,
                              const std::optional<ModelRecord>& inputs,
                              const std::function<bool()>& cancelled);

} // namespace pare::ui
