#pragma once

// Canonical Huffman coding of symbol streams (.pare's codebook indices, lattice multiples and mask gaps), so the
// format can keep whichever of Huffman and plain bit packing zstd then compresses better.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pare::format {

/// Symbols below `alphabet` as [code length per symbol: one byte each][payload bits, most significant first].
/// Nothing when no code of at most 24 bits exists (a pathological distribution).
std::optional<std::string> encodeHuffman(const std::vector<uint32_t>& symbols, uint32_t alphabet);

/// `count` symbols back from `size` bytes at `data`; nothing when the bytes are not such a stream (a damaged file).
std::optional<std::vector<uint32_t>> decodeHuffman(const char* data, size_t size, size_t count, uint32_t alphabet);

/// Bytes of the stream encodeHuffman wrote for `count` symbols, read from its own header: nothing if damaged.
std::optional<size_t> huffmanStreamSize(const char* data, size_t size, uint32_t alphabet);

} // namespace pare::format
