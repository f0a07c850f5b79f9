// ONNX export from the TorchScript graph: the bundled LeNet-5 dense and pruned, and PyTorch's own fixtures (a
// scripted ResNet with BatchNorm, a projection shortcut and adaptive pooling; a traced MLP) run in OpenCV's DNN
// module with the same top-1 as LibTorch; an operation the exporter does not cover is named, and nothing is written.

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Onnx.h"
#include "pare/Pruning.h"
#include "pare/Runtime.h"
#include "pare/Training.h"

#include <QTemporaryDir>

#include <QtTest>
#include <cmath>

using namespace pare;

class TestOnnx : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void agreesWithLibTorchInOpenCv_data();
    void agreesWithLibTorchInOpenCv();
    void prunedExportIsDenseButAgrees();
    void uncoveredOperationIsNamed();
    void branchesOnShapesResolveAndOnValuesAreRefused();
    void onnxFilesPareWroteReadBack();

private:
    void expectAgreement(const Model& model, const Dataset& data);
    QTemporaryDir m_dir;
    std::unique_ptr<Dataset> m_data;
};

void TestOnnx::initTestCase()
{
    configureThreads();
    QVERIFY(pare::test::pytorchModels(m_dir.path()));
    DatasetOptions options;
    options.trainLimit = 1000;
    options.testLimit = 2000;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
}

void TestOnnx::expectAgreement(const Model& model, const Dataset& data)
{
    const auto bytes = model.serialize(ModelFormat::Onnx);
    const auto check = checkOnnxWithOpenCv(bytes, model, data);
    QCOMPARE(check.images, data.size(Split::Test));
    // The bar: the same top-1 on at least 99.9% of the images, every difference a near-tie.
    QVERIFY2(check.agreement() >= 0.999, qPrintable(QString::number(check.agreement())));
    QCOMPARE(check.images - check.sameTopOne, check.nearTieDifferences);
    QVERIFY(check.maxAbsLogitDifference < 1e-3);
}

void TestOnnx::agreesWithLibTorchInOpenCv_data()
{
    QTest::addColumn<QString>("model");
    QTest::newRow("bundled LeNet-5") << QString::fromStdString(bundledModelPath());
    QTest::newRow("scripted ResNet with BatchNorm") << m_dir.filePath("resnet_scripted.pt");
    QTest::newRow("traced MLP") << m_dir.filePath("mlp_traced.pt");
}

void TestOnnx::agreesWithLibTorchInOpenCv()
{
    QFETCH(QString, model);
    auto loaded = Model::load(model.toStdString());
    if (!loaded.record().present) { // PyTorch's files carry no pare.json: the data's shape applies
        auto record = loaded.record();
        record.inputShape = { 1, 28, 28 };
        loaded.setRecord(record);
    }
    expectAgreement(loaded, *m_data);
    // save() writes the same bytes, atomically, by the extension.
    const auto path = m_dir.filePath("out.onnx").toStdString();
    const auto written = loaded.save(path, /*overwrite=*/true);
    QCOMPARE(written, int64_t(loaded.serialize(ModelFormat::Onnx).size()));
}

void TestOnnx::prunedExportIsDenseButAgrees()
{
    auto model = Model::load(bundledModelPath());
    const auto dense = model.serialize(ModelFormat::Onnx).size();
    PruneOptions options;
    options.ratio = 0.9;
    options.finetune.epochs = 0;
    (void)prune(model, *m_data, options);
    expectAgreement(model, *m_data);
    // ONNX stores dense fp32 tensors: pruning does not make the file smaller (Pare says so), .pare does.
    const auto pruned = model.serialize(ModelFormat::Onnx).size();
    QVERIFY(pruned + 100 > dense && pruned < dense + 100);
    QVERIFY(model.serialize(ModelFormat::Pare).size() * 5 < pruned);
}

