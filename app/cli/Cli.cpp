#include "Command.h"
#include "CommonOptions.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/MemoryBudget.h"
#include "pare/Runtime.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace pare::cli {
namespace {

/// CLI11's range checks compare, and every comparison with NaN is false: "--lr nan" or "--prune nan" would pass
/// them. Every number option of the parsed commands must be finite.
void refuseNonFiniteNumbers(const CLI::App& app)
{
    for (const auto* command : app.get_subcommands())
        for (const auto* option : command->get_options()) {
            if (option->get_type_name().find("FLOAT") == std::string::npos)
                continue;
            for (const auto& text : option->results()) {
                char* end = nullptr;
                const double value = std::strtod(text.c_str(), &end);
                if (!std::isfinite(value))
                    throw InputError(option->get_name() + ": expected a finite number, got '" + text + "'");
            }
        }
}

/// The first line of an exception's message: LibTorch appends its C++ backtrace to what(), and a user is shown only
/// the cause unless PARE_DEBUG is set.
std::string firstLine(const std::exception& e)
{
    const std::string text = e.what();
    if (std::getenv("PARE_DEBUG"))
        return text;
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

void applyMemoryBudget(const CommonOptions& common)
{
    if (common.memoryBudget.empty())
        return;
    const int64_t bytes = parseByteSize(common.memoryBudget);
    if (bytes < 1)
        throw InputError("--memory-budget: expected a size such as 1.5G or 800M, got '" + common.memoryBudget + "'");
    setMemoryBudget(bytes);
}

} // namespace

int run(int argc, const char* const* argv)
{
    CLI::App app { "Pare: compress neural networks (pruning, distillation, quantization)", "pare" };
    app.require_subcommand(1);
    app.set_version_flag("--version", versionString());
    CommonOptions common;
    std::vector<std::unique_ptr<Command>> commands;
    for (auto make : { makeInspectCommand, makeEvalCommand, makeTrainCommand, makePruneCommand, makeQuantizeCommand,
                       makeDistillCommand, makeCompressCommand, makeSensitivityCommand, makeSearchCommand,
                       makeExportCommand, makeSweepCommand })
        commands.push_back(make());
    std::vector<CLI::App*> subcommands;
    for (const auto& command : commands)
        subcommands.push_back(command->declare(app, common));

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11's own codes (105, 106...) become the contract's 2. Its messages quote the value given in full.
        std::string message = e.what();
        if (message.size() > 300)
            message = message.substr(0, 300) + "...";
        std::cerr << "pare: " << message << "\n";
        return 2;
    }

    try {
        refuseNonFiniteNumbers(app);
        if (common.threads > onlineCpus())
            std::cerr << "pare: warning: --threads " << common.threads << ": this machine has " << onlineCpus()
                      << " online CPUs; using " << onlineCpus() << "\n";
        configureThreads(common.threads);
        applyMemoryBudget(common);
        for (size_t i = 0; i < commands.size(); ++i)
            if (subcommands[i]->parsed())
                return commands[i]->execute(common);
        return 2; // require_subcommand(1) makes this unreachable
    } catch (const InputError& e) {
        std::cerr << "pare: " << e.what() << "\n";
        return 2;
    } catch (const ExportMismatch& e) {
        std::cerr << "pare: internal error: " << firstLine(e) << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        // Sizes a file claims are checked against the budget first; what is left is a real shortage.
        std::cerr << "pare: out of memory: the machine could not provide what the memory budget ("
                  << describeBytes(memoryBudget()) << ") allows; set a smaller --memory-budget\n";
        return 2;
    } catch (const std::filesystem::filesystem_error& e) {
        std::cerr << "pare: " << (e.path1().empty() ? std::string("filesystem") : e.path1().string()) << ": "
                  << e.code().message() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "pare: internal error: " << firstLine(e) << "\n";
        return 1;
    }
}

} // namespace pare::cli
