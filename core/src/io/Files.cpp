#include "io/Files.h"
#include "io/TemporaryFiles.h"

#include "pare/Error.h"
#include "pare/TextFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pare::files {

int64_t requireRegularFile(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw inputError(path, "no such file");
    if (fs::is_directory(status))
        throw inputError(path, "is a directory, expected a file");
    if (!fs::is_regular_file(status))
        throw inputError(path, "not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw inputError(path, "cannot read size: " + ec.message());
    if (size == 0)
        throw inputError(path, "empty file");
    return static_cast<int64_t>(size);
}

void requireDirectory(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw inputError(path, "no such file or directory");
    if (!fs::is_directory(status))
        throw inputError(path, "not a directory");
}

bool exists(const std::string& path)
{
    std::error_code ec;
    return fs::exists(path, ec);
}

bool isDirectory(const std::string& path)
{
    std::error_code ec;
    return fs::is_directory(path, ec);
}

std::string readAll(const std::string& path)
{
    requireRegularFile(path);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw inputError(path, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

int64_t writeAtomically(const std::string& path,
                        const std::string& bytes,
                        bool overwrite,
                        const std::function<void(const std::string& temporaryPath)>& checkBeforeRename)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw inputError(path, "is a directory, expected a file name to write");
    if (!overwrite && fs::exists(path, ec))
        throw inputError(path, "already exists (choose another name, or allow replacing it)");
    if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
        throw inputError(path, "exists and is not a regular file; Pare only replaces regular files");
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, ec))
        throw inputError(path, "folder " + folder.string() + " does not exist");

    removeStaleTemporaries(path);
    TemporaryFile temporary(path);
    temporary.writeAndClose(bytes);
    if (checkBeforeRename)
        checkBeforeRename(temporary.path());
    temporary.commit();
    return static_cast<int64_t>(fs::file_size(path));
}

std::string joinPath(const std::string& folder, const std::string& name)
{
    return (fs::path(folder) / name).lexically_normal().string();
}

bool sameFile(const std::string& a, const std::string& b)
{
    std::error_code ec;
    return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

} // namespace pare::files

namespace pare {

int64_t writeTextFile(const std::string& path, const std::string& text, bool overwrite)
{
    return files::writeAtomically(path, text, overwrite);
}

} // namespace pare
