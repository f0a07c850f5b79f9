#include "io/PareFormat.h"

#include "io/Huffman.h"
#include "io/PareContainer.h"
#include "quant/Int8.h"

#include "pare/Error.h"

#include "io/Zstd.h"
#include <nlohmann/json.hpp>

#include <caffe2/serialize/inline_container.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

namespace pare::format {
namespace {

template <typename T> void put(std::string& out, T value)
{
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

/// Packs `bits`-wide unsigned values, least significant bit first.
std::string packBits(const std::vector<uint32_t>& values, int bits)
{
    std::string out((values.size() * size_t(bits) + 7) / 8, '\0');
    size_t bit = 0;
    for (uint32_t v : values)
        for (int b = 0; b < bits; ++b, ++bit)
            if (v >> b & 1u)
                out[bit / 8] = char(uint8_t(out[bit / 8]) | uint8_t(1u << (bit % 8)));
    return out;
}

std::vector<uint32_t> unpackBits(const char* data, size_t count, int bits)
{
    std::vector<uint32_t> values(count, 0);
    size_t bit = 0;
    for (size_t i = 0; i < count; ++i)
        for (int b = 0; b < bits; ++b, ++bit)
            if (uint8_t(data[bit / 8]) >> (bit % 8) & 1u)
                values[i] |= 1u << b;
    return values;
}

int bitsFor(size_t distinct)
{
    int bits = 1;
    while ((size_t(1) << bits) < distinct)
        ++bits;
    return bits;
}

/// Huffman is tried for alphabets up to this many bits (its table is one byte per symbol).
constexpr int kMaxHuffmanBits = 12;

/// A stream of `bits`-wide symbols, bit-packed or Huffman-coded: whichever zstd compresses smaller, measured on this
/// stream. entry[key] says which.
std::string encodeSymbols(const std::vector<uint32_t>& symbols, int bits, nlohmann::json& entry, const char* key)
{
    std::string packed = packBits(symbols, bits);
    entry[key] = "packed";
    if (bits <= kMaxHuffmanBits) {
        auto huffman = encodeHuffman(symbols, 1u << bits);
        if (huffman && zstdSize(*huffman) < zstdSize(packed)) {
            entry[key] = "huffman";
            return std::move(*huffman);
        }
    }
    return packed;
}

std::vector<uint32_t> decodeSymbols(const std::string& body,
                                    size_t& at,
                                    size_t end,
                                    size_t count,
                                    int bits,
                                    const nlohmann::json& entry,
                                    const char* key,
                                    const std::string& path)
{
    const auto coding = entry.value(key, std::string("packed"));
    if (coding == "huffman" && bits >= 1 && bits <= kMaxHuffmanBits) {
        const auto size = huffmanStreamSize(body.data() + at, end - at, 1u << bits);
        auto symbols = size ? decodeHuffman(body.data() + at, *size, count, 1u << bits) : std::nullopt;
        if (!symbols)
            throw inputError(path, "corrupt .pare file (Huffman-coded data does not decode)");
        at += *size;
        return std::move(*symbols);
    }
    if (coding != "packed")
        throw inputError(path, "corrupt .pare file (unknown symbol coding '" + coding + "')");
    if (at + (count * size_t(bits) + 7) / 8 > end)
        throw inputError(path, "corrupt .pare file (weight data shorter than its header says)");
    auto symbols = unpackBits(body.data() + at, count, bits);
    at += (count * size_t(bits) + 7) / 8;
    return symbols;
}

/// Gap symbol meaning "255 more zeros, and the gap goes on" (Deep Compression's filler for long gaps).
constexpr uint32_t kGapFiller = 255;

/// The non-zero positions of a sparse weight: a bitmap, or the gaps between positions (relative indices) Huffman-
/// coded, whichever zstd compresses smaller.
std::string encodeMask(const std::vector<uint32_t>& mask, const std::vector<int64_t>& positions, nlohmann::json& entry)
{
    std::string bitmap = packBits(mask, 1);
    entry["mask"] = "bitmap";
    std::vector<uint32_t> gaps;
    int64_t previous = -1;
    for (int64_t p : positions) {
        int64_t gap = p - previous - 1;
        for (; gap >= int64_t(kGapFiller); gap -= int64_t(kGapFiller))
            gaps.push_back(kGapFiller);
        gaps.push_back(uint32_t(gap));
        previous = p;
    }
    auto huffman = encodeHuffman(gaps, 256);
    if (huffman && zstdSize(*huffman) < zstdSize(bitmap)) {
        entry["mask"] = "gaps";
        entry["mask_symbols"] = gaps.size();
        return std::move(*huffman);
    }
    return bitmap;
}

std::vector<uint32_t> decodeMask(
    const std::string& body, size_t& at, size_t end, int64_t n, const nlohmann::json& entry, const std::string& path)
{
    const auto coding = entry.value("mask", std::string("bitmap"));
    if (coding == "bitmap") {
        if (at + (size_t(n) + 7) / 8 > end)
            throw inputError(path, "corrupt .pare file (weight data shorter than its header says)");
        auto mask = unpackBits(body.data() + at, size_t(n), 1);
        at += (size_t(n) + 7) / 8;
        return mask;
    }
    if (coding != "gaps")
        throw inputError(path, "corrupt .pare file (unknown mask coding '" + coding + "')");
    const auto symbolCount = entry.at("mask_symbols").get<size_t>();
    if (symbolCount > size_t(n) + 1)
        throw inputError(path, "corrupt .pare file (bad mask)");
    nlohmann::json coded { { "gaps", "huffman" } };
    const auto gaps = decodeSymbols(body, at, end, symbolCount, 8, coded, "gaps", path);
    std::vector<uint32_t> mask(size_t(n), 0);
    int64_t position = -1, pending = 0;
    for (uint32_t gap : gaps) {
        if (gap == kGapFiller) {
            pending += int64_t(kGapFiller);
            continue;
        }
        position += pending + int64_t(gap) + 1;
        pending = 0;
        if (position >= n)
            throw inputError(path, "corrupt .pare file (mask position outside the weight)");
        mask[size_t(position)] = 1;
    }
    return mask;
}

/// The channel lattice of one output channel: every value is float(k * scale) for an integer k.
struct ChannelLattice
{
    float scale = 0.0f;
    int32_t lowest = 0; ///< the smallest k
    std::vector<int64_t> ks;
};

/// Finds the scale of values that uniform or symmetric quantization put on k * scale (the step between levels is
/// a fraction of the smallest gap between distinct values, or the largest magnitude over an integer), checking that
/// every value is reproduced bit for bit by the one float multiplication the decoder will do.
std::optional<ChannelLattice> findLattice(const std::vector<float>& values)
{
    ChannelLattice lattice;
    if (values.empty())
        return lattice;
    std::vector<float> distinct(values);
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    float gap = std::abs(distinct.front());
    for (size_t i = 1; i < distinct.size(); ++i)
        gap = std::min(gap, distinct[i] - distinct[i - 1]);
    if (!(gap > 0.0f) || !std::isfinite(gap))
        return std::nullopt;
    // Candidate steps: fractions of the smallest gap (dense channels), then the largest magnitude over k for every
    // k an 8-bit level can have (sparse channels, whose gaps may all span several levels).
    float largestMagnitude = 0.0f;
    for (float v : values)
        largestMagnitude = std::max(largestMagnitude, std::abs(v));
    std::vector<double> steps;
    for (int fraction = 1; fraction <= 4; ++fraction)
        steps.push_back(double(gap) / fraction);
    for (int k = 1; k <= 255; ++k)
        steps.push_back(double(largestMagnitude) / k);
    for (const double step : steps) {
        std::vector<int64_t> ks(values.size());
        size_t largest = 0;
        for (size_t i = 0; i < values.size(); ++i) {
            ks[i] = std::llround(double(values[i]) / step);
            if (std::llabs(ks[i]) > std::llabs(ks[largest]))
                largest = i;
        }
        if (ks[largest] == 0 || std::llabs(ks[largest]) > 65535)
            continue;
        const float estimate = values[largest] / float(ks[largest]);
        for (int ulps : { 0, 1, -1, 2, -2, 3, -3 }) { // the scale that was used is within a few ulps of the estimate
            float candidate = estimate;
            for (int u = 0; u < std::abs(ulps); ++u)
                candidate = std::nextafter(candidate, ulps > 0 ? INFINITY : -INFINITY);
            bool exact = true;
            // A -0.0 comes back as +0.0: equal in every product and sum the model computes.
            for (size_t i = 0; i < values.size() && exact; ++i)
                exact = float(ks[i]) * candidate == values[i];
            if (exact) {
                lattice.scale = candidate;
                lattice.lowest = int32_t(*std::min_element(ks.begin(), ks.end()));
                lattice.ks = std::move(ks);
                return lattice;
            }
        }
    }
    return std::nullopt;
}

/// Per-channel uniform or symmetric levels: a scale and a smallest k per output channel, then every k packed.
/// Smaller than a codebook when each channel has its own levels (a shared codebook would exceed 256 entries).
bool encodeLattices(const std::vector<float>& values,
                    const std::vector<int64_t>& positions,
                    int64_t channels,
                    int64_t perChannel,
                    std::string& blob,
                    nlohmann::json& entry)
{
    std::vector<std::vector<float>> byChannel(static_cast<size_t>(channels));
    for (size_t i = 0; i < values.size(); ++i)
        byChannel[size_t(positions[i] / perChannel)].push_back(values[i]);
    std::vector<ChannelLattice> lattices;
    int64_t widest = 1;
    for (const auto& channel : byChannel) {
        auto lattice = findLattice(channel);
        if (!lattice)
            return false;
        for (auto k : lattice->ks)
            widest = std::max<int64_t>(widest, k - lattice->lowest + 1);
        lattices.push_back(std::move(*lattice));
    }
    const int bits = bitsFor(size_t(widest));
    if (bits > 16)
        return false;
    std::vector<uint32_t> codes;
    codes.reserve(values.size());
    std::vector<size_t> next(lattices.size(), 0);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto c = size_t(positions[i] / perChannel);
        codes.push_back(uint32_t(lattices[c].ks[next[c]++] - lattices[c].lowest));
    }
    for (const auto& lattice : lattices) {
        put(blob, lattice.scale);
        put(blob, lattice.lowest);
    }
    blob += encodeSymbols(codes, bits, entry, "codes");
    entry["encoding"] = "lattice";
    entry["bits"] = bits;
    return true;
}

/// Encodes one weight; fills its header entry.
std::string encodeWeight(const torch::Tensor& weight, nlohmann::json& entry)
{
    const auto flat = weight.detach().contiguous().flatten().to(torch::kFloat);
    const auto* data = flat.data_ptr<float>();
    const int64_t n = flat.numel();
    std::vector<uint32_t> mask(static_cast<size_t>(n));
    std::vector<float> values;
    std::vector<int64_t> positions;
    for (int64_t i = 0; i < n; ++i) {
        mask[i] = data[i] != 0.0f || std::signbit(data[i]); // -0.0 is kept as a value, bit for bit
        if (mask[i]) {
            values.push_back(data[i]);
            positions.push_back(i);
        }
    }
    std::string blob;
    const bool sparse = int64_t(values.size()) < n;
    if (sparse)
        blob += encodeMask(mask, positions, entry);
    std::map<uint32_t, uint32_t> codeOf; // float bits -> code
    for (float v : values) {
        uint32_t key;
        std::memcpy(&key, &v, 4);
        codeOf.emplace(key, 0);
        if (codeOf.size() > 256)
            break;
    }
    entry["sparse"] = sparse;
    entry["values"] = values.size();
    if (!values.empty() && codeOf.size() <= 256) {
        uint32_t code = 0;
        for (auto& [key, c] : codeOf) {
            c = code++;
            put(blob, key);
        }
        const int bits = bitsFor(codeOf.size());
        std::vector<uint32_t> codes;
        codes.reserve(values.size());
        for (float v : values) {
            uint32_t key;
            std::memcpy(&key, &v, 4);
            codes.push_back(codeOf[key]);
        }
        blob += encodeSymbols(codes, bits, entry, "codes");
        entry["encoding"] = "codebook";
        entry["codebook"] = codeOf.size();
        entry["bits"] = bits;
        return blob;
    }
    const int64_t channels = weight.dim() > 0 ? weight.size(0) : 1;
    if (!values.empty() && channels > 0 && encodeLattices(values, positions, channels, n / channels, blob, entry))
        return blob;
    const auto valueTensor = torch::from_blob(values.data(), { int64_t(values.size()) }, torch::kFloat);
    if (valueTensor.to(torch::kHalf).to(torch::kFloat).equal(valueTensor)) {
        const auto half = valueTensor.to(torch::kHalf).contiguous();
        blob.append(reinterpret_cast<const char*>(half.data_ptr()), values.size() * 2);
        entry["encoding"] = "fp16";
        return blob;
    }
    blob.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    entry["encoding"] = "fp32";
    return blob;
}

torch::Tensor decodeWeight(const std::string& body, const PareLayerEntry& layer, const std::string& path)
{
    const auto& entry = layer.fields;
    const auto& shape = layer.shape;
    const int64_t n = layer.elements;
    const size_t begin = layer.begin;
    const size_t end = layer.end;
    const bool sparse = entry.at("sparse").get<bool>();
    const auto count = entry.at("values").get<int64_t>();
    if (count < 0 || count > n)
        throw inputError(path, "corrupt .pare file (bad value count)");
    const std::string encoding = entry.at("encoding").get<std::string>();
    size_t at = begin;
    auto need = [&](size_t bytes) {
        if (at + bytes > end)
            throw inputError(path, "corrupt .pare file (weight data shorter than its header says)");
    };
    std::vector<uint32_t> mask;
    if (sparse)
        mask = decodeMask(body, at, end, n, entry, path);
    std::vector<float> values(static_cast<size_t>(count));
    if (encoding == "codebook") {
        const auto size = entry.at("codebook").get<int64_t>();
        const int bits = entry.at("bits").get<int>();
        if (size < 1 || size > 256 || bits != bitsFor(size_t(size)))
            throw inputError(path, "corrupt .pare file (bad codebook)");
        need(size_t(size) * 4);
        std::vector<float> codebook(static_cast<size_t>(size));
        std::memcpy(codebook.data(), body.data() + at, size_t(size) * 4);
        at += size_t(size) * 4;
        const auto codes = decodeSymbols(body, at, end, size_t(count), bits, entry, "codes", path);
        for (size_t i = 0; i < codes.size(); ++i) {
            if (codes[i] >= codebook.size())
                throw inputError(path, "corrupt .pare file (code outside the codebook)");
            values[i] = codebook[codes[i]];
        }
    } else if (encoding == "lattice") {
        const int bits = entry.at("bits").get<int>();
        const int64_t channels = shape.empty() ? 1 : shape[0];
        if (bits < 1 || bits > 16 || channels < 1 || n % channels != 0)
            throw inputError(path, "corrupt .pare file (bad lattice)");
        need(size_t(channels) * 8);
        std::vector<float> scales(static_cast<size_t>(channels));
        std::vector<int32_t> lowest(static_cast<size_t>(channels));
        for (int64_t c = 0; c < channels; ++c) {
            std::memcpy(&scales[size_t(c)], body.data() + at, 4);
            std::memcpy(&lowest[size_t(c)], body.data() + at + 4, 4);
            at += 8;
        }
        const auto codes = decodeSymbols(body, at, end, size_t(count), bits, entry, "codes", path);
        const int64_t perChannel = n / channels;
        int64_t position = -1;
        for (size_t i = 0; i < codes.size(); ++i) {
            // The i-th stored value sits at the i-th set bit of the mask (every position when dense).
            if (sparse) {
                do
                    ++position;
                while (position < n && !mask[size_t(position)]);
                if (position >= n)
                    throw inputError(path, "corrupt .pare file (mask and values disagree)");
            } else {
                position = int64_t(i);
            }
            const auto c = size_t(position / perChannel);
            values[i] = float(int64_t(codes[i]) + lowest[c]) * scales[c];
        }
    } else if (encoding == "fp16") {
        need(size_t(count) * 2);
        auto half = torch::empty({ count }, torch::kHalf);
        std::memcpy(half.data_ptr(), body.data() + at, size_t(count) * 2);
        const auto full = half.to(torch::kFloat);
        std::memcpy(values.data(), full.data_ptr<float>(), size_t(count) * 4);
    } else if (encoding == "fp32") {
        need(size_t(count) * 4);
        std::memcpy(values.data(), body.data() + at, size_t(count) * 4);
    } else {
        throw inputError(path, "corrupt .pare file (unknown encoding '" + encoding + "')");
    }
    auto weight = torch::zeros({ n });
    auto* out = weight.data_ptr<float>();
    if (sparse) {
        size_t next = 0;
        for (int64_t i = 0; i < n; ++i)
            if (mask[i]) {
                if (next >= values.size())
                    throw inputError(path, "corrupt .pare file (mask and values disagree)");
                out[i] = values[next++];
            }
        if (next != values.size())
            throw inputError(path, "corrupt .pare file (mask and values disagree)");
    } else {
        if (count != n)
            throw inputError(path, "corrupt .pare file (dense weight with missing values)");
        std::memcpy(out, values.data(), size_t(n) * 4);
    }
    return weight.reshape(shape);
}

} // namespace

bool looksLikePare(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    char head[4] = {};
    in.read(head, 4);
    return in.gcount() == 4 && std::memcmp(head, kPareMagic, 4) == 0;
}

/// The archive as `save` wrote it, less its `.debug_pkl` records: source ranges for LibTorch's error messages, which
/// loading does without and which made up a third of a small model's archive (2.6 KB of LeNet-5's 8.6 KB).
std::string withoutDebugRecords(const std::string& archive)
{
    std::istringstream in(archive);
    caffe2::serialize::PyTorchStreamReader reader(&in);
    std::string out;
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, size_t size) {
        out.append(static_cast<const char*>(data), size);
        return size;
    });
    writer.setMinVersion(reader.version());
    for (const auto& name : reader.getAllRecords()) {
        const bool debug = name.size() > 10 && name.compare(name.size() - 10, 10, ".debug_pkl") == 0;
        if (debug || name == "version" || name == ".data/version") // the writer writes the version itself
            continue;
        const auto [data, size] = reader.getRecord(name);
        writer.writeRecord(name, data.get(), size);
    }
    writer.writeEndOfFile();
    return out;
}

