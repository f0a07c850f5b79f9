#include "data/DataReaders.h"

#include "io/Files.h"
#include "pare/Error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace pare::data {
namespace {

/// Decodes one image as 8-bit with `channels` channels (1: gray, 3: RGB), or an empty Mat.
cv::Mat decode(const std::string& path, int channels)
{
    cv::Mat image;
    try {
        image = cv::imread(path, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
        return {};
    }
    if (image.empty())
        return {};
    if (channels == 3)
        cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    return image;
}

} // namespace

ImageFolderContents readImageFolder(const std::string& folder, int64_t channels, int64_t height, int64_t width)
{
    files::requireDirectory(folder);
    ImageFolderContents contents;
    std::vector<std::pair<std::string, int64_t>> samples; // path, class
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.is_directory())
            contents.classNames.push_back(entry.path().filename().string());
    std::sort(contents.classNames.begin(), contents.classNames.end());
    if (contents.classNames.empty())
        throw inputError(folder, "no class sub-folders (expected one folder of images per class)");
    for (size_t c = 0; c < contents.classNames.size(); ++c) {
        std::vector<std::string> paths;
        for (const auto& entry : fs::directory_iterator(fs::path(folder) / contents.classNames[c]))
            if (entry.is_regular_file())
                paths.push_back(entry.path().string());
        std::sort(paths.begin(), paths.end());
        for (auto& p : paths)
            samples.emplace_back(std::move(p), static_cast<int64_t>(c));
    }

    RawImages& raw = contents.images;
    for (const auto& [path, label] : samples) {
        if (channels == 0) {
            // The first decodable image decides the channels when neither the model nor the user does.
            const cv::Mat probe = cv::imread(path, cv::IMREAD_UNCHANGED);
            if (probe.empty()) {
                contents.undecodable.push_back(path);
                continue;
            }
            channels = probe.channels() == 1 ? 1 : 3;
        }
        cv::Mat image = decode(path, static_cast<int>(channels));
        if (image.empty()) {
            contents.undecodable.push_back(path);
            continue;
        }
        if (height == 0 || width == 0) {
            height = image.rows;
            width = image.cols;
        }
        if (image.rows != height || image.cols != width)
            cv::resize(image, image, cv::Size(static_cast<int>(width), static_cast<int>(height)), 0, 0,
                       image.rows > height ? cv::INTER_AREA : cv::INTER_LINEAR);
        // OpenCV keeps channels interleaved (HWC); models take planar CHW.
        const int64_t plane = height * width;
        const size_t offset = raw.pixels.size();
        raw.pixels.resize(offset + static_cast<size_t>(channels * plane));
        for (int64_t y = 0; y < height; ++y) {
            const uint8_t* row = image.ptr<uint8_t>(static_cast<int>(y));
            for (int64_t x = 0; x < width; ++x)
                for (int64_t ch = 0; ch < channels; ++ch)
                    raw.pixels[offset + ch * plane + y * width + x] = row[x * channels + ch];
        }
        raw.labels.push_back(label);
    }
    raw.count = static_cast<int64_t>(raw.labels.size());
    raw.channels = channels;
    raw.height = height;
    raw.width = width;
    if (raw.count == 0)
        throw inputError(folder,
                         "no decodable image in " + std::to_string(samples.size()) + " files under "
                             + std::to_string(contents.classNames.size()) + " class folders");
    return contents;
}

} // namespace pare::data
