#include "pare/OutputGuard.h"

#include "pare/Dataset.h"
#include "pare/Error.h"

#include <filesystem>

namespace pare {
namespace fs = std::filesystem;
namespace {

bool startsWith(const std::string& text, const std::string& prefix)
{
    return text.compare(0, prefix.size(), prefix) == 0;
}

/// `path` lies inside `folder` (both resolved: symlinks, "." and "..").
bool isInside(const fs::path& path, const fs::path& folder)
{
    std::error_code ec;
    const auto resolved = fs::weakly_canonical(path, ec);
    const auto root = fs::weakly_canonical(folder, ec);
    if (ec)
        return false;
    auto p = resolved.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++p)
        if (p == resolved.end() || *p != *r)
            return false;
    return true;
}

} // namespace

void OutputGuard::protectFile(const std::string& path, const std::string& what)
{
    std::error_code ec;
    if (!path.empty() && fs::exists(path, ec))
        m_inputs.push_back({ path, what, false });
}

void OutputGuard::protectDataSet(const std::string& spec)
{
    std::string folder = spec;
    if (spec == "fashion-mnist")
        folder = fashionMnistFolder();
    else if (startsWith(spec, "mnist:"))
        folder = spec.substr(6);
    else if (startsWith(spec, "cifar10:"))
        folder = spec.substr(8);
    std::error_code ec;
    if (!folder.empty() && fs::exists(folder, ec))
        m_inputs.push_back({ folder, "the data set " + spec, true });
}

void OutputGuard::check(const std::string& out, bool overwrite) const
{
    std::error_code ec;
    const auto status = fs::symlink_status(out, ec);
    const bool exists = fs::exists(fs::status(out, ec));
    if (exists) {
        if (fs::is_directory(out, ec))
            throw inputError(out, "is a directory, expected a file name to write");
        for (const auto& input : m_inputs) {
            const bool same = input.folder ? isInside(out, input.path) : fs::equivalent(input.path, out, ec);
            if (same)
                throw inputError(out,
                                 (input.folder ? "is a file of " : "is ") + input.what
                                     + ", an input of this command; choose another output");
        }
        if (!fs::is_regular_file(out, ec))
            throw inputError(out, "exists and is not a regular file; Pare replaces only regular files");
        if (!overwrite)
            throw inputError(out, "already exists (use --force to replace it)");
    } else if (fs::is_symlink(status)) {
        throw inputError(out, "is a dangling symbolic link; choose another output");
    }
}

} // namespace pare
