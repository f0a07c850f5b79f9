#pragma once

// The pixel size an image file claims in its header, read before any decoder allocates for it: a 40-byte PNG can
// claim 30,000 x 30,000 pixels (2.7 GB once decoded). Torch- and OpenCV-free, so it is fuzzed.

#include <cstdint>
#include <optional>
#include <string_view>

namespace pare::data {

struct ImageSize
{
    int64_t width = 0;
    int64_t height = 0;
};

/// The most pixels one image of a data set may have: ten times a 24-megapixel photo's, far above any image a
/// classifier is trained on.
inline constexpr int64_t kMaxImagePixels = 250'000'000;

/// The size a PNG, JPEG, BMP or GIF header in `head` (the file's first bytes) claims; nullopt for other formats or
/// when `head` ends before the size.
[[nodiscard]] std::optional<ImageSize> claimedImageSize(std::string_view head);

} // namespace pare::data
