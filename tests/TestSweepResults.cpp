// The studio watching a sweep: `pare sweep run` fills a folder in the background while the window, having opened
// it with File > Open Sweep Results, puts each task's result on the chart (its own series, on the Pareto front with
// the runs) and in the runs table as it arrives; a result is then selected, compared and exported like any run.

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Model.h"
#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/ExportDialog.h"
#include "pare/ui/MainWindow.h"
#include "pare/ui/SweepResultsWatcher.h"

#include <QApplication>
#include <QFile>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace pare::ui;

class TestSweepResults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void resultsArriveWhileTheWindowWatches();
    void notASweepFolderIsRefused();
};

void TestSweepResults::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QApplication::setOrganizationName(QStringLiteral("PareTests"));
    QApplication::setApplicationName(QStringLiteral("TestSweepResults"));
    QSettings().clear();
    QFile::remove(MainWindow::untitledProjectPath());
    Dialogs::setTestMode(true);
}

void TestSweepResults::resultsArriveWhileTheWindowWatches()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString data = dir.filePath("subset");
    pare::test::writeFashionSubset(data, 600, 300);
    const QString sweepFile = dir.filePath("sweep.json");
    QFile file(sweepFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"version": 1,
        "recipe": {"version": 1, "steps": [{"prune": {"ratio": 0.5, "finetune_epochs": 1}},
                                           {"quantize": {"bits": 4, "finetune_epochs": 0}}]},
        "axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.3, 0.6, 0.9]}]})");
    file.close();
    const QString model = QString::fromStdString(pare::bundledModelPath());

    MainWindow::Options options;
    options.model = model;
    options.data = data;
    options.reopenLastProject = false;
    options.threads = 1;
    MainWindow window(options);
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(!window.isLoading(), 30000);

    // The sweep runs in the background, one task at a time; the window opens its folder as soon as it exists.
    const QString out = dir.filePath("sweep-out");
    QProcess sweep;
    sweep.setProcessChannelMode(QProcess::MergedChannels);
    sweep.start(
        QStringLiteral(PARE_CLI_PATH),
        { "sweep", "run", sweepFile, "--model", model, "--data", data, "--out", out, "--jobs", "1", "--threads", "1" });
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(out + "/sweep-state.json"), 30000);
    QSignalSpy arrivals(window.sweepWatcher(), &SweepResultsWatcher::resultsAdded);
    QVERIFY(window.openSweepResults(out));
    auto* chart = window.chart();
    QTRY_COMPARE_WITH_TIMEOUT(chart->sweepResultCount(), 3, 180000);
    QVERIFY(sweep.state() == QProcess::NotRunning || sweep.waitForFinished(60000));
    QVERIFY2(sweep.exitCode() == 0, sweep.readAll().constData());
    // It grew while watched: the results came in more than one look at the folder.
    QVERIFY2(arrivals.size() >= 2, qPrintable(QString::number(arrivals.size())));
    QCOMPARE(arrivals.last().at(1).toInt(), 3);
    QCOMPARE(arrivals.last().at(2).toInt(), 3);

    // Runs like any other: in the table, on one front with the baseline, selectable, exportable.
    const auto& runs = window.project().runs;
    QCOMPARE(runs.size(), size_t(3));
    for (const auto& run : runs) {
        QCOMPARE(run.origin, RunOrigin::Sweep);
        QVERIFY(QFile::exists(run.modelFile));
        QVERIFY(run.snapshots.size() == 3); // baseline, prune, quantize
        QVERIFY(run.label.contains("/steps/0/prune/ratio="));
    }
    auto* table = window.findChild<QTableView*>(QStringLiteral("runsTable"));
    QVERIFY(table);
    QCOMPARE(table->model()->rowCount(), 3);
    QVERIFY(chart->paretoCount() >= 2); // the baseline and at least the smallest sweep result
    window.selectRun(runs.back().id);
    QCOMPARE(window.selectedRun(), runs.back().id);
    const QString exported = dir.filePath("task2.onnx");
    QVERIFY(window.exportRun(runs.back().id, exported));
    QVERIFY(QFileInfo(exported).size() > 0);

    // Opened again, nothing is imported twice.
    QVERIFY(window.openSweepResults(out));
    QCOMPARE(window.project().runs.size(), size_t(3));
    // A project saved and reopened keeps where each result came from.
    const QString project = dir.filePath("p.pareproject");
    QVERIFY(window.saveProject(project));
    QVERIFY(window.openProject(project));
    QCOMPARE(window.project().runs.front().sweepTask, QString("000"));
    QCOMPARE(window.chart()->sweepResultCount(), 3);
}

void TestSweepResults::notASweepFolderIsRefused()
{
    QTemporaryDir dir;
    MainWindow::Options options;
    options.reopenLastProject = false;
    options.threads = 1;
    MainWindow window(options);
    QVERIFY(!window.openSweepResults(dir.path()));
    QVERIFY(Dialogs::lastError().contains("is not a sweep folder"));
}

QTEST_MAIN(TestSweepResults)
#include "TestSweepResults.moc"
