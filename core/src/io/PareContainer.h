#pragma once

// The container of a `.pare` file, read without LibTorch (so it is fuzzed): magic, version, the zstd frame decoded
// within the sizes it claims, the header JSON, the embedded TorchScript archive (its zip directory and CRCs checked)
// and every layer entry's blob range and shape checked against the body and the memory budget. PareFormat.cpp then
// turns the checked entries into tensors.
//
//   "PARE" u32 version | u64 body size | zstd(body)
//   body: u32 header size | header JSON | u64 archive size | archive | weight blobs (offsets in the header)

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pare::format {

inline constexpr char kPareMagic[4] = { 'P', 'A', 'R', 'E' };
/// 2 added Huffman-coded symbol streams and gap-coded masks; version 1 files still load.
inline constexpr uint32_t kPareVersion = 2;

struct PareLayerEntry
{
    std::string layer;
    size_t begin = 0; ///< the layer's blob in the body
    size_t end = 0;
    std::vector<int64_t> shape;
    int64_t elements = 0;
    nlohmann::json fields; ///< the entry as written (encoding, counts, bits)
};

struct PareContainer
{
    uint32_t version = 0;
    std::string body;
    nlohmann::json header;
    size_t archiveBegin = 0;
    size_t archiveSize = 0;
    std::vector<PareLayerEntry> layers;

    [[nodiscard]] std::string_view archive() const { return std::string_view(body).substr(archiveBegin, archiveSize); }
};

/// Reads and checks everything above; throws InputError naming `path` for anything that is not a valid .pare file.
[[nodiscard]] PareContainer readPareContainer(const std::string& bytes, const std::string& path);

} // namespace pare::format
