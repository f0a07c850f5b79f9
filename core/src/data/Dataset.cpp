#include "data/DatasetImpl.h"
#include "model/ModelImpl.h"

#include "data/DataReaders.h"
#include "io/Files.h"
#include "pare/BuildConfig.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

namespace pare {
namespace {

const std::vector<std::string> kFashionClasses
    = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
const std::vector<std::string> kCifarClasses
    = { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };

enum class Source
{
    Idx,
    Cifar10,
    ImageFolder
};

/// The names DatasetInfo::kind shows.
const char* sourceName(Source source)
{
    switch (source) {
    case Source::Idx:
        return "idx";
    case Source::Cifar10:
        return "cifar10";
    case Source::ImageFolder:
        break;
    }
    return "image-folder";
}

/// An image folder whose decoded images would take more than this, or more than a quarter of the memory budget,
/// streams from disk. Holding it in memory saves only the decoding (a 256-pixel JPEG takes about 2 ms, against 50 ms
/// or more to train on it at 224 pixels on two cores), and the rest of the budget is left to the model and its
/// activations.
constexpr int64_t kMostBytesInMemory = int64_t(1) << 30;

/// The data spec "fashion-mnist": the Debian package's files.
constexpr const char* kFashionMnistSpec = "fashion-mnist";

struct Resolved
{
    Source kind;
    std::string folder;
    bool fashion = false;
};

bool startsWith(const std::string& s, const std::string& prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

Resolved resolve(const std::string& spec)
{
    if (spec == kFashionMnistSpec) {
        if (!files::isDirectory(fashionMnistFolder()))
            throw inputError(fashionMnistFolder(), "not found; install the Debian package dataset-fashion-mnist");
        return { Source::Idx, fashionMnistFolder(), true };
    }
    if (startsWith(spec, "mnist:")) {
        const auto folder = spec.substr(6);
        files::requireDirectory(folder);
        return { Source::Idx, folder, false };
    }
    if (startsWith(spec, "cifar10:")) {
        const auto folder = spec.substr(8);
        files::requireDirectory(folder);
        return { Source::Cifar10, folder, false };
    }
    files::requireDirectory(spec);
    if (!data::findIdxFile(spec, "train-images-idx3-ubyte").empty()
        || !data::findIdxFile(spec, "t10k-images-idx3-ubyte").empty())
        return { Source::Idx, spec, files::sameFile(spec, fashionMnistFolder()) };
    if (files::exists(files::joinPath(spec, "data_batch_1.bin"))
        || files::exists(files::joinPath(spec, "test_batch.bin")))
        return { Source::Cifar10, spec, false };
    return { Source::ImageFolder, spec, false };
}

std::string requireIdx(const std::string& folder, const std::string& stem)
{
    const auto path = data::findIdxFile(folder, stem);
    if (path.empty())
        throw inputError(folder, "missing " + stem + " (or " + stem + ".gz)");
    return path;
}

/// Raw 8-bit images as a uint8 tensor [N,C,H,W] that owns its pixels, after checking that they, and one batch of
/// them converted to `shape` as floats, fit the memory budget.
torch::Tensor toPixels(const data::RawImages& raw, const std::vector<int64_t>& shape, const std::string& source)
{
    requireWithinBudget(source,
                        std::to_string(raw.count) + " images of " + std::to_string(raw.channels) + "x"
                            + std::to_string(raw.height) + "x" + std::to_string(raw.width) + " 8-bit pixels",
                        checkedProduct({ raw.count, raw.channels, raw.height, raw.width }));
    if (!shape.empty() && shape[1] > 0)
        requireWithinBudget(source,
                            "a batch of 256 images as " + std::to_string(shape[0]) + "x" + std::to_string(shape[1])
                                + "x" + std::to_string(shape[2]) + " floats",
                            checkedProduct({ 256, std::max(shape[0], raw.channels), shape[1], shape[2], 8 }));
    return torch::from_blob(const_cast<uint8_t*>(raw.pixels.data()), { raw.count, raw.channels, raw.height, raw.width },
                            torch::kUInt8)
        .clone();
}

/// Per-channel mean and standard deviation of the training images as the model sees them (converted, 0..1). When
/// they are in memory and their conversion fits half the memory budget, of all of them at once in float, the same
/// sums in the same order as when Pare kept the converted floats (so data sets keep their statistics bit for bit);
/// otherwise of every k-th image, at most 2,048 spread over the whole set, in batches summed in double (a 224-pixel
/// conversion of 60,000 images would take 36 GB at once, and converting them all batch by batch took over ten
/// minutes on 2 cores; a folder streamed from disk would be decoded whole).
std::pair<std::vector<double>, std::vector<double>>
channelStatistics(const ImageSplit& images, const PixelConversion& conversion, int64_t channels)
{
    std::vector<double> mean(static_cast<size_t>(channels)), deviation(static_cast<size_t>(channels));
    const auto probe = conversion.unnormalized(images.pixelsIn(0, 1));
    const int64_t perImage = probe.numel() / std::max<int64_t>(channels, 1);
    if (!images.streamed() && checkedProduct({ images.count(), channels, perImage, 4 }) <= memoryBudget() / 2) {
        const auto floats = conversion.unnormalized(images.pixels());
        const auto m = floats.mean({ 0, 2, 3 });
        const auto s = floats.std({ 0, 2, 3 });
        for (int64_t c = 0; c < channels; ++c) {
            mean[size_t(c)] = m[c].item<float>();
            deviation[size_t(c)] = s[c].item<float>();
        }
        return { mean, deviation };
    }
    constexpr int64_t kMostImages = 2048;
    const int64_t stride = (images.count() + kMostImages - 1) / kMostImages;
    const auto sample = torch::arange(0, images.count(), stride, torch::kInt64);
    std::vector<double> sum(mean.size(), 0.0), squares(mean.size(), 0.0);
    for (int64_t begin = 0; begin < sample.size(0); begin += 256) {
        const auto batch
            = conversion.unnormalized(images.pixelsAt(sample.slice(0, begin, begin + 256))).to(torch::kFloat64);
        const auto s = batch.sum({ 0, 2, 3 });
        const auto q = batch.square().sum({ 0, 2, 3 });
        for (int64_t c = 0; c < channels; ++c) {
            sum[size_t(c)] += s[c].item<double>();
            squares[size_t(c)] += q[c].item<double>();
        }
    }
    const double n = double(sample.size(0)) * double(perImage);
    for (size_t c = 0; c < mean.size(); ++c) {
        mean[c] = sum[c] / n;
        deviation[c] = std::sqrt(std::max(0.0, (squares[c] - n * mean[c] * mean[c]) / std::max(n - 1.0, 1.0)));
    }
    return { mean, deviation };
}

torch::Tensor toLabels(const data::RawImages& raw)
{
    return torch::tensor(raw.labels, torch::kInt64);
}

std::vector<int64_t> countsPerClass(const torch::Tensor& labels, int64_t classes)
{
    std::vector<int64_t> counts(static_cast<size_t>(classes), 0);
    if (labels.numel() == 0)
        return counts;
    const auto bins = torch::bincount(labels, {}, classes);
    for (int64_t c = 0; c < classes; ++c)
        counts[c] = bins[c].item<int64_t>();
    return counts;
}

std::vector<float> expandPerChannel(const std::vector<float>& values, int64_t channels, const char* what)
{
    if (values.size() == 1)
        return std::vector<float>(static_cast<size_t>(channels), values[0]);
    if (static_cast<int64_t>(values.size()) != channels)
        throw InputError(std::string(what) + ": " + std::to_string(values.size()) + " values for "
                         + std::to_string(channels) + " channels");
    return values;
}

} // namespace

std::string fashionMnistFolder()
{
    return PARE_FASHION_MNIST_DIR;
}

torch::Tensor PixelConversion::unnormalized(const torch::Tensor& pixels) const
{
    auto images = pixels.to(torch::kFloat32).div_(255.0f);
    if (shape.empty())
        return images;
    const int64_t channels = shape[0];
    const int64_t height = shape[1] > 0 ? shape[1] : pixels.size(2);
    const int64_t width = shape[2] > 0 ? shape[2] : pixels.size(3);
    if (channels != pixels.size(1)) {
        if (pixels.size(1) == 1)
            images = images.repeat({ 1, channels, 1, 1 });
        else if (channels == 1 && pixels.size(1) == 3)
            images = (images.select(1, 0) * 0.299f + images.select(1, 1) * 0.587f + images.select(1, 2) * 0.114f)
                         .unsqueeze(1);
        else
            throw InputError("cannot convert " + std::to_string(pixels.size(1)) + "-channel images to "
                             + std::to_string(channels) + " channels");
    }
    if (height != pixels.size(2) || width != pixels.size(3))
        images = torch::nn::functional::interpolate(images,
                                                    torch::nn::functional::InterpolateFuncOptions()
                                                        .size(std::vector<int64_t> { height, width })
                                                        .mode(torch::kBilinear)
                                                        .align_corners(false));
    return images.contiguous();
}

torch::Tensor PixelConversion::operator()(const torch::Tensor& pixels) const
{
    return (unnormalized(pixels) - mean).div_(std);
}

Dataset::Dataset(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;
Dataset::~Dataset() = default;

const DatasetInfo& Dataset::info() const
{
    return m_impl->info;
}

int64_t Dataset::size(Split split) const
{
    const auto& labels = m_impl->labels(split);
    return labels.defined() ? labels.size(0) : 0;
}

int64_t Dataset::classCount() const
{
    return static_cast<int64_t>(m_impl->info.classNames.size());
}

int64_t Dataset::label(Split split, int64_t index) const
{
    return m_impl->labels(split)[index].item<int64_t>();
}

std::vector<float> Dataset::samplePixels(Split split, int64_t index) const
{
    const auto& info = m_impl->info;
    const auto channels = info.sampleShape[0];
    auto mean = torch::tensor(info.mean).view({ channels, 1, 1 });
    auto std = torch::tensor(info.std).view({ channels, 1, 1 });
    auto pixels = (m_impl->images(split).slice(index, index + 1)[0] * std + mean).clamp(0.0, 1.0).contiguous();
    return std::vector<float>(pixels.data_ptr<float>(), pixels.data_ptr<float>() + pixels.numel());
}

std::vector<float> Dataset::modelInputs(Split split, int64_t begin, int64_t end) const
{
    const auto& images = m_impl->images(split);
    begin = std::clamp<int64_t>(begin, 0, images.count());
    end = std::clamp<int64_t>(end, begin, images.count());
    const auto inputs = images.slice(begin, end).contiguous();
    return std::vector<float>(inputs.data_ptr<float>(), inputs.data_ptr<float>() + inputs.numel());
}

int64_t Dataset::imageBytes() const
{
    std::set<const void*> counted;
    int64_t bytes = 0;
    for (const auto split : { Split::Train, Split::Validation, Split::Test }) {
        const auto& pixels = m_impl->images(split).pixels();
        if (pixels.defined() && counted.insert(pixels.storage().data()).second)
            bytes += int64_t(pixels.storage().nbytes());
    }
    return bytes;
}

Dataset Dataset::load(const std::string& spec, const DatasetOptions& options)
{
    const auto started = std::chrono::steady_clock::now();
    if (!options.inputShape.empty()
        && (options.inputShape.size() != 3 || options.inputShape[1] < 0 || options.inputShape[2] < 0
            || (options.inputShape[1] == 0) != (options.inputShape[2] == 0)))
        throw InputError("input shape: expected C,H,W");
    if (!options.inputShape.empty() && options.inputShape[0] != 1 && options.inputShape[0] != 3)
        throw InputError("input shape: images have 1 or 3 channels, not " + std::to_string(options.inputShape[0]));
    const Resolved where = resolve(spec);

    auto impl = std::make_unique<Impl>();
    DatasetInfo& info = impl->info;
    info.spec = spec;
    info.kind = sourceName(where.kind);
    info.folder = where.folder;

    // Pixels as read (8-bit) and the shape the model wants them in; converted a batch at a time.
    // An image folder too big for the memory budget keeps its files, decoded a batch at a time (ImageFiles).
    ImageSplit trainAll, testPixels;
    torch::Tensor trainAllLabels;
    PixelConversion conversion;
    conversion.shape = options.inputShape;
    bool hasTrainSplit = true;
    if (where.kind == Source::Idx) {
        info.classNames = where.fashion ? kFashionClasses : std::vector<std::string> {};
        if (info.classNames.empty())
            for (int c = 0; c < 10; ++c)
                info.classNames.push_back(std::to_string(c));
        const int64_t classes = static_cast<int64_t>(info.classNames.size());
        const auto train = data::readIdx(requireIdx(where.folder, "train-images-idx3-ubyte"),
                                         requireIdx(where.folder, "train-labels-idx1-ubyte"), classes);
        const auto test = data::readIdx(requireIdx(where.folder, "t10k-images-idx3-ubyte"),
                                        requireIdx(where.folder, "t10k-labels-idx1-ubyte"), classes);
        if (train.height != test.height || train.width != test.width)
            throw inputError(where.folder, "train and test images differ in size");
        trainAll = ImageSplit(toPixels(train, options.inputShape, where.folder), conversion);
        trainAllLabels = toLabels(train);
        testPixels = ImageSplit(toPixels(test, options.inputShape, where.folder), conversion);
        impl->testLabels = toLabels(test);
    } else if (where.kind == Source::Cifar10) {
        const auto metaPath = files::joinPath(where.folder, "batches.meta.txt");
        info.classNames = files::exists(metaPath) ? data::readNonEmptyLines(metaPath) : kCifarClasses;
        if (info.classNames.empty())
            throw inputError(metaPath, "no class names");
        std::vector<std::string> batches;
        for (int b = 1; b <= 5; ++b)
            batches.push_back(files::joinPath(where.folder, "data_batch_" + std::to_string(b) + ".bin"));
        const auto classes = static_cast<int64_t>(info.classNames.size());
        const auto train = data::readCifarBatches(batches, classes);
        const auto test = data::readCifarBatches({ files::joinPath(where.folder, "test_batch.bin") }, classes);
        trainAll = ImageSplit(toPixels(train, options.inputShape, where.folder), conversion);
        trainAllLabels = toLabels(train);
        testPixels = ImageSplit(toPixels(test, options.inputShape, where.folder), conversion);
        impl->testLabels = toLabels(test);
    } else {
        const auto& shape = options.inputShape;
        data::ImageDecoding decoding;
        decoding.channels = shape.empty() ? 0 : shape[0];
        decoding.height = shape.empty() ? 0 : shape[1];
        decoding.width = shape.empty() ? 0 : shape[2];
        decoding.resize = options.resize;
        decoding.cropRatio = options.cropRatio;
        const auto listing = data::listImageFolder(where.folder);
        info.classNames = listing.classNames;
        std::vector<std::string> undecodable;
        const size_t first = data::settleDecoding(where.folder, listing, decoding, undecodable);
        conversion.shape.clear(); // the folder's images are decoded to the shape asked for
        info.decodedBytes = checkedProduct({ int64_t(listing.paths.size() - first), decoding.bytesPerImage() });
        info.streamed = options.storage == ImageStorage::Stream
            || (options.storage == ImageStorage::Auto
                && !(info.decodedBytes >= 0 && info.decodedBytes <= std::min(memoryBudget() / 4, kMostBytesInMemory)));
        if (info.streamed) {
            // Scanned, not decoded: a file whose header is not an image OpenCV reads is skipped now; one that passes
            // and then fails to decode stops the epoch that reaches it, naming it.
            std::vector<std::string> paths;
            std::vector<int64_t> labels;
            for (size_t i = first; i < listing.paths.size(); ++i) {
                if (i == first || data::hasImageHeader(listing.paths[i])) {
                    paths.push_back(listing.paths[i]);
                    labels.push_back(listing.labels[i]);
                } else {
                    undecodable.push_back(listing.paths[i]);
                }
            }
            const auto count = int64_t(paths.size());
            trainAll = ImageSplit(std::make_shared<const ImageFiles>(where.folder, std::move(paths), decoding),
                                  torch::arange(count, torch::kInt64), conversion);
            trainAllLabels = torch::tensor(labels, torch::kInt64);
        } else {
            const auto raw = data::decodeImageFolder(listing, decoding, first, undecodable);
            trainAll = ImageSplit(toPixels(raw, {}, where.folder), conversion);
            trainAllLabels = toLabels(raw);
        }
        if (!undecodable.empty()) {
            std::string names;
            for (size_t i = 0; i < undecodable.size() && i < 5; ++i)
                names += (i ? ", " : "") + undecodable[i];
            if (undecodable.size() > 5)
                names += ", ...";
            info.warnings.push_back(where.folder + ": skipped " + std::to_string(undecodable.size())
                                    + " undecodable file(s): " + names);
        }
        // An image folder is one split: it is the test set (eval uses every image) and the training set.
        testPixels = trainAll;
        impl->testLabels = trainAllLabels;
        hasTrainSplit = false;
    }
    if (trainAll.count() == 0 || testPixels.count() == 0)
        throw inputError(where.folder,
                         std::string("holds no ") + (trainAll.count() == 0 ? "training" : "test") + " images");
    const auto& shape = conversion.shape;
    const auto stored = trainAll.pixelsIn(0, 1).sizes();
    const int64_t channels = shape.empty() ? stored[1] : shape[0];
    info.sampleShape = { channels, shape.empty() || shape[1] == 0 ? stored[2] : shape[1],
                         shape.empty() || shape[2] == 0 ? stored[3] : shape[2] };

    // Normalization: the user's values, else the known statistics of the data set, else the training data's.
    if (!options.mean.empty() || !options.std.empty()) {
        if (options.mean.empty() || options.std.empty())
            throw InputError("mean and std: give both or neither");
        info.mean = expandPerChannel(options.mean, channels, "mean");
        info.std = expandPerChannel(options.std, channels, "std");
    } else if (where.fashion && channels == 1) {
        info.mean = { 0.2860f };
        info.std = { 0.3530f };
    } else {
        const auto [mean, deviation] = channelStatistics(trainAll, conversion, channels);
        for (int64_t c = 0; c < channels; ++c) {
            info.mean.push_back(float(mean[size_t(c)]));
            info.std.push_back(std::max(float(deviation[size_t(c)]), 1e-6f));
        }
    }
    for (float s : info.std)
        if (!(s > 0.0f))
            throw InputError("std: must be positive");
    conversion.mean = torch::tensor(info.mean).view({ 1, channels, 1, 1 });
    conversion.std = torch::tensor(info.std).view({ 1, channels, 1, 1 });
    const ImageSplit all = trainAll.withConversion(conversion);
    (void)all.slice(0, 1); // a conversion that cannot be done fails here, at load, not in the first batch
    impl->testImages = hasTrainSplit ? testPixels.withConversion(conversion) : all;

    // Validation carved from the training data with the seed; then an optional seeded subset for training.
    auto generator = seededGenerator(options.seed);
    const int64_t n = trainAll.count();
    const auto order = torch::randperm(n, generator, torch::kInt64);
    const int64_t validation = std::clamp<int64_t>(std::llround(options.validationFraction * double(n)), 0, n - 1);
    const auto validationIndex = order.slice(0, 0, validation);
    auto trainIndex = order.slice(0, validation, n);
    if (options.trainLimit > 0 && options.trainLimit < trainIndex.size(0))
        trainIndex = trainIndex.slice(0, 0, options.trainLimit);
    impl->validationImages = all.subset(validationIndex);
    impl->validationLabels = trainAllLabels.index_select(0, validationIndex);
    impl->trainImages = all.subset(trainIndex);
    impl->trainLabels = trainAllLabels.index_select(0, trainIndex);
    if (options.testLimit > 0 && options.testLimit < impl->testImages.count()) {
        impl->testImages = impl->testImages.first(options.testLimit);
        impl->testLabels = impl->testLabels.slice(0, 0, options.testLimit);
    }

    const auto classes = static_cast<int64_t>(info.classNames.size());
    info.trainCount = impl->trainLabels.size(0);
    info.validationCount = impl->validationLabels.size(0);
    info.testCount = impl->testLabels.size(0);
    info.trainCountsPerClass = countsPerClass(impl->trainLabels, classes);
    info.testCountsPerClass = countsPerClass(impl->testLabels, classes);
    info.loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return Dataset(std::move(impl));
}

} // namespace pare
