#include "data/Augmentation.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace pare::data {

CropFlip drawCropFlip(int height, int width, std::mt19937_64& random)
{
    constexpr double kMinScale = 0.08, kMaxScale = 1.0;
    const double logRatioLow = std::log(3.0 / 4.0), logRatioHigh = std::log(4.0 / 3.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double area = double(height) * double(width);
    CropFlip box;
    bool found = false;
    for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        const double targetArea = area * (kMinScale + (kMaxScale - kMinScale) * unit(random));
        const double aspect = std::exp(logRatioLow + (logRatioHigh - logRatioLow) * unit(random));
        const int w = int(std::lround(std::sqrt(targetArea * aspect)));
        const int h = int(std::lround(std::sqrt(targetArea / aspect)));
        if (w > 0 && w <= width && h > 0 && h <= height) {
            box.top = std::uniform_int_distribution<int>(0, height - h)(random);
            box.left = std::uniform_int_distribution<int>(0, width - w)(random);
            box.height = h;
            box.width = w;
            found = true;
        }
    }
    if (!found) { // torchvision's fallback: the center, cut to the nearest ratio in range
        const double ratio = double(width) / double(height);
        int w = width, h = height;
        if (ratio < 3.0 / 4.0)
            h = int(std::lround(double(w) / (3.0 / 4.0)));
        else if (ratio > 4.0 / 3.0)
            w = int(std::lround(double(h) * (4.0 / 3.0)));
        box.height = std::clamp(h, 1, height);
        box.width = std::clamp(w, 1, width);
        box.top = (height - box.height) / 2;
        box.left = (width - box.width) / 2;
    }
    box.flip = unit(random) < 0.5;
    return box;
}

void applyCropFlip(uint8_t* image, int channels, int height, int width, const CropFlip& cropFlip)
{
    const cv::Rect box(cropFlip.left, cropFlip.top, cropFlip.width, cropFlip.height);
    const bool whole = box.width == width && box.height == height;
    cv::Mat scaled;
    for (int c = 0; c < channels; ++c) {
        cv::Mat plane(height, width, CV_8UC1, image + size_t(c) * size_t(height) * size_t(width));
        if (!whole) {
            // The box is copied out first: resizing into the plane it is read from would overwrite it mid-way.
            cv::resize(plane(box).clone(), scaled, plane.size(), 0, 0, cv::INTER_LINEAR);
            scaled.copyTo(plane);
        }
        if (cropFlip.flip)
            cv::flip(plane, plane, 1);
    }
}

} // namespace pare::data
