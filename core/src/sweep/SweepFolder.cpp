// A sweep's folder: its state file, the markers each task leaves, and where every task stands. Files are the
// truth: `pare sweep status` in another terminal, a task on a node and the studio read the same ones.

#include "io/Files.h"
#include "sweep/Processes.h"

#include "pare/Error.h"
#include "pare/SweepFolder.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <map>
#include <pwd.h>
#include <sstream>
#include <unistd.h>

namespace pare {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kStateFile = "sweep-state.json";
constexpr int kStateVersion = 1;

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm parts {};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string trimmed(std::string text)
{
    const auto end = text.find_last_not_of(" \r\n\t");
    text.erase(end == std::string::npos ? 0 : end + 1);
    return text;
}

/// Slurm's job states as Pare counts them (squeue's long names).
std::optional<TaskState> slurmTaskState(const std::string& state)
{
    if (state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" || state == "REQUEUE_HOLD"
        || state == "REQUEUE_FED" || state == "RESV_DEL_HOLD" || state == "SUSPENDED" || state == "STOPPED")
        return TaskState::Pending;
    if (state == "RUNNING" || state == "COMPLETING" || state == "STAGE_OUT" || state == "SIGNALING"
        || state == "RESIZING")
        return TaskState::Running;
    if (state == "CANCELLED")
        return TaskState::Cancelled;
    if (state.empty())
        return std::nullopt;
    return TaskState::Failed; // COMPLETED without a result, FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED...
}

/// squeue's "%F|%K|%T" lines: (array job id, index) -> state. Pending tasks of an array may still be listed as one
/// line with an index expression such as "[3-5%1]".
std::map<std::pair<std::string, int>, std::string> parseQueue(const std::string& text)
{
    std::map<std::pair<std::string, int>, std::string> states;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto a = line.find('|');
        const auto b = line.find('|', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos || b == std::string::npos)
            continue;
        const std::string job = line.substr(0, a);
        std::string indices = line.substr(a + 1, b - a - 1);
        const std::string state = trimmed(line.substr(b + 1));
        indices.erase(std::remove_if(indices.begin(), indices.end(), [](char c) { return c == '[' || c == ']'; }),
                      indices.end());
        indices = indices.substr(0, indices.find('%'));
        std::istringstream parts(indices);
        for (std::string part; std::getline(parts, part, ',');) {
            const auto dash = part.find('-');
            try {
                const int first = std::stoi(part.substr(0, dash));
                const int last = dash == std::string::npos ? first : std::stoi(part.substr(dash + 1));
                for (int i = first; i <= last && i - first < 1000000; ++i)
                    states[{ job, i }] = state;
            } catch (const std::exception&) { // "N/A": not an array task
            }
        }
    }
    return states;
}

/// The field of SweepCounts that counts `state`.
int SweepCounts::*countOf(TaskState state)
{
    switch (state) {
    case TaskState::Done:
        return &SweepCounts::done;
    case TaskState::Running:
        return &SweepCounts::running;
    case TaskState::Pending:
        return &SweepCounts::pending;
    case TaskState::Failed:
        return &SweepCounts::failed;
    case TaskState::Cancelled:
        return &SweepCounts::cancelled;
    case TaskState::NotStarted:
        break;
    }
    return &SweepCounts::notStarted;
}

/// This process's user, as squeue's --user takes it (not --me, which Slurm has only since 20.11).
std::string userName()
{
    const passwd* user = ::getpwuid(::getuid());
    return user ? std::string(user->pw_name) : std::to_string(::getuid());
}

json submissionToJson(const SweepSubmission& s)
{
    return {
        { "executor", optionName(s.executor) }, { "job", s.job }, { "indices", s.indices }, { "submitted", s.submitted }
    };
}

} // namespace

SweepCounts SweepCounts::of(const std::vector<TaskStatus>& tasks)
{
    SweepCounts counts;
    for (const auto& task : tasks)
        ++(counts.*countOf(task.state));
    return counts;
}

int SweepCounts::count(TaskState state) const
{
    return this->*countOf(state);
}

