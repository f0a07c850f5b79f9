// The .pare container: header, stream lengths, the zstd frame, the embedded archive and every layer's shape.
// Mutated zstd frames rarely decode, so the input is read two ways: as a whole file, and as a decoded body that the
// harness wraps in a valid frame, which lets the fuzzer reach the header JSON, the archive and the layer entries.
#include "FuzzSupport.h"
#include "io/PareContainer.h"

#include <zstd.h>

#include <cstring>

namespace {

std::string wrappedBody(std::string_view body)
{
    std::string file("PARE", 4);
    const uint32_t version = pare::format::kPareVersion;
    const uint64_t size = body.size();
    file.append(reinterpret_cast<const char*>(&version), 4);
    file.append(reinterpret_cast<const char*>(&size), 8);
    std::string frame(ZSTD_compressBound(body.size()), '\0');
    frame.resize(ZSTD_compress(frame.data(), frame.size(), body.data(), body.size(), 1));
    return file + frame;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    const auto input = pare::fuzz::view(data, size);
    pare::fuzz::expectOnlyRefusals([&] { (void)pare::format::readPareContainer(std::string(input), "input.pare"); });
    pare::fuzz::expectOnlyRefusals([&] { (void)pare::format::readPareContainer(wrappedBody(input), "input.pare"); });
    return 0;
}
