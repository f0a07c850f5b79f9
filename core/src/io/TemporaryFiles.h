#pragma once

// The temporary files behind Pare's atomic writes. Each lies next to its target as
// ".<target name>.tmp-<pid>-XXXXXX", so a person can tell whose it is and the next write of that target can tell
// whether the process that made it still runs. No torch here: the fuzz harnesses compile this.

#include <string>

namespace pare::files {

/// One temporary file being written. It is removed when this object dies without commit(), and also when the
/// process is ended by SIGINT, SIGTERM or SIGHUP while it exists (a handler unlinks every live temporary file, then
/// lets the signal end the process as it would have). SIGXFSZ is ignored, so a write over the file-size limit fails
/// with EFBIG and is reported like a full disk instead of killing the process.
class TemporaryFile
{
public:
    /// Creates the file (mode 0600 until commit) next to `target`; throws InputError naming `target` on failure.
    explicit TemporaryFile(const std::string& target);
    ~TemporaryFile();
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    [[nodiscard]] const std::string& path() const { return m_path; }
    /// Writes all of `bytes`, flushes them to disk and closes the file; throws InputError naming the target.
    void writeAndClose(const std::string& bytes);
    /// Renames the file onto its target (readable as any file the user writes); throws InputError on failure.
    void commit();

private:
    std::string m_target;
    std::string m_path;
    int m_fd = -1;
    int m_slot = -1; ///< its place in the list the signal handler reads, or -1 when the list was full
    bool m_committed = false;
};

/// Removes the temporary files next to `target` whose process no longer runs (a kill -9, a power cut), so none
/// survives past the next write of the same output. Files of running processes are left alone.
void removeStaleTemporaries(const std::string& target);

} // namespace pare::files
