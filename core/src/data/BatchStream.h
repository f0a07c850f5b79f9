#pragma once

// Batches of one split in a given order, as the model's input. A streamed split's next batches are decoded (and
// transformed) on a background thread while the caller computes on this one, so that training does not wait on JPEG
// decoding; they wait as 8-bit pixels and become floats when the caller takes them. A split in memory is gathered
// when asked, on the caller's thread. Only core/src includes this.

#include "data/DatasetImpl.h"

#include <deque>
#include <functional>
#include <future>

namespace pare {

class BatchStream
{
public:
    /// Changes batch `batch`'s 8-bit pixels in place before they are converted (training augmentation). Called on
    /// the background thread for a streamed split: it must only read what it captured.
    using PixelTransform = std::function<void(torch::Tensor& pixels, size_t batch)>;

    /// The batches' index tensors (int64 positions into `images`) in the order they will be asked for. Throws
    /// InputError when the batches decoded ahead of a streamed split would not fit the memory budget.
    BatchStream(const ImageSplit& images, std::vector<torch::Tensor> batches, PixelTransform transform = {});
    /// Images [begin, end) in batches of `batchSize`.
    static BatchStream sequential(const ImageSplit& images, int64_t begin, int64_t end, int64_t batchSize);
    /// Waits for the batches still decoding (at most kBatchesAhead).
    ~BatchStream();
    BatchStream(const BatchStream&) = delete;
    BatchStream& operator=(const BatchStream&) = delete;

    [[nodiscard]] size_t size() const { return m_batches.size(); }
    [[nodiscard]] const torch::Tensor& indices(size_t batch) const { return m_batches[batch]; }
    /// The next batch as normalized floats [n,C,H,W]; throws what decoding it threw.
    [[nodiscard]] torch::Tensor next();

    /// Batches decoded ahead of the one the caller has: two hide a decode that takes as long as a step; more would
    /// only hold memory.
    static constexpr size_t kBatchesAhead = 2;

private:
    void startMore();
    /// Batch `batch`'s 8-bit pixels, transformed.
    [[nodiscard]] torch::Tensor pixels(size_t batch) const;

    const ImageSplit& m_images;
    std::vector<torch::Tensor> m_batches;
    PixelTransform m_transform;
    size_t m_next = 0;    ///< the batch next() returns
    size_t m_started = 0; ///< batches handed to the background so far
    std::deque<std::future<torch::Tensor>> m_pending;
};

} // namespace pare
