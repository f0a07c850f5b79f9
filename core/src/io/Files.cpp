#include "io/Files.h"

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
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(folder, ec))
        throw inputError(path, "folder " + folder.string() + " does not exist");

    std::string tmpl = (folder / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = ::mkstemp(tmpl.data());
    if (fd < 0)
        throw inputError(path, std::string("cannot create a temporary file: ") + std::strerror(errno));
    const char* data = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, data, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmpl.c_str());
            throw inputError(path, "write failed: " + why);
        }
        data += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw inputError(path, "write failed: " + why);
    }
    // mkstemp creates the file 0600; a saved model should be as readable as any file the user writes.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(tmpl.c_str(), 0666 & ~mask);
    if (checkBeforeRename) {
        try {
            checkBeforeRename(tmpl);
        } catch (...) {
            ::unlink(tmpl.c_str());
            throw;
        }
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmpl.c_str());
        throw inputError(path, "cannot rename the temporary file into place: " + why);
    }
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
