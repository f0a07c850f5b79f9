#pragma once

// The storages a TorchScript pickle (data.pkl, constants.pkl) claims, read without unpickling anything: LibTorch
// 1.13 sizes each storage by the element count its pickle claims and backs it with the zip record of that name,
// without comparing the two, so a record cut short is read past its end. Pare compares them first (ZipCheck).
// A small stack machine over the opcodes PyTorch's pickler writes; any other opcode is refused. Torch-free, fuzzed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pare::zip {

struct StorageClaim
{
    std::string key;   ///< the record's name under the pickle's tensor folder ("0" for data/0)
    std::string type;  ///< "FloatStorage"
    int64_t bytes = 0; ///< element count times the type's element size
};

/// Every ('storage', torch.XStorage, key, location, count) persistent id in `pickle`. Throws InputError naming
/// `path` for a pickle that does not parse, an unknown storage type or a negative or overflowing count.
[[nodiscard]] std::vector<StorageClaim> storageClaims(std::string_view pickle, const std::string& path);

} // namespace pare::zip