std::string encodePare(const Model::Impl& model)
{
    // The archive carries the code and every small tensor; the layer weights travel in the compact blobs.
    torch::jit::Module stripped;
    {
        torch::NoGradGuard noGrad;
        stripped = model.module.deepcopy();
    }
    nlohmann::json layers = nlohmann::json::array();
    std::string blobs;
    const auto original = layerWeights(model.module);
    const auto emptied = layerWeights(stripped);
    for (size_t i = 0; i < original.size(); ++i) {
        nlohmann::json entry { { "layer", original[i].layer }, { "shape", original[i].weight.sizes().vec() } };
        const auto blob = encodeWeight(original[i].weight, entry);
        entry["offset"] = blobs.size();
        entry["length"] = blob.size();
        blobs += blob;
        layers.push_back(entry);
        torch::NoGradGuard noGrad;
        emptied[i].weight.set_data(torch::empty({ 0 }));
    }
    std::ostringstream archive;
    torch::jit::ExtraFilesMap extra;
    if (model.record.present || !model.record.inputShape.empty())
        extra["pare.json"] = model.record.toJson();
    stripped.save(archive, extra);
    const std::string archiveBytes = withoutDebugRecords(archive.str());

    const std::string header
        = nlohmann::json { { "format", "pare" }, { "version", kPareVersion }, { "layers", layers } }.dump();
    std::string body;
    put(body, uint32_t(header.size()));
    body += header;
    put(body, uint64_t(archiveBytes.size()));
    body += archiveBytes;
    body += blobs;

    // With a checksum, a damaged file fails to decode instead of yielding wrong weights.
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, zstdLevelFor(body.size()));
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);
    std::string compressed(ZSTD_compressBound(body.size()), '\0');
    const size_t written
        = ZSTD_compress2(context.get(), compressed.data(), compressed.size(), body.data(), body.size());
    if (ZSTD_isError(written))
        throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(written));
    compressed.resize(written);
    std::string out(kPareMagic, 4);
    put(out, kPareVersion);
    put(out, uint64_t(body.size()));
    return out + compressed;
}

