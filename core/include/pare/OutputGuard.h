#pragma once

// One guard for every output Pare writes, on the command line and in the studio: an output may never replace an
// input of the same command (the model, a teacher or student file, a recipe, any file of the data set), whatever
// --force says, however the paths are spelled (symlinks, "..", hard links); and it only ever replaces a regular file.

#include <string>
#include <vector>

namespace pare {

class OutputGuard
{
public:
    /// `path` (a model, recipe or other file) is read by this command. Names that are not files (a zoo
    /// architecture such as "lenet5") are ignored.
    void protectFile(const std::string& path, const std::string& what);
    /// Every file of the data set `spec` names ("fashion-mnist", "mnist:DIR", a folder) is read by this command.
    void protectDataSet(const std::string& spec);
    /// Throws InputError naming `out` when it is one of the protected inputs, lies in a protected data set's folder
    /// and exists there, exists and is not a regular file (a directory, a device node), or exists and `overwrite`
    /// is false.
    void check(const std::string& out, bool overwrite) const;

private:
    struct Protected
    {
        std::string path;
        std::string what;
        bool folder = false; ///< every existing file below it
    };
    std::vector<Protected> m_inputs;
};

} // namespace pare
