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

/// The files of an image folder before any is decoded: one sub-folder per class, class index = position of the name
/// in sorted order, files sorted within a class; files at the top level are ignored.
struct ImageFolderListing
{
    std::vector<std::string> classNames;
    std::vector<std::string> paths;
    std::vector<int64_t> labels;
};

/// Throws InputError naming the folder when it has no class sub-folders or one cannot be read.
[[nodiscard]] ImageFolderListing listImageFolder(const std::string& folder);

/// How every image of a folder becomes pixels of one size: converted to `channels` (1 gray, 3 RGB) and brought to
/// height x width as `resize` says (DatasetOptions::resize and cropRatio). Zeros are settled by the first
/// decodable image (settleDecoding).
struct ImageDecoding
{
    int64_t channels = 0;
    int64_t height = 0;
    int64_t width = 0;
    ImageResize resize = ImageResize::Crop;
    double cropRatio = 0.875;

    [[nodiscard]] int64_t bytesPerImage() const { return channels * height * width; }
};

/// Decodes `path` into `out` (bytesPerImage() bytes, channel-planar); false for a file OpenCV cannot decode.
/// Throws InputError for a header that claims more pixels than one image may have or the memory budget holds.
/// Safe to call from several threads at once.
[[nodiscard]] bool decodeImage(const std::string& path, const ImageDecoding& decoding, uint8_t* out);

/// Fills the zeros of `decoding` from the first decodable file of `listing`, from `start` on, and returns its position,
/// with the files before it that could not be decoded in `undecodable`. Throws InputError naming the folder when
/// no file decodes.
size_t settleDecoding(const std::string& folder,
                      const ImageFolderListing& listing,
                      ImageDecoding& decoding,
                      std::vector<std::string>& undecodable);

/// Whether `path` starts as an image OpenCV reads (its header's size checked as decodeImage checks it), without
/// decoding it: how a folder streamed from disk is scanned.
[[nodiscard]] bool hasImageHeader(const std::string& path);

/// Decodes the files of `listing` from position `first` on into memory, skipping (and listing in `undecodable`)
/// those OpenCV cannot decode.
[[nodiscard]] RawImages decodeImageFolder(const ImageFolderListing& listing,
                                          const ImageDecoding& decoding,
                                          size_t first,
                                          std::vector<std::string>& undecodable);

} // namespace pare::data