void decodePare(const std::string& bytes, const std::string& path, Model::Impl& into)
{
    const PareContainer container = readPareContainer(bytes, path);
    std::istringstream archive { std::string(container.archive()) };
    torch::jit::ExtraFilesMap extra { { "pare.json", "" } };
    try {
        into.module = torch::jit::load(archive, torch::kCPU, extra);
    } catch (const std::exception& e) {
        throw inputError(path, "corrupt .pare file (embedded TorchScript: " + conciseTorchError(e) + ")");
    }
    requireTensorsWithinStorage(into.module, path);
    if (!extra["pare.json"].empty())
        into.record = ModelRecord::fromJson(extra["pare.json"], path);
    try {
        // Emptied weights have one dimension, so match layers by name rather than through layerWeights' filter.
        std::map<std::string, torch::Tensor> byLayer;
        for (const auto& named : into.module.named_modules())
            for (const auto& p : named.value.named_parameters(/*recurse=*/false))
                if (p.name == "weight")
                    byLayer[named.name] = p.value;
        for (const auto& entry : container.layers) {
            const auto found = byLayer.find(entry.layer);
            if (found == byLayer.end())
                throw inputError(path, "corrupt .pare file (no layer '" + entry.layer + "' in the archive)");
            torch::NoGradGuard noGrad;
            found->second.set_data(decodeWeight(container.body, entry, path));
        }
    } catch (const nlohmann::json::exception&) {
        throw inputError(path, "corrupt .pare file (header fields)");
    }
    into.module.eval();
    // The float model carries the scale and zero point of every activation: its int8 module is rebuilt from it,
    // exactly as the quantize step built it.
    if (into.record.int8Engine)
        into.int8 = int8::lowerToInt8(into.module, *into.record.int8Engine, into.record.inputShape, path);
}

} // namespace pare::format
