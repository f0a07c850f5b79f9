// Structured (filter) pruning from the TorchScript graph: LeNet-5 and PyTorch's own scripted ResNet (BatchNorm, a
// projection shortcut, adaptive pooling) and traced MLP become genuinely smaller modules that PyTorch loads;
// removing only all-zero channels changes no output; an operation the analysis does not cover is named and nothing
// changes.

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Runtime.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace pare;

class TestFilterPruning : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void lenetLosesHalfItsChannels();
    void foreignModelsShrinkAndLoadInPytorch_data();
    void foreignModelsShrinkAndLoadInPytorch();
    void removingZeroChannelsChangesNoOutput_data();
    void removingZeroChannelsChangesNoOutput();
    void uncoveredOperationIsNamedAndNothingChanges();

private:
    static PruneOptions filters(double ratio);
    QJsonObject checkInPytorch(const Model& model, const QString& name);
    QTemporaryDir m_dir;
    std::unique_ptr<Dataset> m_data;
};

void TestFilterPruning::initTestCase()
{
    configureThreads();
    QVERIFY(pare::test::pytorchModels(m_dir.path()));
    DatasetOptions options;
    options.trainLimit = 1000;
    options.testLimit = 500;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
}

PruneOptions TestFilterPruning::filters(double ratio)
{
    PruneOptions options;
    options.method = PruneMethod::Filters;
    options.ratio = ratio;
    options.finetune.epochs = 0;
    return options;
}

QJsonObject TestFilterPruning::checkInPytorch(const Model& model, const QString& name)
{
    const QString path = m_dir.filePath(name);
    model.save(path.toStdString(), /*overwrite=*/true);
    const auto out = pare::test::runTorchPython(
        { QStringLiteral(PARE_TESTS_DIR "/fixtures.py"), QStringLiteral("check"), path, QStringLiteral("1,28,28") });
    return out ? QJsonDocument::fromJson(*out).object() : QJsonObject();
}

void TestFilterPruning::lenetLosesHalfItsChannels()
{
    auto model = Model::load(bundledModelPath());
    const auto torchScriptBefore = model.serialize().size();
    const auto result = prune(model, *m_data, filters(0.5));
    const auto summary = model.inspect();
    QCOMPARE(summary.layers.size(), size_t(4));
    QCOMPARE(summary.layers[0].weightShape, (std::vector<int64_t> { 10, 1, 5, 5 }));
    QCOMPARE(summary.layers[1].weightShape, (std::vector<int64_t> { 25, 10, 5, 5 }));
    QCOMPARE(summary.layers[2].weightShape, (std::vector<int64_t> { 250, 400 })); // 25 channels of 4x4 after flatten
    QCOMPARE(summary.layers[3].weightShape, (std::vector<int64_t> { 10, 250 }));  // the logits keep all 10 classes
    QCOMPARE(model.parameterCount(), int64_t(10 * 25 + 10 + 25 * 250 + 25 + 250 * 400 + 250 + 10 * 250 + 10));
    // Genuinely smaller in every format, and fewer multiply-accumulates.
    QVERIFY(model.serialize().size() * 3 < torchScriptBefore);
    QVERIFY(model.inspect().macs * 3 < Model::load(bundledModelPath()).inspect().macs);
    QCOMPARE(result.layers[0].weights, int64_t(500)); // reported against the layer before pruning
    QCOMPARE(result.layers[0].nonzero, int64_t(250));
    QVERIFY(evaluate(model, *m_data).accuracy > 0.3); // still a classifier before any fine-tuning
    const auto pytorch = checkInPytorch(model, "lenet-filters.pt");
    QCOMPARE(pytorch.value("params").toInt(), int(model.parameterCount()));
    QVERIFY(pytorch.value("finite").toBool());
}

void TestFilterPruning::foreignModelsShrinkAndLoadInPytorch_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("scripted ResNet with BatchNorm and a projection shortcut") << QStringLiteral("resnet_scripted.pt");
    QTest::newRow("traced MLP") << QStringLiteral("mlp_traced.pt");
}

