#include "data/ImageHeader.h"

#include <cstdlib>

namespace pare::data {
namespace {

uint32_t bigEndian(std::string_view b, size_t at, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = v << 8 | static_cast<unsigned char>(b[at + size_t(i)]);
    return v;
}

uint32_t littleEndian(std::string_view b, size_t at, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | static_cast<unsigned char>(b[at + size_t(i)]);
    return v;
}

/// JPEG: the first start-of-frame segment's size, walking the segments from the start.
std::optional<ImageSize> jpegSize(std::string_view b)
{
    size_t at = 2;
    while (at + 4 <= b.size()) {
        if (static_cast<unsigned char>(b[at]) != 0xFF)
            return std::nullopt;
        const unsigned marker = static_cast<unsigned char>(b[at + 1]);
        if (marker == 0xFF) { // fill byte
            ++at;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) { // markers without a length
            at += 2;
            continue;
        }
        const uint32_t length = bigEndian(b, at + 2, 2);
        if (length < 2)
            return std::nullopt;
        const bool startOfFrame
            = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (startOfFrame) {
            if (at + 9 > b.size())
                return std::nullopt;
            return ImageSize { int64_t(bigEndian(b, at + 7, 2)), int64_t(bigEndian(b, at + 5, 2)) };
        }
        at += 2 + length;
    }
    return std::nullopt;
}

} // namespace

std::optional<ImageSize> claimedImageSize(std::string_view b)
{
    if (b.size() >= 24 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8) && b.substr(12, 4) == "IHDR")
        return ImageSize { int64_t(bigEndian(b, 16, 4)), int64_t(bigEndian(b, 20, 4)) };
    if (b.size() >= 4 && static_cast<unsigned char>(b[0]) == 0xFF && static_cast<unsigned char>(b[1]) == 0xD8)
        return jpegSize(b);
    if (b.size() >= 26 && b.substr(0, 2) == "BM") {
        if (littleEndian(b, 14, 4) == 12) // the old OS/2 header: 16-bit sizes
            return ImageSize { int64_t(littleEndian(b, 18, 2)), int64_t(littleEndian(b, 20, 2)) };
        const auto height = int32_t(littleEndian(b, 22, 4)); // negative: rows stored top-down
        return ImageSize { int64_t(int32_t(littleEndian(b, 18, 4))), std::abs(int64_t(height)) };
    }
    if (b.size() >= 10 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a"))
        return ImageSize { int64_t(littleEndian(b, 6, 2)), int64_t(littleEndian(b, 8, 2)) };
    return std::nullopt;
}

} // namespace pare::data
