#include "pare/ui/LayerTable.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QLocale>
#include <QMap>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace pare::ui {
namespace {

/// Sorts numeric columns by the number, not the text.
class LayerItem final : public QTreeWidgetItem
{
public:
    using QTreeWidgetItem::QTreeWidgetItem;
    bool operator<(const QTreeWidgetItem& other) const override
    {
        const int column = treeWidget() ? treeWidget()->sortColumn() : 0;
        const auto mine = data(column, Qt::UserRole), theirs = other.data(column, Qt::UserRole);
        if (mine.isValid() && theirs.isValid())
            return mine.toDouble() < theirs.toDouble();
        return QTreeWidgetItem::operator<(other);
    }
};

/// What a row shows: one layer's figures, or a group's sums.
struct Figures
{
    int64_t params = 0, weights = 0, nonzero = 0;
    int bits = 0; ///< 0: none yet; -1: layers differ
    int layers = 0;

    void add(const Figures& other)
    {
        params += other.params;
        weights += other.weights;
        nonzero += other.nonzero;
        bits = bits == 0 ? other.bits : (bits == other.bits ? bits : -1);
        layers += other.layers;
    }
};

void showFigures(QTreeWidgetItem* item, const Figures& f)
{
    const QLocale locale;
    const double sparsity = f.weights > 0 ? 1.0 - double(f.nonzero) / double(f.weights) : 0.0;
    item->setText(LayerTable::ParamsColumn, locale.toString(f.params));
    item->setData(LayerTable::ParamsColumn, Qt::UserRole, double(f.params));
    item->setText(LayerTable::SparsityColumn, locale.toString(100.0 * sparsity, 'f', 1));
    item->setData(LayerTable::SparsityColumn, Qt::UserRole, sparsity);
    item->setText(LayerTable::BitsColumn, f.bits > 0 ? QString::number(f.bits) : LayerTable::tr("mixed"));
    item->setData(LayerTable::BitsColumn, Qt::UserRole, double(f.bits));
    for (int column = LayerTable::ParamsColumn; column <= LayerTable::BitsColumn; ++column)
        item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
}

Figures figuresOf(const LayerRow& layer)
{
    return { layer.params, layer.weights, layer.nonzero, layer.bits, 1 };
}

} // namespace

LayerTable::LayerTable(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("layerFilterEdit"));
    m_filter->setClearButtonEnabled(true);
    m_groupByBlock = new QCheckBox(this);
    m_groupByBlock->setObjectName(QStringLiteral("groupByBlockCheck"));
    m_groupByBlock->setChecked(true);
    controls->addWidget(m_filter, 1);
    controls->addWidget(m_groupByBlock);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("layerTable"));
    m_tree->setColumnCount(ColumnCount);
    m_tree->setUniformRowHeights(true);
    // The model's order until the user clicks a header: no sort indicator, then sorting on.
    m_tree->header()->setSortIndicator(-1, Qt::AscendingOrder);
    m_tree->setSortingEnabled(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addLayout(controls);
    layout->addWidget(m_tree, 1);
    connect(m_filter, &QLineEdit::textChanged, this, [this] { applyFilter(); });
    connect(m_groupByBlock, &QCheckBox::toggled, this, [this] { rebuild(); });
    retranslate();
}

void LayerTable::retranslate()
{
    m_filter->setPlaceholderText(tr("Filter layers by path or type"));
    m_groupByBlock->setText(tr("Group by block"));
    m_groupByBlock->setToolTip(tr("Group layers by the prefixes of their dotted paths (layer1.0.conv1 under layer1 "
                                  "and layer1.0); a group row sums its parameters and weighs its sparsity"));
    m_tree->setHeaderLabels({ tr("Layer"), tr("Type"), tr("Shape"), tr("Params"), tr("Sparsity %"), tr("Bits") });
    rebuild();
}

void LayerTable::setLayers(std::vector<LayerRow> layers)
{
    m_layers = std::move(layers);
    rebuild();
}

void LayerTable::setGrouped(bool grouped)
{
    m_groupByBlock->setChecked(grouped); // rebuilds when it changes
}

bool LayerTable::grouped() const
{
    return m_groupByBlock->isChecked();
}

void LayerTable::setFilter(const QString& text)
{
    m_filter->setText(text); // filters when it changes
}

