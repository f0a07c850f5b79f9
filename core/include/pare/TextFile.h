#pragma once

#include <cstdint>
#include <string>

namespace pare {

/// Writes `text` to `path` atomically (temporary file, then rename); refuses an existing file unless overwrite.
/// Returns the file's size. Throws InputError naming the file on failure.
int64_t writeTextFile(const std::string& path, const std::string& text, bool overwrite = false);

} // namespace pare
