// Sensitivity analysis and what it drives: per-layer curves measured on copies of the bundled LeNet-5, the greedy
// allocation of per-layer ratios, pruning with --allocate sensitivity, mixed-precision quantization, the CSV.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"
#include "pare/Runtime.h"
#include "pare/Sensitivity.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>
#include <random>

#include <set>

using namespace pare;

class TestSensitivity : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void curvesShowWhichLayersAreFragile();
    void allocationHitsTheTargetAndSparesSensitiveLayers();
    void pruneWithSensitivityAllocation();
    void mixedPrecisionPerLayer();
    void bitAllocationSparesSensitiveLayers();
    void bitAllocationOfManyLayersIsOptimal();
    void quantizeWithSensitivityAllocation();
    void timeBudgetPlansFewerImagesThenSettings();
    void timeBudgetSamplesAndSaysSo();

private:
    std::unique_ptr<Dataset> m_data;
    std::unique_ptr<Model> m_baseline;
    SensitivityResult m_sensitivity;
};

void TestSensitivity::initTestCase()
{
    configureThreads();
    DatasetOptions options;
    options.trainLimit = 3000;
    options.testLimit = 500;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
    m_baseline = std::make_unique<Model>(Model::load(bundledModelPath()));
    SensitivityOptions quick;
    quick.ratios = { 0.5, 0.9, 0.95 };
    quick.bits = { 8, 2 };
    const auto before = m_baseline->serialize();
    m_sensitivity = analyzeSensitivity(*m_baseline, *m_data, quick);
    QVERIFY(m_baseline->serialize() == before); // measured on copies
}

void TestSensitivity::curvesShowWhichLayersAreFragile()
{
    const auto& s = m_sensitivity;
    QCOMPARE(s.split, Split::Validation);
    QCOMPARE(s.images, std::min<int64_t>(3000, m_data->size(Split::Validation)));
    QCOMPARE(s.layers.size(), size_t(4));
    std::map<std::string, const LayerSensitivity*> byName;
    for (const auto& layer : s.layers) {
        QCOMPARE(layer.pruneAccuracy.size(), size_t(3));
        QCOMPARE(layer.quantizeAccuracy.size(), size_t(2));
        // 8-bit k-means of one layer costs (almost) nothing.
        QVERIFY(std::abs(layer.quantizeAccuracy[0] - s.baselineAccuracy) < 0.02);
        byName[layer.name] = &layer;
    }
    // fc1 holds 93% of the weights and is redundant; conv1's 500 weights are not.
    QVERIFY(byName.at("fc1")->pruneAccuracy[1] > byName.at("conv1")->pruneAccuracy[1]);
    QVERIFY(byName.at("fc1")->pruneAccuracy[1] > s.baselineAccuracy - 0.05);

    const auto csv = QString::fromStdString(sensitivityCsv(s)).trimmed().split('\n');
    QCOMPARE(csv.size(), 1 + 4 * (3 + 2));
    QCOMPARE(csv[0], QString("layer,weights,kind,setting,accuracy,drop"));
}

void TestSensitivity::allocationHitsTheTargetAndSparesSensitiveLayers()
{
    SensitivityResult s;
    s.ratios = { 0.25, 0.5, 0.75 };
    s.baselineAccuracy = 0.9;
    s.layers = { { "robust", 1000, { 0.9, 0.9, 0.89 }, {} }, { "fragile", 1000, { 0.85, 0.6, 0.3 }, {} } };
    const auto allocation = allocateRatios(s, 0.5);
    QCOMPARE(allocation.size(), size_t(2));
    QCOMPARE(allocation[0].first, std::string("robust"));
    QVERIFY(allocation[0].second > allocation[1].second);
    QCOMPARE(allocation[0].second, 0.75); // robust goes as far as measured before fragile moves
    QVERIFY(std::abs((allocation[0].second + allocation[1].second) * 1000 - 1000) < 1e-6); // exactly 50% overall
    QVERIFY_THROWS_EXCEPTION(InputError, (void)allocateRatios(s, 0.8));

    const auto real = allocateRatios(m_sensitivity, 0.9);
    double removed = 0, total = 0;
    for (size_t i = 0; i < real.size(); ++i) {
        removed += real[i].second * double(m_sensitivity.layers[i].weights);
        total += double(m_sensitivity.layers[i].weights);
    }
    QVERIFY(std::abs(removed / total - 0.9) < 1e-9);
}

void TestSensitivity::pruneWithSensitivityAllocation()
{
    auto model = m_baseline->clone();
    PruneOptions options;
    options.ratio = 0.9;
    options.allocate = Allocation::Sensitivity;
    options.finetune.epochs = 0;
    const auto result = prune(model, *m_data, options);
    QCOMPARE(result.allocatedRatios.size(), size_t(4));
    QVERIFY(std::abs(result.sparsity() - 0.9) < 0.001);
    for (const auto& layer : result.layers)
        QVERIFY(std::abs(layer.sparsity() - result.allocatedRatios.at(layer.name)) < 0.002);
}

