#include "data/BatchStream.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace pare {
namespace {

/// Decoding threads per batch: the cores beyond the one the caller's training computes on, at most four (a batch of
/// 32 photos at 256 pixels decodes in about 60 ms on one core, against a second or more of a 224-pixel training
/// step). On two cores the background thread decodes alone.
int decodeWorkers()
{
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    return std::clamp(cores / 2, 1, 4);
}

} // namespace

ImageFiles::ImageFiles(std::string folder, std::vector<std::string> paths, data::ImageDecoding decoding)
    : m_folder(std::move(folder))
    , m_paths(std::move(paths))
    , m_decoding(decoding)
    , m_workers(decodeWorkers())
{
}

torch::Tensor ImageFiles::decode(const torch::Tensor& index) const
{
    const auto positions = index.contiguous();
    const int64_t n = positions.size(0);
    const auto& d = m_decoding;
    auto pixels = torch::empty({ n, d.channels, d.height, d.width }, torch::kUInt8);
    const int64_t* at = positions.data_ptr<int64_t>();
    uint8_t* out = pixels.data_ptr<uint8_t>();
    const int64_t bytes = d.bytesPerImage();
    std::atomic<int64_t> nextImage { 0 };
    std::atomic<int64_t> failed { -1 }; // position of a file that did not decode
    std::exception_ptr thrown;
    std::mutex thrownMutex;
    const auto work = [&] {
        for (int64_t i = nextImage++; i < n && failed < 0; i = nextImage++) {
            try {
                if (!data::decodeImage(m_paths[size_t(at[i])], d, out + i * bytes))
                    failed = at[i];
            } catch (...) {
                const std::lock_guard lock(thrownMutex);
                thrown = std::current_exception();
                failed = at[i];
            }
        }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < std::min<int64_t>(m_workers, n); ++t)
        threads.emplace_back(work);
    work();
    for (auto& thread : threads)
        thread.join();
    if (thrown)
        std::rethrow_exception(thrown);
    if (failed >= 0)
        throw inputError(m_paths[size_t(failed.load())],
                         "can no longer be decoded (it had an image header when the folder was scanned)");
    return pixels;
}

BatchStream::BatchStream(const ImageSplit& images, std::vector<torch::Tensor> batches, PixelTransform transform)
    : m_images(images)
    , m_batches(std::move(batches))
    , m_transform(std::move(transform))
{
    if (!m_images.streamed())
        return;
    int64_t largest = 0;
    for (const auto& batch : m_batches)
        largest = std::max(largest, batch.size(0));
    const auto& files = *m_images.files();
    requireWithinBudget(files.folder(),
                        std::to_string(kBatchesAhead + 1) + " batches of " + std::to_string(largest)
                            + " images decoded ahead",
                        checkedProduct({ int64_t(kBatchesAhead + 1), largest, files.decoding().bytesPerImage() }));
}

BatchStream BatchStream::sequential(const ImageSplit& images, int64_t begin, int64_t end, int64_t batchSize)
{
    std::vector<torch::Tensor> batches;
    for (int64_t b = begin; b < end; b += batchSize)
        batches.push_back(torch::arange(b, std::min(end, b + batchSize), torch::kInt64));
    return BatchStream(images, std::move(batches));
}

BatchStream::~BatchStream()
{
    for (auto& pending : m_pending)
        if (pending.valid())
            pending.wait();
}

torch::Tensor BatchStream::pixels(size_t batch) const
{
    auto pixels = m_images.pixelsAt(m_batches[batch]);
    if (m_transform)
        m_transform(pixels, batch);
    return pixels;
}

void BatchStream::startMore()
{
    while (m_started < m_batches.size() && m_started < m_next + kBatchesAhead + 1) {
        const size_t batch = m_started++;
        m_pending.push_back(std::async(std::launch::async, [this, batch] { return pixels(batch); }));
    }
}

torch::Tensor BatchStream::next()
{
    if (m_next >= m_batches.size())
        throw std::logic_error("BatchStream: no batch left");
    if (!m_images.streamed())
        return m_images.convert(pixels(m_next++));
    startMore();
    const auto batch = m_pending.front().get();
    m_pending.pop_front();
    ++m_next;
    startMore();
    return m_images.convert(batch);
}

} // namespace pare
