// Studio project files (Qt's JSON, with the recipe each run carries).
#include "FuzzSupport.h"
#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/ui/Project.h"

// Project.cpp's save() guards its outputs, whose guard knows where Fashion-MNIST lives; Dataset.cpp (LibTorch)
// says where, and is not built here. Loading never asks.
std::string pare::fashionMnistFolder()
{
    return "/usr/share/datasets/fashion-mnist";
}

bool pare::Model::namesZooModel(const std::string& spec)
{
    return spec.rfind("lenet", 0) == 0 || spec.rfind("resnet8", 0) == 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    pare::fuzz::expectOnlyRefusals([&] {
        (void)pare::ui::Project::fromJson(QByteArray(reinterpret_cast<const char*>(data), int(size)), "input.json");
    });
    return 0;
}
