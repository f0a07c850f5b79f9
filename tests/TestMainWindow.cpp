// GUI tests on the real MainWindow under the offscreen platform: linked controls and the recipe they write, a run
// on a 2,000-image Fashion-MNIST subset that fills the chart and the runs table, cancelling, a corrupt model,
// exports that load back, the project file, and the Chinese interface.

#include "TestConfig.h"
#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Pipeline.h"
#include "pare/Quantization.h"
#include "pare/Recipe.h"
#include "pare/Runtime.h"
#include "pare/Training.h"
#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/CompareView.h"
#include "pare/ui/Dialogs.h"
#include "pare/ui/LayerSparsityChart.h"
#include "pare/ui/MainWindow.h"
#include "pare/ui/ModelInputs.h"
#include "pare/ui/SensitivityView.h"
#include "pare/ui/WeightView.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUrl>
#include <QtTest>

using pare::ui::Dialogs;
using pare::ui::MainWindow;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void paretoFrontKeepsOnlyUndominatedPoints();
    void slidersAndSpinBoxesStayInSyncAndWriteTheRecipe();
    void runFillsTheChartAndTheTable();
    void int8EngineRunsFromTheControls();
    void augmentationChoiceTravelsWithTheRecipe();
    void cancelStopsTheRunAndTheWindowStaysUsable();
    void corruptModelShowsAnErrorAndKeepsThePrevious();
    void aNewerLoadWinsOverOneStillLoading();
    void aModelThatNeverReturnsIsStoppedInItsOwnProcess();
    void aModelWithoutRecordAsksWhatItTakes();
    void anOnnxModelOpensFromTheMenuAndByDrop();
    void exportsLoadBack();
    void weightViewShowsPrunedAndQuantizedWeights();
    void sensitivityViewSuggestsRatiosThatApply();
    void projectRoundTrips();
    void chineseInterface();
    void previewFollowsTheRatioSliderAndEqualsAOneShotRun();
    void exploreAddsCandidatesAndCanBeCancelled();
    void compareShowsTwoRunsSideBySide();

private:
    template <typename T> T* child(const char* name) const
    {
        auto* widget = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no child named %s", name);
        return widget;
    }
    void quickSettings(int finetuneEpochs);
    int runOnce();

    QTemporaryDir m_dir;
    QString m_data;
    QString m_model;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings and the untitled project go to a test folder
    QApplication::setOrganizationName(QStringLiteral("PareTests"));
    QApplication::setApplicationName(QStringLiteral("TestMainWindow"));
    QSettings().clear();
    QFile::remove(MainWindow::untitledProjectPath());
    Dialogs::setTestMode(true);

    m_data = m_dir.filePath("subset");
    pare::test::writeFashionSubset(m_data, 2000, 500);
    // A tiny model, trained here for one epoch so that accuracy means something.
    pare::configureThreads(1);
    const auto data = pare::Dataset::load(m_data.toStdString());
    auto model = pare::Model::fromZoo("lenet300@0.25", data.info().sampleShape, data.classCount());
    pare::TrainOptions options;
    options.epochs = 1;
    (void)pare::train(model, data, options);
    pare::ModelRecord record;
    record.inputShape = data.info().sampleShape;
    record.mean = data.info().mean;
    record.std = data.info().std;
    record.classes = data.info().classNames;
    model.setRecord(record);
    m_model = m_dir.filePath("tiny.pt");
    model.save(m_model.toStdString());
}

void TestMainWindow::init()
{
    MainWindow::Options options;
    options.model = m_model;
    options.data = m_data;
    options.reopenLastProject = false;
    options.threads = 1;
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isLoading() && child<QPushButton>("runButton")->isEnabled(), 30000);
}

void TestMainWindow::cleanup()
{
    m_window.reset();
}

void TestMainWindow::quickSettings(int finetuneEpochs)
{
    child<QSpinBox>("pruneRatioSpinBox")->setValue(60);
    child<QSpinBox>("finetuneEpochsSpinBox")->setValue(finetuneEpochs);
    child<QSlider>("bitsSlider")->setValue(4);
    child<QSpinBox>("qatEpochsSpinBox")->setValue(0);
}

int TestMainWindow::runOnce()
{
    QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
    QTest::mouseClick(child<QPushButton>("runButton"), Qt::LeftButton);
    if (!finished.wait(120000))
        return -1;
    return finished.first().first().toInt();
}

