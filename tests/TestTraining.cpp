// Training and evaluation on real Fashion-MNIST subsets: it learns, it reports progress, and it stops within one
// batch when cancelled from another thread, leaving a model that still evaluates.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/Training.h"

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

QTEST_APPLESS_MAIN(TestTraining)
#include "TestTraining.moc"
