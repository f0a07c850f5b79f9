// Sweeps: the plan a sweep file expands to (grid, ranges on both scales, whole numbers, seeded random samples), the
// strict checks of the file, and the local executor through the built `pare`: tasks in parallel, a failed task that
// does not take the sweep down, a continued sweep that reruns only what did not finish. The Slurm executor has its
// own test on a real cluster (slurm_sweep.py).

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Sweep.h"
#include "pare/SweepFolder.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using pare::Sweep;

namespace {

const char* const kBase = R"({"version": 1, "steps": [{"prune": {"ratio": 0.5, "finetune_epochs": 1}},
                                                       {"quantize": {"bits": 8, "finetune_epochs": 0}}]})";

Sweep sweepOf(const std::string& axesAndMore)
{
    return Sweep::fromJson(std::string(R"({"version": 1, "recipe": )") + kBase + ", " + axesAndMore + "}", "s.json",
                           ".");
}

std::vector<std::string> valuesOf(const std::vector<pare::SweepConfiguration>& plan, size_t axis)
{
    std::vector<std::string> values;
    for (const auto& c : plan)
        values.push_back(c.settings.at(axis).second);
    return values;
}

QString refusal(const std::string& text)
{
    try {
        (void)Sweep::fromJson(text, "s.json", ".").plan();
    } catch (const pare::InputError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QJsonObject statusOf(const QString& dir)
{
    const auto run = pare::test::runPare({ "sweep", "status", dir, "--json" });
    return QJsonDocument::fromJson(run.out.toUtf8()).object();
}

} // namespace

class TestSweep : public QObject
{
    Q_OBJECT

private slots:
    void gridIsNestedLoopsWithPaddedIds();
    void rangesOnBothScalesAndWholeNumbers();
    void randomSamplesAreSeeded();
    void badSweepFilesAreRefused_data();
    void badSweepFilesAreRefused();
    void arraySpecCompressesRuns();
    void recipeFileIsReadBesideTheSweep();
    void localRunSurvivesAFailureAndResumes();
};

void TestSweep::gridIsNestedLoopsWithPaddedIds()
{
    const auto plan = sweepOf(R"("axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.3, 0.6, 0.9]},
                                          {"pointer": "/steps/1/quantize/bits", "values": [4, 8]}])")
                          .plan();
    QCOMPARE(plan.size(), size_t(6));
    QCOMPARE(QString::fromStdString(plan[0].id), QString("000"));
    QCOMPARE(QString::fromStdString(plan[5].id), QString("005"));
    QCOMPARE(valuesOf(plan, 0), (std::vector<std::string> { "0.3", "0.3", "0.6", "0.6", "0.9", "0.9" }));
    QCOMPARE(valuesOf(plan, 1), (std::vector<std::string> { "4", "8", "4", "8", "4", "8" }));
    QCOMPARE(plan[3].recipe.steps[0].prune.ratio, 0.6);
    QCOMPARE(plan[3].recipe.steps[1].quantize.bits, 8);
    QCOMPARE(QString::fromStdString(plan[3].settingsJson()),
             QString(R"({"/steps/0/prune/ratio":0.6,"/steps/1/quantize/bits":8})"));
}

void TestSweep::rangesOnBothScalesAndWholeNumbers()
{
    // Bits are whole numbers in the recipe: 2..8 in 4 steps is 2, 4, 6, 8; 7 values of 2..4 round to 3 distinct.
    auto plan = sweepOf(R"("axes": [{"pointer": "/steps/1/quantize/bits", "from": 2, "to": 8, "count": 4}])").plan();
    QCOMPARE(valuesOf(plan, 0), (std::vector<std::string> { "2", "4", "6", "8" }));
    plan = sweepOf(R"("axes": [{"pointer": "/steps/1/quantize/bits", "from": 2, "to": 4, "count": 7}])").plan();
    QCOMPARE(valuesOf(plan, 0), (std::vector<std::string> { "2", "3", "4" }));
    plan = sweepOf(R"("axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.3, "to": 0.9, "count": 4}])").plan();
    QCOMPARE(valuesOf(plan, 0), (std::vector<std::string> { "0.3", "0.5", "0.7", "0.9" }));
    // A field the base leaves at its default ("lr" is not written then) can be swept; log steps are decades here.
    plan = sweepOf(R"("axes": [{"pointer": "/steps/0/prune/lr", "from": 0.001, "to": 0.1, "count": 3,
                                "scale": "log"}])")
               .plan();
    QCOMPARE(valuesOf(plan, 0), (std::vector<std::string> { "0.001", "0.01", "0.1" }));
    QCOMPARE(plan[1].recipe.steps[0].prune.finetune.learningRate, 0.01);
}

