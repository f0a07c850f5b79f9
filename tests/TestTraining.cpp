// Training and evaluation on real Fashion-MNIST subsets: it learns, it reports progress, and it stops within one
// batch when cancelled from another thread, leaving a model that still evaluates.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"
#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/Training.h"

#include <QDir>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace pare;

class TestTraining : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void oneEpochOnSixThousandImagesLearns();
    void cancelFromAnotherThreadStopsWithinOneBatch();
    void evaluationReportsConfusionAndPerClassAccuracy();
    void modelThatDoesNotFitTheDataIsRejected();
    void streamedFolderTrainsAsInMemory();

private:
    std::unique_ptr<Dataset> m_data;
};

void TestTraining::initTestCase()
{
    configureThreads();
    DatasetOptions options;
    options.trainLimit = 6000;
    options.testLimit = 2000;
    options.seed = 1;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
    QCOMPARE(m_data->size(Split::Train), int64_t(6000));
}

void TestTraining::oneEpochOnSixThousandImagesLearns()
{
    auto model = Model::fromZoo("lenet5", { 1, 28, 28 }, 10, /*seed=*/1);
    const double before = evaluate(model, *m_data).accuracy;
    TrainOptions options;
    options.epochs = 1;
    options.seed = 1;
    std::vector<TrainProgress> reports;
    const auto result = train(model, *m_data, options, [&](const TrainProgress& p) { reports.push_back(p); });
    QVERIFY(!result.cancelled);
    QCOMPARE(result.batchesRun, int64_t(94)); // ceil(6000 / 64)
    QCOMPARE(result.imagesSeen, int64_t(6000));
    QCOMPARE(reports.size(), size_t(94));
    QCOMPARE(reports.back().batch, int64_t(94));
    QCOMPARE(reports.back().batches, int64_t(94));
    QVERIFY(reports.front().etaSeconds > reports.back().etaSeconds);
    QVERIFY(reports.back().loss < reports.front().loss);
    QCOMPARE(result.epochs.size(), size_t(1));
    QVERIFY(result.epochs[0].validationAccuracy > 0.6);
    QVERIFY(result.imagesPerSecond > 0);
    const auto after = evaluate(model, *m_data);
    QVERIFY2(after.accuracy > 0.75, qPrintable(QString::number(after.accuracy)));
    QVERIFY(after.accuracy > before + 0.4);
}

void TestTraining::cancelFromAnotherThreadStopsWithinOneBatch()
{
    auto model = Model::fromZoo("lenet5@0.5", { 1, 28, 28 }, 10, /*seed=*/2);
    CancelFlag cancel;
    constexpr int64_t cancelAfter = 5;
    std::mutex mutex;
    std::condition_variable changed;
    bool batchDone = false, cancelRequested = false;

    // The canceller waits for batch k to finish, requests the cancel, and lets training go on; training has no
    // way to see the request except through the flag.
    std::thread canceller([&] {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return batchDone; });
        cancel.request();
        cancelRequested = true;
        changed.notify_all();
    });
    TrainOptions options;
    options.epochs = 3;
    const auto result = train(
        model, *m_data, options,
        [&](const TrainProgress& p) {
            if (p.epoch == 1 && p.batch == cancelAfter) {
                std::unique_lock<std::mutex> lock(mutex);
                batchDone = true;
                changed.notify_all();
                changed.wait(lock, [&] { return cancelRequested; });
            }
        },
        &cancel);
    canceller.join();
    QVERIFY(result.cancelled);
    QVERIFY2(result.batchesRun <= cancelAfter + 1, qPrintable(QString::number(result.batchesRun)));
    QVERIFY(result.batchesRun >= cancelAfter);
    // The model is usable after a cancel.
    const auto eval = evaluate(model, *m_data);
    QCOMPARE(eval.images, int64_t(2000));
    QVERIFY(eval.accuracy > 0.0);
}

void TestTraining::evaluationReportsConfusionAndPerClassAccuracy()
{
    const auto model = Model::load(bundledModelPath());
    const auto eval = evaluate(model, *m_data);
    QCOMPARE(eval.images, int64_t(2000));
    QCOMPARE(eval.confusion.size(), size_t(10));
    int64_t total = 0, diagonal = 0;
    for (size_t t = 0; t < 10; ++t) {
        int64_t row = 0;
        for (size_t p = 0; p < 10; ++p)
            row += eval.confusion[t][p];
        total += row;
        diagonal += eval.confusion[t][t];
        QVERIFY(qAbs(eval.perClassAccuracy[t] - double(eval.confusion[t][t]) / double(row)) < 1e-12);
    }
    QCOMPARE(total, int64_t(2000));
    QVERIFY(qAbs(eval.accuracy - double(diagonal) / 2000.0) < 1e-12);
    QVERIFY(eval.accuracy > 0.88); // the bundled baseline reaches 0.90 on the full test set
    QVERIFY(eval.loss > 0.0 && eval.loss < 0.5);
}

