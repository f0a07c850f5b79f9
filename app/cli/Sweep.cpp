// pare sweep plan|run|status|task: many configurations of one recipe, each an independent `pare compress`, run
// locally N at a time or as one Slurm job array, followed, resumed after failures (README, "Sweeps and clusters").

#include "Command.h"
#include "CommonOptions.h"
#include "Format.h"
#include "Reports.h"
#include "SweepTask.h"

#include "pare/Error.h"
#include "pare/Sweep.h"
#include "pare/SweepFolder.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace pare::cli {
namespace {

namespace fs = std::filesystem;

/// How many looks at Slurm's queue in a row may fail before `run` stops following the sweep (its tasks go on).
constexpr int kMostUnansweredPolls = 10;

/// A model or data argument as every task must see it: a path made absolute (tasks run in the sweep's folder, on
/// other machines); a keyword or zoo name as it is. "mnist:DIR" keeps its prefix.
std::string absoluteSpec(const std::string& spec)
{
    std::error_code ec;
    const auto colon = spec.find(':');
    if (colon != std::string::npos && colon > 1 && !fs::exists(spec, ec))
        return spec.substr(0, colon + 1) + fs::absolute(spec.substr(colon + 1), ec).lexically_normal().string();
    return fs::exists(spec, ec) ? fs::absolute(spec, ec).lexically_normal().string() : spec;
}

/// One `pare sweep run` at a time submits to a folder: two would both find the same tasks not started. flock()ed
/// for as long as this object lives (released by the kernel however the process ends).
class SubmissionLock
{
public:
    explicit SubmissionLock(const std::string& dir)
        : m_fd(::open((fs::path(dir) / ".submission-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644))
    {
        if (m_fd < 0)
            throw InputError(dir + ": cannot lock the sweep folder (" + std::strerror(errno) + ")");
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(m_fd);
            throw InputError(dir
                             + ": another pare sweep run is submitting to this folder; wait for it, or follow "
                               "it with pare sweep status");
        }
    }
    ~SubmissionLock() { ::close(m_fd); }
    SubmissionLock(const SubmissionLock&) = delete;
    SubmissionLock& operator=(const SubmissionLock&) = delete;

private:
    int m_fd;
};

/// The `pare` this process is: what the local executor starts, and by default what Slurm's nodes run.
std::string thisExecutable()
{
    std::error_code ec;
    const auto self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("pare") : self.string();
}

json readJsonFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
}

json taskJson(const TaskStatus& task, const SweepFolder& folder)
{
    json out { { "id", task.id }, { "index", task.index }, { "state", optionName(task.state) } };
    if (!task.detail.empty())
        out["detail"] = task.detail;
    const auto config = folder.taskFile(task.index, "config.json");
    if (fs::exists(config))
        out["config"] = readJsonFile(config);
    if (task.state == TaskState::Done) {
        const auto result = readJsonFile(folder.taskFile(task.index, "result.json"));
        out["accuracy"] = result.value("accuracy", 0.0);
        out["pare_bytes"] = result.contains("sizes") ? result["sizes"].value("pare", int64_t(0)) : int64_t(0);
        out["model"] = result.value("out", std::string());
    }
    return out;
}

/// The counts, then one row a task: its settings, and its result or why it has none.
void printStatus(const SweepFolder& folder, const std::vector<TaskStatus>& tasks, std::ostream& out)
{
    out << folder.dir() << ": " << SweepCounts::of(tasks).describe() << "\n";
    Table table({ "task", "state", "settings", "accuracy", ".pare bytes", "detail" });
    for (const auto& task : tasks) {
        const auto row = taskJson(task, folder);
        std::string settings;
        if (row.contains("config"))
            for (const auto& item : row["config"].items())
                settings += (settings.empty() ? "" : " ") + item.key() + "=" + item.value().dump();
        const bool done = task.state == TaskState::Done;
        table.addRow({ task.id, optionName(task.state), settings,
                       done ? fixed(row["accuracy"].get<double>(), 4) : std::string("-"),
                       done ? withThousands(row["pare_bytes"].get<int64_t>()) : std::string("-"), task.detail });
    }
    table.print(out);
}

class SweepCommand final : public Command
{
public:
    CLI::App* declare(CLI::App& app, CommonOptions& common) override
    {
        auto* sweep = app.add_subcommand("sweep", "Many configurations of a recipe, locally or as a Slurm job array");
        sweep->require_subcommand(1);

        m_plan = sweep->add_subcommand("plan", "Print the configurations a sweep file expands to");
        m_plan->add_option("SWEEP", m_sweepFile, "Sweep JSON file (README, Sweeps and clusters)")->required();
        m_plan->add_flag("--json", m_planJson, "Print one JSON object on stdout");

        m_run = sweep->add_subcommand("run",
                                      "Run a sweep, or continue it in its folder (failed, cancelled and never "
                                      "started tasks again)");
        m_run->add_option("SWEEP", m_sweepFile, "Sweep JSON file")->required();
        m_run->add_option("--model", m_model, kModelHelp)->required();
        m_run->add_option("--data", m_data, kDataHelp)->required();
        m_run->add_option("--out", m_dir, "The sweep's folder (made, or continued)")->required();
        addChoice(*m_run, "--executor", m_executor, "local (default: this machine) or slurm (one job array)");
        m_run->add_option("--jobs", m_jobs, "Local: tasks at once, the cores divided between them (default 1)")
            ->check(CLI::Range(1, 256));
        m_run->add_flag("--no-wait", m_noWait, "Slurm: return once the array is submitted");
        m_run->add_option("--poll", m_pollSeconds, "Slurm: seconds between looks at the queue (default 10)")
            ->check(CLI::Range(0.1, 3600.0));
        m_run->add_option("--partition", m_slurm.partition, "Slurm: the partition (default: the cluster's)");
        m_run->add_option("--time", m_slurm.timeLimit, "Slurm: each task's time limit, as sbatch --time takes it");
        m_run->add_option("--cpus-per-task", m_slurm.cpusPerTask, "Slurm: CPUs for each task, its threads (default 1)")
            ->check(CLI::Range(1, 4096));
        m_run->add_option("--mem", m_slurm.memPerTask, "Slurm: memory for each task, as sbatch --mem takes it (4G)");
        m_run->add_option("--array-limit", m_slurm.arrayLimit, "Slurm: at most K tasks at once (--array=...%K)")
            ->check(CLI::Range(1, 100000));
        m_run->add_option("--sbatch-arg", m_slurm.extraArguments,
                          "Slurm: one more sbatch argument, as it is (repeat: --sbatch-arg=--account=ml)");
        m_run->add_option("--pare", m_pareExecutable, "The pare the tasks run (default: this one)");
        addCommonOptions(*m_run, common);

        m_status = sweep->add_subcommand("status", "Where every task of a sweep stands");
        m_status->add_option("DIR", m_dir, "The sweep's folder")->required();
        m_status->add_flag("--json", m_statusJson, "Print one JSON object on stdout");

        m_task = sweep->add_subcommand("task", "Run one task of a sweep (what the executors start)");
        m_task->add_option("DIR", m_dir, "The sweep's folder")->required();
        m_task->add_option("--index", m_index, "The task (default: SLURM_ARRAY_TASK_ID)")
            ->check(CLI::NonNegativeNumber);
        addCommonOptions(*m_task, common);
        return sweep;
    }

