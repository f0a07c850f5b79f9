// `pare`: the command-line face of the engine. The commands live in cli/, one file each.

#include "cli/Command.h"

#include "pare/Runtime.h"

int main(int argc, char** argv)
{
    pare::reexecWithThreadingEnvironment(argc, argv);
    return pare::cli::run(argc, argv);
}
