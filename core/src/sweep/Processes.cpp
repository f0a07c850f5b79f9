#include "sweep/Processes.h"

#include "pare/Error.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pare::sweep {
namespace {

std::vector<char*> argvPointers(const std::vector<std::string>& argv)
{
    std::vector<char*> pointers;
    for (const auto& a : argv)
        pointers.push_back(const_cast<char*>(a.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

int exitCodeOf(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

/// posix_spawn's file actions, freed however the spawn ends.
class FileActions
{
public:
    FileActions() { posix_spawn_file_actions_init(&m_actions); }
    ~FileActions() { posix_spawn_file_actions_destroy(&m_actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &m_actions; }

private:
    posix_spawn_file_actions_t m_actions;
};

} // namespace

CommandOutput runCommand(const std::vector<std::string>& argv)
{
    int outPipe[2];
    int errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0)
        throw InputError(argv.front() + ": cannot make a pipe (" + std::strerror(errno) + ")");
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        ::close(outPipe[0]);
        ::close(outPipe[1]);
        throw InputError(argv.front() + ": cannot make a pipe (" + std::strerror(errno) + ")");
    }
    FileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions.get(), outPipe[1], 1);
    posix_spawn_file_actions_adddup2(actions.get(), errPipe[1], 2);
    pid_t pid = 0;
    auto pointers = argvPointers(argv);
    const int spawned = posix_spawnp(&pid, argv.front().c_str(), actions.get(), nullptr, pointers.data(), environ);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (spawned != 0) {
        ::close(outPipe[0]);
        ::close(errPipe[0]);
        throw InputError(argv.front() + ": cannot be run (" + std::strerror(spawned) + "); is it installed?");
    }
    CommandOutput output;
    pollfd fds[2] = { { outPipe[0], POLLIN, 0 }, { errPipe[0], POLLIN, 0 } };
    std::string* sinks[2] = { &output.out, &output.err };
    int open = 2;
    char buffer[65536];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    output.exitCode = exitCodeOf(status);
    return output;
}

pid_t startProcess(const std::vector<std::string>& argv, const std::string& logFile)
{
    FileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(actions.get(), 1, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(actions.get(), 1, 2);
    pid_t pid = 0;
    auto pointers = argvPointers(argv);
    const int spawned = posix_spawn(&pid, argv.front().c_str(), actions.get(), nullptr, pointers.data(), environ);
    if (spawned != 0)
        throw InputError(argv.front() + ": cannot be started (" + std::strerror(spawned) + ")");
    return pid;
}

int pollExit(pid_t pid)
{
    int status = 0;
    const pid_t ended = ::waitpid(pid, &status, WNOHANG);
    if (ended == 0)
        return -1;
    if (ended < 0)
        return 128; // not our child any more: count it as ended without a code
    return exitCodeOf(status);
}

bool processAlive(pid_t pid)
{
    return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

std::string hostName()
{
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    std::string host = name;
    return host.substr(0, host.find('.'));
}

std::string lastLineOf(const std::string& text)
{
    const size_t end = text.find_last_not_of(" \r\n\t");
    if (end == std::string::npos)
        return {};
    const size_t newline = text.rfind('\n', end);
    const size_t begin = newline == std::string::npos ? 0 : newline + 1;
    const std::string line = text.substr(begin, end + 1 - begin);
    const size_t cr = line.rfind('\r');
    return cr == std::string::npos ? line : line.substr(cr + 1);
}

std::string lastLine(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        return {};
    const std::streamoff size = in.tellg();
    const std::streamoff start = std::max<std::streamoff>(0, size - 65536);
    in.seekg(start);
    std::string text(static_cast<size_t>(size - start), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    return lastLineOf(text);
}

} // namespace pare::sweep