    int execute(const CommonOptions& common) override
    {
        if (m_plan->parsed())
            return plan();
        if (m_status->parsed())
            return status();
        if (m_task->parsed())
            return runSweepTask(m_dir, m_index, common);
        return run(common);
    }

private:
    int plan() const
    {
        const auto sweep = Sweep::load(m_sweepFile);
        const auto configurations = sweep.plan();
        if (m_planJson) {
            json tasks = json::array();
            for (const auto& c : configurations)
                tasks.push_back({ { "id", c.id },
                                  { "config", json::parse(c.settingsJson()) },
                                  { "recipe", json::parse(c.recipe.toJson()) } });
            printJson({ { "sweep", m_sweepFile }, { "combine", optionName(sweep.combine) }, { "tasks", tasks } });
            return 0;
        }
        Table table({ "task", "settings", "recipe" });
        for (const auto& c : configurations)
            table.addRow({ c.id, c.describe(), c.recipe.describe() });
        table.print(std::cout);
        std::cout << configurations.size() << " configurations (" << optionName(sweep.combine) << ")\n";
        return 0;
    }

    int status() const
    {
        const auto folder = SweepFolder::open(m_dir);
        const auto tasks = folder.status();
        try { // a folder one may read but not write (another user's sweep) still has a status
            folder.rebuildResults();
        } catch (const InputError& e) {
            std::cerr << "pare: warning: results.jsonl not rebuilt: " << e.what() << "\n";
        }
        if (m_statusJson) {
            const auto counts = SweepCounts::of(tasks);
            json rows = json::array();
            for (const auto& task : tasks)
                rows.push_back(taskJson(task, folder));
            json byState = json::object();
            for (const auto& [state, name] : OptionTable<TaskState>::entries)
                byState[name] = counts.count(state);
            printJson({ { "dir", m_dir }, { "counts", byState }, { "tasks", rows } });
            return 0;
        }
        printStatus(folder, tasks, std::cout);
        return 0;
    }

