#include "io/Huffman.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <queue>

namespace pare::format {
namespace {

constexpr int kMaxCodeLength = 24;

/// Code lengths of a Huffman code for `counts` (0 for unused symbols; a lone symbol gets length 1).
std::vector<uint8_t> codeLengths(const std::vector<uint64_t>& counts)
{
    struct Node
    {
        uint64_t count;
        int index; ///< < alphabet: a symbol; else an inner node
    };
    const int alphabet = static_cast<int>(counts.size());
    std::vector<int> parent;
    auto heavier
        = [](const Node& a, const Node& b) { return a.count > b.count || (a.count == b.count && a.index > b.index); };
    std::priority_queue<Node, std::vector<Node>, decltype(heavier)> queue(heavier);
    for (int s = 0; s < alphabet; ++s)
        if (counts[size_t(s)] > 0)
            queue.push({ counts[size_t(s)], s });
    std::vector<uint8_t> lengths(counts.size(), 0);
    if (queue.size() == 1) {
        lengths[size_t(queue.top().index)] = 1;
        return lengths;
    }
    parent.assign(size_t(alphabet), -1);
    while (queue.size() > 1) {
        const Node a = queue.top();
        queue.pop();
        const Node b = queue.top();
        queue.pop();
        const int inner = static_cast<int>(parent.size());
        parent.push_back(-1);
        parent[size_t(a.index)] = inner;
        parent[size_t(b.index)] = inner;
        queue.push({ a.count + b.count, inner });
    }
    for (int s = 0; s < alphabet; ++s) {
        if (counts[size_t(s)] == 0)
            continue;
        int depth = 0;
        for (int node = s; parent[size_t(node)] >= 0; node = parent[size_t(node)])
            ++depth;
        lengths[size_t(s)] = static_cast<uint8_t>(std::min(depth, 255));
    }
    return lengths;
}

/// Canonical codes: shorter codes first, then by symbol. Returns each symbol's code (lengths give the width).
std::vector<uint32_t> canonicalCodes(const std::vector<uint8_t>& lengths)
{
    std::vector<uint32_t> order;
    for (uint32_t s = 0; s < lengths.size(); ++s)
        if (lengths[s] > 0)
            order.push_back(s);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return lengths[a] < lengths[b]; });
    std::vector<uint32_t> codes(lengths.size(), 0);
    uint32_t code = 0;
    int previous = order.empty() ? 0 : lengths[order.front()];
    for (size_t i = 0; i < order.size(); ++i) {
        const int length = lengths[order[i]];
        if (i > 0)
            code = (code + 1) << (length - previous);
        codes[order[i]] = code;
        previous = length;
    }
    return codes;
}

} // namespace

std::optional<std::string> encodeHuffman(const std::vector<uint32_t>& symbols, uint32_t alphabet)
{
    std::vector<uint64_t> counts(alphabet, 0);
    for (uint32_t s : symbols) {
        if (s >= alphabet)
            return std::nullopt;
        ++counts[s];
    }
    const auto lengths = codeLengths(counts);
    if (*std::max_element(lengths.begin(), lengths.end()) > kMaxCodeLength)
        return std::nullopt;
    const auto codes = canonicalCodes(lengths);
    uint64_t bits = 0;
    for (uint32_t s : symbols)
        bits += lengths[s];
    std::string out(reinterpret_cast<const char*>(lengths.data()), lengths.size());
    out.append(reinterpret_cast<const char*>(&bits), sizeof bits);
    const size_t payload = out.size();
    out.resize(payload + (bits + 7) / 8, '\0');
    uint64_t at = 0;
    for (uint32_t s : symbols)
        for (int b = lengths[s] - 1; b >= 0; --b, ++at)
            if (codes[s] >> b & 1u)
                out[payload + at / 8] = char(uint8_t(out[payload + at / 8]) | uint8_t(0x80u >> (at % 8)));
    return out;
}

std::optional<size_t> huffmanStreamSize(const char* data, size_t size, uint32_t alphabet)
{
    if (size < size_t(alphabet) + 8)
        return std::nullopt;
    uint64_t bits = 0;
    std::memcpy(&bits, data + alphabet, sizeof bits);
    const uint64_t total = uint64_t(alphabet) + 8 + (bits + 7) / 8;
    if (bits > uint64_t(size) * 8 || total > size)
        return std::nullopt;
    return static_cast<size_t>(total);
}

std::optional<std::vector<uint32_t>> decodeHuffman(const char* data, size_t size, size_t count, uint32_t alphabet)
{
    const auto streamSize = huffmanStreamSize(data, size, alphabet);
    if (!streamSize)
        return std::nullopt;
    std::vector<uint8_t> lengths(reinterpret_cast<const uint8_t*>(data),
                                 reinterpret_cast<const uint8_t*>(data) + alphabet);
    if (*std::max_element(lengths.begin(), lengths.end()) > kMaxCodeLength)
        return std::nullopt;
    // Per code length: the first canonical code, how many codes, and where their symbols start in `sorted`.
    std::vector<uint32_t> sorted;
    for (uint32_t s = 0; s < alphabet; ++s)
        if (lengths[s] > 0)
            sorted.push_back(s);
    std::stable_sort(sorted.begin(), sorted.end(), [&](uint32_t a, uint32_t b) { return lengths[a] < lengths[b]; });
    std::vector<uint32_t> first(kMaxCodeLength + 2, 0), number(kMaxCodeLength + 2, 0), offset(kMaxCodeLength + 2, 0);
    for (uint32_t s : sorted)
        ++number[lengths[s]];
    uint32_t code = 0, index = 0;
    for (int length = 1; length <= kMaxCodeLength; ++length) {
        code = (code + number[length - 1]) << 1;
        first[length] = code;
        offset[length] = index;
        index += number[length];
    }
    // A single symbol has code 0 of length 1; the canonical walk above gives the same.
    uint64_t bits = 0;
    std::memcpy(&bits, data + alphabet, sizeof bits);
    const auto* payload = reinterpret_cast<const uint8_t*>(data) + alphabet + 8;
    std::vector<uint32_t> symbols;
    symbols.reserve(count);
    uint64_t at = 0;
    while (symbols.size() < count) {
        uint32_t value = 0;
        int length = 0;
        bool found = false;
        while (length < kMaxCodeLength) {
            if (at >= bits)
                return std::nullopt;
            value = value << 1 | ((payload[at / 8] >> (7 - at % 8)) & 1u);
            ++at;
            ++length;
            if (number[length] > 0 && value >= first[length] && value - first[length] < number[length]) {
                symbols.push_back(sorted[offset[length] + value - first[length]]);
                found = true;
                break;
            }
        }
        if (!found)
            return std::nullopt;
    }
    return symbols;
}

} // namespace pare::format
