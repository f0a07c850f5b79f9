// The zoo's exact architectures, saving and loading TorchScript with the pare.json record, inspection.

#include "TestSupport.h"

#include "pare/Error.h"
#include "pare/Model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using pare::Model;

class TestModels : public QObject
{
    Q_OBJECT

private slots:
    void zooParameterCounts_data();
    void zooParameterCounts();
    void lenet5LayersAndMacs();
    void widthMustBeANumber();
    void saveWritesRecordAndLoadsBack();
    void saveIsAtomicAndRefusesExistingFiles();
    void cloneIsIndependent();
    void badModelFiles_data();
    void badModelFiles();
    void bundledModelIsFound();

private:
    QTemporaryDir m_dir;
};

void TestModels::zooParameterCounts_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<qint64>("params");
    QTest::newRow("lenet5") << "lenet5" << qint64(431080);
    QTest::newRow("lenet5@0.5") << "lenet5@0.5" << qint64(109295);
    QTest::newRow("lenet300") << "lenet300" << qint64(266610);
    // lenet300@0.5: 784-150-50-10 = 117,750 + 7,550 + 510.
    QTest::newRow("lenet300@0.5") << "lenet300@0.5" << qint64(125810);
    // resnet8: stem conv 432 + BN 32, block 16->16 (2x2,304 + 2x32), 16->32 (4,608 + 9,216 + 512 + 3x64),
    // 32->64 (18,432 + 36,864 + 2,048 + 3x128), fc 650.
    QTest::newRow("resnet8") << "resnet8" << qint64(78042);
}

void TestModels::zooParameterCounts()
{
    QFETCH(QString, spec);
    QFETCH(qint64, params);
    const auto model = Model::fromZoo(spec.toStdString());
    QCOMPARE(model.parameterCount(), int64_t(params));
    QCOMPARE(model.inspect().params, int64_t(params));
}

void TestModels::lenet5LayersAndMacs()
{
    const auto summary = Model::fromZoo("lenet5").inspect();
    QCOMPARE(summary.architecture, std::string("LeNet5"));
    QCOMPARE(summary.outputs, int64_t(10));
    QCOMPARE(summary.layers.size(), size_t(4));
    QCOMPARE(summary.layers[0].name, std::string("conv1"));
    QCOMPARE(summary.layers[0].type, std::string("Conv2d"));
    QCOMPARE(summary.layers[0].weightShape, (std::vector<int64_t> { 20, 1, 5, 5 }));
    // conv1: 20 x 24 x 24 outputs of 25 MACs; conv2: 50 x 8 x 8 of 500; fc1 800 x 500; fc2 500 x 10.
    QCOMPARE(summary.layers[0].macs, int64_t(288000));
    QCOMPARE(summary.layers[1].macs, int64_t(1600000));
    QCOMPARE(summary.layers[2].macs, int64_t(400000));
    QCOMPARE(summary.layers[3].macs, int64_t(5000));
    QCOMPARE(summary.macs, int64_t(2293000));
    QCOMPARE(summary.bytes, int64_t(431080 * 4));
}

void TestModels::widthMustBeANumber()
{
    QVERIFY_THROWS_EXCEPTION(pare::InputError, (void)Model::fromZoo("lenet5@half"));
    QVERIFY_THROWS_EXCEPTION(pare::InputError, (void)Model::fromZoo("lenet5@0"));
    QVERIFY_THROWS_EXCEPTION(pare::InputError, (void)Model::fromZoo("alexnet"));
}

void TestModels::saveWritesRecordAndLoadsBack()
{
    auto model = Model::fromZoo("lenet300@0.5", { 1, 28, 28 }, 10, /*seed=*/3);
    pare::ModelRecord record;
    record.inputShape = { 1, 28, 28 };
    record.mean = { 0.286f };
    record.std = { 0.353f };
    record.classes = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" };
    model.setRecord(record);
    const QString path = m_dir.path() + "/mlp.pt";
    const int64_t written = model.save(path.toStdString());
    QCOMPARE(written, int64_t(QFileInfo(path).size()));
    QCOMPARE(written, int64_t(model.serialize().size()));

    const auto loaded = Model::load(path.toStdString());
    QVERIFY(loaded.record().present);
    QCOMPARE(loaded.record().inputShape, record.inputShape);
    QCOMPARE(loaded.record().mean, record.mean);
    QCOMPARE(loaded.record().classes, record.classes);
    QCOMPARE(loaded.parameterCount(), int64_t(125810));
    QCOMPARE(loaded.inspect().macs, model.inspect().macs);
}

void TestModels::saveIsAtomicAndRefusesExistingFiles()
{
    const auto model = Model::fromZoo("lenet5@0.25");
    const QString path = m_dir.path() + "/existing.pt";
    QFile existing(path);
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.write("precious");
    existing.close();
    QVERIFY_THROWS_EXCEPTION(pare::InputError, model.save(path.toStdString()));
    QVERIFY(existing.open(QIODevice::ReadOnly));
    QCOMPARE(existing.readAll(), QByteArray("precious"));
    existing.close();
    QVERIFY(model.save(path.toStdString(), /*overwrite=*/true) > 1000);
    // No temporary file is left beside it.
    QCOMPARE(QDir(m_dir.path()).entryList(QStringList { ".existing.pt*" }, QDir::Hidden | QDir::Files).size(), 0);
    // A missing folder is bad input, not a crash.
    QVERIFY_THROWS_EXCEPTION(pare::InputError, model.save(QString(m_dir.path() + "/no/such/dir/m.pt").toStdString()));
}

void TestModels::cloneIsIndependent()
{
    auto original = Model::fromZoo("lenet5@0.25");
    const auto before = original.serialize();
    auto copy = original.clone();
    const auto copyBytes = copy.serialize();
    QCOMPARE(copyBytes.size(), before.size());
    // Saving the clone under its own name must not touch the original's weights.
    const QString path = m_dir.path() + "/clone.pt";
    copy.save(path.toStdString());
    QCOMPARE(original.serialize(), before);
}

void TestModels::badModelFiles_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    const auto good = QByteArray::fromStdString(Model::fromZoo("lenet5@0.25").serialize());
    QTest::newRow("empty") << QByteArray() << "empty file";
    QTest::newRow("truncated") << good.left(good.size() / 2) << "corrupt TorchScript archive";
    QTest::newRow("text") << QByteArray("hello, I am not a model\n") << "not a TorchScript archive";
    QTest::newRow("legacy pickle") << QByteArray("\x80\x02}q\x00.", 6) << "pickled file from torch.save";
}

void TestModels::badModelFiles()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    pare::test::expectModelRefused(m_dir.path(), ".pt", content, message);
}

void TestModels::bundledModelIsFound()
{
    const auto path = pare::bundledModelPath();
    QVERIFY2(!path.empty(), "resources/models/lenet5-fashion-mnist.pt is missing");
    const auto model = Model::load(path);
    QVERIFY(model.record().present);
    QCOMPARE(model.record().inputShape, (std::vector<int64_t> { 1, 28, 28 }));
    QCOMPARE(model.record().classes.size(), size_t(10));
    QCOMPARE(model.parameterCount(), int64_t(431080));
}

QTEST_APPLESS_MAIN(TestModels)
#include "TestModels.moc"
