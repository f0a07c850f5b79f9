// IDX image and label headers (plain and gzip) and CIFAR-10 batches, read from files as Pare reads them: the input
// is split in two, the images file and the labels file; the whole input is also read as a CIFAR batch.
#include "FuzzSupport.h"
#include "data/DataReaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    pare::fuzz::boundMemory();
    const auto bytes = pare::fuzz::view(data, size);
    const bool gzipped = size > 0 && data[0] == 0x1f; // gzip's magic starts with 0x1f
    const size_t half = size / 2;
    const auto images = pare::fuzz::writeScratch(gzipped ? "images.gz" : "images", bytes.substr(0, half));
    const auto labels = pare::fuzz::writeScratch("labels", bytes.substr(half));
    pare::fuzz::expectOnlyRefusals([&] { (void)pare::data::readIdx(images, labels, 10); });
    const auto batch = pare::fuzz::writeScratch("batch.bin", bytes);
    pare::fuzz::expectOnlyRefusals([&] { (void)pare::data::readCifarBatches({ batch }, 10); });
    return 0;
}
