#pragma once

// Training augmentation on 8-bit pixels, torch-free: the random draws happen on the training thread in batch order
// (so a seed gives the same images whether the data set is in memory or streamed from disk), the pixel work on
// whichever thread decodes the batch. Only core/src includes this.

#include <cstdint>
#include <random>
#include <vector>

namespace pare::data {

/// One image's random resized crop (a box of the image, scaled back to its size) and horizontal flip.
struct CropFlip
{
    int top = 0;
    int left = 0;
    int height = 0;
    int width = 0;
    bool flip = false;
};

/// torchvision's RandomResizedCrop(scale=(0.08, 1), ratio=(3/4, 4/3)) box for a height x width image, drawn as it
/// draws it (ten tries of area and log-uniform aspect ratio, then the whole image cut to the ratio range), and
/// RandomHorizontalFlip(0.5).
[[nodiscard]] CropFlip drawCropFlip(int height, int width, std::mt19937_64& random);

/// Applies `cropFlip` in place to one channel-planar image of `channels` x height x width 8-bit pixels: the box is
/// scaled back to height x width (bilinear), then mirrored when asked.
void applyCropFlip(uint8_t* image, int channels, int height, int width, const CropFlip& cropFlip);

} // namespace pare::data
