// The .pare format: exact round trips, real size reductions for sparse and k-bit weights, and corrupt files refused.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Quantization.h"
#include "pare/Runtime.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

using namespace pare;

class TestPareFormat : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void denseModelRoundTripsExactly();
    void prunedAndQuantizedModelIsSmallAndExact();
    void corruptFilesAreRefused_data();
    void corruptFilesAreRefused();

private:
    void expectSameModel(const Model& a, const Model& b);
    QTemporaryDir m_dir;
    std::unique_ptr<Dataset> m_data;
    QByteArray m_compressed; // a valid .pare file, for the corruption cases
};

void TestPareFormat::initTestCase()
{
    configureThreads();
    DatasetOptions options;
    options.trainLimit = 2000;
    options.testLimit = 1000;
    m_data = std::make_unique<Dataset>(Dataset::load("fashion-mnist", options));
}

void TestPareFormat::expectSameModel(const Model& a, const Model& b)
{
    const auto evalA = evaluate(a, *m_data);
    const auto evalB = evaluate(b, *m_data);
    QCOMPARE(evalB.accuracy, evalA.accuracy);
    QCOMPARE(evalB.loss, evalA.loss); // bit-identical weights give the identical loss
    const auto sparsityA = measureSparsity(a);
    const auto sparsityB = measureSparsity(b);
    QCOMPARE(sparsityB.size(), sparsityA.size());
    for (size_t i = 0; i < sparsityA.size(); ++i)
        QCOMPARE(sparsityB[i].nonzero, sparsityA[i].nonzero);
    QCOMPARE(b.parameterCount(), a.parameterCount());
    QCOMPARE(b.record().inputShape, a.record().inputShape);
    QCOMPARE(b.record().classes, a.record().classes);
}

void TestPareFormat::denseModelRoundTripsExactly()
{
    const auto model = Model::load(bundledModelPath());
    const QString path = m_dir.path() + "/dense.pare";
    const int64_t bytes = model.save(path.toStdString());
    QCOMPARE(bytes, QFileInfo(path).size());
    QCOMPARE(bytes, int64_t(model.serialize(ModelFormat::Pare).size()));
    // Dense fp32 weights stay fp32: compression finds little, but never more than the TorchScript file.
    QVERIFY(bytes < int64_t(model.serialize(ModelFormat::TorchScript).size()));
    const auto loaded = Model::load(path.toStdString());
    expectSameModel(model, loaded);
}

void TestPareFormat::prunedAndQuantizedModelIsSmallAndExact()
{
    auto model = Model::load(bundledModelPath());
    PruneOptions prune;
    prune.ratio = 0.9;
    prune.finetune.epochs = 0;
    (void)pare::prune(model, *m_data, prune);
    QuantizeOptions quantize;
    quantize.bits = 4;
    quantize.scheme = QuantScheme::KMeans;
    (void)quantizeWeights(model, *m_data, quantize);

    const QString path = m_dir.path() + "/small.pare";
    const int64_t bytes = model.save(path.toStdString());
    const int64_t dense = model.parameterCount() * 4;
    // 43,050 non-zero weights of 4 bits (21.5 kB) and a mask of 430,500 positions: well under a twentieth.
    QVERIFY2(bytes * 20 < dense, qPrintable(QString::number(bytes)));
    // The TorchScript file of the same model is dense.
    QVERIFY(int64_t(model.serialize(ModelFormat::TorchScript).size()) > dense);
    const auto loaded = Model::load(path.toStdString());
    expectSameModel(model, loaded);
    // Saved again as TorchScript, it is an ordinary PyTorch file.
    const QString back = m_dir.path() + "/small-again.pt";
    loaded.save(back.toStdString());
    expectSameModel(model, Model::load(back.toStdString()));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_compressed = file.readAll();
}

void TestPareFormat::corruptFilesAreRefused_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("problem");
    QVERIFY(!m_compressed.isEmpty());
    QByteArray newer = m_compressed;
    newer[4] = char(9);
    QByteArray flipped = m_compressed;
    flipped[flipped.size() / 2] = char(~flipped[flipped.size() / 2]);
    QByteArray hugeSize = m_compressed;
    for (int i = 8; i < 16; ++i)
        hugeSize[i] = char(0x7f);
    QTest::newRow("truncated") << m_compressed.left(m_compressed.size() / 2) << "corrupt";
    QTest::newRow("newer version") << newer << "newer than this Pare reads";
    QTest::newRow("damaged body") << flipped << "corrupt";
    QTest::newRow("absurd body size") << hugeSize << "corrupt";
    QTest::newRow("only the magic") << QByteArray("PARE") << "not a .pare file";
}

void TestPareFormat::corruptFilesAreRefused()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);
    pare::test::expectModelRefused(m_dir.path(), ".pare", content, problem);
}

QTEST_APPLESS_MAIN(TestPareFormat)
#include "TestPareFormat.moc"
