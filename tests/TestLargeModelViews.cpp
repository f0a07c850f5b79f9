// The studio's views at real size: torchvision's ResNet-50 (53 convolutions, 161 layers with weights), made by
// Debian's python3-torchvision at test time; its layer table grouped by block and filtered as a user would, through
// the real widgets of the workspace panel; its sparsity chart scrolled; a 512x512x3x3 weight tensor drawn
// downsampled and zoomed to full detail; many sensitivity curves with the most sensitive highlighted.

#include "TestSupport.h"

#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/ui/LayerSparsityChart.h"
#include "pare/ui/LayerTable.h"
#include "pare/ui/SensitivityView.h"
#include "pare/ui/WeightView.h"
#include "pare/ui/WorkspacePanel.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <algorithm>
#include <map>
#include <random>

using namespace pare;
using namespace pare::ui;

class TestLargeModelViews : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void groupsByBlockWithSums();
    void filtersByPathAndType();
    void aGroupWithMostLayersOpensByItself();
    void ungroupedIsTheFlatList();
    void sparsityChartScrollsThroughLayers();
    void bigWeightTensorIsDownsampledThenZoomed();
    void manySensitivityCurvesHighlightTheMostSensitive();

private:
    QTreeWidgetItem* topLevel(const QString& name) const;

    QTemporaryDir m_dir;
    Workspace m_workspace;
    std::unique_ptr<WorkspacePanel> m_panel;
    LayerTable* m_table = nullptr;
    QTreeWidget* m_tree = nullptr;
    Snapshot m_snapshot;
};

void TestLargeModelViews::initTestCase()
{
    configureThreads();
    const QString path = m_dir.filePath("resnet50.pt");
    QVERIFY(test::runTorchScript(m_dir.filePath("make.py"),
                                 "import sys, torch, torchvision\n"
                                 "torch.manual_seed(0)\n"
                                 "m = torchvision.models.resnet50(num_classes=10).eval()\n"
                                 "torch.jit.script(m).save(sys.argv[1])\n",
                                 { path }));
    const auto model = Model::load(path.toStdString());
    m_workspace.summary = model.inspect({ 3, 64, 64 });
    int convolutions = 0;
    for (const auto& layer : m_workspace.summary.layers)
        convolutions += layer.type == "Conv2d" ? 1 : 0;
    QCOMPARE(convolutions, 53);
    m_panel = std::make_unique<WorkspacePanel>();
    m_panel->resize(900, 700);
    m_panel->show();
    // A run's snapshot: half of layer1.0.conv1's weights pruned, everything else dense and on 32 bits.
    Snapshot snapshot;
    for (const auto& layer : m_workspace.summary.layers) {
        LayerSnapshot l;
        l.name = layer.name;
        l.weights = 1;
        for (auto d : layer.weightShape)
            l.weights *= d;
        l.nonzero = layer.name == "layer1.0.conv1" ? l.weights / 2 : l.weights;
        snapshot.layers.push_back(l);
    }
    m_panel->showLayers(m_workspace, &snapshot);
    m_snapshot = snapshot;
    m_table = m_panel->findChild<LayerTable*>();
    m_tree = m_panel->findChild<QTreeWidget*>("layerTable");
    QVERIFY(m_table && m_tree);
}

QTreeWidgetItem* TestLargeModelViews::topLevel(const QString& name) const
{
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        if (m_tree->topLevelItem(i)->text(LayerTable::NameColumn) == name)
            return m_tree->topLevelItem(i);
    return nullptr;
}

void TestLargeModelViews::groupsByBlockWithSums()
{
    QVERIFY(m_table->grouped());
    // conv1, bn1, the four stages and fc at the top; a stage's bottlenecks below it, their layers below them.
    QStringList names;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        names << m_tree->topLevelItem(i)->text(LayerTable::NameColumn);
    QCOMPARE(names, QStringList({ "conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc" }));
    QCOMPARE(topLevel("layer1")->childCount(), 3);
    QCOMPARE(topLevel("layer3")->childCount(), 6);
    const auto* block = topLevel("layer1")->child(0);
    QCOMPARE(block->data(LayerTable::NameColumn, LayerTable::PathRole).toString(), QString("layer1.0"));
    QCOMPARE(block->childCount(), 7); // conv1..3, bn1..3, and downsample (a group of .0 and .1)
    // A group's parameters are its layers' sum; its sparsity weighs each layer by its weights.
    std::map<std::string, int64_t> params;
    int64_t layer1Params = 0, layer1Weights = 0, prunedWeights = 0;
    for (const auto& layer : m_workspace.summary.layers)
        if (layer.name.rfind("layer1.", 0) == 0) {
            layer1Params += layer.params;
            int64_t weights = 1;
            for (auto d : layer.weightShape)
                weights *= d;
            layer1Weights += weights;
            if (layer.name == "layer1.0.conv1")
                prunedWeights = weights / 2;
        }
    const auto* layer1 = topLevel("layer1");
    QCOMPARE(layer1->data(LayerTable::ParamsColumn, Qt::UserRole).toDouble(), double(layer1Params));
    QCOMPARE(layer1->data(LayerTable::SparsityColumn, Qt::UserRole).toDouble(),
             double(prunedWeights) / double(layer1Weights));
    QCOMPARE(topLevel("layer2")->data(LayerTable::SparsityColumn, Qt::UserRole).toDouble(), 0.0);
    QCOMPARE(layer1->text(LayerTable::BitsColumn), QString("32"));
    QCOMPARE(m_table->visibleLayerCount(), int(m_workspace.summary.layers.size()));
}

