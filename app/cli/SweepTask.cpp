// pare sweep task: one configuration of a sweep, as a local executor's child process or a Slurm array task runs it.
// It is `pare compress` on the folder's files: the recipe from tasks/ID/recipe.json, the model written to
// tasks/ID/model.pare, the --json object to tasks/ID/result.json (written last: it is what marks the task done).

#include "SweepTask.h"

#include "CommonOptions.h"
#include "Format.h"
#include "Reports.h"

#include "pare/Error.h"
#include "pare/Pipeline.h"
#include "pare/Recipe.h"
#include "pare/SweepFolder.h"

#include <cstdlib>
#include <iostream>

namespace pare::cli {

int runSweepTask(const std::string& dir, int index, const CommonOptions& common)
{
    const auto folder = SweepFolder::open(dir);
    if (index < 0) {
        const char* slurmIndex = std::getenv("SLURM_ARRAY_TASK_ID");
        if (!slurmIndex)
            throw InputError("sweep task: give --index, or run it as a Slurm array task (SLURM_ARRAY_TASK_ID)");
        index = std::atoi(slurmIndex);
    }
    if (index < 0 || index >= folder.taskCount())
        throw InputError(dir + ": no task " + std::to_string(index) + " (the sweep has "
                         + std::to_string(folder.taskCount()) + ")");
    folder.markStarted(index);
    try {
        const auto recipe = Recipe::load(folder.taskFile(index, "recipe.json"));
        std::cout << "pare sweep task " << folder.taskId(index) << ": " << recipe.describe() << std::endl;
        const auto original = openModel(folder.inputs().model, common);
        const auto data = loadData(folder.inputs().data, datasetOptionsFor(&original.record(), common, recipe.seed));
        PipelineCallbacks callbacks;
        callbacks.snapshot = [](const Snapshot& s) {
            std::cout << "step " << s.index << " " << s.settings << ": accuracy " << fixed(s.accuracy, 4) << ", .pare "
                      << withThousands(s.sizes.pare) << " bytes" << std::endl;
        };
        const auto result = runPipeline(original, data, recipe, callbacks);
        const auto out = folder.taskFile(index, "model.pare");
        const int64_t outBytes = result.model->save(out, true);
        folder.writeResult(index, compressJson(result, recipe, out, outBytes, std::string()).dump());
        std::cout << "wrote " << out << " (" << withThousands(outBytes) << " bytes) in " << fixed(result.seconds, 1)
                  << " s" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::string message = e.what();
        message = message.substr(0, message.find('\n'));
        folder.markFailed(index, message);
        throw;
    }
}

} // namespace pare::cli
