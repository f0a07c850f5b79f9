#include "data/DataReaders.h"

#include "data/ImageHeader.h"
#include "io/Files.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pare::data {
namespace {

/// Silences stderr while it lives: libpng prints a line per damaged chunk ("libpng error: IDAT: CRC error") before
/// OpenCV returns an empty image, and Pare reports the skipped files itself, once. Data sets load on one thread; a
/// message another thread printed in that moment would be lost.
class QuietStderr
{
public:
    QuietStderr()
        : m_saved(::dup(STDERR_FILENO))
    {
        const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (m_saved >= 0 && null >= 0)
            ::dup2(null, STDERR_FILENO);
        if (null >= 0)
            ::close(null);
    }
    ~QuietStderr()
    {
        if (m_saved >= 0) {
            ::dup2(m_saved, STDERR_FILENO);
            ::close(m_saved);
        }
    }
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;

private:
    int m_saved;
};

/// Refuses an image whose header claims more pixels than one image may have or than the memory budget holds,
/// before a decoder allocates for it. Formats Pare does not parse are bounded by OpenCV's own pixel limit, set to
/// the same value in readImageFolder.
void requirePlausibleSize(const std::string& path)
{
    std::string head(65536, '\0');
    {
        std::ifstream in(path, std::ios::binary);
        in.read(head.data(), std::streamsize(head.size()));
        head.resize(size_t(in.gcount()));
    }
    const auto size = claimedImageSize(head);
    if (!size)
        return;
    const int64_t pixels = checkedProduct({ size->width, size->height });
    if (pixels < 0 || pixels > kMaxImagePixels)
        throw inputError(path,
                         "its header claims " + std::to_string(size->width) + "x" + std::to_string(size->height)
                             + " pixels, more than the " + std::to_string(kMaxImagePixels / 1'000'000)
                             + "-megapixel limit of one image");
    requireWithinBudget(path, "decoding it", pixels * 3);
}

/// Decodes one image as 8-bit with `channels` channels (1: gray, 3: RGB), or an empty Mat.
cv::Mat decode(const std::string& path, int channels)
{
    requirePlausibleSize(path);
    cv::Mat image;
    try {
        const QuietStderr quiet;
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

/// The entries of `folder` for which `keep` holds, sorted. Symbolic links are followed; one that loops or dangles is
/// not an entry of either kind. A folder that cannot be read is bad input naming it.
template <typename Keep> std::vector<fs::path> entries(const fs::path& folder, Keep keep)
{
    std::error_code error;
    std::vector<fs::path> found;
    fs::directory_iterator it(folder, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
        std::error_code status;
        if (keep(it->status(status)) && !status)
            found.push_back(it->path());
    }
    if (error)
        throw inputError(folder.string(), "cannot read the folder: " + error.message());
    std::sort(found.begin(), found.end());
    return found;
}

/// `image` brought to height x width. Crop: scaled so that it covers (height, width) / cropRatio, then its center
/// cut out (torchvision's Resize(256) and CenterCrop(224) for cropRatio 0.875, the offsets rounded as torchvision
/// rounds them); Stretch: scaled to the size. Shrinking averages (INTER_AREA), enlarging interpolates.
cv::Mat fitted(const cv::Mat& image, int height, int width, ImageResize resize, double cropRatio)
{
    const auto scaled = [&image](int h, int w) {
        if (image.rows == h && image.cols == w)
            return image;
        cv::Mat out;
        cv::resize(image, out, cv::Size(w, h), 0, 0, image.rows > h ? cv::INTER_AREA : cv::INTER_LINEAR);
        return out;
    };
    if (resize == ImageResize::Stretch)
        return scaled(height, width);
    const double scale
        = std::max(double(height) / cropRatio / double(image.rows), double(width) / cropRatio / double(image.cols));
    const int h = std::max(height, int(std::lround(double(image.rows) * scale)));
    const int w = std::max(width, int(std::lround(double(image.cols) * scale)));
    const cv::Mat covering = scaled(h, w);
    // Python's round(), which torchvision's center_crop uses, rounds halves to even, as nearbyint does by default.
    const int top = int(std::nearbyint(double(h - height) / 2.0));
    const int left = int(std::nearbyint(double(w - width) / 2.0));
    return covering(cv::Rect(left, top, width, height)).clone();
}

} // namespace

ImageFolderContents readImageFolder(
    const std::string& folder, int64_t channels, int64_t height, int64_t width, ImageResize resize, double cropRatio)
{
    if (!(cropRatio > 0.0 && cropRatio <= 1.0))
        throw InputError("crop ratio: must be in (0, 1], got " + std::to_string(cropRatio));
    files::requireDirectory(folder);
    // OpenCV's own limit for the formats requirePlausibleSize does not parse (TIFF, WebP...); read once, at the
    // first decode.
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImagePixels).c_str(), /*overwrite=*/0);
    ImageFolderContents contents;
    std::vector<std::pair<std::string, int64_t>> samples; // path, class
    for (const auto& entry : entries(folder, [](const fs::file_status& s) { return fs::is_directory(s); }))
        contents.classNames.push_back(entry.filename().string());
    std::sort(contents.classNames.begin(), contents.classNames.end());
    if (contents.classNames.empty())
        throw inputError(folder, "no class sub-folders (expected one folder of images per class)");
    for (size_t c = 0; c < contents.classNames.size(); ++c) {
        for (const auto& entry : entries(fs::path(folder) / contents.classNames[c],
                                         [](const fs::file_status& s) { return fs::is_regular_file(s); }))
            samples.emplace_back(entry.string(), static_cast<int64_t>(c));
    }

    RawImages& raw = contents.images;
    for (const auto& [path, label] : samples) {
        if (channels == 0) {
            // The first decodable image decides the channels when neither the model nor the user does.
            requirePlausibleSize(path);
            const cv::Mat probe = [&path] {
                const QuietStderr quiet;
                try {
                    return cv::imread(path, cv::IMREAD_UNCHANGED);
                } catch (const cv::Exception&) {
                    return cv::Mat();
                }
            }();
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
            image = fitted(image, static_cast<int>(height), static_cast<int>(width), resize, cropRatio);
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
