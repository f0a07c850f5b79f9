// Pare works on models it did not build, and PyTorch loads the models Pare writes. Fixtures come from
// tests/fixtures.py, run with Debian's python3-torch at test time.

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Model.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

class TestPytorchInterop : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void evalMatchesPytorch_data();
    void evalMatchesPytorch();
    void inspectReadsForeignGraphs();
    void zooFilesLoadInPytorch_data();
    void zooFilesLoadInPytorch();

private:
    static constexpr int kTestImages = 2000; // the images pytorchModels() measures PyTorch on
    QTemporaryDir m_dir;
    QJsonObject m_pytorchAccuracy;
};

void TestPytorchInterop::initTestCase()
{
    const auto out = pare::test::pytorchModels(m_dir.path()); // PyTorch's accuracy on the first kTestImages
    QVERIFY(out);
    m_pytorchAccuracy = QJsonDocument::fromJson(*out).object();
    QVERIFY2(m_pytorchAccuracy.contains("resnet_scripted"), out->constData());
}

void TestPytorchInterop::evalMatchesPytorch_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("scripted ResNet with BatchNorm and a projection shortcut") << "resnet_scripted";
    QTest::newRow("traced MLP") << "mlp_traced";
}

void TestPytorchInterop::evalMatchesPytorch()
{
    QFETCH(QString, name);
    // No pare.json in these files: Pare takes the input shape from the data and Fashion-MNIST's statistics,
    // exactly what the fixture script normalized with.
    const auto run = pare::test::runPare({ "eval", m_dir.path() + "/" + name + ".pt", "--data", "fashion-mnist",
                                           "--test-limit", QString::number(kTestImages), "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto result = QJsonDocument::fromJson(run.out.toUtf8()).object();
    const double pare = result.value("accuracy").toDouble();
    const double pytorch = m_pytorchAccuracy.value(name).toDouble();
    QVERIFY2(pytorch > 0.5, "the fixture did not learn");
    // Same LibTorch, same input: at most one borderline image may flip through float summation order.
    QVERIFY2(qAbs(pare - pytorch) <= 1.0 / kTestImages + 1e-9,
             qPrintable(QString("pare %1, pytorch %2").arg(pare).arg(pytorch)));
    QCOMPARE(result.value("images").toInt(), kTestImages);
}

void TestPytorchInterop::inspectReadsForeignGraphs()
{
    const auto model = pare::Model::load(QString(m_dir.path() + "/resnet_scripted.pt").toStdString());
    const auto summary = model.inspect({ 1, 28, 28 });
    QCOMPARE(summary.architecture, std::string("SmallResNet"));
    QCOMPARE(summary.outputs, int64_t(10));
    // stem conv, stem BN, 2 convs + 2 BNs per block, projection conv + BN, fc.
    QCOMPARE(summary.layers.size(), size_t(2 + 4 + 4 + 2 + 1));
    const auto& projection = summary.layers[10];
    QCOMPARE(projection.name, std::string("layer2.shortcut.0"));
    QCOMPARE(projection.type, std::string("Conv2d"));
    // 1x1 conv, 8->16 channels, stride 2 on 28x28: 16 x 14 x 14 outputs of 8 MACs each.
    QCOMPARE(projection.macs, int64_t(16 * 14 * 14 * 8));
    const auto traced
        = pare::Model::load(QString(m_dir.path() + "/mlp_traced.pt").toStdString()).inspect({ 1, 28, 28 });
    QCOMPARE(traced.params, int64_t(784 * 128 + 128 + 128 * 10 + 10));
    QCOMPARE(traced.macs, int64_t(784 * 128 + 128 * 10));
}

void TestPytorchInterop::zooFilesLoadInPytorch_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("shape");
    QTest::newRow("lenet5") << "lenet5"
                            << "1,28,28";
    QTest::newRow("lenet300@0.5") << "lenet300@0.5"
                                  << "1,28,28";
    QTest::newRow("resnet8") << "resnet8"
                             << "3,32,32";
}

void TestPytorchInterop::zooFilesLoadInPytorch()
{
    QFETCH(QString, spec);
    QFETCH(QString, shape);
    const auto model = pare::Model::fromZoo(spec.toStdString());
    const QString path = m_dir.path() + "/zoo-" + spec + ".pt";
    model.save(path.toStdString());
    const auto out
        = pare::test::runTorchPython({ QStringLiteral(PARE_TESTS_DIR "/fixtures.py"), "check", path, shape });
    QVERIFY2(out, "torch.jit.load failed on a file Pare wrote");
    const auto facts = QJsonDocument::fromJson(*out).object();
    QVERIFY2(!facts.isEmpty(), "torch.jit.load failed on a file Pare wrote");
    QCOMPARE(facts.value("output_shape").toVariant().toList(), (QVariantList { 3, 10 }));
    QCOMPARE(qint64(facts.value("params").toDouble()), qint64(model.parameterCount()));
    QVERIFY(facts.value("finite").toBool());
    const auto record = facts.value("record").toObject();
    QCOMPARE(record.value("input_shape").toVariant().toList().size(), 3);
}

QTEST_APPLESS_MAIN(TestPytorchInterop)
#include "TestPytorchInterop.moc"
