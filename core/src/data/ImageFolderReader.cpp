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
#include <mutex>
#include <optional>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pare::data {
namespace {

/// Silences stderr while any instance lives: libpng prints a line per damaged chunk ("libpng error: IDAT: CRC
/// error") before OpenCV returns an empty image, and Pare reports the skipped files itself, once. Counted, because
/// folders streamed from disk decode on several threads at once: the first one in redirects, the last one out
/// restores. A message another thread printed in that moment would be lost.
class QuietStderr
{
public:
    QuietStderr()
    {
        const std::lock_guard lock(mutex());
        if (users()++ > 0)
            return;
        saved() = ::dup(STDERR_FILENO);
        const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved() >= 0 && null >= 0)
            ::dup2(null, STDERR_FILENO);
        if (null >= 0)
            ::close(null);
    }
    ~QuietStderr()
    {
        const std::lock_guard lock(mutex());
        if (--users() > 0 || saved() < 0)
            return;
        ::dup2(saved(), STDERR_FILENO);
        ::close(saved());
        saved() = -1;
    }
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;

private:
    static std::mutex& mutex()
    {
        static std::mutex m;
        return m;
    }
    static int& users()
    {
        static int n = 0;
        return n;
    }
    static int& saved()
    {
        static int fd = -1;
        return fd;
    }
};

/// Refuses an image whose header claims more pixels than one image may have or than the memory budget holds,
/// before a decoder allocates for it. Formats Pare does not parse are bounded by OpenCV's own pixel limit, set to
/// the same value in settleDecoding.
/// Returns whether the header is one Pare parses (PNG, JPEG, BMP, GIF).
bool requirePlausibleSize(const std::string& path)
{
    // Most headers state the size in their first bytes; a JPEG's can follow up to 64 KB of EXIF data. Reading 4 KB
    // first keeps the scan of a folder streamed from disk from reading every small file whole.
    std::optional<ImageSize> size;
    for (const size_t headBytes : { size_t(4096), size_t(65536) }) {
        std::string head(headBytes, '\0');
        std::ifstream in(path, std::ios::binary);
        in.read(head.data(), std::streamsize(head.size()));
        head.resize(size_t(in.gcount()));
        size = claimedImageSize(head);
        if (size || head.size() < headBytes)
            break;
    }
    if (!size)
        return false;
    const int64_t pixels = checkedProduct({ size->width, size->height });
    if (pixels < 0 || pixels > kMaxImagePixels)
        throw inputError(path,
                         "its header claims " + std::to_string(size->width) + "x" + std::to_string(size->height)
                             + " pixels, more than the " + std::to_string(kMaxImagePixels / 1'000'000)
                             + "-megapixel limit of one image");
    requireWithinBudget(path, "decoding it", pixels * 3);
    return true;
}

/// cv::imread, quiet, with an empty Mat for what OpenCV throws.
cv::Mat quietImread(const std::string& path, int flags)
{
    const QuietStderr quiet;
    try {
        return cv::imread(path, flags);
    } catch (const cv::Exception&) {
        return {};
    }
}

/// Decodes one image as 8-bit with `channels` channels (1: gray, 3: RGB), or an empty Mat.
cv::Mat decode(const std::string& path, int channels)
{
    requirePlausibleSize(path);
    cv::Mat image = quietImread(path, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (!image.empty() && channels == 3)
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

ImageFolderListing listImageFolder(const std::string& folder)
{
    files::requireDirectory(folder);
    ImageFolderListing listing;
    for (const auto& entry : entries(folder, [](const fs::file_status& s) { return fs::is_directory(s); }))
        listing.classNames.push_back(entry.filename().string());
    std::sort(listing.classNames.begin(), listing.classNames.end());
    if (listing.classNames.empty())
        throw inputError(folder, "no class sub-folders (expected one folder of images per class)");
    for (size_t c = 0; c < listing.classNames.size(); ++c) {
        for (const auto& entry : entries(fs::path(folder) / listing.classNames[c],
                                         [](const fs::file_status& s) { return fs::is_regular_file(s); })) {
            listing.paths.push_back(entry.string());
            listing.labels.push_back(static_cast<int64_t>(c));
        }
    }
    return listing;
}

bool decodeImage(const std::string& path, const ImageDecoding& decoding, uint8_t* out)
{
    cv::Mat image = decode(path, static_cast<int>(decoding.channels));
    if (image.empty())
        return false;
    const auto height = decoding.height, width = decoding.width, channels = decoding.channels;
    if (image.rows != height || image.cols != width)
        image = fitted(image, static_cast<int>(height), static_cast<int>(width), decoding.resize, decoding.cropRatio);
    // OpenCV keeps channels interleaved (HWC); models take planar CHW.
    const int64_t plane = height * width;
    for (int64_t y = 0; y < height; ++y) {
        const uint8_t* row = image.ptr<uint8_t>(static_cast<int>(y));
        for (int64_t x = 0; x < width; ++x)
            for (int64_t ch = 0; ch < channels; ++ch)
                out[ch * plane + y * width + x] = row[x * channels + ch];
    }
    return true;
}

size_t settleDecoding(const std::string& folder,
                      const ImageFolderListing& listing,
                      ImageDecoding& decoding,
                      std::vector<std::string>& undecodable)
{
    if (!(decoding.cropRatio > 0.0 && decoding.cropRatio <= 1.0))
        throw InputError("crop ratio: must be in (0, 1], got " + std::to_string(decoding.cropRatio));
    // OpenCV's own limit for the formats requirePlausibleSize does not parse (TIFF, WebP...); read once, at the
    // first decode.
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(kMaxImagePixels).c_str(), /*overwrite=*/0);
    for (size_t i = 0; i < listing.paths.size(); ++i) {
        const auto& path = listing.paths[i];
        requirePlausibleSize(path);
        // The first decodable image decides the channels and size when neither the model nor the user does.
        const cv::Mat probe = quietImread(path, cv::IMREAD_UNCHANGED);
        if (probe.empty()) {
            undecodable.push_back(path);
            continue;
        }
        if (decoding.channels == 0)
            decoding.channels = probe.channels() == 1 ? 1 : 3;
        if (decoding.height == 0 || decoding.width == 0) {
            decoding.height = probe.rows;
            decoding.width = probe.cols;
        }
        return i;
    }
    throw inputError(folder,
                     "no decodable image in " + std::to_string(listing.paths.size()) + " files under "
                         + std::to_string(listing.classNames.size()) + " class folders");
}

bool hasImageHeader(const std::string& path)
{
    if (requirePlausibleSize(path))
        return true;
    try {
        return cv::haveImageReader(path);
    } catch (const cv::Exception&) {
        return false;
    }
}

RawImages decodeImageFolder(const ImageFolderListing& listing,
                            const ImageDecoding& decoding,
                            size_t first,
                            std::vector<std::string>& undecodable)
{
    RawImages raw;
    const auto bytes = static_cast<size_t>(decoding.bytesPerImage());
    raw.pixels.reserve(bytes * (listing.paths.size() - first));
    for (size_t i = first; i < listing.paths.size(); ++i) {
        const size_t offset = raw.pixels.size();
        raw.pixels.resize(offset + bytes);
        if (!decodeImage(listing.paths[i], decoding, raw.pixels.data() + offset)) {
            raw.pixels.resize(offset);
            undecodable.push_back(listing.paths[i]);
            continue;
        }
        raw.labels.push_back(listing.labels[i]);
    }
    raw.count = static_cast<int64_t>(raw.labels.size());
    raw.channels = decoding.channels;
    raw.height = decoding.height;
    raw.width = decoding.width;
    return raw;
}

} // namespace pare::data
