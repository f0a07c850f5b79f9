#pragma once

// A sweep's folder and the two ways its tasks run. Everything a task needs and leaves is a file in the folder, so
// a task on a cluster node, `pare sweep status` in another terminal and the studio watching the folder all read the
// same truth, and a run that was stopped resumes from it:
//   DIR/sweep-state.json    the sweep's hash, what the tasks run on, every submission (written by `run` only)
//   DIR/sweep.json          the sweep file as it was first run
//   DIR/tasks/ID/recipe.json, config.json   the configuration, written before anything is submitted
//   DIR/tasks/ID/started    "HOST PID [SLURM_JOB]" once the task runs
//   DIR/tasks/ID/result.json, model.pare   on success, atomically (result.json last: it marks the task done)
//   DIR/tasks/ID/failed     the error's line, when the task failed
//   DIR/tasks/ID/log.txt    the task's output
//   DIR/results.jsonl       every result.json, one a line, rebuilt (never appended to)
//   DIR/slurm/array-N.sbatch  each Slurm submission's batch script

#include "pare/Cancel.h"
#include "pare/Options.h"
#include "pare/Sweep.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace pare {

/// Tasks handed to an executor at once: a local run, or one Slurm job array.
struct SweepSubmission
{
    SweepExecutor executor = SweepExecutor::Local;
    /// Slurm: the array's job id. Local: "HOST:PID" of the `pare sweep run` that runs them.
    std::string job;
    std::vector<int> indices;
    std::string submitted; ///< UTC, ISO 8601
};

/// What the tasks run on: fixed when the folder is made, checked when a sweep continues in it.
struct SweepInputs
{
    std::string model; ///< absolute path, or a zoo name
    std::string data;  ///< as `--data` takes it, paths made absolute
    /// Options passed on to every task's `pare sweep task` ("--train-limit", "500"), in the order given.
    std::vector<std::string> taskArguments;

    bool operator==(const SweepInputs& other) const
    {
        return model == other.model && data == other.data && taskArguments == other.taskArguments;
    }
};

struct TaskStatus
{
    int index = 0;
    std::string id;
    TaskState state = TaskState::NotStarted;
    /// Failed: the error's last line (from the task, the log, or Slurm's state). Running: where ("vm pid 4242").
    std::string detail;
};

/// Counts by state, for progress lines and exit codes.
struct SweepCounts
{
    int done = 0, running = 0, pending = 0, failed = 0, cancelled = 0, notStarted = 0;

    [[nodiscard]] static SweepCounts of(const std::vector<TaskStatus>& tasks);
    [[nodiscard]] int count(TaskState state) const;
    [[nodiscard]] int total() const { return done + running + pending + failed + cancelled + notStarted; }
    /// Nothing running or waiting: a wait for the sweep is over.
    [[nodiscard]] bool settled() const { return running == 0 && pending == 0; }
    /// "4 done, 1 running, 1 pending of 6" (states with no task left out).
    [[nodiscard]] std::string describe() const;
};

/// One finished task as the studio shows it.
struct SweepResult
{
    int index = 0;
    std::string id;
    std::string settings;   ///< "/steps/0/prune/ratio=0.5 ..."
    std::string resultJson; ///< the task's result.json: `pare compress --json`'s object plus "config", "id"
    std::string modelFile;  ///< the compressed model, empty if it is gone
};

class SweepFolder
{
public:
    /// Makes DIR for `sweep` (planned as `plan`), or opens it to continue: then it must hold the same sweep (its hash)
    /// and the same inputs, else InputError naming DIR. Writes each configuration's recipe before returning.
    [[nodiscard]] static SweepFolder prepare(const std::string& dir,
                                             const Sweep& sweep,
                                             const std::vector<SweepConfiguration>& plan,
                                             const std::string& sweepFile,
                                             const SweepInputs& inputs);
    /// Opens an existing sweep folder; InputError naming `dir` when it is not one.
    [[nodiscard]] static SweepFolder open(const std::string& dir);

