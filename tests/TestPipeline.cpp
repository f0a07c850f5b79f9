// Recipes and the pipeline on the bundled LeNet-5 and a real Fashion-MNIST subset: strict recipe files, snapshots
// whose sizes are real serializations, the original left untouched, determinism, cancellation, and pruned weights
// that stay zero through distillation-assisted fine-tuning.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pipeline.h"
#include "pare/Recipe.h"
#include "pare/Runtime.h"
#include "pare/Training.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace pare;

class TestPipeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void recipeRoundTrips();
    void badRecipesAreRejected_data();
    void badRecipesAreRejected();
    void snapshotsMeasureRealSerializations();
    void batch256LatencyComesFromTheEvaluation();
    void sameSeedSameRun();
    void distillingSelfKeepsPrunedWeightsAtZero();
    void cancelStopsBetweenBatches();
    void snapshotJsonRoundTrips();

private:
    static Recipe pruneThenQuantize(int finetuneEpochs);
    std::unique_ptr<Dataset> m_data;
    std::unique_ptr<Model> m_baseline;
};

void TestPipeline::initTestCase()
{
    // One thread: multi-threaded float sums are not reproducible bit for bit, and sameSeedSameRun compares exactly.
    configureThreads(1);
    DatasetOptions options;
    options.trainLimit = 2000;
    options.testLimit = 1000;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
    m_baseline = std::make_unique<Model>(Model::load(bundledModelPath()));
}

Recipe TestPipeline::pruneThenQuantize(int finetuneEpochs)
{
    Recipe::Simple simple;
    simple.pruneRatio = 0.8;
    simple.finetuneEpochs = finetuneEpochs;
    simple.bits = 4;
    simple.quantizeEpochs = 0;
    return Recipe::fromSimple(simple);
}

void TestPipeline::recipeRoundTrips()
{
    const std::string text = R"({"version": 1, "seed": 7, "augment": "crop-flip", "steps": [
        {"prune": {"method": "magnitude-global", "ratio": 0.9, "schedule": "gradual", "finetune_epochs": 2,
                   "allocate": "uniform", "gradual_steps": 5, "layer_floor": 0.002, "lr": 0.05}},
        {"distill": {"teacher": "original", "student": "self", "temperature": 4, "alpha": 0.9, "epochs": 1,
                     "lr": 0.03}},
        {"quantize": {"bits": 4, "scheme": "kmeans", "per_channel": true, "finetune_epochs": 1, "lr": 0.001}},
        {"evaluate": {}}]})";
    const auto recipe = Recipe::fromJson(text, "r.json");
    QCOMPARE(recipe.seed, uint64_t(7));
    QVERIFY(recipe.augment == Augmentation::CropFlip);
    QVERIFY(!Recipe::fromJson(R"({"version": 1, "steps": [{"evaluate": {}}]})", "r.json").augment);
    QCOMPARE(recipe.steps.size(), size_t(4));
    QCOMPARE(recipe.steps[0].prune.ratio, 0.9);
    QCOMPARE(recipe.steps[0].prune.schedule, PruneSchedule::Gradual);
    QCOMPARE(recipe.steps[1].distill.options.temperature, 4.0);
    QCOMPARE(recipe.steps[2].quantize.bits, 4);
    QVERIFY(recipe.steps[2].quantize.perChannel);
    QVERIFY(recipe.steps[3].kind == RecipeStep::Kind::Evaluate);
    // What toJson writes reads back to the same recipe, keys that differ from their defaults included.
    const auto again = Recipe::fromJson(recipe.toJson(), "again.json");
    QVERIFY(again.augment == Augmentation::CropFlip);
    QCOMPARE(again.steps[0].prune.gradualSteps, 5);
    QCOMPARE(again.steps[0].prune.layerFloor, 0.002);
    QCOMPARE(again.steps[0].prune.finetune.learningRate, 0.05);
    QCOMPARE(again.steps[1].distill.options.train.learningRate, 0.03);
    QCOMPARE(again.steps[2].quantize.finetune.learningRate, 0.001);
    QVERIFY(recipe.describe().find("2 ep at lr 0.05") != std::string::npos);
    QCOMPARE(Recipe::fromJson(recipe.toJson(), "again.json").toJson(), recipe.toJson());

    QTemporaryDir dir;
    const auto path = dir.filePath("r.json").toStdString();
    recipe.save(path);
    QCOMPARE(Recipe::load(path).toJson(), recipe.toJson());
    QVERIFY_THROWS_EXCEPTION(InputError, recipe.save(path)); // no silent overwrite
}

