#include "data/DataReaders.h"

#include "io/Files.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

namespace pare::data {
namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Sequential reader over a plain or gzipped file that knows, before reading the payload, how many bytes the
/// file holds once decompressed: for gzip that is the ISIZE trailer (size modulo 2^32), for a plain file its
/// size on disk. That lets a header that claims more data than the file holds be rejected before allocating.
class ByteSource
{
public:
    explicit ByteSource(const std::string& path)
        : m_path(path)
    {
        const int64_t onDisk = files::requireRegularFile(path);
        m_onDisk = onDisk;
        m_gzipped = endsWith(path, ".gz");
        if (m_gzipped) {
            if (onDisk < 18)
                throw inputError(path, "truncated gzip file (" + std::to_string(onDisk) + " bytes)");
            std::ifstream in(path, std::ios::binary);
            in.seekg(-4, std::ios::end);
            std::array<unsigned char, 4> trailer {};
            in.read(reinterpret_cast<char*>(trailer.data()), 4);
            m_size = int64_t(trailer[0]) | int64_t(trailer[1]) << 8 | int64_t(trailer[2]) << 16
                | int64_t(trailer[3]) << 24;
        } else {
            m_size = onDisk;
        }
        m_file = ::gzopen(path.c_str(), "rb"); // reads plain files transparently too
        if (!m_file)
            throw inputError(path, "cannot open");
    }
    ~ByteSource()
    {
        if (m_file)
            ::gzclose(m_file);
    }
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    /// Decompressed size; modulo 2^32 for gzip.
    int64_t size() const { return m_size; }
    /// The most the file can hold decompressed: its size, or for gzip its size times deflate's largest ratio (the
    /// trailer is only a claim).
    int64_t mostDecompressed() const { return m_gzipped ? m_onDisk * 1032 : m_onDisk; }
    bool gzipped() const { return m_gzipped; }

    void read(void* into, int64_t bytes, const char* what)
    {
        auto* out = static_cast<char*>(into);
        while (bytes > 0) {
            const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(bytes, 1 << 30));
            const int n = ::gzread(m_file, out, chunk);
            if (n <= 0) {
                int code = 0;
                const char* message = ::gzerror(m_file, &code);
                throw inputError(m_path,
                                 std::string("truncated or corrupt while reading ") + what
                                     + (code != Z_OK && message ? std::string(" (") + message + ")" : ""));
            }
            out += n;
            bytes -= n;
        }
    }

private:
    std::string m_path;
    gzFile m_file = nullptr;
    int64_t m_size = 0;
    int64_t m_onDisk = 0;
    bool m_gzipped = false;
};

std::string hex32(uint32_t value)
{
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", value);
    return hex;
}

uint32_t bigEndian32(const unsigned char* p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/// Reads an IDX header: the magic number, which must be `expectedMagic`, and `dimensions` sizes.
std::vector<int64_t>
readIdxHeader(ByteSource& source, const std::string& path, uint32_t expectedMagic, int dimensions, const char* kind)
{
    const int64_t headerBytes = 4 + 4 * int64_t(dimensions);
    if (source.size() < headerBytes)
        throw inputError(path, std::string("too short for an IDX ") + kind + " header");
    std::array<unsigned char, 16> header {};
    source.read(header.data(), headerBytes, "the IDX header");
    const uint32_t magic = bigEndian32(header.data());
    if (magic != expectedMagic)
        throw inputError(path,
                         std::string("not an IDX ") + kind + " file (magic number " + hex32(magic) + ", expected "
                             + hex32(expectedMagic) + ")");
    std::vector<int64_t> dims;
    for (int d = 0; d < dimensions; ++d)
        dims.push_back(bigEndian32(header.data() + 4 + 4 * d));
    return dims;
}

/// Checks that `claimed` payload bytes after a header of `headerBytes` fit in the source.
void requireHolds(
    const ByteSource& source, const std::string& path, int64_t headerBytes, int64_t claimed, const std::string& claim)
{
    const int64_t needed = headerBytes + claimed;
    const int64_t have = source.size();
    // gzip records the decompressed size modulo 2^32; a truncated gzip file has a garbage trailer, caught too.
    const bool fits
        = source.gzipped() ? (needed & 0xffffffffLL) == have && needed <= source.mostDecompressed() : needed <= have;
    if (!fits)
        throw inputError(path,
                         "header claims " + claim + " (" + std::to_string(needed) + " bytes) but the file holds "
                             + std::to_string(have)
                             + (source.gzipped() ? " bytes uncompressed, or is truncated" : " bytes"));
}

} // namespace

