// The zip directory, local header and CRC checks that run before LibTorch reads a TorchScript archive.
#include "FuzzSupport.h"
#include "io/ZipCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    pare::fuzz::expectOnlyRefusals([&] { (void)pare::zip::checkArchive(pare::fuzz::view(data, size), "input.pt"); });
    return 0;
}
