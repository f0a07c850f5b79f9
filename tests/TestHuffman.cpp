// The canonical Huffman coder behind .pare's symbol streams: exact round trips on the distributions the format
// meets (k-bit codes, mask gaps, one symbol), sizes near the entropy, and damaged streams refused, never a crash.

#include "io/Huffman.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <random>

using pare::format::decodeHuffman;
using pare::format::encodeHuffman;
using pare::format::huffmanStreamSize;

class TestHuffman : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsExactly_data();
    void roundTripsExactly();
    void damagedStreamsAreRefused();
};

namespace {

std::vector<uint32_t> sample(const QString& kind, size_t count, uint32_t alphabet)
{
    std::mt19937 random(7);
    std::vector<uint32_t> symbols(count);
    if (kind == "uniform") {
        std::uniform_int_distribution<uint32_t> pick(0, alphabet - 1);
        for (auto& s : symbols)
            s = pick(random);
    } else if (kind == "geometric") { // the gaps of a 90%-sparse mask
        std::geometric_distribution<uint32_t> gap(0.1);
        for (auto& s : symbols)
            s = std::min(gap(random), alphabet - 1);
    } else if (kind == "normal") { // 8-bit codes of weights, peaked at the middle level
        std::normal_distribution<double> weight(alphabet / 2.0, alphabet / 12.0);
        for (auto& s : symbols)
            s = uint32_t(std::clamp(std::lround(weight(random)), 0L, long(alphabet - 1)));
    } else {
        std::fill(symbols.begin(), symbols.end(), 3u); // one symbol only
    }
    return symbols;
}

double entropyBits(const std::vector<uint32_t>& symbols)
{
    std::map<uint32_t, double> counts;
    for (auto s : symbols)
        counts[s] += 1.0;
    double bits = 0.0;
    for (const auto& [s, c] : counts)
        bits -= c * std::log2(c / double(symbols.size()));
    return bits;
}

} // namespace

void TestHuffman::roundTripsExactly_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("alphabet");
    QTest::addRow("uniform 8-bit") << "uniform" << 256;
    QTest::addRow("mask gaps") << "geometric" << 256;
    QTest::addRow("peaked 8-bit codes") << "normal" << 256;
    QTest::addRow("peaked 12-bit codes") << "normal" << 4096;
    QTest::addRow("one symbol") << "constant" << 16;
}

void TestHuffman::roundTripsExactly()
{
    QFETCH(QString, kind);
    QFETCH(int, alphabet);
    const auto symbols = sample(kind, 50000, uint32_t(alphabet));
    const auto stream = encodeHuffman(symbols, uint32_t(alphabet));
    QVERIFY(stream);
    QCOMPARE(huffmanStreamSize(stream->data(), stream->size(), uint32_t(alphabet)),
             std::optional<size_t>(stream->size()));
    const auto decoded = decodeHuffman(stream->data(), stream->size(), symbols.size(), uint32_t(alphabet));
    QVERIFY(decoded);
    QVERIFY(*decoded == symbols);
    // A Huffman code is within one bit per symbol of the entropy; the table costs one byte per symbol of the alphabet.
    const double payloadBits = double(stream->size() - size_t(alphabet) - 8) * 8.0;
    QVERIFY2(payloadBits <= entropyBits(symbols) + double(symbols.size()) + 8.0,
             qPrintable(QString("%1 bits for entropy %2").arg(payloadBits).arg(entropyBits(symbols))));
}

void TestHuffman::damagedStreamsAreRefused()
{
    const auto symbols = sample("normal", 20000, 256);
    const auto stream = *encodeHuffman(symbols, 256);
    // Truncated anywhere: refused.
    for (size_t keep : { size_t(0), size_t(100), size_t(264), stream.size() / 2, stream.size() - 1 })
        QVERIFY(!decodeHuffman(stream.data(), keep, symbols.size(), 256));
    // Code lengths no prefix code has, and random bytes: refused or decoded to something, never a crash or a read
    // outside the buffer (the sanitizer-free check is that every run returns).
    std::mt19937 random(11);
    for (int trial = 0; trial < 200; ++trial) {
        std::string damaged = stream;
        for (int flips = 0; flips < 8; ++flips)
            damaged[random() % damaged.size()] = char(random());
        const auto decoded = decodeHuffman(damaged.data(), damaged.size(), symbols.size(), 256);
        if (decoded)
            QCOMPARE(decoded->size(), symbols.size());
    }
    std::string lengths(256, char(30)); // longer than any code Pare writes
    lengths.append(8, '\0');
    QVERIFY(!decodeHuffman(lengths.data(), lengths.size(), 1, 256));
    // Symbols outside the alphabet cannot be encoded.
    QVERIFY(!encodeHuffman({ 1, 2, 300 }, 256));
}

QTEST_APPLESS_MAIN(TestHuffman)
#include "TestHuffman.moc"