void TestMainWindow::paretoFrontKeepsOnlyUndominatedPoints()
{
    using Front = std::vector<std::pair<double, double>>;
    const Front points { { 100, 90 }, { 50, 85 }, { 50, 80 }, { 200, 95 }, { 150, 88 }, { 300, 95 }, { 20, 60 } };
    const Front expected { { 20, 60 }, { 50, 85 }, { 100, 90 }, { 200, 95 } };
    QVERIFY(pare::ui::AccuracySizeChart::paretoFront(points) == expected);
    QVERIFY(pare::ui::AccuracySizeChart::paretoFront({}).empty());

    // Points that arrive together are drawn by one replot, on the timer, never one per point.
    pare::ui::AccuracySizeChart chart;
    QTRY_VERIFY(chart.replotCount() >= 1); // the construction's own
    const int before = chart.replotCount();
    pare::Snapshot snapshot;
    for (int i = 0; i < 10; ++i) {
        snapshot.accuracy = 0.5 + 0.01 * i;
        snapshot.sizes.pare = 1000 * (i + 1);
        chart.addSnapshot(1, QStringLiteral("run"), snapshot);
    }
    QCOMPARE(chart.replotCount(), before);
    QTRY_COMPARE(chart.replotCount(), before + 1);
    QTest::qWait(400);
    QCOMPARE(chart.replotCount(), before + 1);
    QCOMPARE(chart.pointCount(), 10);
    QCOMPARE(chart.paretoCount(), 10); // larger and more accurate each time: every point is on the front
}

void TestMainWindow::slidersAndSpinBoxesStayInSyncAndWriteTheRecipe()
{
    auto* pruneSlider = child<QSlider>("pruneRatioSlider");
    auto* pruneSpin = child<QSpinBox>("pruneRatioSpinBox");
    pruneSlider->setValue(55);
    QCOMPARE(pruneSpin->value(), 55);
    pruneSpin->setValue(70);
    QCOMPARE(pruneSlider->value(), 70);

    child<QDoubleSpinBox>("temperatureSpinBox")->setValue(7.5);
    QCOMPARE(child<QSlider>("temperatureSlider")->value(), 75);
    child<QSlider>("alphaSlider")->setValue(30);
    QCOMPARE(child<QDoubleSpinBox>("alphaSpinBox")->value(), 0.30);

    auto* bitsSlider = child<QSlider>("bitsSlider");
    auto* bitsSpin = child<QSpinBox>("bitsSpinBox");
    bitsSlider->setValue(9);
    QCOMPARE(bitsSpin->text(), QString("fp16"));
    QCOMPARE(m_window->settings().bits, 16);
    bitsSpin->setValue(3);
    QCOMPARE(bitsSlider->value(), 3);
    QCOMPARE(m_window->settings().bits, 3);
    auto* student = child<QComboBox>("studentCombo");
    student->setCurrentIndex(student->findData(QStringLiteral("self")));

    const QString path = m_dir.filePath("studio-recipe.json");
    QVERIFY(m_window->saveRecipe(path));
    const auto recipe = pare::Recipe::load(path.toStdString());
    QCOMPARE(recipe.steps.size(), size_t(4)); // prune, distill, quantize, evaluate
    QCOMPARE(recipe.steps[0].prune.ratio, 0.70);
    QCOMPARE(recipe.steps[1].distill.options.temperature, 7.5);
    QCOMPARE(recipe.steps[1].distill.options.alpha, 0.30);
    QCOMPARE(recipe.steps[1].distill.student, std::string("self"));
    QCOMPARE(recipe.steps[2].quantize.bits, 3);

    // And back: a recipe file sets the controls.
    bitsSlider->setValue(10); // off
    pruneSpin->setValue(0);
    QVERIFY(m_window->loadRecipe(path));
    QCOMPARE(pruneSlider->value(), 70);
    QCOMPARE(bitsSpin->value(), 3);
    QCOMPARE(m_window->settings().temperature, 7.5);
}

void TestMainWindow::runFillsTheChartAndTheTable()
{
    quickSettings(1);
    auto* chart = m_window->chart();
    const int pointsBefore = chart->pointCount();
    const int runId = runOnce();
    QVERIFY(runId > 0);
    const auto* run = m_window->project().run(runId);
    QVERIFY(run && run->finished);
    QCOMPARE(run->snapshots.size(), size_t(4)); // baseline, prune, quantize, evaluate
    QCOMPARE(chart->pointCount(), pointsBefore + 4);
    QTRY_VERIFY(chart->paretoCount() >= 1);
    auto* table = child<QTableView>("runsTable")->model();
    QCOMPARE(table->rowCount(), 1);
    QVERIFY(table->index(0, 6).data().toString().size() > 0);

    // The sparsity view shows the engine's per-layer figures of the selected run.
    QCOMPARE(m_window->selectedRun(), runId);
    const auto& layers = run->snapshots.back().layers;
    const auto bars = m_window->layerChart()->runSparsity();
    QCOMPARE(bars.size(), qsizetype(layers.size()));
    for (size_t i = 0; i < layers.size(); ++i)
        QCOMPARE(bars[qsizetype(i)], 100.0 * layers[i].sparsity());
    QVERIFY(bars.front() > 10.0);
    auto* layerTable = child<QTreeWidget>("layerTable");
    QCOMPARE(layerTable->topLevelItem(0)->text(5), QString("4"));
}

