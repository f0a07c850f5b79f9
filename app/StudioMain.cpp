// `pare-studio`: the desktop studio. It links pare_ui only; the engine runs on the window's worker threads.

#include "pare/BuildConfig.h"
#include "pare/Runtime.h"
#include "pare/ui/MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <memory>

int main(int argc, char** argv)
{
    // The same threading environment as the CLI (see bench/): libgomp reads it before main().
    pare::reexecWithThreadingEnvironment(argc, argv);

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Pare"));
    QApplication::setApplicationName(QStringLiteral("Pare Studio"));
    QApplication::setApplicationVersion(QStringLiteral(PARE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.pare.Studio"));
    QIcon icon;
    for (int size : { 16, 32, 48, 64, 128, 256 })
        icon.addFile(QStringLiteral(":/icons/pare-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Compress neural networks and see the trade-off"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(
        QStringLiteral("model"), QStringLiteral("Model to open (TorchScript or .pare)"), QStringLiteral("FILE"));
    const QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("Data set (fashion-mnist or a folder)"),
                                        QStringLiteral("SPEC"));
    const QCommandLineOption newOption(QStringLiteral("new"),
                                       QStringLiteral("Start a new project instead of reopening the last"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"),
                                           QStringLiteral("Engine threads (default: one fewer than the cores)"),
                                           QStringLiteral("N"));
    const QCommandLineOption runOption(
        QStringLiteral("run"), QStringLiteral("Start a run with the default settings once the model is loaded"));
    const QCommandLineOption sweepOption(
        QStringLiteral("sweep"),
        QStringLiteral("Open a sweep's results (the --out folder of pare sweep run) and watch it while it fills"),
        QStringLiteral("DIR"));
    parser.addOptions({ modelOption, dataOption, newOption, threadsOption, runOption, sweepOption });
    parser.process(app);

    pare::ui::MainWindow::Options options;
    options.model = parser.value(modelOption);
    if (parser.isSet(dataOption))
        options.data = parser.value(dataOption);
    options.reopenLastProject = !parser.isSet(newOption) && !parser.isSet(modelOption) && !parser.isSet(dataOption);
    options.threads = parser.value(threadsOption).toInt();

    pare::ui::MainWindow window(options);
    if (window.geometry().width() < 800)
        window.resize(1500, 920);
    window.show();
    if (parser.isSet(sweepOption))
        window.openSweepResults(parser.value(sweepOption));
    if (parser.isSet(runOption)) {
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = QObject::connect(&window, &pare::ui::MainWindow::workspaceLoaded, &window, [&window, connection] {
            QObject::disconnect(*connection);
            window.startRun();
        });
    }
    return QApplication::exec();
}
