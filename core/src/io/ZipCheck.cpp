#include "io/ZipCheck.h"

#include "io/PickleScan.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace pare::zip {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndOfDirectorySize = 22;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kDirectoryEntrySize = 46;
/// Deflate cannot shrink data by more than about 1032:1; a record claiming more is forged.
constexpr uint64_t kMaxDeflateRatio = 1032;

/// Little-endian reads that refuse to leave the archive.
class Reader
{
public:
    Reader(std::string_view bytes, const std::string& path)
        : m_bytes(bytes)
        , m_path(path)
    {
    }
    template <typename T> T at(uint64_t offset) const
    {
        if (offset > m_bytes.size() || sizeof(T) > m_bytes.size() - offset)
            fail("a header reaches past the end of the file");
        T value = 0;
        for (size_t i = 0; i < sizeof(T); ++i)
            value |= T(static_cast<unsigned char>(m_bytes[offset + i])) << (8 * i);
        return value;
    }
    std::string_view slice(uint64_t offset, uint64_t length) const
    {
        if (offset > m_bytes.size() || length > m_bytes.size() - offset)
            fail("a record reaches past the end of the file");
        return m_bytes.substr(offset, length);
    }
    uint64_t size() const { return m_bytes.size(); }
    const std::string& path() const { return m_path; }
    [[noreturn]] void fail(const std::string& problem) const
    {
        throw inputError(m_path, "corrupt TorchScript archive (" + problem + ")");
    }

private:
    std::string_view m_bytes;
    const std::string& m_path;
};

/// Where the central directory starts, how long it is, and how many entries it holds.
struct Directory
{
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t entries = 0;
};

Directory findDirectory(const Reader& in)
{
    if (in.size() < kEndOfDirectorySize)
        in.fail("too short for a zip file");
    // The end record sits in the last 22 bytes plus up to 65,535 bytes of comment.
    const uint64_t lowest = in.size() > kEndOfDirectorySize + 65535 ? in.size() - kEndOfDirectorySize - 65535 : 0;
    uint64_t end = in.size() - kEndOfDirectorySize;
    while (in.at<uint32_t>(end) != kEndOfDirectory) {
        if (end == lowest)
            in.fail("no end of central directory: truncated");
        --end;
    }
    Directory directory { in.at<uint32_t>(end + 16), in.at<uint32_t>(end + 12), in.at<uint16_t>(end + 10) };
    if (in.at<uint16_t>(end + 4) != 0 || in.at<uint16_t>(end + 6) != 0)
        in.fail("spans several disks");
    const bool zip64 = directory.offset == 0xFFFFFFFF || directory.size == 0xFFFFFFFF || directory.entries == 0xFFFF;
    if (zip64 || (end >= 20 && in.at<uint32_t>(end - 20) == kZip64Locator)) {
        if (end < 20 || in.at<uint32_t>(end - 20) != kZip64Locator)
            in.fail("zip64 end record missing");
        const auto record = in.at<uint64_t>(end - 20 + 8);
        if (in.at<uint32_t>(record) != kZip64EndOfDirectory)
            in.fail("zip64 end record misplaced");
        directory = { in.at<uint64_t>(record + 48), in.at<uint64_t>(record + 40), in.at<uint64_t>(record + 32) };
    }
    if (directory.offset > in.size() || directory.size > in.size() - directory.offset)
        in.fail("central directory outside the file");
    if (directory.entries > directory.size / kDirectoryEntrySize)
        in.fail("more entries claimed than the central directory holds");
    return directory;
}

/// Replaces the 32-bit sizes and offset that are 0xFFFFFFFF by their zip64 extra field's values, in the order the
/// format gives them.
void applyZip64(
    const Reader& in, uint64_t extra, uint16_t extraLength, uint64_t& size, uint64_t& storedSize, uint64_t& offset)
{
    uint64_t at = extra;
    const uint64_t end = extra + extraLength;
    while (at + 4 <= end) {
        const auto id = in.at<uint16_t>(at);
        const auto length = in.at<uint16_t>(at + 2);
        if (at + 4 + length > end)
            in.fail("extra field longer than its header says");
        if (id == 0x0001) {
            uint64_t field = at + 4;
            for (uint64_t* value : { &size, &storedSize, &offset })
                if (*value == 0xFFFFFFFF) {
                    if (field + 8 > at + 4 + length)
                        in.fail("zip64 field too short");
                    *value = in.at<uint64_t>(field);
                    field += 8;
                }
        }
        at += 4 + length;
    }
}

/// Inflates a deflated record chunk by chunk (never all of it at once) and returns its CRC; its size must be the
/// one the directory claims. With `into`, the inflated bytes are kept there too.
uint32_t inflatedCrc(const Reader& in, const Record& record, std::string* into = nullptr)
{
    const auto stored = in.slice(record.dataOffset, record.storedSize);
    z_stream stream {};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
        in.fail("zlib could not start");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stored.data()));
    stream.avail_in = static_cast<uInt>(std::min<uint64_t>(stored.size(), UINT32_MAX));
    unsigned char chunk[65536];
    uLong crc = crc32(0, nullptr, 0);
    uint64_t produced = 0;
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = chunk;
        stream.avail_out = sizeof chunk;
        status = inflate(&stream, Z_NO_FLUSH);
        const uint64_t got = sizeof chunk - stream.avail_out;
        produced += got;
        if (produced > record.size)
            break;
        crc = crc32(crc, chunk, static_cast<uInt>(got));
        if (into)
            into->append(reinterpret_cast<const char*>(chunk), got);
        if (status == Z_BUF_ERROR && got > 0)
            status = Z_OK;
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END || produced != record.size)
        in.fail("record '" + record.name + "' does not inflate to the size its header claims");
    return static_cast<uint32_t>(crc);
}

