// Data loading: the real Fashion-MNIST files, CIFAR-10 batches and image folders written here, and every kind of
// broken file the readers must refuse with a one-line message naming the file.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

using pare::Dataset;
using pare::DatasetOptions;
using pare::ImageResize;
using pare::Split;

class TestDatasets : public QObject
{
    Q_OBJECT

private slots:
    void fashionMnistKnownFacts();
    void validationSplitAndLimitsAreSeeded();
    void idxSubsetReadsPlainAndGzip();
    void badIdxInput_data();
    void badIdxInput();
    void cifarBatches();
    void cifarRejectsPartialRecordsAndBadLabels();
    void imageFolderSkipsUndecodableFiles();
    void imageFolderConvertsToModelShape();
    void imageFolderCropsAsTorchvision();
    void imageFolderWithoutDecodableImageFails();

private:
    QTemporaryDir m_dir;
};

void TestDatasets::fashionMnistKnownFacts()
{
    DatasetOptions options;
    options.validationFraction = 0.0;
    const auto data = Dataset::load("fashion-mnist", options);
    const auto& info = data.info();
    QCOMPARE(info.kind, std::string("idx"));
    QCOMPARE(info.trainCount, int64_t(60000));
    QCOMPARE(info.testCount, int64_t(10000));
    QCOMPARE(info.sampleShape, (std::vector<int64_t> { 1, 28, 28 }));
    QCOMPARE(info.classNames.size(), size_t(10));
    QCOMPARE(info.classNames[9], std::string("Ankle boot"));
    QCOMPARE(info.trainCountsPerClass, std::vector<int64_t>(10, 6000));
    QCOMPARE(info.testCountsPerClass, std::vector<int64_t>(10, 1000));
    QCOMPARE(info.mean, std::vector<float> { 0.2860f });
    QCOMPARE(info.std, std::vector<float> { 0.3530f });
    // The test split keeps file order: its first labels are known facts of the file.
    const std::vector<int64_t> firstTestLabels = { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 };
    for (int i = 0; i < 10; ++i)
        QCOMPARE(data.label(Split::Test, i), firstTestLabels[i]);
    // Normalization round-trips: the first test image's 8-bit pixels sum to 33,456 and pixel (14,14) is 110.
    const auto pixels = data.samplePixels(Split::Test, 0);
    QCOMPARE(pixels.size(), size_t(784));
    double sum = 0;
    for (float p : pixels)
        sum += p;
    QVERIFY(qAbs(sum * 255.0 - 33456.0) < 1.0);
    QVERIFY(qAbs(pixels[14 * 28 + 14] * 255.0f - 110.0f) < 0.01f);

    // Images are kept as 8-bit pixels (a quarter of the floats' 219,520,000 bytes) and the model is fed, batch by
    // batch, bit for bit what Pare fed it when it kept normalized floats: (p / 255 - mean) / std in float.
    QCOMPARE(data.imageBytes(), int64_t(70000) * 784);
    const QByteArray raw = pare::test::fashionImages(false, 300);
    const auto inputs = data.modelInputs(Split::Test, 0, 300);
    QCOMPARE(inputs.size(), size_t(300 * 784));
    for (int i = 0; i < raw.size(); ++i) {
        const float expected = (float(uint8_t(raw[i])) / 255.0f - 0.2860f) / 0.3530f;
        if (inputs[size_t(i)] != expected)
            QFAIL(qPrintable(QString("input %1: %2, expected %3").arg(i).arg(inputs[size_t(i)]).arg(expected)));
    }
}

void TestDatasets::validationSplitAndLimitsAreSeeded()
{
    DatasetOptions options;
    options.validationFraction = 0.1;
    options.trainLimit = 6000;
    options.testLimit = 500;
    options.seed = 7;
    const auto a = Dataset::load("fashion-mnist", options);
    const auto b = Dataset::load("fashion-mnist", options);
    options.seed = 8;
    const auto c = Dataset::load("fashion-mnist", options);
    QCOMPARE(a.info().validationCount, int64_t(6000));
    QCOMPARE(a.info().trainCount, int64_t(6000));
    QCOMPARE(a.info().testCount, int64_t(500));
    int sameAsB = 0, sameAsC = 0;
    for (int i = 0; i < 200; ++i) {
        sameAsB += a.samplePixels(Split::Train, i) == b.samplePixels(Split::Train, i);
        sameAsC += a.samplePixels(Split::Train, i) == c.samplePixels(Split::Train, i);
    }
    QCOMPARE(sameAsB, 200);
    QVERIFY(sameAsC < 20);
}

