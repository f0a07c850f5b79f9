#include "pare/ui/WorkspacePanel.h"

#include <QFileInfo>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>
#include <unordered_map>

namespace pare::ui {
namespace {

int64_t elementCount(const std::vector<int64_t>& shape)
{
    int64_t n = shape.empty() ? 0 : 1;
    for (auto d : shape)
        n *= d;
    return n;
}

/// Each sample with its class name under it.
QPixmap sampleGrid(const Workspace& w, const QColor& background)
{
    const int columns = 5, cell = 64, caption = 14;
    const int rows = (int(w.samples.size()) + columns - 1) / columns;
    QPixmap grid(columns * cell, std::max(1, rows) * (cell + caption));
    grid.fill(background);
    QPainter painter(&grid);
    QFont font = painter.font();
    font.setPointSizeF(7);
    painter.setFont(font);
    const auto& classes = w.dataInfo.classNames;
    for (int i = 0; i < int(w.samples.size()); ++i) {
        const QRect box((i % columns) * cell, (i / columns) * (cell + caption), cell, cell);
        painter.drawImage(box.adjusted(6, 2, -6, -10), w.samples[i]);
        const int label = w.sampleLabels[i];
        const QString name
            = label < int(classes.size()) ? QString::fromStdString(classes[size_t(label)]) : QString::number(label);
        painter.drawText(QRect(box.left(), box.bottom() - 10, cell, caption + 8), Qt::AlignHCenter | Qt::AlignTop,
                         name);
    }
    return grid;
}

} // namespace

WorkspacePanel::WorkspacePanel(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("workspacePanel"));
    auto* layout = new QVBoxLayout(this);
    m_modelBox = new QGroupBox(this);
    auto* modelLayout = new QVBoxLayout(m_modelBox);
    m_modelCard = new QLabel(m_modelBox);
    m_modelCard->setObjectName(QStringLiteral("modelCardLabel"));
    m_modelCard->setWordWrap(true);
    m_modelCard->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_layerTable = new LayerTable(m_modelBox);
    m_layerTable->setMinimumWidth(380);
    modelLayout->addWidget(m_modelCard);
    modelLayout->addWidget(m_layerTable, 1);
    m_dataBox = new QGroupBox(this);
    auto* dataLayout = new QVBoxLayout(m_dataBox);
    m_dataCard = new QLabel(m_dataBox);
    m_dataCard->setObjectName(QStringLiteral("dataCardLabel"));
    m_dataCard->setWordWrap(true);
    m_sampleGrid = new QLabel(m_dataBox);
    m_sampleGrid->setObjectName(QStringLiteral("sampleGridLabel"));
    m_sampleGrid->setAlignment(Qt::AlignCenter);
    dataLayout->addWidget(m_dataCard);
    dataLayout->addWidget(m_sampleGrid);
    layout->addWidget(m_modelBox, 3);
    layout->addWidget(m_dataBox, 2);
}

void WorkspacePanel::retranslate()
{
    m_modelBox->setTitle(tr("Model"));
    m_dataBox->setTitle(tr("Data set"));
    m_layerTable->retranslate();
}

void WorkspacePanel::showWorkspace(const Workspace& w)
{
    const QLocale locale;
    const auto& s = w.summary;
    QString card = tr("<b>%1</b> (%2)<br>%3 layers with weights, %4 parameters, %5 MACs per image<br>")
                       .arg(QFileInfo(w.model).fileName().toHtmlEscaped(), QString::fromStdString(s.architecture))
                       .arg(s.layers.size())
                       .arg(locale.toString(s.params), locale.toString(s.macs));
    card += w.fileBytes > 0 ? tr("%1 bytes on disk").arg(locale.toString(w.fileBytes))
                            : tr("built from the zoo, untrained");
    if (w.inputsFromStudio)
        card += tr("<br>no Pare record: reads %1x%2x%3 as set in Edit > Model Inputs")
                    .arg(s.inputShape.size() == 3 ? s.inputShape[0] : 0)
                    .arg(s.inputShape.size() == 3 ? s.inputShape[1] : 0)
                    .arg(s.inputShape.size() == 3 ? s.inputShape[2] : 0);
    card += tr("<br>baseline test accuracy %1%, latency %2 ms at batch 256")
                .arg(locale.toString(100.0 * w.baseline.accuracy, 'f', 2),
                     locale.toString(w.baseline.latency.batch256Ms, 'f', 1));
    m_modelCard->setText(card);

    const auto& d = w.dataInfo;
    m_dataCard->setText(
        tr("<b>%1</b> (%2)<br>%3 classes; %4 training, %5 validation, %6 test images of %7")
            .arg(w.data.toHtmlEscaped(), QString::fromStdString(d.kind))
            .arg(d.classNames.size())
            .arg(locale.toString(d.trainCount), locale.toString(d.validationCount), locale.toString(d.testCount))
            .arg(QStringLiteral("%1x%2x%3").arg(d.sampleShape[0]).arg(d.sampleShape[1]).arg(d.sampleShape[2])));
    m_sampleGrid->setPixmap(sampleGrid(w, palette().color(QPalette::Base)));
}

void WorkspacePanel::showLayers(const Workspace& workspace, const Snapshot* snapshot)
{
    std::unordered_map<std::string, const LayerSnapshot*> measured;
    if (snapshot)
        for (const auto& l : snapshot->layers)
            measured[l.name] = &l;
    std::vector<LayerRow> rows;
    for (const auto& layer : workspace.summary.layers) {
        LayerRow row { layer.name, layer.type, layer.weightShape, layer.params, elementCount(layer.weightShape) };
        row.nonzero = row.weights;
        if (const auto found = measured.find(layer.name); found != measured.end()) {
            // Against the layer as loaded: filter pruning shrinks the layer itself.
            row.weights = std::max(found->second->weights, row.weights);
            row.nonzero = found->second->nonzero;
            row.bits = found->second->bits;
        }
        rows.push_back(std::move(row));
    }
    m_layerTable->setLayers(std::move(rows));
}

} // namespace pare::ui