void TestMainWindow::int8EngineRunsFromTheControls()
{
    quickSettings(0);
    auto* engine = child<QComboBox>("engineCombo");
    const int onednn = engine->findData(int(pare::Int8Engine::OneDnn));
    QVERIFY(onednn > 0);
    engine->setCurrentIndex(onednn);
    // The engine runs one kind of quantization; the controls show it and cannot be moved off it.
    QCOMPARE(child<QSpinBox>("bitsSpinBox")->value(), 8);
    QVERIFY(!child<QSpinBox>("bitsSpinBox")->isEnabled());
    QCOMPARE(child<QSpinBox>("activationBitsSpinBox")->value(), 8);
    QVERIFY(child<QCheckBox>("perChannelCheckBox")->isChecked());
    const auto recipe = m_window->settings().toRecipe();
    QCOMPARE(recipe.steps[1].quantize.engine, std::optional(pare::Int8Engine::OneDnn));
    QCOMPARE(recipe.steps[1].quantize.activationBits, 8);

    const int runId = runOnce();
    QVERIFY(runId > 0);
    const auto* run = m_window->project().run(runId);
    QVERIFY(run && run->finished);
    const auto& quantized = run->snapshots[2];
    QVERIFY2(QString::fromStdString(quantized.settings).contains("int8 on onednn"), quantized.settings.c_str());
    for (const auto& layer : quantized.layers)
        QCOMPARE(layer.bits, 8);
    // The run's model is the int8 one: loaded back from its file, it runs on quantized:: ops.
    const auto model = pare::Model::load(run->modelFile.toStdString());
    int packed = 0;
    for (const auto& op : pare::int8Operations(model))
        packed += op.weightType == "QInt8";
    QCOMPARE(packed, int(quantized.layers.size()));

    engine->setCurrentIndex(0);
    QVERIFY(child<QSpinBox>("bitsSpinBox")->isEnabled());
}

void TestMainWindow::augmentationChoiceTravelsWithTheRecipe()
{
    auto* augment = child<QComboBox>("augmentCombo");
    QCOMPARE(augment->currentIndex(), 0); // the data set's default: the recipe leaves the key out
    QVERIFY(!m_window->settings().toRecipe().augment);
    augment->setCurrentIndex(augment->findData(int(pare::Augmentation::CropFlip)));
    QCOMPARE(m_window->settings().toRecipe().augment, std::optional(pare::Augmentation::CropFlip));
    // A saved recipe keeps it, and loading one shows its choice.
    const QString path = m_dir.filePath("augment.json");
    QVERIFY(m_window->saveRecipe(path));
    QVERIFY(pare::Recipe::load(path.toStdString()).toJson().find("\"augment\": \"crop-flip\"") != std::string::npos);
    auto recipe = pare::Recipe::load(path.toStdString());
    recipe.augment = pare::Augmentation::None;
    recipe.save(path.toStdString(), true);
    QVERIFY(m_window->loadRecipe(path));
    QCOMPARE(augment->currentData().toInt(), int(pare::Augmentation::None));
}

void TestMainWindow::cancelStopsTheRunAndTheWindowStaysUsable()
{
    quickSettings(10);
    QSignalSpy started(m_window.get(), &MainWindow::runStarted);
    QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
    // Cancel as soon as the first training batch reports, as a user who clicks Cancel mid-epoch.
    auto* job = m_window->findChild<pare::ui::CompressionJob*>();
    QVERIFY(job);
    bool clicked = false;
    connect(job, &pare::ui::CompressionJob::progressed, this, [&](int, const pare::PipelineProgress& p) {
        if (clicked || p.train.batch == 0)
            return;
        clicked = true;
        QVERIFY(m_window->isRunning());
        QVERIFY(!child<QPushButton>("runButton")->isEnabled());
        QTest::mouseClick(child<QPushButton>("cancelButton"), Qt::LeftButton);
    });
    QTest::mouseClick(child<QPushButton>("runButton"), Qt::LeftButton);
    QCOMPARE(started.count(), 1);
    QVERIFY(finished.wait(60000));
    QVERIFY(clicked);
    const auto* run = m_window->project().run(finished.first().first().toInt());
    QVERIFY(run && run->cancelled && !run->finished);
    QCOMPARE(run->snapshots.size(), size_t(1)); // the baseline; the cancelled step reports nothing
    QVERIFY(!m_window->isRunning());
    QVERIFY(child<QPushButton>("runButton")->isEnabled());
    QVERIFY(!child<QPushButton>("cancelButton")->isEnabled());
    QVERIFY(child<QLabel>("statusLabel")->text().contains("cancelled"));
    // Usable: the controls still answer, and another run can start.
    child<QSpinBox>("pruneRatioSpinBox")->setValue(33);
    QCOMPARE(child<QSlider>("pruneRatioSlider")->value(), 33);
}

