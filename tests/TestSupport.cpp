#include "TestSupport.h"

#include <algorithm>

#include "TestConfig.h"
#include "pare/Error.h"
#include "pare/Model.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTest>

#include <zlib.h>

namespace pare::test {

QString fashionMnistDir()
{
    return QStringLiteral("/usr/share/datasets/fashion-mnist");
}

QByteArray bigEndianWords(const std::vector<uint32_t>& words)
{
    QByteArray bytes(qsizetype(words.size() * 4), '\0');
    for (size_t i = 0; i < words.size(); ++i)
        for (int b = 0; b < 4; ++b)
            bytes[qsizetype(i * 4 + b)] = char(words[i] >> (24 - 8 * b));
    return bytes;
}

void writeIdx(const QString& path, uint32_t magic, const std::vector<uint32_t>& dims, const QByteArray& payload)
{
    std::vector<uint32_t> words { magic };
    words.insert(words.end(), dims.begin(), dims.end());
    const QByteArray bytes = bigEndianWords(words) + payload;
    if (path.endsWith(QLatin1String(".gz"))) {
        gzFile gz = gzopen(QFile::encodeName(path).constData(), "wb");
        QVERIFY(gz);
        QCOMPARE(gzwrite(gz, bytes.constData(), unsigned(bytes.size())), int(bytes.size()));
        gzclose(gz);
        return;
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), qint64(bytes.size()));
}

static QByteArray gunzipPrefix(const QString& path, qint64 bytes)
{
    gzFile gz = gzopen(QFile::encodeName(path).constData(), "rb");
    if (!gz)
        return {};
    QByteArray data(bytes, '\0');
    const int n = gzread(gz, data.data(), unsigned(bytes));
    gzclose(gz);
    data.resize(qMax(n, 0));
    return data;
}

QByteArray fashionImages(bool train, int count)
{
    const QString name
        = train ? QStringLiteral("/train-images-idx3-ubyte.gz") : QStringLiteral("/t10k-images-idx3-ubyte.gz");
    return gunzipPrefix(fashionMnistDir() + name, 16 + qint64(count) * 784).mid(16);
}

QByteArray fashionLabels(bool train, int count)
{
    const QString name
        = train ? QStringLiteral("/train-labels-idx1-ubyte.gz") : QStringLiteral("/t10k-labels-idx1-ubyte.gz");
    return gunzipPrefix(fashionMnistDir() + name, 8 + count).mid(8);
}

void writeFashionSubset(const QString& dir, int trainCount, int testCount)
{
    QDir().mkpath(dir);
    writeIdx(dir + QStringLiteral("/train-images-idx3-ubyte"), 0x803, { uint32_t(trainCount), 28, 28 },
             fashionImages(true, trainCount));
    writeIdx(dir + QStringLiteral("/train-labels-idx1-ubyte"), 0x801, { uint32_t(trainCount) },
             fashionLabels(true, trainCount));
    writeIdx(dir + QStringLiteral("/t10k-images-idx3-ubyte.gz"), 0x803, { uint32_t(testCount), 28, 28 },
             fashionImages(false, testCount));
    writeIdx(dir + QStringLiteral("/t10k-labels-idx1-ubyte.gz"), 0x801, { uint32_t(testCount) },
             fashionLabels(false, testCount));
}

void writeCifarBatch(const QString& path, int count, int classes)
{
    QByteArray bytes;
    for (int i = 0; i < count; ++i) {
        bytes.append(char(i % classes));
        for (int c = 0; c < 3; ++c)
            bytes.append(QByteArray(1024, char((i * 7 + c) % 256)));
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), qint64(bytes.size()));
}

void expectModelRefused(const QString& dir, const QString& suffix, const QByteArray& content, const QString& problem)
{
    const QString path = dir + "/bad-" + QString::fromLatin1(QTest::currentDataTag()).replace(' ', '-') + suffix;
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
    file.close();
    try {
        (void)pare::Model::load(path.toStdString());
        QFAIL("a bad model file was accepted");
    } catch (const pare::InputError& e) {
        QVERIFY2(QString(e.what()).startsWith(path + ": "), e.what());
        QVERIFY2(QString(e.what()).contains(problem), e.what());
    }
}

CliRun runPare(const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    process.start(QStringLiteral(PARE_CLI_PATH), arguments);
    CliRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        qWarning("pare %s did not finish in %d ms", qPrintable(arguments.join(QLatin1Char(' '))), timeoutMs);
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

std::optional<QByteArray> runTorchPython(const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    process.start(QStringLiteral(PARE_TORCH_PYTHON), arguments);
    if (!process.waitForFinished(timeoutMs) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        qWarning("python3 %s failed: %s", qPrintable(arguments.join(QLatin1Char(' '))),
                 process.readAllStandardError().constData());
        return std::nullopt;
    }
    return process.readAllStandardOutput();
}

} // namespace pare::test

namespace pare::test {

std::optional<QByteArray>
runTorchScript(const QString& scriptPath, const QByteArray& code, const QStringList& arguments)
{
    QFile file(scriptPath);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(code) != code.size()) {
        qWarning("cannot write %s", qPrintable(scriptPath));
        return std::nullopt;
    }
    file.close();
    return runTorchPython(QStringList { scriptPath } + arguments);
}

std::optional<QByteArray> pytorchModels(const QString& dir)
{
    const QString made = qEnvironmentVariable("PARE_PYTORCH_FIXTURES");
    const QStringList files { QStringLiteral("resnet_scripted.pt"), QStringLiteral("mlp_traced.pt"),
                              QStringLiteral("accuracy.json") };
    const auto complete = [&] {
        return std::all_of(files.begin(), files.end(),
                           [&](const QString& f) { return QFile::exists(made + QLatin1Char('/') + f); });
    };
    if (made.isEmpty() || !complete())
        return runTorchPython(
            { QStringLiteral(PARE_TESTS_DIR "/fixtures.py"), QStringLiteral("models"), dir, QStringLiteral("2000") });
    for (const auto& f : files) {
        QFile::remove(dir + QLatin1Char('/') + f);
        if (!QFile::copy(made + QLatin1Char('/') + f, dir + QLatin1Char('/') + f))
            return std::nullopt;
    }
    QFile accuracy(dir + QStringLiteral("/accuracy.json"));
    if (!accuracy.open(QIODevice::ReadOnly))
        return std::nullopt;
    return accuracy.readAll();
}

} // namespace pare::test
