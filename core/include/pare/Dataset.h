#pragma once

#include "pare/Options.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pare {

/// Where an image folder's decoded pixels live. IDX and CIFAR-10 files are always read whole (and refused over the
/// memory budget).
enum class ImageStorage
{
    Auto,   ///< in memory when the decoded images fit a quarter of the memory budget and 1 GB, else streamed
    Memory, ///< decoded at load
    Stream  ///< decoded from disk a batch at a time, the next batches on a background thread
};

/// How to turn a data set on disk into model input.
struct DatasetOptions
{
    /// [C,H,W] the model takes; empty means the data's own shape. Images are converted (channels, size) to fit.
    /// [C,0,0] converts the channels only, keeping the data's height and width.
    std::vector<int64_t> inputShape;
    /// Image folders: how an image of another size or aspect ratio becomes the model's height and width. Crop, as
    /// torchvision evaluates (Resize(256) then CenterCrop(224) for 224-pixel models: cropRatio 0.875), scales the
    /// image to cover height / cropRatio x width / cropRatio and takes the center; Stretch resizes to the size.
    ImageResize resize = ImageResize::Crop;
    double cropRatio = 0.875;
    /// Per-channel normalization (one value applies to every channel); empty means the data set's own statistics.
    std::vector<float> mean;
    std::vector<float> std;
    /// Share of the training data held out, with the seed, for training-time decisions.
    double validationFraction = 0.1;
    /// Use at most this many training / test images (0 = all): a seeded random subset of the training split,
    /// the first images of the test split.
    int64_t trainLimit = 0;
    int64_t testLimit = 0;
    uint64_t seed = 0;
    ImageStorage storage = ImageStorage::Auto;
};

/// Plain description of a loaded data set, safe to copy to any thread.
struct DatasetInfo
{
    std::string spec;   ///< what the user named: "fashion-mnist", "cifar10:DIR", a folder
    std::string kind;   ///< "idx", "cifar10" or "image-folder"
    std::string folder; ///< where the files were read from
    std::vector<std::string> classNames;
    std::vector<int64_t> sampleShape; ///< [C,H,W] after conversion
    std::vector<float> mean;
    std::vector<float> std;
    int64_t trainCount = 0;
    int64_t validationCount = 0;
    int64_t testCount = 0;
    std::vector<int64_t> trainCountsPerClass;
    std::vector<int64_t> testCountsPerClass;
    /// Image folders: whether the images stream from disk, and the bytes they would take decoded in memory.
    bool streamed = false;
    int64_t decodedBytes = 0;
    /// Things the user should know that did not stop loading, such as undecodable images that were skipped.
    std::vector<std::string> warnings;
    double loadSeconds = 0.0;
};

enum class Split
{
    Train,
    Validation,
    Test
};

/// A data set held in memory as 8-bit pixels ([N,C,H,W]), or an image folder streamed from disk, with int64 labels,
/// fed to models as normalized floats a batch at a time.
/// Loading checks every header against the file's real size before it allocates anything, and
/// throws InputError with a one-line "file: problem" message for bad input.
class Dataset
{
public:
    /// spec: "fashion-mnist", "mnist:DIR", "cifar10:DIR", or a folder (IDX files, CIFAR-10 batches,
    /// or one sub-folder of images per class).
    [[nodiscard]] static Dataset load(const std::string& spec, const DatasetOptions& options = {});

    Dataset(Dataset&&) noexcept;
    Dataset& operator=(Dataset&&) noexcept;
    ~Dataset();

    [[nodiscard]] const DatasetInfo& info() const;
    [[nodiscard]] int64_t size(Split split) const;
    [[nodiscard]] int64_t classCount() const;

    /// Raw pixels of one sample, de-normalized to 0..1, row-major [C,H,W]: for previews.
    [[nodiscard]] std::vector<float> samplePixels(Split split, int64_t index) const;
    /// What the model is fed for samples [begin, end) of `split`: converted to its shape and normalized, row-major
    /// [N,C,H,W]. Images are kept as 8-bit pixels and converted a batch at a time.
    [[nodiscard]] std::vector<float> modelInputs(Split split, int64_t begin, int64_t end) const;
    /// Bytes of memory the images of all splits hold (each stored tensor counted once).
    [[nodiscard]] int64_t imageBytes() const;
    [[nodiscard]] int64_t label(Split split, int64_t index) const;

    struct Impl;
    Impl& impl() const { return *m_impl; }

private:
    explicit Dataset(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// The folder the Debian package dataset-fashion-mnist installs to.
[[nodiscard]] std::string fashionMnistFolder();

} // namespace pare
