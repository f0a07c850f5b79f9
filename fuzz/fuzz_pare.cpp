// The .pare container: header, stream lengths, the zstd frame, the embedded archive and every layer's shape.
#include "FuzzSupport.h"
#include "io/PareContainer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    pare::fuzz::expectOnlyRefusals(
        [&] { (void)pare::format::readPareContainer(std::string(pare::fuzz::view(data, size)), "input.pare"); });
    return 0;
}