void LayerTable::rebuild()
{
    // Rebuilding keeps the groups the user opened open.
    QSet<QString> expanded;
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->isExpanded())
            expanded.insert((*it)->data(NameColumn, PathRole).toString());
    m_tree->setUpdatesEnabled(false);
    m_tree->clear();
    QMap<QString, QTreeWidgetItem*> groups;
    QMap<QTreeWidgetItem*, Figures> sums;
    const bool grouped = this->grouped();
    for (const auto& layer : m_layers) {
        const QString path = QString::fromStdString(layer.name);
        const QStringList parts = path.split(QLatin1Char('.'));
        QTreeWidgetItem* parent = nullptr;
        std::vector<QTreeWidgetItem*> ancestors;
        if (grouped) {
            QString prefix;
            for (int i = 0; i + 1 < parts.size(); ++i) {
                prefix += (i ? QStringLiteral(".") : QString()) + parts[i];
                auto found = groups.find(prefix);
                if (found == groups.end()) {
                    auto* group = parent ? new LayerItem(parent) : new LayerItem(m_tree);
                    group->setText(NameColumn, parts[i]);
                    group->setData(NameColumn, PathRole, prefix);
                    group->setToolTip(NameColumn, prefix);
                    found = groups.insert(prefix, group);
                }
                parent = *found;
                ancestors.push_back(parent);
            }
        }
        auto* item = parent ? new LayerItem(parent) : new LayerItem(m_tree);
        item->setText(NameColumn, grouped ? parts.back() : path);
        item->setData(NameColumn, PathRole, path);
        item->setToolTip(NameColumn, path);
        item->setText(TypeColumn, QString::fromStdString(layer.type));
        QString shape;
        for (auto d : layer.weightShape)
            shape += (shape.isEmpty() ? QString() : QStringLiteral("x")) + QString::number(d);
        item->setText(ShapeColumn, shape);
        showFigures(item, figuresOf(layer));
        for (auto* ancestor : ancestors)
            sums[ancestor].add(figuresOf(layer));
    }
    for (auto it = sums.begin(); it != sums.end(); ++it) {
        showFigures(it.key(), it.value());
        it.key()->setText(TypeColumn, tr("%n layer(s)", nullptr, it.value().layers));
        it.key()->setExpanded(expanded.contains(it.key()->data(NameColumn, PathRole).toString()));
    }
    // A model whose layers nearly all sit in one group (DenseNet-121's `features` holds 241 of its 242) would show
    // one closed row: a group holding more than half of its level's layers opens by itself, and so on down.
    if (grouped && expanded.isEmpty()) {
        QTreeWidgetItem* level = nullptr;
        int layers = static_cast<int>(m_layers.size());
        while (true) {
            QTreeWidgetItem* dominant = nullptr;
            const int count = level ? level->childCount() : m_tree->topLevelItemCount();
            for (int i = 0; i < count; ++i) {
                auto* item = level ? level->child(i) : m_tree->topLevelItem(i);
                if (item->childCount() > 0 && 2 * sums.value(item).layers > layers)
                    dominant = item;
            }
            if (!dominant)
                break;
            dominant->setExpanded(true);
            layers = sums.value(dominant).layers;
            level = dominant;
        }
    }
    applyFilter();
    m_tree->setUpdatesEnabled(true);
}

void LayerTable::applyFilter()
{
    const QString text = m_filter->text().trimmed();
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i)
        filterItem(m_tree->topLevelItem(i), text);
}

bool LayerTable::filterItem(QTreeWidgetItem* item, const QString& text)
{
    bool visible = false;
    if (item->childCount() == 0) {
        visible = text.isEmpty() || item->data(NameColumn, PathRole).toString().contains(text, Qt::CaseInsensitive)
            || item->text(TypeColumn).contains(text, Qt::CaseInsensitive);
    } else {
        for (int i = 0; i < item->childCount(); ++i)
            visible = filterItem(item->child(i), text) || visible;
        if (!text.isEmpty() && visible)
            item->setExpanded(true); // a match is never hidden in a closed group
    }
    item->setHidden(!visible);
    return visible;
}

int LayerTable::visibleLayerCount() const
{
    int count = 0;
    for (QTreeWidgetItemIterator it(m_tree); *it; ++it)
        if ((*it)->childCount() == 0 && !(*it)->isHidden()) {
            bool shown = true;
            for (auto* parent = (*it)->parent(); parent; parent = parent->parent())
                shown = shown && !parent->isHidden();
            count += shown ? 1 : 0;
        }
    return count;
}

} // namespace pare::ui