    [[nodiscard]] const std::string& dir() const { return m_dir; }
    [[nodiscard]] int taskCount() const { return static_cast<int>(m_ids.size()); }
    [[nodiscard]] const std::string& taskId(int index) const { return m_ids.at(static_cast<size_t>(index)); }
    [[nodiscard]] const SweepInputs& inputs() const { return m_inputs; }
    [[nodiscard]] const std::vector<SweepSubmission>& submissions() const { return m_submissions; }
    [[nodiscard]] std::string taskFolder(int index) const;
    [[nodiscard]] std::string taskFile(int index, const char* name) const;

    /// Clears what earlier tries of these tasks left (markers; the log becomes log.previous.txt): before they are
    /// submitted again, never after (a task may already be running).
    void clearTries(const std::vector<int>& indices) const;
    /// Records a submission; the state file is rewritten atomically.
    void addSubmission(SweepSubmission submission);

    /// Where every task stands: from its files, and for tasks last submitted to Slurm from `squeue` (one call).
    /// Throws InputError when squeue cannot be run or fails.
    [[nodiscard]] std::vector<TaskStatus> status() const;
    /// Tasks that a new run submits: failed, cancelled and never started; never done, running or pending ones.
    [[nodiscard]] static std::vector<int> toSubmit(const std::vector<TaskStatus>& status);

    /// Rewrites DIR/results.jsonl from tasks/*/result.json, in plan order, atomically. Returns how many it holds.
    int rebuildResults() const;
    /// Every finished task's result (the studio's view) but those whose ids are in `known`, in plan order. Throws
    /// InputError when `dir` is not a sweep folder; a result.json that does not parse is left out.
    [[nodiscard]] static std::vector<SweepResult> readResults(const std::string& dir,
                                                              const std::set<std::string>& known = {});

    // What a task writes about itself (`pare sweep task`).
    void markStarted(int index) const;
    void markFailed(int index, const std::string& message) const;
    /// Writes result.json atomically: `compressJson` plus "id" and "config" (the configuration's settings).
    void writeResult(int index, const std::string& compressJson) const;

private:
    std::string m_dir;
    std::string m_sweepHash;
    std::vector<std::string> m_ids;
    SweepInputs m_inputs;
    std::vector<SweepSubmission> m_submissions;

    void saveState() const;
};

/// Local executor: `pare sweep task` child processes, `jobs` at a time, each with its share of `cores` as threads.
struct LocalRunOptions
{
    int jobs = 1;
    int cores = 0; ///< 0: this machine's
    std::string pareExecutable;
    /// Called whenever a task starts or ends, with every task's status.
    std::function<void(const std::vector<TaskStatus>&)> progress;
};

/// Runs `indices` and returns when they have all ended (or `cancel` fired: the running tasks are stopped with
/// SIGTERM and recorded as failed). A task that fails is recorded and the others go on.
void runLocally(SweepFolder& folder,
                const std::vector<int>& indices,
                const LocalRunOptions& options,
                const CancelFlag* cancel = nullptr);

/// Slurm executor: one batch script and one `sbatch --array`; each array task runs `pare sweep task` on its node.
struct SlurmOptions
{
    std::string partition;                   ///< empty: the cluster's default
    std::string timeLimit;                   ///< sbatch's --time ("30:00", "2-00:00:00"); empty: the partition's
    int cpusPerTask = 1;                     ///< also each task's --threads
    std::string memPerTask;                  ///< sbatch's --mem ("4G"); empty: the partition's default
    int arrayLimit = 0;                      ///< at most this many tasks at once (--array=...%K); 0: no limit
    std::vector<std::string> extraArguments; ///< passed to sbatch as they are ("--account=ml", "--qos=low")
    std::string pareExecutable;              ///< the `pare` every node runs (a shared install's path)
};

/// Writes DIR/slurm/array-N.sbatch, submits it, records the submission and returns the job id. InputError with
/// sbatch's own message when it refuses (a partition that does not exist, say).
std::string submitToSlurm(SweepFolder& folder, const std::vector<int>& indices, const SlurmOptions& options);

/// "0-5", "1,3,7-9": Slurm's --array syntax for sorted indices.
[[nodiscard]] std::string arraySpec(const std::vector<int>& indices);

} // namespace pare
