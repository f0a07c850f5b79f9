#include "ModelProbe.h"

#include "pare/Error.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QMutex>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QStringList>

#include <cstdio>

namespace pare::ui {
namespace {

/// Test images the child evaluates: enough to run every layer, few enough to take a second.
constexpr int kProbeImages = 64;

QString pareCommand()
{
    const QString set = qEnvironmentVariable("PARE_CLI");
    if (!set.isEmpty())
        return set;
    const QString besideStudio = QCoreApplication::applicationDirPath() + "/pare";
    if (QFileInfo(besideStudio).isExecutable())
        return besideStudio;
    return QStandardPaths::findExecutable("pare");
}

QString joined(const std::vector<float>& values)
{
    QStringList parts;
    for (const float v : values)
        parts << QString::number(double(v), 'g', 9);
    return parts.join(',');
}

/// Files that passed, as path|size|modified: a file changed since is probed again.
QString identity(const QString& model)
{
    const QFileInfo info(model);
    return info.canonicalFilePath() + "|" + QString::number(info.size()) + "|"
        + QString::number(info.lastModified().toMSecsSinceEpoch());
}

QMutex gPassedLock;
QSet<QString> gPassed;

} // namespace

int modelProbeSeconds()
{
    bool ok = false;
    const int set = qEnvironmentVariableIntValue("PARE_MODEL_PROBE_SECONDS", &ok);
    return ok && set > 0 ? set : 60;
}

void probeModelInChildProcess(const QString& model,
                              const QString& data,
                              const std::optional<ModelRecord>& inputs,
                              const std::function<bool()>& cancelled)
{
    const QString key = identity(model);
    {
        const QMutexLocker lock(&gPassedLock);
        if (gPassed.contains(key))
            return;
    }
    const QString command = pareCommand();
    if (command.isEmpty()) {
        std::fprintf(stderr, "pare-studio: warning: no pare command found; %s is loaded without a time limit\n",
                     qPrintable(model));
        return;
    }
    QStringList arguments { "eval",          model, "--data",    data, "--test-limit", QString::number(kProbeImages),
                            "--train-limit", "1",   "--threads", "1" };
    if (inputs && inputs->inputShape.size() == 3)
        arguments
            << "--input-shape"
            << QString("%1,%2,%3").arg(inputs->inputShape[0]).arg(inputs->inputShape[1]).arg(inputs->inputShape[2]);
    if (inputs && !inputs->mean.empty())
        arguments << "--mean" << joined(inputs->mean) << "--std" << joined(inputs->std);
    QProcess child;
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(command, arguments);
    if (!child.waitForStarted(10000)) {
        std::fprintf(stderr, "pare-studio: warning: %s did not start; %s is loaded without a time limit\n",
                     qPrintable(command), qPrintable(model));
        return;
    }
    QElapsedTimer clock;
    clock.start();
    const qint64 limit = qint64(modelProbeSeconds()) * 1000;
    while (!child.waitForFinished(100)) {
        if (cancelled()) {
            child.kill();
            child.waitForFinished(5000);
            return;
        }
        if (clock.elapsed() > limit) {
            child.kill();
            child.waitForFinished(5000);
            throw inputError(model.toStdString(),
                             "did not finish evaluating " + std::to_string(kProbeImages) + " images within "
                                 + std::to_string(modelProbeSeconds())
                                 + " s in a separate process, which was stopped; its code may never return");
        }
    }
    if (child.exitStatus() == QProcess::CrashExit)
        throw inputError(model.toStdString(), "crashed while it was first evaluated in a separate process");
    const QMutexLocker lock(&gPassedLock);
    gPassed.insert(key);
}

} // namespace pare::ui
