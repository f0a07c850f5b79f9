#pragma once

#include <QWidget>

#include <cstdint>
#include <string>
#include <vector>

class QCheckBox;
class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace pare::ui {

/// One layer as the table shows it.
struct LayerRow
{
    std::string name; ///< dotted path, "layer1.0.conv1"
    std::string type;
    std::vector<int64_t> weightShape;
    int64_t params = 0;
    int64_t weights = 0; ///< elements of the layer's weight as loaded
    int64_t nonzero = 0; ///< of them, not zero
    int bits = 32;
};

/// The model's layers as a table that stays usable at a hundred layers and more (DenseNet-121 has 120
/// convolutions): grouped by block, the dotted path's prefixes as a tree whose group rows sum their layers'
/// parameters and weigh their sparsity, and filtered by a text that matches a layer's path or type. Ungrouped, it is
/// the flat list of full paths.
class LayerTable final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerTable)

public:
    explicit LayerTable(QWidget* parent = nullptr);

    void setLayers(std::vector<LayerRow> layers);
    void setGrouped(bool grouped);
    [[nodiscard]] bool grouped() const;
    /// Case-insensitive; empty shows every layer.
    void setFilter(const QString& text);
    /// Layers (not group rows) that the filter leaves visible.
    [[nodiscard]] int visibleLayerCount() const;
    [[nodiscard]] QTreeWidget* tree() const { return m_tree; }
    void retranslate();

    /// Columns of the tree.
    enum Column
    {
        NameColumn,
        TypeColumn,
        ShapeColumn,
        ParamsColumn,
        SparsityColumn,
        BitsColumn,
        ColumnCount
    };
    /// Item data role that holds a row's full dotted path (a group's: its prefix).
    static constexpr int PathRole = Qt::UserRole + 1;

private:
    void rebuild();
    void applyFilter();
    /// Hides what does not match below `item`; returns whether anything below it (or it) stays visible.
    bool filterItem(QTreeWidgetItem* item, const QString& text);

    QLineEdit* m_filter = nullptr;
    QCheckBox* m_groupByBlock = nullptr;
    QTreeWidget* m_tree = nullptr;
    std::vector<LayerRow> m_layers;
};

} // namespace pare::ui