std::string SweepCounts::describe() const
{
    std::string text;
    for (const auto& [state, name] : OptionTable<TaskState>::entries) {
        if (count(state) > 0 || state == TaskState::Done)
            text += (text.empty() ? "" : ", ") + std::to_string(count(state)) + " " + name;
    }
    return text + " of " + std::to_string(total());
}

SweepFolder SweepFolder::prepare(const std::string& dir,
                                 const Sweep& sweep,
                                 const std::vector<SweepConfiguration>& plan,
                                 const std::string& sweepFile,
                                 const SweepInputs& inputs)
{
    std::error_code ec;
    if (fs::exists(files::joinPath(dir, kStateFile), ec)) {
        auto folder = open(dir);
        if (folder.m_sweepHash != sweep.hash)
            throw inputError(dir,
                             "holds a sweep made from another version of " + sweepFile
                                 + " (the file changed since); continue with the file as it was, or use a new "
                                   "sweep folder");
        if (folder.taskCount() != static_cast<int>(plan.size()))
            throw inputError(dir,
                             "holds a sweep of " + std::to_string(folder.taskCount()) + " tasks, this plan has "
                                 + std::to_string(plan.size()));
        if (!(folder.m_inputs == inputs))
            throw inputError(dir,
                             "was run on " + folder.m_inputs.model + " and " + folder.m_inputs.data
                                 + " with other options; continue with the same model, data set and options, or "
                                   "use a new sweep folder");
        return folder;
    }
    if (fs::exists(dir, ec) && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)))
        throw inputError(dir, "exists and is not a sweep folder; choose a new folder for the sweep");
    fs::create_directories(files::joinPath(dir, "tasks"), ec);
    if (ec)
        throw inputError(dir, "cannot be made (" + ec.message() + ")");

    SweepFolder folder;
    folder.m_dir = dir;
    folder.m_sweepHash = sweep.hash;
    folder.m_inputs = inputs;
    files::writeAtomically(files::joinPath(dir, "sweep.json"), files::readAll(sweepFile), true);
    for (const auto& configuration : plan) {
        folder.m_ids.push_back(configuration.id);
        fs::create_directories(folder.taskFolder(configuration.index), ec);
        if (ec)
            throw inputError(folder.taskFolder(configuration.index), "cannot be made (" + ec.message() + ")");
        files::writeAtomically(folder.taskFile(configuration.index, "recipe.json"), configuration.recipe.toJson(),
                               true);
        files::writeAtomically(folder.taskFile(configuration.index, "config.json"), configuration.settingsJson() + "\n",
                               true);
    }
    folder.saveState(); // last: a folder without its state file is not a sweep folder yet
    return folder;
}

SweepFolder SweepFolder::open(const std::string& dir)
{
    const auto path = files::joinPath(dir, kStateFile);
    if (!files::exists(path))
        throw inputError(dir, "is not a sweep folder (no " + std::string(kStateFile) + ")");
    SweepFolder folder;
    folder.m_dir = dir;
    try {
        const json state = json::parse(files::readAll(path));
        if (state.at("version").get<int>() != kStateVersion)
            throw inputError(path, "was written by another version of Pare");
        folder.m_sweepHash = state.at("sweep_hash").get<std::string>();
        folder.m_ids = state.at("tasks").get<std::vector<std::string>>();
        folder.m_inputs.model = state.at("model").get<std::string>();
        folder.m_inputs.data = state.at("data").get<std::string>();
        folder.m_inputs.taskArguments = state.at("task_arguments").get<std::vector<std::string>>();
        for (const auto& s : state.at("submissions")) {
            SweepSubmission submission;
            submission.executor = parseOption<SweepExecutor>(s.at("executor").get<std::string>(), path);
            submission.job = s.at("job").get<std::string>();
            submission.indices = s.at("indices").get<std::vector<int>>();
            submission.submitted = s.at("submitted").get<std::string>();
            folder.m_submissions.push_back(std::move(submission));
        }
    } catch (const json::exception& e) {
        throw inputError(path, std::string("not a sweep state file (") + e.what() + ")");
    }
    for (const auto& id : folder.m_ids)
        if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
            throw inputError(path, "not a sweep state file (task id '" + id.substr(0, 20) + "')");
    return folder;
}

