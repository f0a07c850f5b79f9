// Weight quantization: error bounds, codebook sizes, pruned zeros kept, and accuracy on a real Fashion-MNIST subset.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"
#include "pare/Recipe.h"
#include "pare/Runtime.h"

#include <QtTest>

#include <cmath>

using namespace pare;

class TestQuantization : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void uniformErrorIsAtMostHalfAStep_data();
    void uniformErrorIsAtMostHalfAStep();
    void codebookSizes_data();
    void codebookSizes();
    void eightBitsKeepAccuracy();
    void prunedZerosSurviveQuantizationAndFineTuning();
    void fp16BiasesShrinkThePareFileAndKeepAccuracy();
    void badOptionsAreRejected();

private:
    QuantizeOptions options(int bits, const std::string& scheme, bool perChannel = false) const;
    std::unique_ptr<Dataset> m_data;
};

void TestQuantization::initTestCase()
{
    configureThreads();
    DatasetOptions dataOptions;
    dataOptions.trainLimit = 3000;
    dataOptions.testLimit = 1000;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", dataOptions));
}

QuantizeOptions TestQuantization::options(int bits, const std::string& scheme, bool perChannel) const
{
    QuantizeOptions o;
    o.bits = bits;
    o.scheme = parseOption<QuantScheme>(scheme);
    o.perChannel = perChannel;
    return o;
}

void TestQuantization::uniformErrorIsAtMostHalfAStep_data()
{
    QTest::addColumn<int>("bits");
    for (int bits : { 2, 4, 8 })
        QTest::addRow("%d bits", bits) << bits;
}

void TestQuantization::uniformErrorIsAtMostHalfAStep()
{
    QFETCH(int, bits);
    // lenet300's fc1 starts uniform in +-1/sqrt(784): its levels are at most 2/28/(2^bits - 1) apart.
    auto model = Model::fromZoo("lenet300", { 1, 28, 28 }, 10, /*seed=*/5);
    const auto result = quantizeWeights(model, *m_data, options(bits, "uniform"));
    const double step = 2.0 / 28.0 / (std::pow(2.0, bits) - 1.0);
    const auto& fc1 = result.layers[0];
    QCOMPARE(fc1.name, std::string("fc1"));
    QVERIFY2(fc1.maxAbsError <= step / 2 + 1e-7, qPrintable(QString("%1 > %2").arg(fc1.maxAbsError).arg(step / 2)));
    QVERIFY(fc1.maxAbsError > step / 10); // it did quantize
    QVERIFY(fc1.distinctValues <= (int64_t(1) << bits));
}

void TestQuantization::codebookSizes_data()
{
    QTest::addColumn<int>("bits");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<bool>("perChannel");
    QTest::addColumn<int>("most"); // distinct values per layer (per channel when per-channel)
    QTest::newRow("uniform 3") << 3 << "uniform" << false << 8;
    QTest::newRow("symmetric 4 per channel") << 4 << "symmetric" << true << 15;
    QTest::newRow("symmetric 1") << 1 << "symmetric" << false << 2;
    QTest::newRow("k-means 2") << 2 << "kmeans" << false << 4;
    QTest::newRow("k-means 5") << 5 << "kmeans" << false << 32;
}

void TestQuantization::codebookSizes()
{
    QFETCH(int, bits);
    QFETCH(QString, scheme);
    QFETCH(bool, perChannel);
    QFETCH(int, most);
    auto model = Model::load(bundledModelPath());
    const auto result = quantizeWeights(model, *m_data, options(bits, scheme.toStdString(), perChannel));
    QCOMPARE(result.layers.size(), size_t(4));
    for (const auto& layer : result.layers) {
        QVERIFY2(layer.distinctValues <= most, layer.name.c_str());
        QVERIFY2(layer.distinctValues >= most / 2, layer.name.c_str()); // the levels are used
    }
}