void TestPipeline::badRecipesAreRejected_data()
{
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("problem");
    QTest::newRow("not json") << "{\"version\": 1, "
                              << "not valid JSON";
    QTest::newRow("array") << "[1, 2]"
                           << "a recipe is a JSON object";
    QTest::newRow("version") << R"({"version": 2, "steps": [{"evaluate": {}}]})"
                             << "'version' must be 1";
    QTest::newRow("no steps") << R"({"version": 1, "steps": []})"
                              << "non-empty array";
    QTest::newRow("unknown step") << R"({"version": 1, "steps": [{"shrink": {}}]})"
                                  << "unknown step 'shrink'";
    QTest::newRow("misspelt key") << R"({"version": 1, "steps": [{"prune": {"ration": 0.5}}]})"
                                  << "steps[0].prune: unknown key 'ration'";
    QTest::newRow("ratio range") << R"({"version": 1, "steps": [{"prune": {"ratio": 1.5}}]})"
                                 << "'ratio' must be in";
    QTest::newRow("bits") << R"({"version": 1, "steps": [{"quantize": {"bits": 12}}]})"
                          << "'bits' must be 1..8";
    QTest::newRow("wrong type") << R"({"version": 1, "steps": [{"quantize": {"bits": "four"}}]})"
                                << "'bits' has the wrong type";
    QTest::newRow("method") << R"({"version": 1, "steps": [{"prune": {"method": "random"}}]})"
                            << "'method' must be one of";
    QTest::newRow("augment") << R"({"version": 1, "augment": "mixup", "steps": [{"evaluate": {}}]})"
                             << "'augment' must be one of none or crop-flip";
}

void TestPipeline::badRecipesAreRejected()
{
    QFETCH(QString, json);
    QFETCH(QString, problem);
    try {
        (void)Recipe::fromJson(json.toStdString(), "bad.json");
        QFAIL("the recipe was accepted");
    } catch (const InputError& e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.startsWith("bad.json: "), qPrintable(message));
        QVERIFY2(message.contains(problem), qPrintable(message));
        QVERIFY(!message.contains('\n'));
    }
}

void TestPipeline::snapshotsMeasureRealSerializations()
{
    const auto before = m_baseline->serialize();
    std::vector<Snapshot> seen;
    PipelineCallbacks callbacks;
    callbacks.snapshot = [&](const Snapshot& s) { seen.push_back(s); };
    const auto result = runPipeline(*m_baseline, *m_data, pruneThenQuantize(1), callbacks, nullptr, { 3 });

    QVERIFY(!result.cancelled);
    QVERIFY(result.model.has_value());
    QCOMPARE(result.snapshots.size(), size_t(4)); // baseline, prune, quantize, evaluate
    QCOMPARE(seen.size(), result.snapshots.size());
    QCOMPARE(result.snapshots[0].step, std::string("baseline"));
    QCOMPARE(result.snapshots[1].step, std::string("prune"));
    QCOMPARE(result.snapshots[1].epochs.size(), size_t(1));

    const auto& baseline = result.snapshots[0];
    const auto& last = result.snapshots.back();
    QCOMPARE(baseline.nonzeroParams, baseline.params);
    QVERIFY(last.nonzeroParams < baseline.params / 4);
    QVERIFY(last.sizes.pare * 10 < baseline.sizes.pare);
    // Unstructured pruning leaves TorchScript's dense tensors as large as before: the sizes must say so.
    QVERIFY(std::abs(last.sizes.torchScript - baseline.sizes.torchScript) < 200);
    // Every size is a real serialization of the model the pipeline returns.
    QCOMPARE(last.sizes.pare, int64_t(result.model->serialize(ModelFormat::Pare).size()));
    QCOMPARE(last.sizes.torchScript, int64_t(result.model->serialize(ModelFormat::TorchScript).size()));
    QCOMPARE(last.sizes.denseFp32, result.model->parameterCount() * 4);
    for (const auto& layer : last.layers) {
        QCOMPARE(layer.bits, 4);
        QVERIFY(layer.nonzero < layer.weights);
        QVERIFY(layer.macs > 0);
    }
    QCOMPARE(baseline.layers.front().bits, 32);
    QVERIFY(last.latency.batch256Ms > 0 && last.latency.batch1Ms > 0);
    QVERIFY(last.accuracy > 0.6);
    // The original is never modified.
    QVERIFY(m_baseline->serialize() == before);
}

