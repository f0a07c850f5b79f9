// Magnitude pruning on the bundled LeNet-5 and a real Fashion-MNIST subset: thresholds, the per-layer floor, and
// masks that keep pruned weights at zero through fine-tuning.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Runtime.h"

#include <QtTest>

using namespace pare;

class TestPruning : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void layerWisePrunesEveryLayerToTheRatio();
    void globalUsesOneThresholdAndAFloor();
    void masksStayZeroThroughFineTuning();
    void gradualReachesTheTarget();
    void badOptionsAreRejected();

private:
    PruneOptions withoutFineTuning(const std::string& method, double ratio) const;
    std::unique_ptr<Dataset> m_data;
    std::unique_ptr<Model> m_baseline;
};

void TestPruning::initTestCase()
{
    configureThreads();
    DatasetOptions options;
    options.trainLimit = 3000;
    options.testLimit = 1000;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
    m_baseline = std::make_unique<Model>(Model::load(bundledModelPath()));
}

PruneOptions TestPruning::withoutFineTuning(const std::string& method, double ratio) const
{
    PruneOptions options;
    options.method = parseOption<PruneMethod>(method); // a misspelt method is refused here
    options.ratio = ratio;
    options.finetune.epochs = 0;
    return options;
}

void TestPruning::layerWisePrunesEveryLayerToTheRatio()
{
    auto model = m_baseline->clone();
    const auto result = prune(model, *m_data, withoutFineTuning("magnitude-layer", 0.6));
    QCOMPARE(result.layers.size(), size_t(4));
    for (const auto& layer : result.layers)
        QCOMPARE(layer.nonzero, layer.weights - std::llround(0.6 * double(layer.weights)));
    // Biases are not pruned: the model keeps its 580 of them.
    QCOMPARE(model.nonzeroParameterCount(), result.nonzero + 580);
    // The original is untouched.
    for (const auto& layer : measureSparsity(*m_baseline))
        QCOMPARE(layer.nonzero, layer.weights);
}

void TestPruning::globalUsesOneThresholdAndAFloor()
{
    auto model = m_baseline->clone();
    const auto result = prune(model, *m_data, withoutFineTuning("magnitude-global", 0.8));
    QCOMPARE(result.nonzero, result.weights - std::llround(0.8 * double(result.weights)));
    // One threshold spares the small first layer and cuts the large fc1 hardest.
    const auto& conv1 = result.layers[0];
    const auto& fc1 = result.layers[2];
    QCOMPARE(fc1.name, std::string("fc1"));
    QVERIFY2(fc1.sparsity() > 0.8 && conv1.sparsity() < 0.5,
             qPrintable(QString("conv1 %1, fc1 %2").arg(conv1.sparsity()).arg(fc1.sparsity())));

    // At 99.9% a single threshold would empty layers; the floor keeps 1% of each.
    auto extreme = m_baseline->clone();
    const auto floored = prune(extreme, *m_data, withoutFineTuning("magnitude-global", 0.999));
    for (const auto& layer : floored.layers)
        QVERIFY2(layer.nonzero >= std::llround(0.01 * double(layer.weights)), layer.name.c_str());
    QVERIFY(evaluate(extreme, *m_data).accuracy > 0.0);
}

void TestPruning::masksStayZeroThroughFineTuning()
{
    auto reference = m_baseline->clone();
    const auto atPruning = prune(reference, *m_data, withoutFineTuning("magnitude-global", 0.85));

    auto model = m_baseline->clone();
    PruneOptions options = withoutFineTuning("magnitude-global", 0.85);
    options.finetune.epochs = 1;
    const auto result = prune(model, *m_data, options);
    QCOMPARE(result.finetune.batchesRun, int64_t(47)); // 3,000 images in batches of 64: it did train
    // One-shot pruning of the same weights gives the same mask: every weight pruned there is still exactly zero
    // here, and training moved (nearly) every weight it may move; an optimizer that did nothing fails the latter.
    int64_t free = 0, moved = 0, revived = 0;
    for (const auto& layer : result.layers) {
        const auto before = reference.layerWeight(layer.name).values;
        const auto after = model.layerWeight(layer.name).values;
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < before.size(); ++i) {
            if (before[i] == 0.0f) {
                revived += after[i] != 0.0f;
                continue;
            }
            ++free;
            moved += after[i] != before[i];
        }
    }
    QCOMPARE(revived, int64_t(0));
    QVERIFY2(moved > free * 9 / 10, qPrintable(QString("%1 of %2 free weights moved").arg(moved).arg(free)));
    QVERIFY(result.nonzero >= atPruning.nonzero - 50);
    // Fine-tuning recovers accuracy lost to pruning.
    QVERIFY(evaluate(model, *m_data).accuracy >= evaluate(reference, *m_data).accuracy - 0.01);
}

void TestPruning::gradualReachesTheTarget()
{
    auto model = m_baseline->clone();
    PruneOptions options = withoutFineTuning("magnitude-global", 0.7);
    options.schedule = PruneSchedule::Gradual;
    options.finetune.epochs = 1;
    const auto result = prune(model, *m_data, options);
    QCOMPARE(result.nonzero, result.weights - std::llround(0.7 * double(result.weights)));
    QVERIFY(evaluate(model, *m_data).accuracy > 0.8);
}

void TestPruning::badOptionsAreRejected()
{
    auto model = m_baseline->clone();
    QVERIFY_THROWS_EXCEPTION(InputError, (void)prune(model, *m_data, withoutFineTuning("random", 0.5)));
    QVERIFY_THROWS_EXCEPTION(InputError, (void)prune(model, *m_data, withoutFineTuning("magnitude-global", 1.0)));
    QVERIFY_THROWS_EXCEPTION(InputError, (void)parseOption<PruneSchedule>("sometimes"));
}

QTEST_APPLESS_MAIN(TestPruning)
#include "TestPruning.moc"