/// A pickle's storages against the records that back them: "<root>/data.pkl" names its storages' records
/// "<root>/data/<key>", "<root>/constants.pkl" "<root>/constants/<key>".
void checkStorageRecords(const Reader& in, const std::vector<Record>& records)
{
    std::map<std::string, const Record*> byName;
    for (const auto& record : records)
        byName[record.name] = &record;
    for (const auto& record : records) {
        const auto slash = record.name.rfind('/');
        const std::string file = record.name.substr(slash == std::string::npos ? 0 : slash + 1);
        if (file != "data.pkl" && file != "constants.pkl")
            continue;
        const std::string folder = record.name.substr(0, record.name.size() - 4) + "/"; // "<root>/data/"
        std::string inflated;
        if (record.deflated)
            inflatedCrc(in, record, &inflated);
        const std::string_view pickle
            = record.deflated ? std::string_view(inflated) : in.slice(record.dataOffset, record.storedSize);
        for (const auto& claim : storageClaims(pickle, in.path())) {
            const auto found = byName.find(folder + claim.key);
            if (found == byName.end())
                in.fail("storage record '" + folder + claim.key + "' named in " + record.name + " is missing");
            if (uint64_t(claim.bytes) > found->second->size)
                in.fail("storage record '" + folder + claim.key + "' holds " + std::to_string(found->second->size)
                        + " bytes; its tensors need " + std::to_string(claim.bytes));
        }
    }
}

} // namespace

std::vector<Record> checkArchive(std::string_view archive, const std::string& path)
{
    const Reader in(archive, path);
    const Directory directory = findDirectory(in);
    std::vector<Record> records;
    std::vector<std::pair<uint64_t, uint64_t>> spans; // [local header, end of data) of every record
    uint64_t at = directory.offset;
    uint64_t inflatedTotal = 0;
    for (uint64_t i = 0; i < directory.entries; ++i) {
        if (in.at<uint32_t>(at) != kDirectoryEntry)
            in.fail("central directory entry " + std::to_string(i) + " is damaged");
        const auto flags = in.at<uint16_t>(at + 8);
        const auto method = in.at<uint16_t>(at + 10);
        const auto crc = in.at<uint32_t>(at + 16);
        uint64_t storedSize = in.at<uint32_t>(at + 20);
        uint64_t size = in.at<uint32_t>(at + 24);
        const auto nameLength = in.at<uint16_t>(at + 28);
        const auto extraLength = in.at<uint16_t>(at + 30);
        const auto commentLength = in.at<uint16_t>(at + 32);
        uint64_t localOffset = in.at<uint32_t>(at + 42);
        Record record;
        record.name = std::string(in.slice(at + kDirectoryEntrySize, nameLength));
        applyZip64(in, at + kDirectoryEntrySize + nameLength, extraLength, size, storedSize, localOffset);
        at += kDirectoryEntrySize + nameLength + extraLength + commentLength;
        if (at > directory.offset + directory.size)
            in.fail("central directory entries run past its end");
        if (flags & 0x1)
            in.fail("record '" + record.name + "' is encrypted");
        if (method != 0 && method != 8)
            in.fail("record '" + record.name + "' uses compression method " + std::to_string(method));
        if (method == 0 && storedSize != size)
            in.fail("record '" + record.name + "' is stored with two different sizes");
        if (in.at<uint32_t>(localOffset) != kLocalHeader)
            in.fail("record '" + record.name + "' has no local header where the directory says");
        const auto localNameLength = in.at<uint16_t>(localOffset + 26);
        const auto localExtraLength = in.at<uint16_t>(localOffset + 28);
        if (in.slice(localOffset + kLocalHeaderSize, localNameLength) != record.name)
            in.fail("record '" + record.name + "' has another name in its local header");
        record.dataOffset = localOffset + kLocalHeaderSize + localNameLength + localExtraLength;
        record.storedSize = storedSize;
        record.size = size;
        record.deflated = method == 8;
        const uint64_t dataEnd = record.dataOffset + storedSize;
        if (record.dataOffset > directory.offset || storedSize > directory.offset - record.dataOffset)
            in.fail("record '" + record.name + "' reaches into the central directory or past the file");
        if (method == 8 && size > storedSize * kMaxDeflateRatio + 1024)
            in.fail("record '" + record.name + "' claims to inflate to " + describeBytes(int64_t(size)) + " from "
                    + describeBytes(int64_t(storedSize)));
        spans.emplace_back(localOffset, dataEnd);
        inflatedTotal += size;
        requireWithinBudget(path, "the archive's records", int64_t(std::min<uint64_t>(inflatedTotal, INT64_MAX)));
        const uint32_t actual = record.deflated
            ? inflatedCrc(in, record)
            : static_cast<uint32_t>(crc32_z(crc32(0, nullptr, 0),
                                            reinterpret_cast<const Bytef*>(archive.data() + record.dataOffset),
                                            static_cast<z_size_t>(storedSize)));
        if (actual != crc)
            in.fail("record '" + record.name + "' fails its CRC check: the file is damaged");
        records.push_back(std::move(record));
    }
    if (at != directory.offset + directory.size)
        in.fail("central directory size disagrees with its entries");
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i)
        if (spans[i].first < spans[i - 1].second)
            in.fail("two records overlap");
    checkStorageRecords(in, records);
    return records;
}

} // namespace pare::zip