void TestQuantization::eightBitsKeepAccuracy()
{
    auto model = Model::load(bundledModelPath());
    const double before = evaluate(model, *m_data).accuracy;
    auto fp16 = model.clone();
    const auto half = quantizeWeights(fp16, *m_data, options(16, "uniform"));
    QVERIFY(half.layers[2].maxAbsError < 1e-3);
    QVERIFY(qAbs(evaluate(fp16, *m_data).accuracy - before) <= 0.001);
    const auto result = quantizeWeights(model, *m_data, options(8, "uniform", /*perChannel=*/true));
    QVERIFY(result.layers[2].maxAbsError > 0.0);
    QVERIFY(qAbs(evaluate(model, *m_data).accuracy - before) <= 0.005);
    auto untouched = Model::load(bundledModelPath());
    QCOMPARE(quantizeWeights(untouched, *m_data, options(32, "uniform")).layers[0].maxAbsError, 0.0);
}

void TestQuantization::prunedZerosSurviveQuantizationAndFineTuning()
{
    auto model = Model::load(bundledModelPath());
    PruneOptions prune;
    prune.ratio = 0.8;
    prune.finetune.epochs = 0;
    const auto pruned = pare::prune(model, *m_data, prune);
    auto quantize = options(3, "kmeans");
    quantize.finetune.epochs = 1;
    const auto result = quantizeWeights(model, *m_data, quantize);
    QCOMPARE(result.finetune.batchesRun, int64_t(47));
    const auto after = measureSparsity(model);
    for (size_t i = 0; i < after.size(); ++i) {
        QVERIFY2(after[i].nonzero <= pruned.layers[i].nonzero, after[i].name.c_str());
        // 8 shared values plus the pruned zeros.
        QVERIFY(result.layers[i].distinctValues <= 8 + 1);
    }
    QVERIFY(evaluate(model, *m_data).accuracy > 0.8);
}

void TestQuantization::fp16BiasesShrinkThePareFileAndKeepAccuracy()
{
    // LeNet-5 pruned to 99% and on 2 bits, as a search for the smallest file leaves it: its 580 fp32 biases are a
    // sixth of the .pare file, and as fp16 numbers they compress by about a third.
    auto plain = Model::load(bundledModelPath());
    PruneOptions prune;
    prune.ratio = 0.99;
    prune.finetune.epochs = 0;
    (void)pare::prune(plain, *m_data, prune);
    auto rounded = plain.clone();
    auto quantize = options(2, "kmeans");
    (void)quantizeWeights(plain, *m_data, quantize);
    quantize.biasFp16 = true;
    (void)quantizeWeights(rounded, *m_data, quantize);
    const auto plainBytes = plain.serialize(ModelFormat::Pare).size();
    const auto roundedBytes = rounded.serialize(ModelFormat::Pare).size();
    QVERIFY2(roundedBytes + 400 < plainBytes, qPrintable(QString("%1 vs %2").arg(roundedBytes).arg(plainBytes)));
    QVERIFY(qAbs(evaluate(rounded, *m_data).accuracy - evaluate(plain, *m_data).accuracy) <= 0.002);
    // A recipe says so, and reads back.
    const auto recipe
        = Recipe::fromJson(R"({"version": 1, "steps": [{"quantize": {"bits": 4, "bias_fp16": true}}]})", "r.json");
    QVERIFY(recipe.steps[0].quantize.biasFp16);
    QVERIFY(Recipe::fromJson(recipe.toJson(), "again").steps[0].quantize.biasFp16);
    QVERIFY(recipe.steps[0].describe().find("fp16 biases") != std::string::npos);
    // The int8 engine packs its own biases.
    auto int8 = QuantizeOptions::forEngine(Int8Engine::OneDnn);
    int8.biasFp16 = true;
    auto model = Model::load(bundledModelPath());
    QVERIFY_THROWS_EXCEPTION(InputError, (void)quantizeWeights(model, *m_data, int8));
}

void TestQuantization::badOptionsAreRejected()
{
    auto model = Model::fromZoo("lenet300@0.1");
    QVERIFY_THROWS_EXCEPTION(InputError, (void)quantizeWeights(model, *m_data, options(9, "uniform")));
    QVERIFY_THROWS_EXCEPTION(InputError, (void)quantizeWeights(model, *m_data, options(0, "uniform")));
    QVERIFY_THROWS_EXCEPTION(InputError, (void)quantizeWeights(model, *m_data, options(4, "logarithmic")));
}

QTEST_APPLESS_MAIN(TestQuantization)
#include "TestQuantization.moc"
