// The two executors. Neither schedules anything of its own beyond "N at a time": locally each task is a child
// process (LibTorch's thread pool is per process, so the cores can only be divided between processes, and a task
// that crashes takes only itself down); on a cluster Slurm does all of it from one job array.

#include "io/Files.h"
#include "sweep/Processes.h"

#include "pare/Error.h"
#include "pare/SweepFolder.h"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <thread>
#include <unistd.h>

namespace pare {
namespace {

/// The folder as every task must name it: a Slurm job starts in its --chdir, a node elsewhere.
std::string absoluteDir(const SweepFolder& folder)
{
    return std::filesystem::absolute(folder.dir()).lexically_normal().string();
}

/// A word for a shell script, single-quoted: nothing in it is expanded.
std::string shellQuoted(const std::string& word)
{
    std::string quoted = "'";
    for (const char c : word)
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::vector<std::string>
taskCommand(const SweepFolder& folder, const std::string& pare, const std::string& index, const std::string& threads)
{
    std::vector<std::string> argv {
        pare, "sweep", "task", absoluteDir(folder), "--index", index, "--threads", threads
    };
    argv.insert(argv.end(), folder.inputs().taskArguments.begin(), folder.inputs().taskArguments.end());
    return argv;
}

/// Refuses a setting that would break the batch script's comment or sbatch's parsing (named as a setting: core
/// never names a command-line flag).
void requireOneLine(const std::string& value, const std::string& option)
{
    if (value.find_first_of("\n\r") != std::string::npos)
        throw InputError(option + ": must be one line");
}

} // namespace

std::string arraySpec(const std::vector<int>& indices)
{
    std::string spec;
    for (size_t i = 0; i < indices.size();) {
        size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
            ++j;
        spec += (spec.empty() ? "" : ",") + std::to_string(indices[i]);
        if (j > i)
            spec += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return spec;
}

void runLocally(SweepFolder& folder,
                const std::vector<int>& indices,
                const LocalRunOptions& options,
                const CancelFlag* cancel)
{
    const int cores = options.cores > 0 ? options.cores : std::max(1u, std::thread::hardware_concurrency());
    const int jobs = std::max(1, options.jobs);
    const std::string threads = std::to_string(std::max(1, cores / jobs));
    folder.clearTries(indices);
    folder.addSubmission(
        { SweepExecutor::Local, sweep::hostName() + ":" + std::to_string(::getpid()), indices, std::string() });
    const auto report = [&] {
        if (options.progress)
            options.progress(folder.status());
    };
    report();

    size_t next = 0;
    std::map<pid_t, int> running;
    bool stopping = false;
    while (true) {
        bool changed = false;
        while (!stopping && next < indices.size() && static_cast<int>(running.size()) < jobs) {
            const int index = indices[next++];
            const auto log = folder.taskFile(index, "log.txt");
            try {
                running[sweep::startProcess(taskCommand(folder, options.pareExecutable, std::to_string(index), threads),
                                            log)]
                    = index;
            } catch (const InputError& e) {
                folder.markFailed(index, e.what());
            }
            changed = true;
        }
        for (auto it = running.begin(); it != running.end();) {
            const int code = sweep::pollExit(it->first);
            if (code < 0) {
                ++it;
                continue;
            }
            const int index = it->second;
            // The task writes its own "failed" for an error it caught; a crash or a kill leaves it to us.
            if (!files::exists(folder.taskFile(index, "result.json"))
                && !files::exists(folder.taskFile(index, "failed"))) {
                const auto line = sweep::lastLine(folder.taskFile(index, "log.txt"));
                folder.markFailed(index,
                                  (code > 128 ? "killed by signal " + std::to_string(code - 128)
                                              : "exited with code " + std::to_string(code))
                                      + (line.empty() ? std::string() : ": " + line));
            }
            it = running.erase(it);
            changed = true;
        }
        if (cancel && cancel->isRequested() && !stopping) {
            stopping = true;
            for (const auto& [pid, index] : running)
                ::kill(pid, SIGTERM);
        }
        if (changed)
            report();
        if (running.empty() && (stopping || next >= indices.size()))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

std::string submitToSlurm(SweepFolder& folder, const std::vector<int>& indices, const SlurmOptions& options)
{
    if (indices.empty())
        throw InputError("sweep: nothing to submit");
    for (const auto& [value, option] :
         { std::pair { options.partition, "Slurm partition" }, std::pair { options.timeLimit, "Slurm time limit" },
           std::pair { options.memPerTask, "Slurm memory per task" } })
        requireOneLine(value, option);
    for (const auto& extra : options.extraArguments)
        requireOneLine(extra, "extra sbatch argument");

    const int width = static_cast<int>(folder.taskId(0).size());
    const auto dir = absoluteDir(folder);
    const auto slurmFolder = files::joinPath(dir, "slurm");
    std::error_code ec;
    std::filesystem::create_directories(slurmFolder, ec);
    const auto script
        = files::joinPath(slurmFolder, "array-" + std::to_string(folder.submissions().size()) + ".sbatch");

    // Everything on sbatch's command line (argv, no shell between), so a folder with a space in its name is fine.
    // The array task's output goes to its task's log.txt: %Na is the array index zero-padded to the ids' width.
    std::vector<std::string> sbatch {
        "sbatch",
        "--parsable",
        "--job-name=pare-sweep",
        "--array=" + arraySpec(indices)
            + (options.arrayLimit > 0 ? "%" + std::to_string(options.arrayLimit) : std::string()),
        "--cpus-per-task=" + std::to_string(std::max(1, options.cpusPerTask)),
        "--output=" + files::joinPath(dir, "tasks/%" + std::to_string(width) + "a/log.txt"),
        "--open-mode=append",
        "--chdir=" + dir
    };
    if (!options.partition.empty())
        sbatch.push_back("--partition=" + options.partition);
    if (!options.timeLimit.empty())
        sbatch.push_back("--time=" + options.timeLimit);
    if (!options.memPerTask.empty())
        sbatch.push_back("--mem=" + options.memPerTask);
    sbatch.insert(sbatch.end(), options.extraArguments.begin(), options.extraArguments.end());
    sbatch.push_back(script);

    std::string text = "#!/bin/bash\n# Pare sweep " + dir + ": tasks " + arraySpec(indices)
        + ", one configuration per array task (SLURM_ARRAY_TASK_ID), submitted as\n#  ";
    for (const auto& word : sbatch)
        text += " " + shellQuoted(word);
    text += "\nexec";
    for (const auto& word : taskCommand(folder, options.pareExecutable, "$SLURM_ARRAY_TASK_ID", "THREADS"))
        text += " "
            + (word == "$SLURM_ARRAY_TASK_ID" ? "\"$SLURM_ARRAY_TASK_ID\""
                   : word == "THREADS"        ? "\"${SLURM_CPUS_PER_TASK:-1}\""
                                              : shellQuoted(word));
    text += "\n";
    files::writeAtomically(script, text, true);
    std::filesystem::permissions(script, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add, ec);

    folder.clearTries(indices);
    const auto out = sweep::runCommand(sbatch);
    std::string job = out.out.substr(0, out.out.find_first_of(";\n"));
    if (out.exitCode != 0 || job.empty() || job.find_first_not_of("0123456789") != std::string::npos)
        throw InputError("sbatch refused the array: " + sweep::lastLineOf(out.err.empty() ? out.out : out.err));
    folder.addSubmission({ SweepExecutor::Slurm, job, indices, std::string() });
    return job;
}

} // namespace pare
