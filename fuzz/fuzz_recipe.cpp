// Recipe files, strict JSON: what `pare compress --recipe` and the studio read.
#include "FuzzSupport.h"
#include "pare/Model.h"
#include "pare/Recipe.h"

// Recipe.cpp asks whether a student names a zoo architecture; the zoo itself is LibTorch code, not built here, and
// which answer comes back does not change what the parser must survive.
bool pare::Model::namesZooModel(const std::string& spec)
{
    return spec.rfind("lenet", 0) == 0 || spec.rfind("resnet8", 0) == 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    pare::fuzz::expectOnlyRefusals(
        [&] { (void)pare::Recipe::fromJson(std::string(pare::fuzz::view(data, size)), "input.json"); });
    return 0;
}
