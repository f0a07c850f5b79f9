#include "Command.h"
#include "CommonOptions.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/Runtime.h"

#include <cmath>
#include <cstdlib>
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

} // namespace

int run(int argc, const char* const* argv)
{
    CLI::App app { "Pare: compress neural networks (pruning, distillation, quantization)", "pare" };
    app.require_subcommand(1);
    app.set_version_flag("--version", versionString());
    CommonOptions common;
    std::vector<std::unique_ptr<Command>> commands;
    for (auto make : { makeInspectCommand, makeEvalCommand, makeTrainCommand, makePruneCommand, makeQuantizeCommand,
                       makeDistillCommand, makeCompressCommand, makeSensitivityCommand, makeExportCommand })
        commands.push_back(make());
    std::vector<CLI::App*> subcommands;
    for (const auto& command : commands)
        subcommands.push_back(command->declare(app, common));

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // CLI11's own codes (105, 106...) become the contract's 2.
        std::cerr << "pare: " << e.what() << "\n";
        return 2;
    }

    try {
        refuseNonFiniteNumbers(app);
        if (common.threads > onlineCpus())
            std::cerr << "pare: warning: --threads " << common.threads << ": this machine has " << onlineCpus()
                      << " online CPUs; using " << onlineCpus() << "\n";
        configureThreads(common.threads);
        for (size_t i = 0; i < commands.size(); ++i)
            if (subcommands[i]->parsed())
                return commands[i]->execute(common);
        return 2; // require_subcommand(1) makes this unreachable
    } catch (const InputError& e) {
        std::cerr << "pare: " << e.what() << "\n";
        return 2;
    } catch (const ExportMismatch& e) {
        std::cerr << "pare: internal error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "pare: internal error: " << e.what() << "\n";
        return 1;
    }
}

} // namespace pare::cli