void TestFilterPruning::foreignModelsShrinkAndLoadInPytorch()
{
    QFETCH(QString, file);
    auto model = Model::load(m_dir.filePath(file).toStdString());
    const auto before = model.parameterCount();
    (void)prune(model, *m_data, filters(0.5));
    // Half of every hidden layer goes; the logits keep all their outputs.
    QVERIFY2(model.parameterCount() * 19 < before * 10, qPrintable(QString::number(model.parameterCount())));
    QVERIFY(evaluate(model, *m_data).accuracy > 0.1);
    const auto pytorch = checkInPytorch(model, "pruned-" + file);
    QCOMPARE(pytorch.value("params").toInt(), int(model.parameterCount()));
    QCOMPARE(pytorch.value("output_shape").toVariant().toList().last().toInt(), 10);
    QVERIFY(pytorch.value("finite").toBool());
    if (file.startsWith("resnet")) {
        // The residual additions tie the stem, layer1's second convolution and their BatchNorms into one group.
        const auto summary = model.inspect({ 1, 28, 28 });
        int64_t stem = -1, layer1conv2 = -1, layer2conv2 = -1, shortcut = -1;
        for (const auto& layer : summary.layers) {
            if (layer.name == "stem.0")
                stem = layer.weightShape[0];
            if (layer.name == "layer1.conv2")
                layer1conv2 = layer.weightShape[0];
            if (layer.name == "layer2.conv2")
                layer2conv2 = layer.weightShape[0];
            if (layer.name == "layer2.shortcut.0")
                shortcut = layer.weightShape[0];
        }
        QCOMPARE(stem, int64_t(4));
        QCOMPARE(layer1conv2, stem);
        QCOMPARE(layer2conv2, int64_t(8));
        QCOMPARE(shortcut, layer2conv2);
    }
}

void TestFilterPruning::removingZeroChannelsChangesNoOutput_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("criterion");
    QTest::newRow("filters by L1 norm") << "filters"
                                        << "mean";
    QTest::newRow("activation, mean") << "activation"
                                      << "mean";
    QTest::newRow("activation, APoZ") << "activation"
                                      << "apoz";
}

void TestFilterPruning::removingZeroChannelsChangesNoOutput()
{
    QFETCH(QString, method);
    QFETCH(QString, criterion);
    // Zero the weakest half of every prunable channel group (weights and biases): those channels carry nothing, so
    // cutting exactly them out must leave every output as it was.
    Model::load(bundledModelPath()).save(m_dir.filePath("zeroed-src.pt").toStdString(), true);
    const QString zeroedPath = m_dir.filePath("zeroed.pt");
    QVERIFY(pare::test::runTorchScript(m_dir.filePath("zero.py"),
                                       "import sys, torch\n"
                                       "m = torch.jit.load(sys.argv[1])\n"
                                       "with torch.no_grad():\n"
                                       "    for name in ['conv1', 'conv2', 'fc1']:\n"
                                       "        layer = getattr(m, name)\n"
                                       "        n = layer.weight.shape[0]\n"
                                       "        layer.weight[n // 2:] = 0\n"
                                       "        layer.bias[n // 2:] = 0\n"
                                       "m.save(sys.argv[2])\n",
                                       { m_dir.filePath("zeroed-src.pt"), zeroedPath }));
    auto zeroed = Model::load(zeroedPath.toStdString());
    const auto reference = Model::load(zeroedPath.toStdString());
    // Dead channels have zero filters and zero activations: each ranking must pick exactly them.
    auto options = filters(0.5);
    options.method = parseOption<PruneMethod>(method.toStdString());
    options.activationCriterion = parseOption<ActivationCriterion>(criterion.toStdString());
    (void)prune(zeroed, *m_data, options);
    QCOMPARE(zeroed.parameterCount(), int64_t(109295));
    // Same logits for the same images, up to float rounding of a sum in another order.
    const auto a = evaluate(zeroed, *m_data);
    const auto b = evaluate(reference, *m_data);
    QCOMPARE(a.accuracy, b.accuracy);
    QVERIFY(std::abs(a.loss - b.loss) < 1e-5);
}

void TestFilterPruning::uncoveredOperationIsNamedAndNothingChanges()
{
    // A running sum over channels mixes them: the analysis does not follow it, so it keeps every channel it reads,
    // and here that is all of them.
    const QString path = m_dir.filePath("cumsum.pt");
    QVERIFY(pare::test::runTorchScript(m_dir.filePath("cumsum.py"),
                                       "import sys, torch\n"
                                       "class M(torch.nn.Module):\n"
                                       "    def __init__(self):\n"
                                       "        super().__init__()\n"
                                       "        self.a = torch.nn.Conv2d(1, 4, 3, padding=1)\n"
                                       "        self.b = torch.nn.Conv2d(1, 4, 3, padding=1)\n"
                                       "        self.fc = torch.nn.Linear(8 * 28 * 28, 10)\n"
                                       "    def forward(self, x):\n"
                                       "        y = torch.cumsum(torch.cat([self.a(x), self.b(x)], 1), 1)\n"
                                       "        return self.fc(torch.flatten(y, 1))\n"
                                       "torch.jit.script(M()).save(sys.argv[1])\n",
                                       { path }));
    auto model = Model::load(path.toStdString());
    const auto before = model.serialize();
    try {
        (void)prune(model, *m_data, filters(0.5));
        QFAIL("channels a cumsum mixes were pruned");
    } catch (const InputError& e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains("aten::cumsum"), qPrintable(message));
        QVERIFY2(message.contains("not changed"), qPrintable(message));
    }
    QVERIFY(model.serialize() == before);
}

QTEST_APPLESS_MAIN(TestFilterPruning)
#include "TestFilterPruning.moc"