void TestDatasets::idxSubsetReadsPlainAndGzip()
{
    const QString dir = m_dir.path() + QStringLiteral("/subset");
    pare::test::writeFashionSubset(dir, 300, 100); // train plain, test gzipped
    DatasetOptions options;
    options.validationFraction = 0.0;
    const auto data = Dataset::load(QString("mnist:" + dir).toStdString(), options);
    QCOMPARE(data.info().trainCount, int64_t(300));
    QCOMPARE(data.info().testCount, int64_t(100));
    QCOMPARE(data.label(Split::Test, 0), int64_t(9));
    // Not the Fashion-MNIST folder: the statistics are computed from its training images.
    QVERIFY(qAbs(data.info().mean[0] - 0.286f) < 0.03f);
    // A plain folder path works as well as mnist:DIR.
    QCOMPARE(Dataset::load(dir.toStdString()).info().kind, std::string("idx"));
}

void TestDatasets::badIdxInput_data()
{
    QTest::addColumn<QString>("broken");   // which file of the four to replace
    QTest::addColumn<QByteArray>("bytes"); // its new content
    QTest::addColumn<QString>("message");  // a part of the expected error

    const QByteArray images = pare::test::fashionImages(true, 20);
    auto idx = [](const std::vector<uint32_t>& words, const QByteArray& payload) -> QByteArray {
        return pare::test::bigEndianWords(words) + payload;
    };
    const QByteArray wrongMagic = idx({ 0x801, 20, 28, 28 }, images);
    const QByteArray claimsMore = idx({ 0x803, 2000000, 28, 28 }, images);
    const QByteArray fewerLabels = idx({ 0x801, 19 }, QByteArray(19, 1));
    const QByteArray labelTwelve = idx({ 0x801, 20 }, QByteArray(20, 12));
    const QByteArray shortHeader("\0\0\x08\x03\0\0", 6);
    QTest::newRow("wrong magic") << "train-images-idx3-ubyte" << wrongMagic << "not an IDX image file";
    QTest::newRow("claims more than it holds")
        << "train-images-idx3-ubyte" << claimsMore << "header claims 2000000 images";
    QTest::newRow("counts disagree") << "train-labels-idx1-ubyte" << fewerLabels << "19 labels for 20 images";
    QTest::newRow("label out of range") << "train-labels-idx1-ubyte" << labelTwelve << "outside the class range 0..9";
    QTest::newRow("empty file") << "train-labels-idx1-ubyte" << QByteArray() << "empty file";
    QTest::newRow("truncated header") << "train-images-idx3-ubyte" << shortHeader << "too short";
}

void TestDatasets::badIdxInput()
{
    QFETCH(QString, broken);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const QString dir = m_dir.path() + "/bad-" + QString::fromLatin1(QTest::currentDataTag()).replace(' ', '-');
    pare::test::writeFashionSubset(dir, 20, 10);
    QFile file(dir + "/" + broken);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(bytes);
    file.close();
    try {
        (void)Dataset::load(dir.toStdString());
        QFAIL("bad input was accepted");
    } catch (const pare::InputError& e) {
        const QString what = QString::fromStdString(e.what());
        QVERIFY2(what.startsWith(dir + "/" + broken + ": "), qPrintable(what));
        QVERIFY2(what.contains(message), qPrintable(what));
        QVERIFY(!what.contains('\n'));
    }
}

