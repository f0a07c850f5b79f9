#pragma once

// A TorchScript archive is a zip file, and LibTorch 1.13 trusts it: it does not verify CRCs (a flipped byte in a
// weight record loads as a changed weight) and sizes its reads by what the headers claim. Pare checks the whole
// archive first: the central directory, every local header, that records neither overlap nor leave the file, every
// record's CRC (zlib), and that what a record inflates to fits the memory budget. Torch-free, so it is fuzzed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pare::zip {

struct Record
{
    std::string name;
    uint64_t dataOffset = 0; ///< where the record's (stored or deflated) bytes begin in the archive
    uint64_t storedSize = 0; ///< bytes in the archive
    uint64_t size = 0;       ///< bytes once inflated
    bool deflated = false;
};

/// Checks `archive` as described above and returns its records in directory order. Throws InputError naming
/// `path` ("corrupt TorchScript archive (...)") for the first problem found.
std::vector<Record> checkArchive(std::string_view archive, const std::string& path);

} // namespace pare::zip