void TestPipeline::batch256LatencyComesFromTheEvaluation()
{
    // 1,000 test images: 3 full batches of 256, each forward pass timed.
    const auto eval = evaluate(*m_baseline, *m_data, Split::Test, 256);
    QCOMPARE(eval.fullBatchMs.size(), size_t(3));
    for (double ms : eval.fullBatchMs)
        QVERIFY(ms > 0);
    // With 3 or more samples given, batch 256 is their median, and with 6 or more the first 3 warm-up passes are
    // left out; with fewer, it is measured.
    QCOMPARE(measureLatency(*m_baseline, { 1, 28, 28 }, 3, { 50.0, 10.0, 20.0 }).batch256Ms, 20.0);
    QCOMPARE(measureLatency(*m_baseline, { 1, 28, 28 }, 3, { 90.0, 80.0, 70.0, 4.0, 6.0, 5.0 }).batch256Ms, 5.0);
    const auto measured = measureLatency(*m_baseline, { 1, 28, 28 }, 3, { 1e6, 1e6 });
    QVERIFY(measured.batch256Ms > 0 && measured.batch256Ms < 1e6);
    QCOMPARE(measured.repeats, 3);
}

void TestPipeline::sameSeedSameRun()
{
    const auto recipe = pruneThenQuantize(1);
    const auto first = runPipeline(*m_baseline, *m_data, recipe, {}, nullptr, { 0 });
    const auto second = runPipeline(*m_baseline, *m_data, recipe, {}, nullptr, { 0 });
    QCOMPARE(first.snapshots.back().accuracy, second.snapshots.back().accuracy);
    QVERIFY(first.model->serialize(ModelFormat::Pare) == second.model->serialize(ModelFormat::Pare));
}

void TestPipeline::distillingSelfKeepsPrunedWeightsAtZero()
{
    const auto recipe = Recipe::fromJson(R"({"version": 1, "steps": [
        {"prune": {"ratio": 0.7, "schedule": "oneshot", "finetune_epochs": 0}},
        {"distill": {"student": "self", "temperature": 4, "alpha": 0.9, "epochs": 1}}]})",
                                         "kd.json");
    const auto result = runPipeline(*m_baseline, *m_data, recipe, {}, nullptr, { 0 });
    QCOMPARE(result.snapshots.size(), size_t(3));
    const auto& pruned = result.snapshots[1];
    const auto& distilled = result.snapshots[2];
    QCOMPARE(distilled.step, std::string("distill"));
    for (size_t i = 0; i < pruned.layers.size(); ++i)
        QCOMPARE(distilled.layers[i].nonzero, pruned.layers[i].nonzero);
    QVERIFY(distilled.teacherAgreement > 0.5 && distilled.teacherAgreement <= 1.0);
    QVERIFY(distilled.epochs.size() == 1);
}

void TestPipeline::cancelStopsBetweenBatches()
{
    CancelFlag cancel;
    int batchesAfterCancel = 0;
    PipelineCallbacks callbacks;
    callbacks.progress = [&](const PipelineProgress& p) {
        if (cancel.isRequested() && p.train.batch > 0)
            ++batchesAfterCancel;
        if (p.train.batch == 3)
            cancel.request();
    };
    const auto result = runPipeline(*m_baseline, *m_data, pruneThenQuantize(2), callbacks, &cancel, { 0 });
    QVERIFY(result.cancelled);
    QCOMPARE(result.snapshots.size(), size_t(1)); // the baseline; the cancelled prune step reports nothing
    QVERIFY(batchesAfterCancel <= 1);
}

void TestPipeline::snapshotJsonRoundTrips()
{
    const auto result = runPipeline(*m_baseline, *m_data, pruneThenQuantize(0), {}, nullptr, { 1 });
    const auto& s = result.snapshots.back();
    const auto back = snapshotFromJson(snapshotToJson(s), "s.json");
    QCOMPARE(snapshotToJson(back), snapshotToJson(s));
    QCOMPARE(back.sizes.pare, s.sizes.pare);
    QCOMPARE(back.layers.size(), s.layers.size());
    // Per-class accuracy, for comparing runs class by class: one per class, and they average to the accuracy
    // (the test subset holds the same number of images of every class only approximately, hence the tolerance).
    QCOMPARE(back.perClassAccuracy, s.perClassAccuracy);
    QCOMPARE(int64_t(s.perClassAccuracy.size()), m_data->classCount());
    double mean = 0.0;
    for (double a : s.perClassAccuracy)
        mean += a / double(s.perClassAccuracy.size());
    QVERIFY2(std::abs(mean - s.accuracy) < 0.05, qPrintable(QString("%1 vs %2").arg(mean).arg(s.accuracy)));
    QVERIFY_THROWS_EXCEPTION(InputError, (void)snapshotFromJson("{\"step\": 1}", "s.json"));
}

QTEST_APPLESS_MAIN(TestPipeline)
#include "TestPipeline.moc"
