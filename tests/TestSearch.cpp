// pare search on the bundled LeNet-5 with a budget of runs (deterministic with one thread): the JSON's front and
// winner are consistent with the candidates measured, the winner's recipe reruns under `pare compress` to the same
// model, and a bad budget is refused in one line.

#include "TestSupport.h"

#include "pare/Model.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

class TestSearch : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void frontAndWinnerFollowFromTheCandidates();
    void sameSeedSameSearch();
    void winnerRecipeRerunsToTheSameModel();
    void badBudgetIsRefused();

private:
    QStringList dataArguments() const;
    QTemporaryDir m_dir;
    QString m_model;
    QJsonObject m_report;
};

QStringList TestSearch::dataArguments() const
{
    return { "--data", "fashion-mnist", "--train-limit", "1000", "--test-limit", "500", "--threads", "1" };
}

void TestSearch::initTestCase()
{
    m_model = QString::fromStdString(pare::bundledModelPath());
    const auto run = pare::test::runPare(
        QStringList { "search", m_model, "--max-drop", "1", "--budget", "7runs", "--candidates", "6", "--json", "--out",
                      m_dir.filePath("winner.pare"), "--save-recipe", m_dir.filePath("winner.json") }
            + dataArguments(),
        300000);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    m_report = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QVERIFY(!m_report.isEmpty());
}

void TestSearch::frontAndWinnerFollowFromTheCandidates()
{
    const auto candidates = m_report["candidates"].toArray();
    QCOMPARE(candidates.size(), 7); // the budget
    QCOMPARE(m_report["runs"].toInt(), 7);
    QCOMPARE(m_report["stopped_by"].toString(), QString("budget"));
    const double limit = m_report["max_drop_points"].toDouble();
    // The screen is one-shot; the round after it fine-tunes.
    QCOMPARE(candidates[0].toObject()["epochs"].toInt(), 0);
    QCOMPARE(candidates[6].toObject()["round"].toInt(), 1);

    // The front: each point smaller than the next and less accurate, and no candidate dominates one of them.
    const auto front = m_report["front"].toArray();
    QVERIFY(!front.isEmpty());
    for (int i = 0; i < front.size(); ++i) {
        const auto p = front[i].toObject();
        if (i > 0) {
            QVERIFY(p["bytes"].toInteger() >= front[i - 1].toObject()["bytes"].toInteger());
            QVERIFY(p["validation_accuracy"].toDouble() > front[i - 1].toObject()["validation_accuracy"].toDouble());
        }
        for (const auto& item : candidates) {
            const auto c = item.toObject();
            const bool dominates = c["bytes"].toInteger() <= p["bytes"].toInteger()
                && c["validation_accuracy"].toDouble() >= p["validation_accuracy"].toDouble()
                && (c["bytes"].toInteger() < p["bytes"].toInteger()
                    || c["validation_accuracy"].toDouble() > p["validation_accuracy"].toDouble());
            QVERIFY2(!dominates, qPrintable(c["settings"].toString() + " dominates " + p["settings"].toString()));
        }
    }

    // The winner: the smallest within the limit on validation, one standard error of its drop included, confirmed on
    // test with both figures.
    const auto winner = m_report["winner"].toObject();
    QVERIFY(winner["within_limit_on_validation"].toBool());
    qint64 smallest = std::numeric_limits<qint64>::max();
    for (const auto& item : candidates) {
        const auto c = item.toObject();
        QVERIFY(c["validation_drop_se_points"].toDouble() >= 0.0);
        QVERIFY(c["validation_drop_se_points"].toDouble() < 2.0);
        if (c["validation_drop_points"].toDouble() + c["validation_drop_se_points"].toDouble() <= limit + 1e-9)
            smallest = std::min(smallest, c["bytes"].toInteger());
    }
    QCOMPARE(winner["bytes"].toInteger(), smallest);
    const auto baseline = m_report["baseline"].toObject();
    QVERIFY(winner["test_accuracy"].toDouble() > 0.5);
    QCOMPARE(winner["test_drop_points"].toDouble(),
             100.0 * (baseline["test_accuracy"].toDouble() - winner["test_accuracy"].toDouble()));
    QCOMPARE(winner["within_limit"].toBool(), winner["test_drop_points"].toDouble() <= limit + 1e-9);
    QVERIFY(winner["recipe"].toObject().contains("steps"));
    // The file written is the winner, and its size is the one reported.
    QCOMPARE(winner["out_bytes"].toInteger(), winner["bytes"].toInteger());
    QCOMPARE(QFileInfo(m_dir.filePath("winner.pare")).size(), winner["bytes"].toInteger());
}

void TestSearch::sameSeedSameSearch()
{
    const auto run = pare::test::runPare(
        QStringList { "search", m_model, "--max-drop", "1", "--budget", "7runs", "--candidates", "6", "--json" }
            + dataArguments(),
        300000);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto again = QJsonDocument::fromJson(run.out.toUtf8()).object();
    const auto a = m_report["candidates"].toArray(), b = again["candidates"].toArray();
    QCOMPARE(a.size(), b.size());
    for (int i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].toObject()["settings"], b[i].toObject()["settings"]);
        QCOMPARE(a[i].toObject()["validation_accuracy"], b[i].toObject()["validation_accuracy"]);
        QCOMPARE(a[i].toObject()["bytes"], b[i].toObject()["bytes"]);
    }
}

void TestSearch::winnerRecipeRerunsToTheSameModel()
{
    const auto run = pare::test::runPare(QStringList { "compress", m_model, "--recipe", m_dir.filePath("winner.json"),
                                                       "--out", m_dir.filePath("rerun.pare"), "--json" }
                                             + dataArguments(),
                                         300000);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto rerun = QJsonDocument::fromJson(run.out.toUtf8()).object();
    const auto winner = m_report["winner"].toObject();
    QCOMPARE(rerun["accuracy"].toDouble(), winner["test_accuracy"].toDouble());
    QCOMPARE(rerun["out_bytes"].toInteger(), winner["bytes"].toInteger());
}

void TestSearch::badBudgetIsRefused()
{
    const auto run
        = pare::test::runPare({ "search", m_model, "--data", "fashion-mnist", "--max-drop", "0.5", "--budget", "20x" });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.trimmed().startsWith("pare: --budget: '20x' is not a budget"), qPrintable(run.err));
    QCOMPARE(run.err.trimmed().count('\n'), 0);
}

QTEST_GUILESS_MAIN(TestSearch)
#include "TestSearch.moc"