void TestLargeModelViews::filtersByPathAndType()
{
    auto* filter = m_panel->findChild<QLineEdit*>("layerFilterEdit");
    QVERIFY(filter);
    QTest::keyClicks(filter, "downsample");
    QCOMPARE(m_table->visibleLayerCount(), 8); // a convolution and its BatchNorm in each stage's first block
    QVERIFY(topLevel("conv1")->isHidden());
    QVERIFY(!topLevel("layer4")->isHidden());
    QVERIFY(topLevel("layer4")->isExpanded()); // a match is shown, not left in a closed group
    filter->clear();
    QTest::keyClicks(filter, "conv2d");
    QCOMPARE(m_table->visibleLayerCount(), 53); // by type, whatever the case
    filter->clear();
    QTest::keyClicks(filter, "layer3.5.");
    QCOMPARE(m_table->visibleLayerCount(), 6);
    filter->clear();
    QCOMPARE(m_table->visibleLayerCount(), int(m_workspace.summary.layers.size()));
}

void TestLargeModelViews::aGroupWithMostLayersOpensByItself()
{
    const auto rowsNamed = [](std::initializer_list<const char*> names) {
        std::vector<LayerRow> rows;
        for (const char* name : names)
            rows.push_back({ name, "Conv2d", { 4, 4, 3, 3 }, 144, 144, 144, 32 });
        return rows;
    };
    // ResNet's shape: stages that share the layers stay closed.
    LayerTable balanced;
    balanced.setLayers(
        rowsNamed({ "conv1", "layer1.0.conv", "layer1.1.conv", "layer2.0.conv", "layer2.1.conv", "fc" }));
    auto* balancedTree = balanced.findChild<QTreeWidget*>("layerTable");
    for (int i = 0; i < balancedTree->topLevelItemCount(); ++i)
        QVERIFY(!balancedTree->topLevelItem(i)->isExpanded());
    // DenseNet's shape: `features` holds all but the classifier, its dense blocks share the rest.
    LayerTable table;
    table.setLayers(rowsNamed({ "features.conv0", "features.norm0", "features.block1.conv", "features.block1.norm",
                                "features.block2.conv", "features.block2.norm", "classifier" }));
    auto* tree = table.findChild<QTreeWidget*>("layerTable");
    QCOMPARE(tree->topLevelItemCount(), 2);
    QVERIFY(tree->topLevelItem(0)->isExpanded());            // features: 6 of 7 layers
    QVERIFY(!tree->topLevelItem(0)->child(2)->isExpanded()); // block1: 2 of 6
}

void TestLargeModelViews::ungroupedIsTheFlatList()
{
    auto* group = m_panel->findChild<QCheckBox*>("groupByBlockCheck");
    QVERIFY(group);
    group->click();
    QVERIFY(!m_table->grouped());
    QCOMPARE(m_tree->topLevelItemCount(), int(m_workspace.summary.layers.size()));
    QCOMPARE(m_tree->topLevelItem(4)->text(LayerTable::NameColumn),
             QString::fromStdString(m_workspace.summary.layers[4].name));
    // Sorting by parameters: layer4's 3x3 convolutions (512x512x3x3) first.
    m_tree->sortByColumn(LayerTable::ParamsColumn, Qt::DescendingOrder);
    QCOMPARE(m_tree->topLevelItem(0)->data(LayerTable::ParamsColumn, Qt::UserRole).toDouble(), 2359296.0);
    group->click();
    QVERIFY(m_table->grouped());
    QCOMPARE(m_table->visibleLayerCount(), int(m_workspace.summary.layers.size()));
}

