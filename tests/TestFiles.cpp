// The atomic writes under every output: temporary files that never outlive a failed, interrupted or killed run.
// Built from core's file sources without torch, so it can fork safely (one thread) and runs in a second.

#include "io/Files.h"
#include "io/TemporaryFiles.h"
#include "pare/Error.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

class TestFiles : public QObject
{
    Q_OBJECT

private slots:
    void writeLeavesOnlyTheTarget();
    void signalRemovesTheTemporaryFile_data();
    void signalRemovesTheTemporaryFile();
    void fileSizeLimitIsAnErrorNotASignal();
    void staleTemporariesOfDeadProcessesAreRemoved();
    void onlyRegularFilesAreReplaced();

private:
    [[nodiscard]] QStringList temporaries() const
    {
        return QDir(m_dir.path()).entryList({ ".*.tmp-*" }, QDir::Files | QDir::Hidden);
    }
    [[nodiscard]] std::string target(const char* name) const { return QDir(m_dir.path()).filePath(name).toStdString(); }

    QTemporaryDir m_dir;
};

void TestFiles::writeLeavesOnlyTheTarget()
{
    const auto out = target("plain.bin");
    QCOMPARE(pare::files::writeAtomically(out, "twelve bytes", false), int64_t(12));
    QVERIFY(temporaries().isEmpty());
    // A check that refuses the written file leaves neither it nor its temporary file.
    const auto refused = target("refused.bin");
    QVERIFY_THROWS_EXCEPTION(pare::InputError, pare::files::writeAtomically(refused, "x", false, [](const auto&) {
                                 throw pare::InputError("refused");
                             }));
    QVERIFY(!QFile::exists(QString::fromStdString(refused)));
    QVERIFY(temporaries().isEmpty());
}

void TestFiles::signalRemovesTheTemporaryFile_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGINT") << SIGINT;
    QTest::newRow("SIGTERM") << SIGTERM;
    QTest::newRow("SIGHUP") << SIGHUP;
}

void TestFiles::signalRemovesTheTemporaryFile()
{
    QFETCH(int, signal);
    const auto out = target("interrupted.bin");
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        // In the middle of a write: the temporary file exists, the target does not yet.
        pare::files::TemporaryFile temporary(out);
        if (::access(temporary.path().c_str(), F_OK) != 0)
            ::_exit(3);
        ::raise(signal);
        ::_exit(4); // not reached: the signal ends the process
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFSIGNALED(status), qPrintable(QString("exit status %1").arg(WEXITSTATUS(status))));
    QCOMPARE(WTERMSIG(status), signal);
    QVERIFY(temporaries().isEmpty());
    QVERIFY(!QFile::exists(QString::fromStdString(out)));
}

void TestFiles::fileSizeLimitIsAnErrorNotASignal()
{
    const auto out = target("too-big.bin");
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        const rlimit limit { 4096, 4096 };
        ::setrlimit(RLIMIT_FSIZE, &limit);
        try {
            pare::files::writeAtomically(out, std::string(100000, 'x'), false);
        } catch (const pare::InputError& e) {
            ::_exit(std::string(e.what()).find("too large") != std::string::npos ? 0 : 5);
        }
        ::_exit(6);
    }
    int status = 0;
    QCOMPARE(::waitpid(child, &status, 0), child);
    QVERIFY2(WIFEXITED(status), "killed by a signal (SIGXFSZ?)");
    QCOMPARE(WEXITSTATUS(status), 0);
    QVERIFY(temporaries().isEmpty());
    QVERIFY(!QFile::exists(QString::fromStdString(out)));
}

void TestFiles::staleTemporariesOfDeadProcessesAreRemoved()
{
    const pid_t dead = ::fork();
    QVERIFY(dead >= 0);
    if (dead == 0)
        ::_exit(0);
    QCOMPARE(::waitpid(dead, nullptr, 0), dead);
    const QString folder = m_dir.path();
    const QString deadOne = folder + QString("/.model.pt.tmp-%1-Ab12Cd").arg(dead);
    const QString liveOne = folder + QString("/.model.pt.tmp-%1-Ab12Cd").arg(::getppid());
    const QString otherTarget = folder + QString("/.other.pt.tmp-%1-Ab12Cd").arg(dead);
    const QString notOurs = folder + "/.model.pt.tmp-notes";
    for (const auto& name : { deadOne, liveOne, otherTarget, notOurs }) {
        QFile f(name);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    pare::files::writeAtomically(target("model.pt"), "bytes", false);
    QVERIFY(!QFile::exists(deadOne));
    QVERIFY(QFile::exists(liveOne));     // a running process may still be writing it
    QVERIFY(QFile::exists(otherTarget)); // another output's; removed when that one is written
    QVERIFY(QFile::exists(notOurs));     // not a name Pare makes
    for (const auto& name : { liveOne, otherTarget, notOurs })
        QFile::remove(name);
}

void TestFiles::onlyRegularFilesAreReplaced()
{
    QVERIFY_THROWS_EXCEPTION(pare::InputError, pare::files::writeAtomically("/dev/null", "x", true));
    QVERIFY(QDir(m_dir.path()).mkdir("folder"));
    QVERIFY_THROWS_EXCEPTION(pare::InputError, pare::files::writeAtomically(target("folder"), "x", true));
}

// Qt Test's crash handler takes SIGINT, SIGTERM and SIGHUP, and Pare leaves a host's own handlers alone; this test
// is about Pare's, as the command line and the studio have them.
int main(int argc, char** argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    arguments << "-nocrashhandler";
    TestFiles test;
    return QTest::qExec(&test, arguments);
}
#include "TestFiles.moc"
