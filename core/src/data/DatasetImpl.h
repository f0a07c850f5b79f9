#pragma once

// The torch side of pare::Dataset, whose public header hides LibTorch. Only core/src includes this.

#include "pare/Dataset.h"

#include <torch/torch.h>

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

/// One split's images, kept as 8-bit pixels [N,C,H,W] (a quarter of the memory of floats) and made the model's
/// normalized float input a batch at a time. The same float operations in the same order as when the whole set was
/// converted at load, so every batch is bit for bit what it was.
class ImageSplit
{
public:
    ImageSplit() = default;
    ImageSplit(torch::Tensor pixels, PixelConversion conversion)
        : m_pixels(std::move(pixels))
        , m_conversion(std::move(conversion))
    {
    }

    [[nodiscard]] int64_t count() const { return m_pixels.defined() ? m_pixels.size(0) : 0; }
    /// Images [begin, end) as normalized floats.
    [[nodiscard]] torch::Tensor slice(int64_t begin, int64_t end) const
    {
        return m_conversion(m_pixels.slice(0, begin, end));
    }
    /// The images at `index` (int64), in its order, as normalized floats.
    [[nodiscard]] torch::Tensor gather(const torch::Tensor& index) const
    {
        return m_conversion(m_pixels.index_select(0, index));
    }
    [[nodiscard]] const torch::Tensor& pixels() const { return m_pixels; }
    /// The first `n` images, as another split sharing this one's conversion.
    [[nodiscard]] ImageSplit first(int64_t n) const { return ImageSplit(m_pixels.slice(0, 0, n), m_conversion); }
    /// The images at `index`, as another split sharing this one's conversion.
    [[nodiscard]] ImageSplit subset(const torch::Tensor& index) const
    {
        return ImageSplit(m_pixels.index_select(0, index), m_conversion);
    }

private:
    torch::Tensor m_pixels; ///< uint8 [N,C,H,W] as read
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
