#pragma once

// File helpers shared by the readers and writers of core. No torch here: these compile fast.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pare::files {

/// Throws InputError unless `path` is an existing, non-empty regular file. Returns its size.
int64_t requireRegularFile(const std::string& path);

/// Throws InputError unless `path` is an existing directory.
void requireDirectory(const std::string& path);

[[nodiscard]] bool exists(const std::string& path);
[[nodiscard]] bool isDirectory(const std::string& path);

/// Reads a whole file; throws InputError on failure.
[[nodiscard]] std::string readAll(const std::string& path);

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a reader never
/// sees half a file and a failure leaves any old file intact. Refuses an existing file unless overwrite.
/// Returns the size of the file on disk. `checkBeforeRename`, if given, is called with the temporary file's path once
/// it is complete; when it throws, the temporary file is removed and nothing reaches `path`.
int64_t writeAtomically(const std::string& path,
                        const std::string& bytes,
                        bool overwrite,
                        const std::function<void(const std::string& temporaryPath)>& checkBeforeRename = {});

/// `folder` and `name` joined with one separator, however the user spelled the folder ("data/" or "data").
[[nodiscard]] std::string joinPath(const std::string& folder, const std::string& name);

/// True when both paths name the same existing file (so an output would overwrite an input).
[[nodiscard]] bool sameFile(const std::string& a, const std::string& b);

} // namespace pare::files