void TestMainWindow::corruptModelShowsAnErrorAndKeepsThePrevious()
{
    const QString corrupt = m_dir.filePath("corrupt.pt");
    QFile file(corrupt);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("PK\x03\x04 this is not a TorchScript archive");
    file.close();
    const int errors = Dialogs::errorCount();
    QSignalSpy loaded(m_window.get(), &MainWindow::workspaceLoaded);
    m_window->openModel(corrupt);
    QVERIFY(loaded.wait(20000));
    QCOMPARE(Dialogs::errorCount(), errors + 1);
    QVERIFY2(Dialogs::lastError().startsWith(corrupt), qPrintable(Dialogs::lastError()));
    QCOMPARE(m_window->project().model, m_model);
    QVERIFY(child<QLabel>("modelCardLabel")->text().contains("tiny.pt"));
    QVERIFY(child<QPushButton>("runButton")->isEnabled());
}

/// A model saved by PyTorch (no pare.json) reading 3 channels: the studio asks before the first evaluation,
/// proposes the data's 28x28 at 3 channels, remembers the answer for the file, and a cancelled question changes
/// nothing.
void TestMainWindow::anOnnxModelOpensFromTheMenuAndByDrop()
{
    // The bundled LeNet-5 as the graph tf2onnx writes for a Keras model (NHWC input), made by python3-onnx.
    const QString onnx = m_dir.filePath("lenet_keras.onnx");
    QProcess make;
    make.start(QStringLiteral(PARE_TORCH_PYTHON),
               { QStringLiteral(PARE_TESTS_DIR "/onnx_models.py"), QStringLiteral("keras-lenet"),
                 QStringLiteral(PARE_TESTS_DIR "/../resources/models/lenet5-fashion-mnist.pt"), onnx });
    QVERIFY(make.waitForFinished(120000));
    QCOMPARE(make.exitCode(), 0);
    const int errors = Dialogs::errorCount();

    // File > Open model: an ONNX graph has no record, so the studio proposes what it takes (1x28x28 from the graph).
    Dialogs::setNextFileName(onnx);
    Dialogs::setNextAnswer(QMessageBox::Ok);
    m_window->findChild<QAction*>("openModelAction")->trigger();
    QTRY_VERIFY2_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("lenet_keras.onnx"),
                              qPrintable(Dialogs::lastError()), 60000);
    QVERIFY(child<QLabel>("modelCardLabel")->text().contains("1x28x28"));
    QVERIFY(child<QPushButton>("runButton")->isEnabled());

    // Dropped on the window after another model: it opens again (its inputs are remembered now).
    m_window->openModel(m_model);
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("tiny.pt"), 30000);
    QMimeData mime;
    mime.setUrls({ QUrl::fromLocalFile(onnx) });
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    // Straight to the window's handler: QApplication routes drops only during a real drag.
    static_cast<QObject*>(m_window.get())->event(&drop);
    QVERIFY(drop.isAccepted());
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("lenet_keras.onnx"), 60000);
    QCOMPARE(Dialogs::errorCount(), errors);
}