void TestLargeModelViews::sparsityChartScrollsThroughLayers()
{
    LayerSparsityChart chart;
    chart.resize(1200, 500);
    chart.QWidget::show();
    chart.show(m_snapshot, m_snapshot, "run 1");
    const int layers = int(m_snapshot.layers.size());
    QCOMPARE(chart.runSparsity().size(), qsizetype(layers));
    QVERIFY(chart.scrollBar()->isVisible());
    QCOMPARE(chart.scrollBar()->maximum(), layers - LayerSparsityChart::kMostBarsInView);
    QCOMPARE(chart.plot()->xAxis->range().lower, 0.4);
    chart.scrollBar()->setValue(30);
    QCOMPARE(chart.plot()->xAxis->range().lower, 30.4);
    QCOMPARE(chart.plot()->xAxis->range().upper, 30.0 + LayerSparsityChart::kMostBarsInView + 0.6);
    // LeNet-5's four layers fit: no scroll bar.
    Snapshot small;
    small.layers.assign(m_snapshot.layers.begin(), m_snapshot.layers.begin() + 4);
    chart.show(small, small, "run 2");
    QVERIFY(!chart.scrollBar()->isVisible());
}

void TestLargeModelViews::bigWeightTensorIsDownsampledThenZoomed()
{
    // ResNet-50's layer4 3x3 convolutions: 512x512x3x3, 2.4 million weights; every third one pruned.
    WeightValues weights;
    weights.shape = { 512, 512, 3, 3 };
    std::mt19937 random(1);
    std::normal_distribution<float> normal(0.0f, 0.05f);
    for (int64_t i = 0; i < 512 * 512 * 9; ++i)
        weights.values.push_back(i % 3 == 0 ? 0.0f : normal(random));
    WeightView view;
    view.resize(1200, 600);
    view.QWidget::show();
    view.show("layer4.0.conv2", weights, weights);
    QCOMPARE(view.heatmapCells(), 512 * 512 * 9);
    QCOMPARE(int64_t(view.prunedCells()), int64_t(std::count(weights.values.begin(), weights.values.end(), 0.0f)));
    QVERIFY(view.prunedCells() >= 512 * 512 * 3);
    QVERIFY(view.drawnStep() > 1);
    QVERIFY(int64_t(view.drawnCells()) <= WeightView::kMostDrawnCells);
    auto* caption = view.findChild<QLabel*>("weightCaptionLabel");
    QVERIFY(caption->text().contains("blocks by their largest weight"));
    QVERIFY(caption->text().contains("the histogram counts every 9th weight"));
    // Zoomed to 100x100 weights: that region at full detail, every weight its own cell.
    view.heatmap()->xAxis->setRange(-0.5, 99.5);
    view.heatmap()->yAxis->setRange(-0.5, 99.5);
    QTRY_COMPARE(view.drawnStep(), 1);
    QVERIFY(view.drawnCells() >= 100 * 100 && view.drawnCells() <= 102 * 102);
}

void TestLargeModelViews::manySensitivityCurvesHighlightTheMostSensitive()
{
    // 50 layers; layer i loses i / 1000 at the strongest settings, so the last eight are the most sensitive.
    SensitivityResult result;
    result.ratios = { 0.5, 0.9 };
    result.bits = { 8, 2 };
    result.baselineAccuracy = 0.9;
    result.images = 1000;
    for (int i = 0; i < 50; ++i) {
        LayerSensitivity layer;
        layer.name = "block" + std::to_string(i / 10) + ".conv" + std::to_string(i % 10);
        layer.weights = 1000;
        layer.pruneAccuracy = { 0.9, 0.9 - i / 1000.0 };
        layer.quantizeAccuracy = { 0.9, 0.9 - i / 1000.0 };
        result.layers.push_back(layer);
    }
    SensitivityView view;
    view.resize(1200, 600);
    view.show();
    view.setResult(result);
    const auto highlighted = view.highlightedLayers();
    QCOMPARE(highlighted.size(), SensitivityView::kHighlighted);
    QVERIFY(highlighted.contains("block4.conv9"));
    QVERIFY(!highlighted.contains("block0.conv0"));
    QCOMPARE(view.prunePlot()->graphCount(), 50);
    QCOMPARE(view.prunePlot()->legend->itemCount(), SensitivityView::kHighlighted); // the grey ones are not listed
    auto* search = view.findChild<QLineEdit*>("sensitivitySearchEdit");
    QTest::keyClicks(search, "block1.");
    QCOMPARE(view.highlightedLayers().size(), 8); // ten match; the eight most sensitive of them
    for (const auto& name : view.highlightedLayers())
        QVERIFY(name.startsWith("block1."));
}

QTEST_MAIN(TestLargeModelViews)
#include "TestLargeModelViews.moc"
