// How responsive the studio stays with a model of real size (issue 13): the real MainWindow opens torchvision's
// DenseNet-121 (120 convolutions, 242 layers with weights; bench/run.sh makes it) with a small image folder, and a
// 10 ms repeating timer on the GUI thread records the gaps between its ticks while the user's actions follow each
// other: loading, switching through the tabs, scrolling the layer table (grouped and expanded, then flat), opening
// the weights view of the largest layer, and zooming into it. Goal: no gap over 100 ms. Prints one JSON line.
//   bench_studio_big_model MODEL.pt DATA

#include "pare/Model.h"
#include "pare/ui/LayerTable.h"
#include "pare/ui/MainWindow.h"
#include "pare/ui/WeightView.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>

#include <qcustomplot.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

namespace {

/// Runs the event loop for `ms` milliseconds (bench harness only: the studio itself never waits like this).
void settle(int ms)
{
    QEventLoop wait;
    QTimer::singleShot(ms, &wait, &QEventLoop::quit);
    wait.exec();
}

/// Runs the event loop until `done` holds, checking every 20 ms; false after `timeoutMs`.
bool waitFor(const std::function<bool()>& done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        settle(20);
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_studio_big_model MODEL.pt DATA\n");
        return 2;
    }
    QStandardPaths::setTestModeEnabled(true); // leave the user's settings and projects alone
    QApplication::setOrganizationName(QStringLiteral("PareBench"));
    QApplication::setApplicationName(QStringLiteral("StudioBigModel"));

    // The largest layer, as the user would pick it from the weights page.
    std::string largest;
    int64_t largestWeights = 0;
    for (const auto& layer : pare::Model::load(argv[1]).inspect().layers) {
        int64_t weights = 1;
        for (auto d : layer.weightShape)
            weights *= d;
        if (layer.weightShape.size() >= 2 && weights > largestWeights) {
            largestWeights = weights;
            largest = layer.name;
        }
    }

    std::map<std::string, double> largestGap; // per phase
    std::string phase = "load";
    QElapsedTimer clock;
    QTimer ticker;
    ticker.setInterval(10);
    ticker.setTimerType(Qt::PreciseTimer);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        auto& gap = largestGap[phase];
        gap = std::max(gap, double(clock.nsecsElapsed()) / 1e6);
        clock.restart();
    });
    clock.start();
    ticker.start();

    pare::ui::MainWindow::Options options;
    options.reopenLastProject = false;
    options.model = QString::fromLocal8Bit(argv[1]);
    options.data = QString::fromLocal8Bit(argv[2]);
    QElapsedTimer loadClock;
    loadClock.start();
    pare::ui::MainWindow window(options);
    window.resize(1400, 900);
    window.show();
    {
        QEventLoop wait;
        QObject::connect(&window, &pare::ui::MainWindow::workspaceLoaded, &wait, &QEventLoop::quit);
        wait.exec();
    }
    const double loadSeconds = double(loadClock.elapsed()) / 1000.0;
    settle(500);

    phase = "tabs";
    auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("viewTabs"));
    for (int i = 0; tabs && i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        settle(400);
    }

    phase = "layer_table";
    auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("layerTable"));
    auto* table = window.findChild<pare::ui::LayerTable*>();
    const int layerRows = table ? table->visibleLayerCount() : 0;
    if (tree) {
        tree->expandAll();
        settle(100);
        const auto scroll = [&] {
            auto* bar = tree->verticalScrollBar();
            for (int v = bar->minimum(); v <= bar->maximum(); v += std::max(1, bar->pageStep() / 4)) {
                bar->setValue(v);
                settle(15);
            }
        };
        scroll();
        table->setGrouped(false);
        settle(100);
        scroll();
    }

    phase = "weights";
    auto* combo = window.findChild<QComboBox*>(QStringLiteral("weightLayerCombo"));
    auto* view = window.findChild<pare::ui::WeightView*>();
    for (int i = 0; tabs && i < tabs->count(); ++i)
        if (tabs->widget(i)->findChild<pare::ui::WeightView*>() || tabs->widget(i) == view)
            tabs->setCurrentIndex(i);
    bool shown = false;
    if (combo && view) {
        combo->setCurrentIndex(combo->findText(QString::fromStdString(largest)));
        shown = waitFor([&] { return int64_t(view->heatmapCells()) == largestWeights; }, 60000);
        settle(500);
        phase = "weights_zoom";
        // A wheel zoom to 64x64 weights in the top left corner, then back out.
        view->heatmap()->xAxis->setRange(-0.5, 63.5);
        view->heatmap()->yAxis->setRange(-0.5, 63.5);
        view->heatmap()->replot();
        settle(500);
        view->heatmap()->rescaleAxes();
        view->heatmap()->replot();
        settle(500);
    }
    ticker.stop();

    std::printf("{\"load_seconds\": %.1f, \"layer_rows\": %d, \"largest_layer\": \"%s\", \"largest_layer_weights\": "
                "%lld, \"weights_shown\": %s",
                loadSeconds, layerRows, largest.c_str(), static_cast<long long>(largestWeights),
                shown ? "true" : "false");
    for (const auto& [name, gap] : largestGap)
        std::printf(", \"largest_gap_ms_%s\": %.1f", name.c_str(), gap);
    std::printf("}\n");
    return 0;
}
