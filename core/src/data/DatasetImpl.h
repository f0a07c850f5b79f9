#pragma once

// The torch side of pare::Dataset, whose public header hides LibTorch. Only core/src includes this.

#include "data/DataReaders.h"
#include "pare/Dataset.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace pare {

/// How 8-bit pixels as read become a model's input: 0..1 floats, converted to the model's channels and size where
/// asked (gray to RGB by repetition, RGB to gray by luma weights, bilinear resampling), normalized per channel.
struct PixelConversion
{
    std::vector<int64_t> shape; ///< [C,H,W] to convert to; empty: as read
    torch::Tensor mean, std;    ///< [1,C,1,1]

    /// Floats in 0..1, converted, not normalized: what statistics are taken of.
    [[nodiscard]] torch::Tensor unnormalized(const torch::Tensor& pixels) const;
    [[nodiscard]] torch::Tensor operator()(const torch::Tensor& pixels) const;
};

/// The files of an image folder too big for the memory budget, decoded when a batch asks for them (ImageStream.cpp).
class ImageFiles
{
public:
    ImageFiles(std::string folder, std::vector<std::string> paths, data::ImageDecoding decoding);

    [[nodiscard]] const std::string& folder() const { return m_folder; }
    [[nodiscard]] int64_t count() const { return int64_t(m_paths.size()); }
    [[nodiscard]] const data::ImageDecoding& decoding() const { return m_decoding; }
    /// uint8 [n,C,H,W] of the files at `index` (int64 positions), decoded on worker threads. A file that decoded
    /// when the folder was scanned and no longer does is bad input naming it.
    [[nodiscard]] torch::Tensor decode(const torch::Tensor& index) const;

private:
    std::string m_folder;
    std::vector<std::string> m_paths;
    data::ImageDecoding m_decoding;
    int m_workers = 1;
};

/// One split's images as 8-bit pixels, made the model's normalized float input a batch at a time: held in memory
/// ([N,C,H,W], a quarter of the memory of floats), or image files decoded from disk when asked for. The same float
/// operations in the same order as when the whole set was converted at load, so every batch is bit for bit what it
/// was, and a streamed batch is bit for bit the batch in memory.
class ImageSplit
{
public:
    ImageSplit() = default;
    ImageSplit(torch::Tensor pixels, PixelConversion conversion)
        : m_pixels(std::move(pixels))
        , m_conversion(std::move(conversion))
    {
    }
    /// The files at `index` (int64 positions into `files`).
    ImageSplit(std::shared_ptr<const ImageFiles> files, torch::Tensor index, PixelConversion conversion)
        : m_files(std::move(files))
        , m_index(std::move(index))
        , m_conversion(std::move(conversion))
    {
    }

    [[nodiscard]] bool streamed() const { return m_files != nullptr; }
    /// The files a streamed split reads; null for a split in memory.
    [[nodiscard]] const ImageFiles* files() const { return m_files.get(); }
    [[nodiscard]] int64_t count() const
    {
        return m_index.defined() ? m_index.size(0) : m_pixels.defined() ? m_pixels.size(0) : 0;
    }
    /// 8-bit pixels of images [begin, end) / of the images at `index` (int64), in its order.
    [[nodiscard]] torch::Tensor pixelsIn(int64_t begin, int64_t end) const
    {
        return m_index.defined() ? stored(m_index.slice(0, begin, end)) : m_pixels.slice(0, begin, end);
    }
    [[nodiscard]] torch::Tensor pixelsAt(const torch::Tensor& index) const
    {
        return stored(m_index.defined() ? m_index.index_select(0, index) : index);
    }
    /// Values of one image as the model takes it (C*H*W after conversion): what sizes an inference batch.
    [[nodiscard]] int64_t valuesPerImage() const
    {
        if (m_conversion.shape.size() == 3)
            return m_conversion.shape[0] * m_conversion.shape[1] * m_conversion.shape[2];
        if (m_files)
            return m_files->decoding().bytesPerImage();
        return m_pixels.defined() && m_pixels.dim() == 4 ? m_pixels.size(1) * m_pixels.size(2) * m_pixels.size(3) : 0;
    }
    /// 8-bit pixels as normalized floats.
    [[nodiscard]] torch::Tensor convert(const torch::Tensor& pixels) const { return m_conversion(pixels); }
    /// Images [begin, end) as normalized floats.
    [[nodiscard]] torch::Tensor slice(int64_t begin, int64_t end) const { return convert(pixelsIn(begin, end)); }
    /// The images at `index` (int64), in its order, as normalized floats.
    [[nodiscard]] torch::Tensor gather(const torch::Tensor& index) const { return convert(pixelsAt(index)); }
    /// The pixels held in memory (all of the store a subset shares); undefined for a streamed split.
    [[nodiscard]] const torch::Tensor& pixels() const { return m_pixels; }
    /// The same images converted by `conversion`.
    [[nodiscard]] ImageSplit withConversion(PixelConversion conversion) const
    {
        ImageSplit copy = *this;
        copy.m_conversion = std::move(conversion);
        return copy;
    }
    /// The first `n` images, as another split sharing this one's store and conversion.
    [[nodiscard]] ImageSplit first(int64_t n) const
    {
        ImageSplit copy = *this;
        if (m_index.defined())
            copy.m_index = m_index.slice(0, 0, n);
        else
            copy.m_pixels = m_pixels.slice(0, 0, n);
        return copy;
    }
    /// The first `n` images decoded into memory once, for a caller that evaluates them many times (sensitivity):
    /// for a split in memory, the same as first(n).
    [[nodiscard]] ImageSplit held(int64_t n) const
    {
        if (!m_files)
            return first(n);
        ImageSplit copy = *this;
        copy.m_pixels = pixelsIn(0, n);
        copy.m_files = nullptr;
        copy.m_index = torch::Tensor();
        return copy;
    }
    /// The images at `index`, as another split sharing this one's store (nothing is copied or read) and
    /// conversion: the training and validation splits of an image folder, which is also its test split, hold its
    /// pixels once.
    [[nodiscard]] ImageSplit subset(const torch::Tensor& index) const
    {
        ImageSplit copy = *this;
        copy.m_index = m_index.defined() ? m_index.index_select(0, index) : index;
        return copy;
    }

private:
    /// The pixels at positions `index` of the store.
    [[nodiscard]] torch::Tensor stored(const torch::Tensor& index) const
    {
        return m_files ? m_files->decode(index) : m_pixels.index_select(0, index);
    }

    torch::Tensor m_pixels;                    ///< uint8 [N,C,H,W] as read, when held in memory
    std::shared_ptr<const ImageFiles> m_files; ///< when streamed
    torch::Tensor m_index;                     ///< int64 positions into the store; undefined: all of m_pixels in order
    PixelConversion m_conversion;
};

struct Dataset::Impl
{
    DatasetInfo info;
    ImageSplit trainImages;
    torch::Tensor trainLabels; ///< int64 [N]
    ImageSplit validationImages;
    torch::Tensor validationLabels;
    ImageSplit testImages;
    torch::Tensor testLabels;

    const ImageSplit& images(Split split) const
    {
        return split == Split::Train ? trainImages : split == Split::Validation ? validationImages : testImages;
    }
    const torch::Tensor& labels(Split split) const
    {
        return split == Split::Train ? trainLabels : split == Split::Validation ? validationLabels : testLabels;
    }
};

} // namespace pare