void SweepFolder::saveState() const
{
    json submissions = json::array();
    for (const auto& s : m_submissions)
        submissions.push_back(submissionToJson(s));
    const json state {
        { "version", kStateVersion },  { "sweep_hash", m_sweepHash }, { "tasks", m_ids },
        { "model", m_inputs.model },   { "data", m_inputs.data },     { "task_arguments", m_inputs.taskArguments },
        { "submissions", submissions }
    };
    files::writeAtomically(files::joinPath(m_dir, kStateFile), state.dump(2) + "\n", true);
}

std::string SweepFolder::taskFolder(int index) const
{
    return files::joinPath(files::joinPath(m_dir, "tasks"), taskId(index));
}

std::string SweepFolder::taskFile(int index, const char* name) const
{
    return files::joinPath(taskFolder(index), name);
}

void SweepFolder::clearTries(const std::vector<int>& indices) const
{
    std::error_code ec;
    for (const int index : indices) {
        for (const char* marker : { "failed", "started" })
            fs::remove(taskFile(index, marker), ec);
        // The log of the try before stays beside the new one, for whoever wonders why it failed.
        if (fs::exists(taskFile(index, "log.txt"), ec))
            fs::rename(taskFile(index, "log.txt"), taskFile(index, "log.previous.txt"), ec);
    }
}

void SweepFolder::addSubmission(SweepSubmission submission)
{
    if (submission.submitted.empty())
        submission.submitted = utcNow();
    m_submissions.push_back(std::move(submission));
    saveState();
}

std::vector<TaskStatus> SweepFolder::status() const
{
    std::vector<const SweepSubmission*> latest(m_ids.size(), nullptr);
    bool askSlurm = false;
    for (const auto& s : m_submissions)
        for (const int index : s.indices)
            if (index >= 0 && index < taskCount()) {
                latest[size_t(index)] = &s;
                askSlurm = askSlurm || s.executor == SweepExecutor::Slurm;
            }
    std::map<std::pair<std::string, int>, std::string> queue;
    if (askSlurm) {
        // --states=all also lists the tasks that ended in the last MinJobAge seconds (CANCELLED, TIMEOUT...).
        const auto out = sweep::runCommand(
            { "squeue", "--user=" + userName(), "--noheader", "--array", "--states=all", "--format=%F|%K|%T" });
        if (out.exitCode != 0)
            throw InputError("squeue failed: " + sweep::lastLineOf(out.err.empty() ? out.out : out.err));
        queue = parseQueue(out.out);
    }
    const std::string host = sweep::hostName();

    std::vector<TaskStatus> tasks;
    for (int index = 0; index < taskCount(); ++index) {
        TaskStatus task;
        task.index = index;
        task.id = taskId(index);
        const auto started = trimmed(
            files::exists(taskFile(index, "started")) ? files::readAll(taskFile(index, "started")) : std::string());
        const auto stoppedDetail = [&] {
            const auto line = sweep::lastLine(taskFile(index, "log.txt"));
            return "stopped before it finished" + (line.empty() ? std::string() : ": " + line);
        };
        const SweepSubmission* submission = latest[size_t(index)];
        if (files::exists(taskFile(index, "result.json"))) {
            task.state = TaskState::Done;
        } else if (files::exists(taskFile(index, "failed"))) {
            task.state = TaskState::Failed;
            task.detail = trimmed(files::readAll(taskFile(index, "failed")));
        } else if (!submission) {
            task.state = TaskState::NotStarted;
        } else if (submission->executor == SweepExecutor::Slurm) {
            const auto it = queue.find({ submission->job, index });
            const auto state = slurmTaskState(it == queue.end() ? std::string() : it->second);
            if (!state) // gone from the queue (or never in it): it ended before squeue could say how
                task.state = started.empty() ? TaskState::Cancelled : TaskState::Failed;
            else
                task.state = *state == TaskState::Cancelled && !started.empty() ? TaskState::Failed : *state;
            if (task.state == TaskState::Running)
                task.detail = started;
            else if (task.state == TaskState::Failed)
                task.detail = (it != queue.end() ? "Slurm: " + it->second + ", " : std::string()) + stoppedDetail();
            else if (task.state == TaskState::Cancelled)
                task.detail = "left Slurm's queue before it started (job " + submission->job + ")";
        } else {
            std::istringstream where(started);
            std::string startedHost;
            long pid = 0;
            where >> startedHost >> pid;
            const auto colon = submission->job.rfind(':');
            const bool runnerAlive = colon != std::string::npos && submission->job.substr(0, colon) == host
                && sweep::processAlive(static_cast<pid_t>(std::atol(submission->job.c_str() + colon + 1)));
            if (!started.empty() && startedHost == host && sweep::processAlive(static_cast<pid_t>(pid))) {
                task.state = TaskState::Running;
                task.detail = started;
            } else if (!started.empty()) {
                task.state = TaskState::Failed;
                task.detail = stoppedDetail();
            } else {
                task.state = runnerAlive ? TaskState::Pending : TaskState::NotStarted;
            }
        }
        tasks.push_back(std::move(task));
    }
    return tasks;
}