void TestSensitivity::mixedPrecisionPerLayer()
{
    auto model = m_baseline->clone();
    QuantizeOptions options;
    options.bits = 4;
    options.scheme = QuantScheme::KMeans;
    options.layerBits = { { "conv1", 8 }, { "fc1", 2 }, { "fc2", 32 } };
    const auto result = quantizeWeights(model, *m_data, options);
    std::map<std::string, LayerQuantization> byName;
    for (const auto& layer : result.layers)
        byName[layer.name] = layer;
    QCOMPARE(byName.at("conv1").bits, 8);
    QCOMPARE(byName.at("conv2").bits, 4);
    QCOMPARE(byName.at("fc1").bits, 2);
    QCOMPARE(byName.at("fc2").bits, 32);
    QVERIFY(byName.at("conv1").distinctValues <= 256);
    QVERIFY(byName.at("conv2").distinctValues <= 16);
    QVERIFY(byName.at("fc1").distinctValues <= 4);
    QVERIFY(byName.at("fc2").distinctValues > 256); // left as it was
    options.layerBits = { { "conv1", 12 } };
    QVERIFY_THROWS_EXCEPTION(InputError, (void)quantizeWeights(model, *m_data, options));
}

void TestSensitivity::bitAllocationSparesSensitiveLayers()
{
    SensitivityResult s;
    s.bits = { 8, 4, 2 };
    s.baselineAccuracy = 0.9;
    // "big" has most weights and does not mind 2 bits; "small" collapses below 8.
    s.layers = { { "big", 9000, {}, { 0.9, 0.9, 0.89 } }, { "small", 1000, {}, { 0.9, 0.7, 0.3 } } };
    const auto allocations = allocateBits(s, 3.0, 3);
    QVERIFY(!allocations.empty());
    QCOMPARE(allocations.front(), (std::vector<std::pair<std::string, int>> { { "big", 2 }, { "small", 8 } }));
    for (const auto& allocation : allocations) { // every candidate fits: 9000*b1 + 1000*b2 <= 3 bits on average
        const double average = (9000.0 * allocation[0].second + 1000.0 * allocation[1].second) / 10000.0;
        QVERIFY(average <= 3.0);
    }
    QVERIFY_THROWS_EXCEPTION(InputError, (void)allocateBits(s, 1.5, 1));
}

/// Ten layers at five bit-widths are 9.7 million combinations, past what allocateBits tries one by one: the budget
/// knapsack must find the same least predicted loss as trying them all (here, by brute force in the test). 2,048
/// weights in all make every layer's cost a whole number of budget units, so rounding cannot cost anything.
void TestSensitivity::bitAllocationOfManyLayersIsOptimal()
{
    SensitivityResult s;
    s.bits = { 8, 6, 4, 3, 2 };
    s.baselineAccuracy = 0.9;
    const std::vector<int64_t> weights { 512, 384, 256, 256, 192, 128, 128, 96, 64, 32 };
    std::mt19937 random(7);
    std::uniform_real_distribution<double> drop(0.0, 0.05);
    std::vector<std::vector<double>> loss(weights.size()); // non-decreasing as bits shrink, as allocateBits assumes
    for (size_t l = 0; l < weights.size(); ++l) {
        LayerSensitivity layer;
        layer.name = "layer" + std::to_string(l);
        layer.weights = weights[l];
        double accuracy = s.baselineAccuracy;
        for (size_t i = 0; i < s.bits.size(); ++i) {
            accuracy -= drop(random);
            layer.quantizeAccuracy.push_back(accuracy);
            loss[l].push_back(s.baselineAccuracy - accuracy);
        }
        s.layers.push_back(layer);
    }
    const double target = 3.5;
    double bestLoss = 1e9;
    std::vector<size_t> pick(weights.size(), 0);
    const auto search = [&](auto&& self, size_t l, int64_t bitWeights, double predicted) -> void {
        if (l == weights.size()) {
            if (double(bitWeights) <= target * 2048.0)
                bestLoss = std::min(bestLoss, predicted);
            return;
        }
        for (size_t i = 0; i < s.bits.size(); ++i)
            self(self, l + 1, bitWeights + weights[l] * s.bits[i], predicted + loss[l][i]);
    };
    search(search, 0, 0, 0.0);

    const auto allocations = allocateBits(s, target, 4);
    QVERIFY(allocations.size() >= 2);
    for (size_t c = 0; c < allocations.size(); ++c) {
        double predicted = 0, bitWeights = 0;
        for (size_t l = 0; l < weights.size(); ++l) {
            const auto i = size_t(std::find(s.bits.begin(), s.bits.end(), allocations[c][l].second) - s.bits.begin());
            predicted += loss[l][i];
            bitWeights += double(weights[l] * s.bits[i]);
        }
        QVERIFY(bitWeights <= target * 2048.0);
        if (c == 0)
            QVERIFY2(std::abs(predicted - bestLoss) < 1e-12,
                     qPrintable(QString("%1 vs %2").arg(predicted).arg(bestLoss)));
        else
            QVERIFY(predicted >= bestLoss - 1e-12);
    }
}

