#include "io/TemporaryFiles.h"

#include "pare/Error.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pare::files {
namespace {

// The list the signal handler reads. A handler may only use async-signal-safe calls, so the paths live in fixed
// buffers and each slot's state is a lock-free atomic: free, being filled, or ready to unlink.
constexpr int kSlots = 64;
constexpr size_t kPathBytes = 4096;
enum SlotState : int
{
    Free = 0,
    Filling = 1,
    Ready = 2
};
struct Slot
{
    std::atomic<int> state { Free };
    char path[kPathBytes] {};
};
std::array<Slot, kSlots> g_slots;
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void removeTemporariesThenDie(int signal)
{
    for (auto& slot : g_slots)
        if (slot.state.load() == Ready)
            ::unlink(slot.path);
    // The signal is blocked while its handler runs; with the default action back, it ends the process on return,
    // with the status a parent expects from that signal.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Installed once, and only over the default action: a host that handles these signals itself (a debugger, an
// embedding application) keeps its handlers.
void installSignalHandlers()
{
    static std::once_flag once;
    std::call_once(once, [] {
        for (const int signal : { SIGINT, SIGTERM, SIGHUP }) {
            struct sigaction old
            {
            };
            if (::sigaction(signal, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
                continue;
            struct sigaction action
            {
            };
            action.sa_handler = removeTemporariesThenDie;
            sigemptyset(&action.sa_mask);
            ::sigaction(signal, &action, nullptr);
        }
        struct sigaction old
        {
        };
        if (::sigaction(SIGXFSZ, nullptr, &old) == 0 && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
            std::signal(SIGXFSZ, SIG_IGN);
    });
}

int claimSlot(const std::string& path)
{
    if (path.size() >= kPathBytes)
        return -1;
    for (int i = 0; i < kSlots; ++i) {
        int expected = Free;
        if (g_slots[i].state.compare_exchange_strong(expected, Filling)) {
            std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
            g_slots[i].state.store(Ready);
            return i;
        }
    }
    return -1; // more than 64 writes at once: this one is only cleaned up by removeStaleTemporaries
}

void releaseSlot(int slot)
{
    if (slot >= 0)
        g_slots[slot].state.store(Free);
}

std::string prefixFor(const fs::path& target)
{
    return "." + target.filename().string() + ".tmp-";
}

} // namespace

TemporaryFile::TemporaryFile(const std::string& target)
    : m_target(target)
{
    installSignalHandlers();
    const fs::path targetPath(target);
    const fs::path folder = targetPath.has_parent_path() ? targetPath.parent_path() : fs::path(".");
    std::string pattern = (folder / (prefixFor(targetPath) + std::to_string(::getpid()) + "-XXXXXX")).string();
    // Signals are blocked between creating the file and listing it, so no handler can miss it.
    sigset_t all, previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &previous);
    m_fd = ::mkstemp(pattern.data());
    const int error = errno;
    if (m_fd >= 0)
        m_slot = claimSlot(pattern);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (m_fd < 0)
        throw inputError(target, std::string("cannot create a temporary file: ") + std::strerror(error));
    m_path = pattern;
}

TemporaryFile::~TemporaryFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_committed)
        ::unlink(m_path.c_str());
    releaseSlot(m_slot);
}

void TemporaryFile::writeAndClose(const std::string& bytes)
{
    const char* data = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, data, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw inputError(m_target, std::string("write failed: ") + std::strerror(n < 0 ? errno : ENOSPC));
        data += n;
        left -= static_cast<size_t>(n);
    }
    const bool synced = ::fsync(m_fd) == 0;
    const int syncError = errno;
    const bool closed = ::close(m_fd) == 0;
    const int closeError = errno;
    m_fd = -1;
    if (!synced || !closed)
        throw inputError(m_target, std::string("write failed: ") + std::strerror(synced ? closeError : syncError));
}

void TemporaryFile::commit()
{
    // mkstemp creates the file 0600; a saved model should be as readable as any file the user writes.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(m_path.c_str(), 0666 & ~mask);
    if (::rename(m_path.c_str(), m_target.c_str()) != 0)
        throw inputError(m_target, std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
    m_committed = true;
}

void removeStaleTemporaries(const std::string& target)
{
    const fs::path targetPath(target);
    const fs::path folder = targetPath.has_parent_path() ? targetPath.parent_path() : fs::path(".");
    const std::string prefix = prefixFor(targetPath);
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0)
            continue;
        // ".<name>.tmp-<pid>-XXXXXX": six characters from mkstemp after the process id.
        const std::string rest = name.substr(prefix.size());
        const size_t dash = rest.find('-');
        if (dash == 0 || dash > 10 || dash == std::string::npos || rest.size() != dash + 7
            || rest.find_first_not_of("0123456789") != dash)
            continue;
        const long pid = std::stol(rest.substr(0, dash));
        if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
            continue;
        std::error_code removeError;
        if (it->is_regular_file(removeError))
            fs::remove(it->path(), removeError);
    }
}

} // namespace pare::files