    int run(const CommonOptions& common)
    {
        if (m_noWait && m_executor != SweepExecutor::Slurm)
            throw InputError("--no-wait: only with --executor slurm (local tasks are this process's children)");
        const auto sweep = Sweep::load(m_sweepFile);
        const auto configurations = sweep.plan();
        const SweepInputs inputs { absoluteSpec(m_model), absoluteSpec(m_data), commonArguments(common) };
        auto folder = SweepFolder::prepare(m_dir, sweep, configurations, m_sweepFile, inputs);
        // Held while local tasks run (they are this process's children); for Slurm until the array is submitted.
        auto lock = std::make_unique<SubmissionLock>(m_dir);
        const std::string pare = m_pareExecutable.empty() ? thisExecutable() : absoluteSpec(m_pareExecutable);

        const auto before = folder.status();
        const auto indices = SweepFolder::toSubmit(before);
        const auto counts = SweepCounts::of(before);
        if (indices.empty())
            std::cerr << "pare: " << m_dir << ": nothing to submit (" << counts.describe() << ")\n";
        else if (counts.done + counts.running + counts.pending > 0)
            std::cerr << "pare: " << m_dir << ": continuing (" << counts.describe() << "); submitting "
                      << indices.size() << " tasks\n";

        std::string lastLine;
        const auto report = [&](const std::vector<TaskStatus>& tasks) {
            const auto line = "pare: sweep " + m_dir + ": " + SweepCounts::of(tasks).describe();
            if (line != lastLine)
                std::cerr << line << std::endl;
            lastLine = line;
        };
        if (!indices.empty() && m_executor == SweepExecutor::Local) {
            LocalRunOptions local;
            local.jobs = m_jobs;
            local.cores = common.threads;
            local.pareExecutable = pare;
            local.progress = [&](const std::vector<TaskStatus>& tasks) {
                report(tasks);
                folder.rebuildResults();
            };
            runLocally(folder, indices, local);
        } else if (!indices.empty()) {
            auto slurm = m_slurm;
            slurm.pareExecutable = pare;
            const auto job = submitToSlurm(folder, indices, slurm);
            std::cerr << "pare: submitted Slurm job array " << job << " (tasks " << arraySpec(indices) << ")\n";
            lock.reset();
            if (m_noWait)
                return 0;
        }
        // Follow the queue until nothing is running or waiting. A controller that does not answer for a while (a
        // restart, a failover) is waited for; the tasks run on without us.
        for (int look = 0, unanswered = 0; m_executor == SweepExecutor::Slurm; ++look) {
            if (look > 0)
                std::this_thread::sleep_for(std::chrono::duration<double>(m_pollSeconds));
            std::vector<TaskStatus> tasks;
            try {
                tasks = folder.status();
                unanswered = 0;
            } catch (const InputError& e) {
                if (++unanswered == kMostUnansweredPolls)
                    throw;
                std::cerr << "pare: warning: " << e.what() << "; trying again\n";
                continue;
            }
            report(tasks);
            folder.rebuildResults();
            if (SweepCounts::of(tasks).settled())
                break;
        }

        const auto tasks = folder.status();
        const int results = folder.rebuildResults();
        printStatus(folder, tasks, std::cout);
        std::cout << "results: " << (fs::path(m_dir) / "results.jsonl").string() << " (" << results << " of "
                  << tasks.size() << ")\n";
        const auto after = SweepCounts::of(tasks);
        return after.done == after.total() ? 0 : 1;
    }

    CLI::App* m_plan = nullptr;
    CLI::App* m_run = nullptr;
    CLI::App* m_status = nullptr;
    CLI::App* m_task = nullptr;
    std::string m_sweepFile;
    std::string m_model;
    std::string m_data;
    std::string m_dir;
    bool m_planJson = false;
    bool m_statusJson = false;
    SweepExecutor m_executor = SweepExecutor::Local;
    int m_jobs = 1;
    bool m_noWait = false;
    double m_pollSeconds = 10.0;
    SlurmOptions m_slurm;
    std::string m_pareExecutable;
    int m_index = -1;
};

} // namespace

std::unique_ptr<Command> makeSweepCommand()
{
    return std::make_unique<SweepCommand>();
}

} // namespace pare::cli