void TestSweep::randomSamplesAreSeeded()
{
    const std::string axes = R"("axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.3, "to": 0.9},
                                          {"pointer": "/steps/1/quantize/bits", "values": [2, 4, 8]}],
                                "combine": "random", "samples": 12, )";
    const auto a = sweepOf(axes + R"("seed": 1)").plan();
    const auto b = sweepOf(axes + R"("seed": 1)").plan();
    const auto c = sweepOf(axes + R"("seed": 2)").plan();
    QCOMPARE(a.size(), size_t(12));
    QCOMPARE(valuesOf(a, 0), valuesOf(b, 0));
    QVERIFY(valuesOf(a, 0) != valuesOf(c, 0));
    std::set<std::string> ratios;
    for (const auto& value : valuesOf(a, 0)) {
        const double ratio = std::stod(value);
        QVERIFY(ratio >= 0.3 && ratio <= 0.9);
        ratios.insert(value);
    }
    QCOMPARE(ratios.size(), size_t(12)); // drawn anywhere in the range: every configuration its own ratio
    // Only lists: a sample of distinct grid points, refused beyond the grid's size.
    const auto distinct = sweepOf(R"("axes": [{"pointer": "/steps/1/quantize/bits", "values": [2, 3, 4, 5, 6]}],
                                     "combine": "random", "samples": 5)")
                              .plan();
    auto bits = valuesOf(distinct, 0);
    std::sort(bits.begin(), bits.end());
    QCOMPARE(bits, (std::vector<std::string> { "2", "3", "4", "5", "6" }));
    QVERIFY(refusal(std::string(R"({"version": 1, "recipe": )") + kBase
                    + R"(, "axes": [{"pointer": "/steps/1/quantize/bits", "values": [2, 3]}],
                          "combine": "random", "samples": 3})")
                .contains("only 2 distinct"));
}

void TestSweep::badSweepFilesAreRefused_data()
{
    QTest::addColumn<QString>("axes");
    QTest::addColumn<QString>("problem");
    QTest::newRow("unknown key") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5]}], "combo": 1)"
                                 << "sweep: unknown key 'combo'";
    QTest::newRow("pointer into nothing") << R"("axes": [{"pointer": "/steps/4/prune/ratio", "values": [0.5]}])"
                                          << "addresses nothing in the recipe";
    QTest::newRow("not a pointer") << R"("axes": [{"pointer": "steps/0", "values": [0.5]}])"
                                   << "is not a JSON Pointer";
    QTest::newRow("inverted range") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.9, "to": 0.1,
                                                    "count": 2}])"
                                    << "'from' must not be above 'to'";
    QTest::newRow("log from zero") << R"("axes": [{"pointer": "/steps/0/prune/lr", "from": 0, "to": 0.1,
                                                   "count": 2, "scale": "log"}])"
                                   << "a log range needs 'from' above 0";
    QTest::newRow("grid range without count") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.1,
                                                              "to": 0.9}])"
                                              << "'count' must be at least 1";
    QTest::newRow("values and range") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5],
                                                      "from": 0.1}])"
                                      << "either 'values' or a range";
    QTest::newRow("swept twice") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5]},
                                                 {"pointer": "/steps/0/prune/ratio", "values": [0.6]}])"
                                 << "is swept twice";
    QTest::newRow("value out of range") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5, 1.5]}])"
                                        << "s.json, configuration 001: steps[0].prune: 'ratio' must be in";
    QTest::newRow("not a recipe key") << R"("axes": [{"pointer": "/steps/0/prune/rato", "values": [0.5]}])"
                                      << "unknown key 'rato'";
    QTest::newRow("no axes") << R"("axes": [])"
                             << "'axes' must be a non-empty list";
    QTest::newRow("huge grid") << R"("axes": [{"pointer": "/steps/0/prune/ratio", "from": 0, "to": 0.9,
                                               "count": 1000}, {"pointer": "/steps/0/prune/lr", "from": 0.001,
                                               "to": 0.1, "count": 1000}])"
                               << "more than 100000";
}

void TestSweep::badSweepFilesAreRefused()
{
    QFETCH(QString, axes);
    QFETCH(QString, problem);
    const auto message = refusal(std::string(R"({"version": 1, "recipe": )") + kBase + ", " + axes.toStdString() + "}");
    QVERIFY2(message.startsWith("s.json") && message.contains(problem), qPrintable(message));
}

void TestSweep::arraySpecCompressesRuns()
{
    QCOMPARE(QString::fromStdString(pare::arraySpec({ 0, 1, 2, 5, 7, 8 })), QString("0-2,5,7-8"));
    QCOMPARE(QString::fromStdString(pare::arraySpec({ 3 })), QString("3"));
}

