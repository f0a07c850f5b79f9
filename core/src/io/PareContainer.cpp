#include "io/PareContainer.h"

#include "io/ZipCheck.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <zstd.h>

#include <cstring>
#include <memory>

namespace pare::format {
namespace {

/// A decoded body larger than this is not a model Pare wrote but a corrupt or hostile header.
constexpr uint64_t kMaxBodyBytes = uint64_t(4) << 30;

template <typename T> T get(std::string_view in, size_t& offset, const std::string& path)
{
    if (offset > in.size() || sizeof(T) > in.size() - offset)
        throw inputError(path, "truncated .pare file");
    T value;
    std::memcpy(&value, in.data() + offset, sizeof value);
    offset += sizeof value;
    return value;
}

/// The zstd frame from `offset` on, decoded chunk by chunk: memory grows with the data that really decodes, not with
/// the size the header claims (a forged 4 GB claim over a few kilobytes fails after those kilobytes).
std::string decompressBody(const std::string& bytes, size_t offset, uint64_t claimed, const std::string& path)
{
    const auto fail
        = [&path] { return inputError(path, "corrupt or truncated .pare file (compressed data does not decode)"); };
    std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> stream(ZSTD_createDStream(), ZSTD_freeDStream);
    ZSTD_initDStream(stream.get());
    std::string body;
    body.reserve(std::min<uint64_t>(claimed, uint64_t(bytes.size() - offset) * 4));
    std::string chunk(ZSTD_DStreamOutSize(), '\0');
    ZSTD_inBuffer in { bytes.data() + offset, bytes.size() - offset, 0 };
    size_t status = 1;
    while (status != 0) {
        ZSTD_outBuffer out { chunk.data(), chunk.size(), 0 };
        status = ZSTD_decompressStream(stream.get(), &out, &in);
        if (ZSTD_isError(status) || out.pos > claimed - body.size())
            throw fail();
        body.append(chunk.data(), out.pos);
        if (status != 0 && out.pos == 0 && in.pos == in.size)
            throw fail(); // the input ended inside the frame
    }
    if (body.size() != claimed)
        throw fail();
    return body;
}

PareLayerEntry readEntry(const nlohmann::json& entry, size_t blobsBegin, size_t bodySize, const std::string& path)
{
    PareLayerEntry layer;
    layer.layer = entry.at("layer").get<std::string>();
    const auto offset = entry.at("offset").get<uint64_t>();
    const auto length = entry.at("length").get<uint64_t>();
    if (offset > bodySize - blobsBegin || length > bodySize - blobsBegin - offset)
        throw inputError(path, "corrupt .pare file (weight data of '" + layer.layer + "' outside the file)");
    layer.begin = blobsBegin + offset;
    layer.end = layer.begin + length;
    layer.shape = entry.at("shape").get<std::vector<int64_t>>();
    if (layer.shape.size() > 8)
        throw inputError(path, "corrupt .pare file (bad weight shape of '" + layer.layer + "')");
    layer.elements = checkedProduct(layer.shape);
    if (layer.elements < 0 || layer.elements > (int64_t(1) << 40))
        throw inputError(path, "corrupt .pare file (bad weight shape of '" + layer.layer + "')");
    requireWithinBudget(path, "layer '" + layer.layer + "'", layer.elements * 4);
    layer.fields = entry;
    return layer;
}

} // namespace

PareContainer readPareContainer(const std::string& bytes, const std::string& path)
{
    PareContainer container;
    size_t offset = 4;
    if (bytes.size() < 16 || std::memcmp(bytes.data(), kPareMagic, 4) != 0)
        throw inputError(path, "not a .pare file");
    container.version = get<uint32_t>(bytes, offset, path);
    if (container.version > kPareVersion)
        throw inputError(path, ".pare version " + std::to_string(container.version) + " is newer than this Pare reads");
    if (container.version < 1)
        throw inputError(path, "corrupt .pare file (version 0)");
    const auto bodySize = get<uint64_t>(bytes, offset, path);
    const auto frameSize = ZSTD_getFrameContentSize(bytes.data() + offset, bytes.size() - offset);
    if (bodySize > kMaxBodyBytes || frameSize != bodySize)
        throw inputError(path, "corrupt .pare file (sizes in the header disagree)");
    requireWithinBudget(path, "decoding the model", int64_t(bodySize));
    container.body = decompressBody(bytes, offset, bodySize, path);
    const std::string_view body = container.body;

    size_t at = 0;
    const auto headerSize = get<uint32_t>(body, at, path);
    if (headerSize > body.size() - at)
        throw inputError(path, "corrupt .pare file (header)");
    try {
        container.header = nlohmann::json::parse(body.substr(at, headerSize));
    } catch (const nlohmann::json::exception&) {
        throw inputError(path, "corrupt .pare file (header is not JSON)");
    }
    at += headerSize;
    const auto archiveSize = get<uint64_t>(body, at, path);
    if (archiveSize > body.size() - at)
        throw inputError(path, "corrupt .pare file (archive)");
    container.archiveBegin = at;
    container.archiveSize = size_t(archiveSize);
    zip::checkArchive(container.archive(), path);
    const size_t blobsBegin = at + size_t(archiveSize);
    try {
        for (const auto& entry : container.header.at("layers"))
            container.layers.push_back(readEntry(entry, blobsBegin, body.size(), path));
    } catch (const nlohmann::json::exception&) {
        throw inputError(path, "corrupt .pare file (header fields)");
    }
    return container;
}

} // namespace pare::format