void TestMainWindow::aModelWithoutRecordAsksWhatItTakes()
{
    const QString foreign = m_dir.filePath("foreign.pt");
    if (!QFile::exists(foreign))
        QVERIFY(pare::test::runTorchScript(m_dir.filePath("foreign.py"),
                                           "import sys, torch\n"
                                           "from torch import nn\n"
                                           "torch.manual_seed(0)\n"
                                           "m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),\n"
                                           "                  nn.Flatten(), nn.Linear(4, 10))\n"
                                           "torch.jit.script(m).save(sys.argv[1])\n",
                                           { foreign }));
    QSignalSpy loaded(m_window.get(), &MainWindow::workspaceLoaded);

    // Cancelled: the previous model stays, nothing is remembered.
    Dialogs::setNextAnswer(QMessageBox::Cancel);
    m_window->openModel(foreign);
    QVERIFY(loaded.wait(30000));
    QCOMPARE(m_window->project().model, m_model);
    QVERIFY(child<QLabel>("modelCardLabel")->text().contains("tiny.pt"));
    QVERIFY(!pare::ui::ModelInputs::remembered(foreign));

    // Accepted as proposed: 3 channels from the first layer, the data's size and statistics.
    Dialogs::setNextAnswer(QMessageBox::Ok);
    m_window->openModel(foreign);
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("foreign.pt"), 30000);
    const auto inputs = pare::ui::ModelInputs::remembered(foreign);
    QVERIFY(inputs);
    QCOMPARE(inputs->inputShape, (std::vector<int64_t> { 3, 28, 28 }));
    QCOMPARE(inputs->classes.size(), size_t(10));
    QCOMPARE(inputs->mean.size(), size_t(3));
    QVERIFY(child<QLabel>("modelCardLabel")->text().contains("3x28x28"));
    QVERIFY(child<QPushButton>("runButton")->isEnabled());

    // Remembered: opening it again asks nothing (a queued Cancel stays unused).
    m_window->openModel(m_model);
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("tiny.pt"), 30000);
    Dialogs::setNextAnswer(QMessageBox::Cancel);
    m_window->openModel(foreign);
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("modelCardLabel")->text().contains("foreign.pt"), 30000);
    QCOMPARE(Dialogs::question(nullptr, {}, {}, QMessageBox::Ok | QMessageBox::Cancel, QMessageBox::Ok),
             QMessageBox::Cancel);

    // A run on it works with the remembered inputs.
    quickSettings(0);
    const int errors = Dialogs::errorCount();
    QVERIFY(runOnce() > 0);
    QCOMPARE(Dialogs::errorCount(), errors);
}

/// A TorchScript model is code: one whose forward never returns is first evaluated in a child process, stopped at
/// the time limit, reported, and the window keeps its previous model and stays usable.
void TestMainWindow::aModelThatNeverReturnsIsStoppedInItsOwnProcess()
{
    const QString looping = m_dir.filePath("never-returns.pt");
    if (!QFile::exists(looping))
        QVERIFY(pare::test::runTorchScript(m_dir.filePath("never-returns.py"),
                                           "import sys, torch\n"
                                           "class NeverReturns(torch.nn.Module):\n"
                                           "    def __init__(self):\n"
                                           "        super().__init__()\n"
                                           "        self.fc = torch.nn.Linear(784, 10)\n"
                                           "    def forward(self, x):\n"
                                           "        i = 0\n"
                                           "        while i >= 0:\n"
                                           "            i = i + 1\n"
                                           "        return self.fc(x.flatten(1))\n"
                                           "torch.jit.script(NeverReturns()).save(sys.argv[1])\n",
                                           { looping }));
    qputenv("PARE_MODEL_PROBE_SECONDS", "4");
    const int errors = Dialogs::errorCount();
    QSignalSpy loaded(m_window.get(), &MainWindow::workspaceLoaded);
    QElapsedTimer clock;
    clock.start();
    m_window->openModel(looping);
    QVERIFY(loaded.wait(60000));
    qunsetenv("PARE_MODEL_PROBE_SECONDS");
    QCOMPARE(Dialogs::errorCount(), errors + 1);
    QVERIFY2(Dialogs::lastError().startsWith(looping) && Dialogs::lastError().contains("within 4 s"),
             qPrintable(Dialogs::lastError()));
    QVERIFY(clock.elapsed() < 40000);
    QCOMPARE(m_window->project().model, m_model);
    QVERIFY(child<QPushButton>("runButton")->isEnabled());
}

void TestMainWindow::aNewerLoadWinsOverOneStillLoading()
{
    // Two models opened one after the other, the second while the first still loads (as a user who picks the wrong
    // file and at once the right one): the first must neither show nor enable Run.
    const QString first = m_dir.filePath("first.pt"), second = m_dir.filePath("second.pt");
    for (const auto& copy : { first, second })
        QVERIFY(QFile::exists(copy) || QFile::copy(m_model, copy));
    QSignalSpy loaded(m_window.get(), &MainWindow::workspaceLoaded);
    m_window->openModel(first);
    m_window->openModel(second);
    QVERIFY(m_window->isLoading());
    QVERIFY(!child<QPushButton>("runButton")->isEnabled());
    QVERIFY(loaded.wait(30000));
    QVERIFY2(child<QLabel>("modelCardLabel")->text().contains("second.pt"),
             qPrintable(child<QLabel>("modelCardLabel")->text()));
    QCOMPARE(m_window->project().model, second);
    QVERIFY(!m_window->isLoading());
    QVERIFY(child<QPushButton>("runButton")->isEnabled());
    // Nothing of the first load arrives later either.
    QTest::qWait(1000);
    QCOMPARE(loaded.count(), 1);
    QVERIFY(child<QLabel>("modelCardLabel")->text().contains("second.pt"));
}