void TestSweep::recipeFileIsReadBesideTheSweep()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto write = [&](const QString& name, const QByteArray& text) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text);
    };
    write("base.json", kBase);
    write("sweep.json", R"({"version": 1, "recipe": "base.json",
                            "axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.2, 0.4]}]})");
    const auto sweep = Sweep::load(dir.filePath("sweep.json").toStdString());
    QCOMPARE(sweep.plan().at(1).recipe.steps.at(1).quantize.bits, 8);
    const auto before = sweep.hash;
    write("base.json", QByteArray(kBase).replace("\"bits\": 8", "\"bits\": 6"));
    QVERIFY(Sweep::load(dir.filePath("sweep.json").toStdString()).hash != before); // a changed recipe is another sweep
    QVERIFY(QFile::remove(dir.filePath("base.json")));
    try {
        (void)Sweep::load(dir.filePath("sweep.json").toStdString());
        QFAIL("a missing recipe file was accepted");
    } catch (const pare::InputError& e) {
        QVERIFY2(QString(e.what()).contains("base.json"), e.what());
    }
}

void TestSweep::localRunSurvivesAFailureAndResumes()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString subset = dir.filePath("subset");
    pare::test::writeFashionSubset(subset, 600, 300);
    // Four configurations; the one whose student is a missing file fails when it runs, not when it is planned.
    const QString sweepFile = dir.filePath("sweep.json");
    QFile file(sweepFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"version": 1,
        "recipe": {"version": 1, "steps": [{"prune": {"ratio": 0.5, "finetune_epochs": 1}},
                                           {"distill": {"student": "self", "temperature": 4, "epochs": 1}}]},
        "axes": [{"pointer": "/steps/0/prune/ratio", "values": [0.5, 0.9]},
                 {"pointer": "/steps/1/distill/student", "values": ["self", "missing-student.pt"]}]})");
    file.close();
    const QString out = dir.filePath("out");
    const QStringList run { "sweep",  "run",  sweepFile, "--model", QString::fromStdString(pare::bundledModelPath()),
                            "--data", subset, "--out",   out,       "--jobs",
                            "2" };

    auto first = pare::test::runPare(run, 300000);
    QCOMPARE(first.exitCode, 1); // a task failed; the others went on
    auto status = statusOf(out);
    QCOMPARE(status["counts"].toObject()["done"].toInt(), 2);
    QCOMPARE(status["counts"].toObject()["failed"].toInt(), 2);
    const auto tasks = status["tasks"].toArray();
    QCOMPARE(tasks[1].toObject()["state"].toString(), QString("failed"));
    QVERIFY2(tasks[1].toObject()["detail"].toString().contains("missing-student.pt: no such file"),
             qPrintable(tasks[1].toObject()["detail"].toString()));
    QVERIFY(QFile::exists(out + "/tasks/000/model.pare"));
    QFile results(out + "/results.jsonl");
    QVERIFY(results.open(QIODevice::ReadOnly));
    const auto lines = results.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const auto firstResult = QJsonDocument::fromJson(lines[0]).object();
    QCOMPARE(firstResult["id"].toString(), QString("000"));
    QCOMPARE(firstResult["config"].toObject()["/steps/0/prune/ratio"].toDouble(), 0.5);
    QVERIFY(firstResult["sizes"].toObject()["pare"].toInt() > 0);

    // A task whose process died mid-run (its "started" names a process that is gone) counts as failed...
    QVERIFY(QFile::remove(out + "/tasks/002/result.json"));
    QFile started(out + "/tasks/002/started");
    QVERIFY(started.open(QIODevice::WriteOnly | QIODevice::Truncate));
    started.write(QSysInfo::machineHostName().section('.', 0, 0).toUtf8() + " 999999999\n");
    started.close();
    status = statusOf(out);
    QCOMPARE(status["tasks"].toArray()[2].toObject()["state"].toString(), QString("failed"));
    QVERIFY(status["tasks"].toArray()[2].toObject()["detail"].toString().startsWith("stopped before it finished"));

    // ...and a second run submits the failed ones only, never the done ones.
    auto second = pare::test::runPare(run, 300000);
    QCOMPARE(second.exitCode, 1);
    QFile state(out + "/sweep-state.json");
    QVERIFY(state.open(QIODevice::ReadOnly));
    const auto submissions = QJsonDocument::fromJson(state.readAll()).object()["submissions"].toArray();
    QCOMPARE(submissions.size(), 2);
    QCOMPARE(submissions[1].toObject()["indices"].toArray(), QJsonArray({ 1, 2, 3 }));
    status = statusOf(out);
    QCOMPARE(status["counts"].toObject()["done"].toInt(), 2);
    QCOMPARE(status["tasks"].toArray()[2].toObject()["state"].toString(), QString("done"));
    QVERIFY(QFile::exists(out + "/tasks/001/log.previous.txt"));

    // The sweep file changed: the folder refuses to continue it.
    QVERIFY(file.open(QIODevice::Append));
    file.write("\n");
    file.close();
    const auto changed = pare::test::runPare(run);
    QCOMPARE(changed.exitCode, 2);
    QVERIFY2(changed.err.contains("holds a sweep made from another version"), qPrintable(changed.err));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "TestSweep.moc"
