#pragma once

// Child processes for the sweep executors: the Slurm commands whose output is read, and the local executor's tasks.
// posix_spawn, not system(): arguments are never parsed by a shell, so a folder with a space or a quote in its name
// is passed as it is.

#include <string>
#include <sys/types.h>
#include <vector>

namespace pare::sweep {

struct CommandOutput
{
    int exitCode = -1; ///< 128 + the signal when the command was killed
    std::string out;
    std::string err;
};

/// Runs `argv` (searched on PATH), waits, and returns its exit code and output. Throws InputError naming the program
/// when it cannot be started (not installed).
[[nodiscard]] CommandOutput runCommand(const std::vector<std::string>& argv);

/// Starts `argv` with stdin from /dev/null and stdout and stderr appended to `logFile`; returns its pid. Throws
/// InputError when it cannot be started.
[[nodiscard]] pid_t startProcess(const std::vector<std::string>& argv, const std::string& logFile);

/// The exit code of `pid` if it has ended (128 + signal when killed), -1 while it runs. Reaps it.
[[nodiscard]] int pollExit(pid_t pid);

/// Whether a process `pid` exists on this machine.
[[nodiscard]] bool processAlive(pid_t pid);

/// This machine's short host name.
[[nodiscard]] std::string hostName();

/// The last non-empty line of `text` (what a progress bar drew last, where it redraws with carriage returns).
[[nodiscard]] std::string lastLineOf(const std::string& text);

/// The last non-empty line of a text file (at most its last 64 KB read), or "".
[[nodiscard]] std::string lastLine(const std::string& path);

} // namespace pare::sweep
