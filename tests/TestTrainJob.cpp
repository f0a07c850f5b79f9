// The bridge the studio will use: a training job on its own thread, reporting through queued Qt signals,
// failing readably, and cancellable while it runs.

#include "TestSupport.h"

#include "pare/ui/TrainJob.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using pare::ui::TrainJob;
using pare::ui::TrainJobParams;
using pare::ui::TrainJobResult;

class TestTrainJob : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void runsOnItsOwnThreadAndReports();
    void cancelStopsTheRun();
    void badInputFailsReadably();

private:
    TrainJobParams smallRun() const;
    QTemporaryDir m_dir;
};

void TestTrainJob::initTestCase()
{
    pare::test::writeFashionSubset(m_dir.path() + "/data", 2000, 300);
}

TrainJobParams TestTrainJob::smallRun() const
{
    TrainJobParams params;
    params.model = QStringLiteral("lenet5@0.5");
    params.data = m_dir.path() + "/data";
    params.trainOptions.epochs = 1;
    params.threads = 1;
    return params;
}

void TestTrainJob::runsOnItsOwnThreadAndReports()
{
    TrainJob job;
    QSignalSpy progressed(&job, &TrainJob::progressed);
    QSignalSpy finished(&job, &TrainJob::finished);
    QSignalSpy failed(&job, &TrainJob::failed);
    job.start(smallRun());
    QVERIFY(job.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
    QCOMPARE(failed.size(), 0);
    QVERIFY(progressed.size() >= 29); // 1,800 training images in batches of 64 (200 held out for validation)
    const auto last = progressed.last().at(0).value<pare::TrainProgress>();
    QCOMPARE(last.batch, last.batches);
    const auto result = finished.first().at(0).value<TrainJobResult>();
    QVERIFY(!result.cancelled);
    QCOMPARE(result.evaluation.images, int64_t(300));
    QVERIFY(result.evaluation.accuracy > 0.4);
}

void TestTrainJob::cancelStopsTheRun()
{
    TrainJob job;
    QSignalSpy progressed(&job, &TrainJob::progressed);
    QSignalSpy finished(&job, &TrainJob::finished);
    auto params = smallRun();
    params.trainOptions.epochs = 50;
    job.start(params);
    QTRY_VERIFY_WITH_TIMEOUT(progressed.size() >= 3, 60000);
    job.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
    const auto result = finished.first().at(0).value<TrainJobResult>();
    QVERIFY(result.cancelled);
    QVERIFY(result.training.batchesRun < 50 * 29);
    QVERIFY(job.wait(QDeadlineTimer(10000)));
    QVERIFY(!job.isRunning());
}

void TestTrainJob::badInputFailsReadably()
{
    TrainJob job;
    QSignalSpy failed(&job, &TrainJob::failed);
    auto params = smallRun();
    params.data = m_dir.path() + "/missing";
    job.start(params);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30000);
    QCOMPARE(failed.first().at(0).toString(), m_dir.path() + "/missing: no such file or directory");
}

QTEST_MAIN(TestTrainJob)
#include "TestTrainJob.moc"