std::vector<int> SweepFolder::toSubmit(const std::vector<TaskStatus>& status)
{
    std::vector<int> indices;
    for (const auto& task : status)
        if (task.state == TaskState::Failed || task.state == TaskState::Cancelled
            || task.state == TaskState::NotStarted)
            indices.push_back(task.index);
    return indices;
}

int SweepFolder::rebuildResults() const
{
    std::string lines;
    int count = 0;
    for (int index = 0; index < taskCount(); ++index) {
        const auto path = taskFile(index, "result.json");
        if (!files::exists(path))
            continue;
        try {
            lines += json::parse(files::readAll(path)).dump() + "\n";
            ++count;
        } catch (const std::exception&) { // written atomically, so only a hand-edited file gets here
        }
    }
    files::writeAtomically(files::joinPath(m_dir, "results.jsonl"), lines, true);
    return count;
}

std::vector<SweepResult> SweepFolder::readResults(const std::string& dir, const std::set<std::string>& known)
{
    const auto folder = open(dir);
    std::vector<SweepResult> results;
    for (int index = 0; index < folder.taskCount(); ++index) {
        if (known.count(folder.taskId(index)))
            continue;
        const auto path = folder.taskFile(index, "result.json");
        std::error_code ec;
        if (!fs::exists(path, ec))
            continue;
        try {
            const json result = json::parse(files::readAll(path));
            SweepResult r;
            r.index = index;
            r.id = folder.taskId(index);
            SweepConfiguration configuration;
            for (const auto& item : result.at("config").items())
                configuration.settings.emplace_back(item.key(), item.value().dump());
            r.settings = configuration.describe();
            r.resultJson = result.dump();
            const auto model = folder.taskFile(index, "model.pare");
            r.modelFile = fs::exists(model, ec) ? model : std::string();
            results.push_back(std::move(r));
        } catch (const std::exception&) { // a result.json edited by hand into something else: left out
        }
    }
    return results;
}

void SweepFolder::markStarted(int index) const
{
    std::string where = sweep::hostName() + " " + std::to_string(::getpid());
    if (const char* job = std::getenv("SLURM_ARRAY_JOB_ID"))
        where += std::string(" job ") + job + "_"
            + (std::getenv("SLURM_ARRAY_TASK_ID") ? std::getenv("SLURM_ARRAY_TASK_ID") : "");
    files::writeAtomically(taskFile(index, "started"), where + "\n", true);
}

void SweepFolder::markFailed(int index, const std::string& message) const
{
    files::writeAtomically(taskFile(index, "failed"), message + "\n", true);
}

void SweepFolder::writeResult(int index, const std::string& compressJson) const
{
    json result = json::parse(compressJson);
    result["id"] = taskId(index);
    result["config"] = json::parse(files::readAll(taskFile(index, "config.json")));
    files::writeAtomically(taskFile(index, "result.json"), result.dump(2) + "\n", true);
}

} // namespace pare
