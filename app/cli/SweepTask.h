#pragma once

#include <string>

namespace pare::cli {

struct CommonOptions;

/// Runs task `index` of the sweep in `dir` (SLURM_ARRAY_TASK_ID when `index` is negative) and writes its result
/// into the folder; on failure writes the task's "failed" marker with the error's line and rethrows.
int runSweepTask(const std::string& dir, int index, const CommonOptions& common);

} // namespace pare::cli
