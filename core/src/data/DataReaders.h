#pragma once

// Readers for the data formats Pare accepts. They return raw 8-bit pixels and labels and know nothing of
// torch; Dataset.cpp turns them into normalized tensors. Every reader validates headers against the real
// size of the file before allocating, and throws InputError("file: problem") for bad input.

#include "pare/Options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pare::data {

/// N images of [C,H,W] 8-bit pixels, channel-planar, and one label per image.
struct RawImages
{
    int64_t count = 0;
    int64_t channels = 0;
    int64_t height = 0;
    int64_t width = 0;
    std::vector<uint8_t> pixels;
    std::vector<int64_t> labels;
};

/// Finds "<stem>" or "<stem>.gz" in `folder`; returns the path or "" when neither exists.
[[nodiscard]] std::string findIdxFile(const std::string& folder, const std::string& stem);

/// Reads an IDX image file (magic 0x803, gzipped or not) and its label file (magic 0x801); checks that the
/// counts agree and every label is below classCount.
[[nodiscard]] RawImages readIdx(const std::string& imagesPath, const std::string& labelsPath, int64_t classCount);

/// Reads CIFAR-10 binary batches: records of 1 label byte and 3x32x32 pixels.
[[nodiscard]] RawImages readCifarBatches(const std::vector<std::string>& paths, int64_t classCount);

/// Non-empty, trimmed lines of a text file.
[[nodiscard]] std::vector<std::string> readNonEmptyLines(const std::string& path);

struct ImageFolderContents
{
    RawImages images;
    std::vector<std::string> classNames;
    std::vector<std::string> undecodable; ///< files that OpenCV could not read, skipped
};

/// One sub-folder per class, class index = position of the name in sorted order; files at the top level
/// are ignored. Images are converted to `channels` (1 or 3) and `height` x `width`; a value of 0 takes it from
/// the first decodable image.
/// An image of another size is brought to it as `resize` says (DatasetOptions::resize and cropRatio).
[[nodiscard]] ImageFolderContents readImageFolder(const std::string& folder,
                                                  int64_t channels,
                                                  int64_t height,
                                                  int64_t width,
                                                  ImageResize resize = ImageResize::Crop,
                                                  double cropRatio = 0.875);

} // namespace pare::data