void TestDatasets::cifarBatches()
{
    const QString dir = m_dir.path() + "/cifar";
    QDir().mkpath(dir);
    for (int b = 1; b <= 5; ++b)
        pare::test::writeCifarBatch(dir + QString("/data_batch_%1.bin").arg(b), 40, 10);
    pare::test::writeCifarBatch(dir + "/test_batch.bin", 30, 10);
    QFile meta(dir + "/batches.meta.txt");
    QVERIFY(meta.open(QIODevice::WriteOnly));
    meta.write("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
    meta.close();
    DatasetOptions options;
    options.validationFraction = 0.0;
    const auto data = Dataset::load(QString("cifar10:" + dir).toStdString(), options);
    QCOMPARE(data.info().kind, std::string("cifar10"));
    QCOMPARE(data.info().trainCount, int64_t(200));
    QCOMPARE(data.info().testCount, int64_t(30));
    QCOMPARE(data.info().sampleShape, (std::vector<int64_t> { 3, 32, 32 }));
    QCOMPARE(data.info().classNames[1], std::string("automobile"));
    QCOMPARE(data.label(Split::Test, 13), int64_t(3));
    // Record 13 has pixel values 91, 92, 93 in its three planes (written as (i*7 + c) % 256).
    const auto pixels = data.samplePixels(Split::Test, 13);
    QVERIFY(qAbs(pixels[0] * 255.0f - 91.0f) < 0.01f);
    QVERIFY(qAbs(pixels[1024] * 255.0f - 92.0f) < 0.01f);
    QVERIFY(qAbs(pixels[2048] * 255.0f - 93.0f) < 0.01f);
    // Fed to the model as (p / 255 - mean) / std per channel, in float, as when Pare kept normalized floats.
    const auto inputs = data.modelInputs(Split::Test, 13, 14);
    QCOMPARE(inputs.size(), size_t(3 * 1024));
    for (int c = 0; c < 3; ++c)
        QCOMPARE(inputs[size_t(c) * 1024],
                 (float(91 + c) / 255.0f - data.info().mean[size_t(c)]) / data.info().std[size_t(c)]);

    // Converted to a gray 28x28 model input when asked.
    options.inputShape = { 1, 28, 28 };
    const auto gray = Dataset::load(QString("cifar10:" + dir).toStdString(), options);
    QCOMPARE(gray.info().sampleShape, (std::vector<int64_t> { 1, 28, 28 }));
}

void TestDatasets::cifarRejectsPartialRecordsAndBadLabels()
{
    const QString dir = m_dir.path() + "/cifar-bad";
    QDir().mkpath(dir);
    for (int b = 1; b <= 5; ++b)
        pare::test::writeCifarBatch(dir + QString("/data_batch_%1.bin").arg(b), 10, 10);
    pare::test::writeCifarBatch(dir + "/test_batch.bin", 10, 10);
    QFile truncated(dir + "/data_batch_3.bin");
    QVERIFY(truncated.resize(3073 * 4 + 100));
    QVERIFY_THROWS_EXCEPTION(pare::InputError, (void)Dataset::load(QString("cifar10:" + dir).toStdString()));
    pare::test::writeCifarBatch(dir + "/data_batch_3.bin", 12, 12); // labels 10 and 11 exceed 10 classes
    try {
        (void)Dataset::load(QString("cifar10:" + dir).toStdString());
        QFAIL("labels outside the classes were accepted");
    } catch (const pare::InputError& e) {
        QVERIFY2(QString(e.what()).contains("data_batch_3.bin: label 10"), e.what());
    }
}

void TestDatasets::imageFolderSkipsUndecodableFiles()
{
    // Two classes of real Fashion-MNIST test images as PNG, plus junk that must be skipped and named.
    const QString dir = m_dir.path() + "/images";
    const QByteArray pixels = pare::test::fashionImages(false, 12);
    for (const char* cls : { "a-shirts", "b-shoes" })
        QDir().mkpath(dir + "/" + cls);
    for (int i = 0; i < 12; ++i) {
        QImage image(reinterpret_cast<const uchar*>(pixels.constData()) + i * 784, 28, 28, 28,
                     QImage::Format_Grayscale8);
        QVERIFY(image.save(dir + QString(i < 6 ? "/a-shirts/%1.png" : "/b-shoes/%1.png").arg(i)));
    }
    QFile junk(dir + "/b-shoes/notes.png");
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("this is not an image");
    junk.close();
    QFile topLevel(dir + "/README.txt"); // files at the top level are ignored
    QVERIFY(topLevel.open(QIODevice::WriteOnly));
    topLevel.write("ignored");
    topLevel.close();

    const auto data = Dataset::load(dir.toStdString());
    const auto& info = data.info();
    QCOMPARE(info.kind, std::string("image-folder"));
    QCOMPARE(info.classNames, (std::vector<std::string> { "a-shirts", "b-shoes" }));
    QCOMPARE(info.testCount, int64_t(12)); // eval uses every image
    QCOMPARE(info.testCountsPerClass, (std::vector<int64_t> { 6, 6 }));
    QCOMPARE(info.sampleShape, (std::vector<int64_t> { 1, 28, 28 }));
    QCOMPARE(info.warnings.size(), size_t(1));
    QVERIFY(QString::fromStdString(info.warnings[0]).contains("skipped 1 undecodable file(s)"));
    QVERIFY(QString::fromStdString(info.warnings[0]).contains("notes.png"));
    // Sorted file order within a class: 0.png is the first real test image.
    const auto first = data.samplePixels(Split::Test, 0);
    QVERIFY(qAbs(first[14 * 28 + 14] * 255.0f - 110.0f) < 0.01f);
}

void TestDatasets::imageFolderConvertsToModelShape()
{
    DatasetOptions options;
    options.inputShape = { 3, 32, 32 };
    const auto data = Dataset::load(QString(m_dir.path() + "/images").toStdString(), options);
    QCOMPARE(data.info().sampleShape, (std::vector<int64_t> { 3, 32, 32 }));
    QCOMPARE(data.info().testCount, int64_t(12));
}

void TestDatasets::imageFolderCropsAsTorchvision()
{
    // A 64x32 (wide) gray image: columns 0-15 and 48-63 black, 16-47 white.
    const QString dir = m_dir.path() + "/crop";
    QDir().mkpath(dir + "/only");
    QImage image(64, 32, QImage::Format_Grayscale8);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 64; ++x)
            image.setPixel(x, y, x >= 16 && x < 48 ? qRgb(255, 255, 255) : qRgb(0, 0, 0));
    QVERIFY(image.save(dir + "/only/wide.png"));
    const auto pixelsAs = [&](ImageResize resize, double ratio, int size) {
        DatasetOptions options;
        options.inputShape = { 1, size, size };
        options.resize = resize;
        options.cropRatio = ratio;
        options.mean = { 0.0f };
        options.std = { 1.0f };
        return Dataset::load(dir.toStdString(), options).modelInputs(Split::Test, 0, 1);
    };
    // Crop at ratio 0.5 to 16x16: the image already covers 32x32 (its shorter side), so it is not scaled, and the
    // center 16x16 (rows 8-23, columns 24-39) is all white.
    for (float p : pixelsAs(ImageResize::Crop, 0.5, 16))
        QCOMPARE(p, 1.0f);
    // Crop at torchvision's 0.875 to 28x28: the shorter side is already 28 / 0.875 = 32, so no scaling; the crop
    // takes rows 2-29 and columns 18-45, all white. Stretching would have brought black bands in.
    const auto standard = pixelsAs(ImageResize::Crop, 0.875, 28);
    QCOMPARE(standard.size(), size_t(28 * 28));
    QCOMPARE(*std::min_element(standard.begin(), standard.end()), 1.0f);
    // Stretch to 16x16 squeezes the 64 columns into 16: its first and last 4 columns come from the black bands.
    const auto stretched = pixelsAs(ImageResize::Stretch, 0.875, 16);
    for (int y = 0; y < 16; ++y) {
        QCOMPARE(stretched[size_t(y * 16 + 0)], 0.0f);
        QCOMPARE(stretched[size_t(y * 16 + 15)], 0.0f);
        QCOMPARE(stretched[size_t(y * 16 + 8)], 1.0f);
    }
}

void TestDatasets::imageFolderWithoutDecodableImageFails()
{
    const QString dir = m_dir.path() + "/no-images";
    QDir().mkpath(dir + "/cats");
    QFile junk(dir + "/cats/cat.jpg");
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("JFIF? no.");
    junk.close();
    try {
        (void)Dataset::load(dir.toStdString());
        QFAIL("a folder without images was accepted");
    } catch (const pare::InputError& e) {
        QVERIFY2(QString(e.what()).startsWith(dir + ": no decodable image"), e.what());
    }
}

QTEST_APPLESS_MAIN(TestDatasets)
#include "TestDatasets.moc"
