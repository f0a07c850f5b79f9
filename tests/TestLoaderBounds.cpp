// The checks that run before anything large is allocated or LibTorch reads a file, compiled without torch: the zip
// directory and CRCs of a TorchScript archive, its storage records against what its pickles claim, image headers,
// .pare container sizes and the memory budget. Each case is a forged or damaged copy of a real file.

#include "data/ImageHeader.h"
#include "io/PareContainer.h"
#include "io/PickleScan.h"
#include "io/ZipCheck.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <QtTest>

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <sstream>

using pare::InputError;
using namespace std::string_literals;

class TestLoaderBounds : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void bundledArchivePasses();
    void damagedArchivesAreRefused_data();
    void damagedArchivesAreRefused();
    void pickleScanReadsStorageClaims();
    void imageHeadersGiveTheClaimedSize();
    void pareContainerRefusesForgedSizes();
    void memoryBudgetParsesAndRefuses();
};

namespace {

std::string bundled()
{
    std::ifstream in(PARE_BUNDLED_MODEL, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

template <typename T> void put(std::string& bytes, size_t at, T value)
{
    for (size_t i = 0; i < sizeof(T); ++i)
        bytes[at + i] = char((uint64_t(value) >> (8 * i)) & 0xFF);
}

uint32_t get32(const std::string& bytes, size_t at)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = v << 8 | static_cast<unsigned char>(bytes[at + size_t(i)]);
    return v;
}

/// Where the central directory entry of record `name` starts.
size_t directoryEntry(const std::string& bytes, const std::string& name)
{
    for (size_t entry = bytes.find("PK\x01\x02"); entry != std::string::npos;
         entry = bytes.find("PK\x01\x02", entry + 4)) {
        const size_t nameLength = static_cast<unsigned char>(bytes[entry + 28])
            | size_t(static_cast<unsigned char>(bytes[entry + 29])) << 8;
        if (bytes.compare(entry + 46, nameLength, name) == 0 && nameLength == name.size())
            return entry;
    }
    return std::string::npos;
}

/// The message with which `read` refuses its input; empty when it accepts it.
template <typename Read> QString refusalOf(Read&& read)
{
    try {
        read();
    } catch (const InputError& e) {
        return e.what();
    }
    return {};
}

QString refusal(const std::string& archive)
{
    return refusalOf([&] { (void)pare::zip::checkArchive(archive, "model.pt"); });
}

} // namespace

void TestLoaderBounds::init()
{
    pare::setMemoryBudget(int64_t(512) << 20);
}

void TestLoaderBounds::bundledArchivePasses()
{
    const auto records = pare::zip::checkArchive(bundled(), "model.pt");
    QVERIFY(records.size() > 8);
    bool pickle = false;
    for (const auto& r : records)
        pickle = pickle || r.name == "archive/data.pkl";
    QVERIFY(pickle);
}

void TestLoaderBounds::damagedArchivesAreRefused_data()
{
    QTest::addColumn<QString>("damage");
    QTest::addColumn<QString>("message");
    QTest::newRow("truncated") << "truncated"
                               << "truncated";
    QTest::newRow("flipped weight byte") << "flip"
                                         << "fails its CRC check";
    QTest::newRow("storage record cut short, its CRC right") << "short"
                                                             << "holds 1000 bytes; its tensors need 1600000";
    QTest::newRow("record claiming 3 GiB inflated") << "bomb"
                                                    << "claims to inflate to 3.0 GB";
    QTest::newRow("directory entry pointing past the file") << "offset"
                                                            << "no local header";
}

void TestLoaderBounds::damagedArchivesAreRefused()
{
    QFETCH(QString, damage);
    QFETCH(QString, message);
    std::string bytes = bundled();
    const size_t entry = directoryEntry(bytes, "archive/data/4"); // fc1's weight, 1.6 MB stored
    QVERIFY(entry != std::string::npos);
    const uint32_t local = get32(bytes, entry + 42);
    const size_t data = local + 30 + (static_cast<unsigned char>(bytes[local + 26]) | bytes[local + 27] << 8)
        + (static_cast<unsigned char>(bytes[local + 28]) | bytes[local + 29] << 8);
    if (damage == "truncated") {
        bytes.resize(bytes.size() / 2);
    } else if (damage == "flip") {
        bytes[data + 800000] ^= 0x10;
    } else if (damage == "short") {
        // The record's sizes and CRC say 1,000 bytes, as a zip tool would write them: only the pickle's claim
        // (400,000 floats) tells that the weight needs more.
        const uint32_t crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + data), 1000));
        for (const size_t at : { size_t(local) + 14, entry + 16 })
            put<uint32_t>(bytes, at, crc);
        for (const size_t at : { size_t(local) + 18, size_t(local) + 22, entry + 20, entry + 24 })
            put<uint32_t>(bytes, at, 1000);
    } else if (damage == "bomb") {
        put<uint16_t>(bytes, entry + 10, 8); // deflated
        put<uint32_t>(bytes, entry + 24, uint32_t(3) << 30);
    } else if (damage == "offset") {
        put<uint32_t>(bytes, entry + 42, uint32_t(bytes.size() - 10));
    }
    const QString refused = refusal(bytes);
    QVERIFY2(refused.contains(message), qPrintable("got: '" + refused + "'"));
    QVERIFY(refused.startsWith("model.pt: corrupt TorchScript archive"));
}