void TestSensitivity::quantizeWithSensitivityAllocation()
{
    auto model = m_baseline->clone();
    QuantizeOptions options;
    options.bits = 3;
    options.averageBits = 2.5;
    options.allocate = Allocation::Sensitivity;
    const auto result = quantizeWeights(model, *m_data, options);
    double bitWeights = 0.0, weights = 0.0;
    std::set<int> used;
    for (const auto& layer : result.layers) {
        bitWeights += double(layer.bits) * double(layer.weights);
        weights += double(layer.weights);
        used.insert(layer.bits);
        QVERIFY(layer.distinctValues <= (int64_t(1) << layer.bits));
    }
    QVERIFY(bitWeights / weights <= 2.5);
    QVERIFY(used.size() > 1); // 2.5 bits on average cannot be one integer width: the layers differ
}

void TestSensitivity::timeBudgetPlansFewerImagesThenSettings()
{
    SensitivityOptions options; // 10 ratios, 5 bit-widths
    options.budgetSeconds = 0.0;
    // 1/1024 s per image, a binary fraction, so that the arithmetic below is exact.
    constexpr double kSecondsPerImage = 1.0 / 1024.0;
    auto plan = planSensitivity(options, 3000, 100, kSecondsPerImage);
    QCOMPARE(plan.images, int64_t(3000)); // no budget: the full grid
    QCOMPARE(plan.ratios, options.ratios);
    // 100 layers x 15 settings x 3000 images = 4394.5 s. 900 s: 614 images.
    options.budgetSeconds = 900.0;
    plan = planSensitivity(options, 3000, 100, kSecondsPerImage);
    QCOMPARE(plan.images, int64_t(614));
    QCOMPARE(plan.bits, options.bits);
    // 60 s: 256 images (the floor; 25 s a setting), 2 settings: the strongest ratio and the fewest bits.
    options.budgetSeconds = 60.0;
    plan = planSensitivity(options, 3000, 100, kSecondsPerImage);
    QCOMPARE(plan.images, kFewestSensitivityImages);
    QCOMPARE(plan.ratios, std::vector<double>({ 0.95 }));
    QCOMPARE(plan.bits, std::vector<int>({ 2 }));
    // 300 s: 12 settings at the floor, shared 8 ratios / 4 bit-widths, evenly spread, the strongest kept.
    options.budgetSeconds = 300.0;
    plan = planSensitivity(options, 3000, 100, kSecondsPerImage);
    QCOMPARE(plan.ratios.size(), size_t(8));
    QCOMPARE(plan.ratios.back(), 0.95);
    QCOMPARE(plan.bits.size(), size_t(4));
    QCOMPARE(plan.bits.back(), 2);
    QVERIFY(std::is_sorted(plan.ratios.begin(), plan.ratios.end()));
}

void TestSensitivity::timeBudgetSamplesAndSaysSo()
{
    // A budget far below what the full grid takes on LeNet-5 here: sampled, every layer measured, and the JSON says
    // what was.
    SensitivityOptions options;
    options.budgetSeconds = 0.05;
    std::vector<std::pair<int64_t, int64_t>> progress;
    const auto s = analyzeSensitivity(*m_baseline, *m_data, options, nullptr,
                                      [&](int64_t done, int64_t total) { progress.emplace_back(done, total); });
    QVERIFY(s.sampling.sampled);
    QCOMPARE(s.layers.size(), size_t(4));
    QCOMPARE(s.images, kFewestSensitivityImages);
    QVERIFY(s.ratios.size() + s.bits.size() < options.ratios.size() + options.bits.size());
    QCOMPARE(s.ratios.back(), options.ratios.back());
    QVERIFY(s.sampling.fullGridSeconds > options.budgetSeconds);
    for (const auto& layer : s.layers) {
        QCOMPARE(layer.pruneAccuracy.size(), s.ratios.size());
        QCOMPARE(layer.quantizeAccuracy.size(), s.bits.size());
    }
    const int64_t points = int64_t(4 * (s.ratios.size() + s.bits.size()));
    QCOMPARE(progress.size(), size_t(points));
    QCOMPARE(progress.back(), std::make_pair(points, points));
    const auto json = QJsonDocument::fromJson(QByteArray::fromStdString(sensitivityJson(s))).object();
    const auto sampling = json["sampling"].toObject();
    QCOMPARE(sampling["sampled"].toBool(), true);
    QCOMPARE(sampling["images_measured"].toInteger(), kFewestSensitivityImages);
    QCOMPARE(sampling["images_asked"].toInteger(), s.sampling.imagesAsked);
    QCOMPARE(sampling["budget_seconds"].toDouble(), 0.05);
    QCOMPARE(json["ratios"].toArray().size(), qsizetype(s.ratios.size()));
}

QTEST_APPLESS_MAIN(TestSensitivity)
#include "TestSensitivity.moc"