void TestMainWindow::exportsLoadBack()
{
    quickSettings(0);
    const int runId = runOnce();
    QVERIFY(runId > 0);
    const auto& last = m_window->project().run(runId)->snapshots.back();
    for (const char* name : { "exported.pare", "exported.pt" }) {
        const QString path = m_dir.filePath(name);
        QVERIFY(m_window->exportRun(runId, path));
        const auto back = pare::Model::load(path.toStdString());
        QCOMPARE(back.nonzeroParameterCount(), last.nonzeroParams);
    }
    QCOMPARE(QFileInfo(m_dir.filePath("exported.pare")).size(), qint64(last.sizes.pare));
    // ONNX: checked in OpenCV DNN against LibTorch, and as large as the snapshot said.
    QVERIFY(m_window->exportRun(runId, m_dir.filePath("exported.onnx")));
    QCOMPARE(QFileInfo(m_dir.filePath("exported.onnx")).size(), qint64(last.sizes.onnx));
    QVERIFY(m_window->findChild<QLabel*>("statusLabel")->text().contains("OpenCV DNN"));

    QVERIFY(m_window->exportChart(m_dir.filePath("chart.png")));
    QVERIFY(m_window->exportChart(m_dir.filePath("chart.pdf")));
    QVERIFY(QFileInfo(m_dir.filePath("chart.png")).size() > 1000);
    QVERIFY(QFileInfo(m_dir.filePath("chart.pdf")).size() > 1000);
    QVERIFY(m_window->exportRunsCsv(m_dir.filePath("runs.csv")));
    QFile csv(m_dir.filePath("runs.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const auto lines = QString::fromUtf8(csv.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines[0].startsWith("run,settings,accuracy"));
}

void TestMainWindow::weightViewShowsPrunedAndQuantizedWeights()
{
    quickSettings(0);
    const int runId = runOnce();
    QVERIFY(runId > 0);
    auto* combo = child<QComboBox>("weightLayerCombo");
    QVERIFY(combo->count() >= 2);
    combo->setCurrentIndex(0);
    const auto& layer = m_window->project().run(runId)->snapshots.back().layers.front();
    QCOMPARE(combo->currentText(), QString::fromStdString(layer.name));
    auto* view = m_window->weightView();
    // The page loads the models on a job: the view fills in when they arrive.
    QTRY_COMPARE_WITH_TIMEOUT(int64_t(view->heatmapCells()), layer.weights, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(view->prunedCells() > 0, 20000);
    QCOMPARE(int64_t(view->prunedCells()), layer.weights - layer.nonzero); // grey cells are the pruned weights
    QVERIFY(view->prunedCells() > 0);
    QVERIFY(view->levelLines() > 0 && view->levelLines() <= 16); // 4-bit k-means: at most 16 centroids
}

void TestMainWindow::sensitivityViewSuggestsRatiosThatApply()
{
    auto* view = m_window->sensitivityView();
    QVERIFY(!view->hasResult());
    QTest::mouseClick(view->findChild<QPushButton*>("measureSensitivityButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(view->hasResult(), 120000);
    child<QSpinBox>("pruneRatioSpinBox")->setValue(70);
    QCOMPARE(view->suggestion().size(), size_t(3)); // lenet300: three linear layers
    auto* apply = view->findChild<QPushButton*>("applySensitivityButton");
    QVERIFY(apply->isEnabled());
    QTest::mouseClick(apply, Qt::LeftButton);
    const auto settings = m_window->settings();
    QCOMPARE(settings.allocate, pare::ui::LayerRatioSource::Applied);
    QVERIFY(settings.layerRatios == view->suggestion());
    // The recipe carries them, and a run prunes each layer to its own ratio.
    const QString path = m_dir.filePath("applied.json");
    QVERIFY(m_window->saveRecipe(path));
    const auto recipe = pare::Recipe::load(path.toStdString());
    QCOMPARE(recipe.steps[0].prune.method, pare::PruneMethod::MagnitudeLayer);
    QCOMPARE(recipe.steps[0].prune.layerRatios.size(), size_t(3));
    child<QSpinBox>("finetuneEpochsSpinBox")->setValue(0);
    child<QSlider>("bitsSlider")->setValue(10);
    const int runId = runOnce();
    QVERIFY(runId > 0);
    for (const auto& layer : m_window->project().run(runId)->snapshots.back().layers)
        QVERIFY(std::abs(layer.sparsity() - view->suggestion().at(layer.name)) < 0.01);
}

void TestMainWindow::projectRoundTrips()
{
    quickSettings(0);
    QVERIFY(runOnce() > 0);
    const QString path = m_dir.filePath("p.pareproject");
    QVERIFY(m_window->saveProject(path));
    const auto saved = m_window->project();

    // A new window (as after a restart) reopens the last project with its history.
    m_window.reset();
    MainWindow::Options options;
    options.threads = 1;
    m_window = std::make_unique<MainWindow>(options);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->isLoading(), 30000);
    const auto& reopened = m_window->project();
    QCOMPARE(reopened.model, saved.model);
    QCOMPARE(reopened.data, saved.data);
    QCOMPARE(reopened.runs.size(), saved.runs.size());
    QCOMPARE(reopened.runs.back().snapshots.size(), saved.runs.back().snapshots.size());
    QCOMPARE(pare::snapshotToJson(reopened.runs.back().snapshots.back()),
             pare::snapshotToJson(saved.runs.back().snapshots.back()));
    QCOMPARE(child<QTableView>("runsTable")->model()->rowCount(), int(saved.runs.size()));
    QVERIFY(m_window->windowTitle().contains("Pare"));
    QVERIFY(m_window->windowTitle().contains("p.pareproject"));

    // A corrupt project is refused with a message naming it, and the open one stays.
    const QString bad = m_dir.filePath("bad.pareproject");
    QFile file(bad);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"pare_project\": 1, \"runs\": ");
    file.close();
    QVERIFY(!m_window->openProject(bad));
    QVERIFY(Dialogs::lastError().startsWith(bad));
    QCOMPARE(m_window->project().runs.size(), saved.runs.size());
}

void TestMainWindow::chineseInterface()
{
    auto* fileMenu = child<QMenu>("fileMenu");
    QCOMPARE(fileMenu->title(), QString("&File"));
    m_window->setLanguage(QStringLiteral("zh_CN"));
    QCOMPARE(fileMenu->title(), QString::fromUtf8("文件(&F)"));
    QCOMPARE(child<QMenu>("runMenu")->title(), QString::fromUtf8("运行(&R)"));
    QCOMPARE(child<QPushButton>("runButton")->text(), QString::fromUtf8("运行"));
    m_window->setLanguage(QStringLiteral("en"));
    QCOMPARE(fileMenu->title(), QString("&File"));
}

void TestMainWindow::previewFollowsTheRatioSliderAndEqualsAOneShotRun()
{
    // The controls keep their fine-tuning epochs: the preview leaves training out on its own.
    child<QSpinBox>("finetuneEpochsSpinBox")->setValue(2);
    child<QSlider>("bitsSlider")->setValue(4);
    child<QSlider>("pruneRatioSlider")->setValue(73);
    auto* chart = m_window->chart();
    QTRY_VERIFY_WITH_TIMEOUT(chart->preview() && !chart->preview()->estimated
                                 && chart->preview()->result.settings.find("73%") != std::string::npos,
                             60000);
    const auto shown = chart->preview()->result;

    // The same settings, one-shot, computed here from the model file and the data.
    pare::Recipe::Simple simple;
    simple.pruneRatio = 0.73;
    simple.finetuneEpochs = 0;
    simple.bits = 4;
    simple.quantizeEpochs = 0;
    const auto recipe = pare::Recipe::fromSimple(simple);
    auto [model, data] = pare::openModelWithData(m_model.toStdString(), m_data.toStdString());
    const auto oneShot = pare::applyRecipe(model, data, recipe);
    QVERIFY(oneShot.has_value());
    const auto validation = pare::evaluate(*oneShot, data, pare::Split::Validation, 256, nullptr, 1000);
    QCOMPARE(shown.images, validation.images);
    QCOMPARE(shown.accuracy, validation.accuracy);
    QCOMPARE(shown.sizes.pare, int64_t(oneShot->serialize(pare::ModelFormat::Pare).size()));
    QCOMPARE(shown.sizes.torchScript, int64_t(oneShot->serialize(pare::ModelFormat::TorchScript).size()));
    QCOMPARE(shown.nonzeroParams, oneShot->nonzeroParameterCount());
    QVERIFY(shown.sizes.pare < m_window->workspace()->baseline.sizes.pare / 2);

    // Once neighbouring ratios are measured, a new position is first shown as an estimate between them.
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->exploration()->preview()->isMeasuring(), 60000);
    QSignalSpy previewed(m_window->exploration()->preview(), &pare::ui::LivePreview::previewed);
    child<QSlider>("pruneRatioSlider")->setValue(84);
    QVERIFY(!previewed.isEmpty()); // at once, from the GUI thread
    QVERIFY(previewed.first().first().value<pare::ui::PreviewPoint>().estimated);
    QTRY_VERIFY_WITH_TIMEOUT(!chart->preview()->estimated, 60000);
    QCOMPARE(chart->preview()->request, m_window->exploration()->preview()->lastRequest());
}

void TestMainWindow::exploreAddsCandidatesAndCanBeCancelled()
{
    pare::SearchOptions options;
    options.maxDropPoints = 2.0;
    options.budget = { 0.0, 40 };
    options.candidates = 6;
    options.epochs = { 1 };
    auto* chart = m_window->chart();
    QVERIFY(m_window->startExplore(options));
    QVERIFY(m_window->isRunning());
    QVERIFY(!child<QPushButton>("runButton")->isEnabled());
    // Candidates arrive on the chart and in the project while the search runs.
    QTRY_VERIFY_WITH_TIMEOUT(chart->candidateCount() >= 3, 120000);
    QVERIFY(m_window->isRunning());
    QSignalSpy ended(m_window->exploration(), &pare::ui::StudioExploration::exploreEnded);
    m_window->cancelRun();
    QVERIFY(ended.wait(120000));
    QVERIFY(!m_window->isRunning());
    QVERIFY(child<QPushButton>("runButton")->isEnabled());

    int searchRuns = 0;
    for (const auto& run : m_window->project().runs)
        if (run.origin == pare::ui::RunOrigin::Search) {
            ++searchRuns;
            QCOMPARE(int(run.snapshots.size()), 2); // the search's baseline and the candidate, on validation
            QVERIFY(run.snapshots.back().sizes.pare > 0);
        }
    QCOMPARE(chart->candidateCount(), searchRuns);
    QVERIFY(searchRuns < 40); // cancelled before the budget
    // The winner keeps its model, is selected, and its recipe is in the controls.
    const int winner = ended.first().first().toInt();
    const auto* run = m_window->project().run(winner);
    QVERIFY(run);
    QVERIFY(QFileInfo::exists(run->modelFile));
    QCOMPARE(m_window->selectedRun(), winner);
    const auto recipe = pare::Recipe::fromJson(run->recipeJson.toStdString(), "winner");
    QCOMPARE(QString::fromStdString(m_window->settings().toRecipe().toJson()),
             QString::fromStdString(pare::ui::StudioSettings::fromRecipe(recipe, "winner").toRecipe().toJson()));
    QVERIFY(pare::Model::load(run->modelFile.toStdString()).parameterCount() > 0);
}

void TestMainWindow::compareShowsTwoRunsSideBySide()
{
    quickSettings(0);
    const int first = runOnce();
    child<QSpinBox>("pruneRatioSpinBox")->setValue(90);
    const int second = runOnce();
    QVERIFY(first > 0 && second > first);
    auto* compare = m_window->findChild<pare::ui::CompareView*>(QStringLiteral("compareView"));
    QVERIFY(compare);
    compare->compare(first, second);
    const auto* model = compare->model();
    const auto* a = m_window->project().run(first);
    const auto* b = m_window->project().run(second);
    const auto cell = [&](const QString& figure, int column) {
        const int row = model->rowNamed(figure);
        return row < 0 ? QString() : model->index(row, column).data().toString();
    };
    const QLocale locale;
    QCOMPARE(cell("Accuracy %", pare::ui::CompareTableModel::RunAColumn),
             locale.toString(100.0 * a->snapshots.back().accuracy, 'f', 2));
    QCOMPARE(cell("Accuracy %", pare::ui::CompareTableModel::RunBColumn),
             locale.toString(100.0 * b->snapshots.back().accuracy, 'f', 2));
    QCOMPARE(cell(".pare bytes", pare::ui::CompareTableModel::DifferenceColumn),
             locale.toString(double(b->snapshots.back().sizes.pare - a->snapshots.back().sizes.pare), 'f', 0));
    // Every class has its row, named as the data set names it, and every layer its sparsity and bits.
    const auto& classes = m_window->workspace()->dataInfo.classNames;
    for (size_t c = 0; c < classes.size(); ++c)
        QCOMPARE(cell(QStringLiteral("Class %1 accuracy %").arg(QString::fromStdString(classes[c])),
                      pare::ui::CompareTableModel::RunBColumn),
                 locale.toString(100.0 * b->snapshots.back().perClassAccuracy[c], 'f', 2));
    const auto& layer = b->snapshots.back().layers.front();
    QVERIFY(cell(QStringLiteral("Layer %1").arg(QString::fromStdString(layer.name)),
                 pare::ui::CompareTableModel::RunBColumn)
                .contains(QStringLiteral("4 bits")));
}

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