std::string findIdxFile(const std::string& folder, const std::string& stem)
{
    for (const std::string& candidate : { files::joinPath(folder, stem), files::joinPath(folder, stem + ".gz") })
        if (files::exists(candidate) && !files::isDirectory(candidate))
            return candidate;
    return {};
}

RawImages readIdx(const std::string& imagesPath, const std::string& labelsPath, int64_t classCount)
{
    RawImages raw;
    {
        ByteSource source(imagesPath);
        const auto dims = readIdxHeader(source, imagesPath, 0x803, 3, "image");
        raw.count = dims[0];
        raw.height = dims[1];
        raw.width = dims[2];
        raw.channels = 1;
        if (raw.height == 0 || raw.width == 0 || raw.height > 4096 || raw.width > 4096)
            throw inputError(imagesPath,
                             "implausible image size " + std::to_string(raw.height) + "x" + std::to_string(raw.width));
        const int64_t payload = raw.count * raw.height * raw.width;
        requireHolds(source, imagesPath, 16, payload,
                     std::to_string(raw.count) + " images of " + std::to_string(raw.height) + "x"
                         + std::to_string(raw.width));
        requireWithinBudget(imagesPath, std::to_string(raw.count) + " images", payload);
        // In slices, so that a gzip file whose trailer agrees with a forged count fails where its data ends, not
        // after allocating what the header claims.
        constexpr int64_t kSlice = int64_t(64) << 20;
        for (int64_t done = 0; done < payload; done += kSlice) {
            const int64_t part = std::min(kSlice, payload - done);
            raw.pixels.resize(static_cast<size_t>(done + part));
            source.read(raw.pixels.data() + done, part, "the pixels");
        }
    }
    {
        ByteSource source(labelsPath);
        const int64_t count = readIdxHeader(source, labelsPath, 0x801, 1, "label")[0];
        if (count != raw.count)
            throw inputError(labelsPath,
                             std::to_string(count) + " labels for " + std::to_string(raw.count) + " images in "
                                 + imagesPath);
        requireHolds(source, labelsPath, 8, count, std::to_string(count) + " labels");
        std::vector<uint8_t> bytes(static_cast<size_t>(count));
        source.read(bytes.data(), count, "the labels");
        raw.labels.resize(bytes.size());
        for (size_t i = 0; i < bytes.size(); ++i) {
            if (bytes[i] >= classCount)
                throw inputError(labelsPath,
                                 "label " + std::to_string(bytes[i]) + " of item " + std::to_string(i)
                                     + " is outside the class range 0.." + std::to_string(classCount - 1));
            raw.labels[i] = bytes[i];
        }
    }
    return raw;
}

RawImages readCifarBatches(const std::vector<std::string>& paths, int64_t classCount)
{
    constexpr int64_t pixelsPerImage = 3 * 32 * 32;
    constexpr int64_t recordBytes = 1 + pixelsPerImage;
    RawImages raw;
    raw.channels = 3;
    raw.height = 32;
    raw.width = 32;
    int64_t total = 0;
    for (const auto& path : paths) {
        const int64_t size = files::requireRegularFile(path);
        if (size % recordBytes != 0)
            throw inputError(path,
                             "truncated: " + std::to_string(size) + " bytes is not a whole number of "
                                 + std::to_string(recordBytes) + "-byte CIFAR-10 records");
        total += size / recordBytes;
    }
    raw.count = total;
    requireWithinBudget(paths.front(), std::to_string(total) + " CIFAR-10 images", total * pixelsPerImage);
    raw.pixels.resize(static_cast<size_t>(total * pixelsPerImage));
    raw.labels.resize(static_cast<size_t>(total));
    int64_t index = 0;
    std::vector<char> record(recordBytes);
    for (const auto& path : paths) {
        std::ifstream in(path, std::ios::binary);
        while (in.read(record.data(), recordBytes)) {
            const int64_t label = static_cast<unsigned char>(record[0]);
            if (label >= classCount)
                throw inputError(path,
                                 "label " + std::to_string(label) + " of record " + std::to_string(index)
                                     + " is outside the class range 0.." + std::to_string(classCount - 1));
            raw.labels[index] = label;
            std::copy(record.begin() + 1, record.end(), raw.pixels.begin() + index * pixelsPerImage);
            ++index;
        }
    }
    return raw;
}

std::vector<std::string> readNonEmptyLines(const std::string& path)
{
    std::vector<std::string> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos)
            continue;
        const auto last = line.find_last_not_of(" \t\r");
        lines.push_back(line.substr(first, last - first + 1));
    }
    return lines;
}

} // namespace pare::data
