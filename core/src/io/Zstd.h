#pragma once

// The zstd settings of the .pare writer.

#include <zstd.h>

#include <string>

namespace pare::format {

/// One zstd setting for every purpose (files, and the sizes snapshots report, which are the real file's length),
/// chosen by how much there is to compress: level 19 below 4 MiB (LeNet-5 and every model of the tests), level 3
/// above, where level 19 costs about a minute per 100 MB and gains little on float weights
/// (torchvision's convnext_tiny, dense fp32, `pare export` to .pare: 103,213,968 bytes in 69 s at level 19,
/// 103,188,538 bytes in 6.8 s at level 3). Choosing between bit-packed and Huffman-coded streams compresses each
/// candidate once more: at level 19 up to 256 KiB (every stream of LeNet-5), at level 3 above.
inline constexpr size_t kStrongZstdBelow = size_t(4) << 20;
inline int zstdLevelFor(size_t bytes)
{
    return bytes < kStrongZstdBelow ? 19 : 3;
}

/// The compressed size of a candidate stream, to choose between bit-packed and Huffman-coded forms.
inline size_t zstdSize(const std::string& bytes)
{
    std::string out(ZSTD_compressBound(bytes.size()), '\0');
    const int level = bytes.size() <= (size_t(256) << 10) ? 19 : 3;
    const size_t written = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), level);
    return ZSTD_isError(written) ? bytes.size() : written;
}

} // namespace pare::format