void TestOnnx::uncoveredOperationIsNamed()
{
    const QString path = m_dir.filePath("cumsum.pt");
    QVERIFY(pare::test::runTorchScript(m_dir.filePath("unsupported.py"),
                                       "import sys, torch\n"
                                       "class M(torch.nn.Module):\n"
                                       "    def __init__(self):\n"
                                       "        super().__init__()\n"
                                       "        self.fc = torch.nn.Linear(784, 10)\n"
                                       "    def forward(self, x):\n"
                                       "        return self.fc(torch.flatten(x, 1)).cumsum(1)\n"
                                       "torch.jit.script(M()).save(sys.argv[1])\n",
                                       { path }));
    auto model = Model::load(path.toStdString());
    auto record = model.record();
    record.inputShape = { 1, 28, 28 };
    model.setRecord(record);
    const QString out = m_dir.filePath("cumsum.onnx");
    try {
        model.save(out.toStdString());
        QFAIL("an uncovered operation was exported");
    } catch (const InputError& e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains("aten::cumsum"), qPrintable(message));
        QVERIFY(!message.contains('\n'));
    }
    QVERIFY(!QFileInfo::exists(out));
}

/// Scripted code branches on shapes (PyTorch's checks, attention's fast path): the export takes the branch the
/// export's shape takes. A branch on what a tensor holds cannot be decided for every input: refused, nothing written.
void TestOnnx::branchesOnShapesResolveAndOnValuesAreRefused()
{
    const QString onShape = m_dir.filePath("branch_on_shape.pt"), onValue = m_dir.filePath("branch_on_value.pt");
    QVERIFY(pare::test::runTorchScript(m_dir.filePath("branches.py"),
                                       "import sys, torch\n"
                                       "class M(torch.nn.Module):\n"
                                       "    def __init__(self, on_value: bool):\n"
                                       "        super().__init__()\n"
                                       "        self.fc = torch.nn.Linear(784, 10)\n"
                                       "        self.on_value = on_value\n"
                                       "    def forward(self, x):\n"
                                       "        y = self.fc(torch.flatten(x, 1))\n"
                                       "        if self.on_value:\n"
                                       "            if bool(torch.relu(x[0, 0, 0, 0] - 0.5)):\n"
                                       "                y = y + 1.0\n"
                                       "        elif x.dim() == 4 and x.size(1) == 1:\n"
                                       "            y = y * 2.0\n"
                                       "        else:\n"
                                       "            y = y - 3.0\n"
                                       "        return y\n"
                                       "torch.jit.script(M(False)).save(sys.argv[1])\n"
                                       "torch.jit.script(M(True)).save(sys.argv[2])\n",
                                       { onShape, onValue }));
    for (const auto& path : { onShape, onValue }) {
        auto model = Model::load(path.toStdString());
        auto record = model.record();
        record.inputShape = { 1, 28, 28 };
        model.setRecord(record);
        if (path == onShape) {
            expectAgreement(model, *m_data);
            continue;
        }
        const QString out = m_dir.filePath("branch_on_value.onnx");
        try {
            model.save(out.toStdString());
            QFAIL("a branch on a tensor's values was exported");
        } catch (const InputError& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.startsWith(path) && message.contains("control flow"), qPrintable(message));
            QVERIFY(!message.contains('\n'));
        }
        QVERIFY(!QFileInfo::exists(out));
    }
}

void TestOnnx::onnxFilesPareWroteReadBack()
{
    // Pare reads ONNX since the import (issue 14): its own export, read back, is the same network.
    const auto path = m_dir.filePath("lenet.onnx").toStdString();
    const auto original = Model::load(bundledModelPath());
    original.save(path, /*overwrite=*/true);
    const auto reread = Model::load(path);
    QCOMPARE(reread.parameterCount(), original.parameterCount());
    const auto before = evaluate(original, *m_data);
    const auto after = evaluate(reread, *m_data);
    QCOMPARE(after.accuracy, before.accuracy);
    QVERIFY(std::abs(after.loss - before.loss) < 1e-5);
}

QTEST_APPLESS_MAIN(TestOnnx)
#include "TestOnnx.moc"
