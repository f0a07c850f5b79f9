#include "pare/ui/WorkspacePanel.h"

#include <QFileInfo>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPainter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace pare::ui {
namespace {

/// A number that sorts as a number.
class NumericItem final : public QTableWidgetItem
{
public:
    NumericItem(double value, const QString& text)
        : QTableWidgetItem(text)
    {
        setData(Qt::UserRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override
    {
        return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
    }
};

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
    m_layerTable = new QTableWidget(0, 6, m_modelBox);
    m_layerTable->setObjectName(QStringLiteral("layerTable"));
    m_layerTable->verticalHeader()->hide();
    m_layerTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_layerTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
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
    m_layerTable->setHorizontalHeaderLabels(
        { tr("Layer"), tr("Type"), tr("Shape"), tr("Params"), tr("Sparsity %"), tr("Bits") });
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
    const QLocale locale;
    const auto& layers = workspace.summary.layers;
    m_layerTable->setRowCount(int(layers.size()));
    for (int row = 0; row < int(layers.size()); ++row) {
        const auto& layer = layers[size_t(row)];
        QString shape;
        for (auto d : layer.weightShape)
            shape += (shape.isEmpty() ? QString() : QStringLiteral("x")) + QString::number(d);
        double sparsity = 0.0;
        int bits = 32;
        if (snapshot)
            for (const auto& l : snapshot->layers)
                if (l.name == layer.name) {
                    // Against the layer as loaded: filter pruning shrinks the layer itself.
                    const int64_t original = std::max(l.weights, elementCount(layer.weightShape));
                    sparsity = original > 0 ? 1.0 - double(l.nonzero) / double(original) : 0.0;
                    bits = l.bits;
                }
        m_layerTable->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(layer.name)));
        m_layerTable->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(layer.type)));
        m_layerTable->setItem(row, 2, new QTableWidgetItem(shape));
        m_layerTable->setItem(row, 3, new NumericItem(double(layer.params), locale.toString(layer.params)));
        m_layerTable->setItem(row, 4, new NumericItem(sparsity, locale.toString(100.0 * sparsity, 'f', 1)));
        m_layerTable->setItem(row, 5, new NumericItem(bits, QString::number(bits)));
    }
}

} // namespace pare::ui
