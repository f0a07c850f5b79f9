#pragma once

// One `pare` subcommand per file, after KeePassXC's CLI: each command declares its options on its own CLI11
// subcommand and runs with them; the options every command shares and the JSON reports live once, beside it.

#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

namespace pare::cli {

struct CommonOptions;

class Command
{
public:
    virtual ~Command() = default;
    /// Adds the subcommand and its options to `app`; `common` receives the options every command takes.
    virtual CLI::App* declare(CLI::App& app, CommonOptions& common) = 0;
    /// Runs after a successful parse and returns the exit code. Throws InputError for bad input.
    virtual int execute(const CommonOptions& common) = 0;
};

std::unique_ptr<Command> makeInspectCommand();
std::unique_ptr<Command> makeEvalCommand();
std::unique_ptr<Command> makeTrainCommand();
std::unique_ptr<Command> makePruneCommand();
std::unique_ptr<Command> makeQuantizeCommand();
std::unique_ptr<Command> makeDistillCommand();
std::unique_ptr<Command> makeCompressCommand();
std::unique_ptr<Command> makeSensitivityCommand();
std::unique_ptr<Command> makeSearchCommand();
std::unique_ptr<Command> makeExportCommand();
std::unique_ptr<Command> makeSweepCommand();

/// Parses `argv`, runs the chosen command and maps errors to the exit codes of the contract (README, "Command
/// line"): 0 success, 2 bad usage or bad input (one line on stderr naming the file and the problem), 1 an internal
/// fault. Tests call it in-process.
int run(int argc, const char* const* argv);

} // namespace pare::cli