void TestLoaderBounds::pickleScanReadsStorageClaims()
{
    // As PyTorch's pickler writes a persistent id: MARK 'storage' GLOBAL torch.FloatStorage '0' 'cpu' 6 TUPLE
    // BINPERSID, then a recall of the memoized type for a second storage.
    const std::string storage = "X\x07\0\0\0storage"s;
    const std::string pickle = "\x80\x02("s + storage + "q\x00"s + "ctorch\nFloatStorage\nq\x01"s
        + "X\x01\0\0\0"
          "0"s
        + "X\x03\0\0\0"
          "cpu"s
        + "K\x06tQ"s + "(h\x00h\x01"s
        + "X\x01\0\0\0"
          "1"s
        + "X\x03\0\0\0"
          "cpu"s
        + "M\x00\x01tQ"s + "."s;
    const auto claims = pare::zip::storageClaims(pickle, "p");
    QCOMPARE(claims.size(), size_t(2));
    QCOMPARE(claims[0].key, std::string("0"));
    QCOMPARE(claims[0].bytes, int64_t(24));
    QCOMPARE(claims[1].bytes, int64_t(256 * 4));
    const auto refused
        = [](const std::string& p) { return refusalOf([&] { (void)pare::zip::storageClaims(p, "p"); }); };
    QVERIFY(refused("\x80\x02\xff.").contains("unsupported pickle opcode 255"));
    QVERIFY(refused("\x80\x02h\x05.").contains("never stored"));
    QVERIFY(refused(std::string(100000, '(') + std::string(100000, 't') + ".").contains("too deeply"));
    QVERIFY(refused("\x80\x02("s + storage + "ctorch\nEvilStorage\n"s
                    + "X\x01\0\0\0"
                      "0"s
                    + "X\x03\0\0\0"
                      "cpu"s
                    + "K\x06tQ."s)
                .contains("unknown storage type"));
    QVERIFY(refused("\x80\x02X\xff\xff\xff\x7f"s).contains("ends early"));
}

void TestLoaderBounds::imageHeadersGiveTheClaimedSize()
{
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    png += std::string("\0\0\x75\x30\0\0\x75\x30\x08\0\0\0\0", 13); // 30,000 x 30,000
    const auto size = pare::data::claimedImageSize(png);
    QVERIFY(size);
    QCOMPARE(size->width, int64_t(30000));
    QVERIFY(size->width * size->height > pare::data::kMaxImagePixels);
    const std::string jpeg("\xff\xd8\xff\xe0\x00\x04\x00\x00\xff\xc0\x00\x0b\x08\x01\xe0\x02\x80\x01", 18);
    const auto jpegSize = pare::data::claimedImageSize(jpeg);
    QVERIFY(jpegSize);
    QCOMPARE(jpegSize->width, int64_t(640));
    QCOMPARE(jpegSize->height, int64_t(480));
    QVERIFY(!pare::data::claimedImageSize("\xff\xd8\xff\xe0\x00"));
    QVERIFY(!pare::data::claimedImageSize("not an image at all"));
}

void TestLoaderBounds::pareContainerRefusesForgedSizes()
{
    const auto refusal = [](const std::string& bytes) {
        return refusalOf([&] { (void)pare::format::readPareContainer(bytes, "m.pare"); });
    };
    std::string header("PARE", 4);
    header += std::string("\x02\0\0\0", 4);
    std::string forged = header;
    forged += std::string(8, '\0');
    put<uint64_t>(forged, 8, uint64_t(4) << 30); // 4 GiB claimed over 10 bytes of frame
    forged += std::string("\x28\xb5\x2f\xfd\x00\x00\x00\x00\x00\x00", 10);
    QVERIFY(refusal(forged).startsWith("m.pare: corrupt"));
    QVERIFY(refusal(header).contains("not a .pare file") || refusal(header).contains("truncated"));
    QVERIFY(refusal("PARE\x09\0\0\0"s + std::string(8, '\0')).contains("newer than this Pare reads"));
}

void TestLoaderBounds::memoryBudgetParsesAndRefuses()
{
    QCOMPARE(pare::parseByteSize("1.5G"), int64_t(1536) << 20);
    QCOMPARE(pare::parseByteSize("800M"), int64_t(800) << 20);
    QCOMPARE(pare::parseByteSize("4096"), int64_t(4096));
    for (const char* bad : { "", "-1G", "nan", "1e400", "lots", "0.5", "1.5Q" })
        QVERIFY2(pare::parseByteSize(bad) < 0, bad);
    QVERIFY(pare::availableMemoryBytes() > 0);
    pare::setMemoryBudget(int64_t(1) << 30);
    try {
        pare::requireWithinBudget("data", "70000 images", int64_t(3) << 30);
        QFAIL("3 GB passed a 1 GB budget");
    } catch (const InputError& e) {
        QCOMPARE(QString(e.what()), QString("data: 70000 images would need 3.0 GB, over the memory budget of 1.0 GB"));
    }
    pare::requireWithinBudget("data", "a little", 1000);
    QCOMPARE(pare::checkedProduct({ int64_t(1) << 40, int64_t(1) << 40 }), int64_t(-1));
    QCOMPARE(pare::checkedProduct({ 3, 4, 5 }), int64_t(60));
}

QTEST_APPLESS_MAIN(TestLoaderBounds)
#include "TestLoaderBounds.moc"
