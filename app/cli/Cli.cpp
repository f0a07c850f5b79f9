#include "Command.h"
#include "CommonOptions.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/Runtime.h"

#include <iostream>

namespace pare::cli {

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
