#pragma once

#include <stdexcept>
#include <string>

namespace pare {

/// Bad input from the user: a missing or corrupt file, data that does not fit the model, a bad option.
/// The message is one line that starts with the file (or option) it is about: "m.pt: empty file".
/// The command line maps it to exit code 2; every other exception is an internal fault (exit code 1).
class InputError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/// Builds the conventional "path: problem" message.
inline InputError inputError(const std::string& path, const std::string& problem)
{
    return InputError(path + ": " + problem);
}

} // namespace pare