void TestTraining::modelThatDoesNotFitTheDataIsRejected()
{
    // 5 outputs for 10 classes.
    const auto fewOutputs = Model::fromZoo("lenet300", { 1, 28, 28 }, 5);
    try {
        checkCompatible(fewOutputs, *m_data);
        QFAIL("a 5-output model was accepted for 10 classes");
    } catch (const InputError& e) {
        QVERIFY2(QString(e.what()).contains("5 values per sample but the data set has 10 classes"), e.what());
    }
    // A model built for 3x32x32 input given 1x28x28 data.
    auto wrongShape = Model::fromZoo("lenet300", { 3, 32, 32 }, 10);
    QVERIFY_THROWS_EXCEPTION(InputError, checkCompatible(wrongShape, *m_data));
    TrainOptions options;
    QVERIFY_THROWS_EXCEPTION(InputError, (void)train(wrongShape, *m_data, options));
}

namespace {

/// One epoch of a copy of `start` on `data` (seeded); returns its weights, layer by layer.
std::vector<std::vector<float>>
weightsAfterOneEpoch(const Model& start, const Dataset& data, std::optional<Augmentation> augment, TrainResult& result)
{
    auto model = start.clone();
    TrainOptions options;
    options.epochs = 1;
    options.seed = 3;
    options.validateEachEpoch = false;
    options.augment = augment;
    result = train(model, data, options);
    std::vector<std::vector<float>> weights;
    for (const auto& layer : model.inspect().layers)
        weights.push_back(model.layerWeight(layer.name).values);
    return weights;
}

} // namespace

void TestTraining::streamedFolderTrainsAsInMemory()
{
    // The 10,000 Fashion-MNIST test images as a folder of PNGs, one sub-folder per class: 7.8 MB once decoded.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    constexpr int kImages = 10000;
    const QByteArray pixels = pare::test::fashionImages(false, kImages);
    const QByteArray labels = pare::test::fashionLabels(false, kImages);
    for (int c = 0; c < 10; ++c)
        QVERIFY(QDir().mkpath(dir.path() + QString("/class%1").arg(c)));
    for (int i = 0; i < kImages; ++i) {
        const QImage image(reinterpret_cast<const uchar*>(pixels.constData()) + i * 784, 28, 28, 28,
                           QImage::Format_Grayscale8);
        QVERIFY(image.save(dir.path() + QString("/class%1/%2.png").arg(int(labels[i])).arg(i, 5, 10, QChar('0'))));
    }
    DatasetOptions options;
    options.inputShape = { 1, 28, 28 };
    options.mean = { 0.2860f };
    options.std = { 0.3530f };
    options.seed = 5;
    options.storage = ImageStorage::Memory;
    const auto inMemory = Dataset::load(dir.path().toStdString(), options);
    QVERIFY(!inMemory.info().streamed);
    QCOMPARE(inMemory.imageBytes(), int64_t(kImages) * 784);

    // A budget of 1 MB, an eighth of the decoded folder: it streams, holding no image in memory. (The bundled
    // model is opened before: loading checks a file against the budget with room for its unpacked copies.)
    const auto bundled = Model::load(bundledModelPath());
    setMemoryBudget(1 << 20);
    options.storage = ImageStorage::Auto;
    std::unique_ptr<Dataset> loaded;
    try {
        loaded = std::make_unique<Dataset>(Dataset::load(dir.path().toStdString(), options));
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    const auto& streamed = *loaded;
    QVERIFY(streamed.info().streamed);
    QCOMPARE(streamed.imageBytes(), int64_t(0));
    QCOMPARE(streamed.info().trainCount, inMemory.info().trainCount);

    // Every image once per epoch, in the seeded order: the same weights, bit for bit, as training on the images
    // in memory, with augmentation (drawn on the training thread) and without.
    for (const auto augment : { Augmentation::CropFlip, Augmentation::None }) {
        TrainResult fromMemory, fromDisk;
        const auto expected = weightsAfterOneEpoch(bundled, inMemory, augment, fromMemory);
        const auto weights = weightsAfterOneEpoch(bundled, streamed, augment, fromDisk);
        QCOMPARE(fromDisk.imagesSeen, streamed.info().trainCount);
        QCOMPARE(fromMemory.imagesSeen, streamed.info().trainCount);
        QVERIFY2(weights == expected, optionName(augment));
    }
    TrainResult plain, augmented;
    QVERIFY(weightsAfterOneEpoch(bundled, streamed, Augmentation::None, plain)
            != weightsAfterOneEpoch(bundled, streamed, Augmentation::CropFlip, augmented));
    // Evaluation over the streamed folder: the same predictions.
    const auto a = evaluate(bundled, inMemory);
    const auto b = evaluate(bundled, streamed);
    QCOMPARE(b.images, int64_t(kImages));
    QCOMPARE(b.accuracy, a.accuracy);
    QCOMPARE(b.confusion, a.confusion);
    setMemoryBudget(0);
}

QTEST_APPLESS_MAIN(TestTraining)
#include "TestTraining.moc"
