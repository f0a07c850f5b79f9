// Sweep files, strict JSON like recipes: what `pare sweep plan|run` read, planned as well as parsed (JSON Pointers,
// ranges, rounding, random samples, and each configuration's recipe check).
#include "FuzzSupport.h"
#include "pare/Model.h"
#include "pare/Sweep.h"

// As in fuzz_recipe: the zoo is LibTorch code, not built here.
bool pare::Model::namesZooModel(const std::string& spec)
{
    return spec.rfind("lenet", 0) == 0 || spec.rfind("resnet8", 0) == 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    pare::fuzz::expectOnlyRefusals([&] {
        // A recipe named by file is looked for in a folder that does not exist: inputs never read the disk.
        const auto sweep = pare::Sweep::fromJson(std::string(pare::fuzz::view(data, size)), "input.json",
                                                 "/nonexistent-pare-fuzz");
        // Planning checks a recipe per configuration; a grid of up to 100,000 would make each input slow.
        if (sweep.size() <= 1000)
            (void)sweep.plan();
    });
    return 0;
}
