#include "pare/ui/CompareView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>
#include <map>

namespace pare::ui {

CompareTableModel::CompareTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void CompareTableModel::setRuns(const RunRecord* a, const RunRecord* b, const std::vector<std::string>& classNames)
{
    beginResetModel();
    m_rows.clear();
    m_runA = a ? a->id : -1;
    m_runB = b ? b->id : -1;
    const Snapshot* sa = a && !a->snapshots.empty() ? &a->snapshots.back() : nullptr;
    const Snapshot* sb = b && !b->snapshots.empty() ? &b->snapshots.back() : nullptr;
    const QLocale locale;
    const auto text = [&](const RunRecord* run, auto figure) { return run ? figure(*run) : QString(); };
    const auto textRow = [&](const QString& name, auto figure) {
        Row row;
        row.name = name;
        row.a = text(a, figure);
        row.b = text(b, figure);
        m_rows.push_back(row);
    };
    textRow(tr("Settings"), [](const RunRecord& r) { return r.label; });
    textRow(tr("Accuracy measured on"),
            [](const RunRecord& r) { return r.origin == RunOrigin::Search ? tr("validation") : tr("test"); });
    const auto number = [&](const QString& name, auto value, int decimals) {
        Row row;
        row.name = name;
        row.numeric = true;
        row.decimals = decimals;
        if (sa) {
            row.valueA = value(*sa);
            row.a = locale.toString(row.valueA, 'f', decimals);
        }
        if (sb) {
            row.valueB = value(*sb);
            row.b = locale.toString(row.valueB, 'f', decimals);
        }
        m_rows.push_back(row);
    };
    number(
        tr("Accuracy %"), [](const Snapshot& s) { return 100.0 * s.accuracy; }, 2);
    number(
        tr(".pare bytes"), [](const Snapshot& s) { return double(s.sizes.pare); }, 0);
    number(
        tr("TorchScript bytes"), [](const Snapshot& s) { return double(s.sizes.torchScript); }, 0);
    number(
        tr("ONNX bytes"), [](const Snapshot& s) { return double(s.sizes.onnx); }, 0);
    number(
        tr("Dense fp32 bytes"), [](const Snapshot& s) { return double(s.sizes.denseFp32); }, 0);
    number(
        tr("Parameters"), [](const Snapshot& s) { return double(s.params); }, 0);
    number(
        tr("Non-zero parameters"), [](const Snapshot& s) { return double(s.nonzeroParams); }, 0);
    number(
        tr("Multiply-accumulates"), [](const Snapshot& s) { return double(s.macs); }, 0);
    number(
        tr("Latency batch 1 (ms)"), [](const Snapshot& s) { return s.latency.batch1Ms; }, 3);
    number(
        tr("Latency batch 256 (ms)"), [](const Snapshot& s) { return s.latency.batch256Ms; }, 2);
    const size_t classes = std::max(sa ? sa->perClassAccuracy.size() : 0, sb ? sb->perClassAccuracy.size() : 0);
    for (size_t c = 0; c < classes; ++c) {
        const QString name = c < classNames.size() ? QString::fromStdString(classNames[c]) : QString::number(c);
        number(
            tr("Class %1 accuracy %").arg(name),
            [c](const Snapshot& s) { return c < s.perClassAccuracy.size() ? 100.0 * s.perClassAccuracy[c] : NAN; }, 2);
    }
    // Layers by name, in the order of the first snapshot that has them.
    std::vector<std::string> layers;
    std::map<std::string, std::pair<const LayerSnapshot*, const LayerSnapshot*>> byName;
    for (const auto* s : { sa, sb })
        if (s)
            for (const auto& layer : s->layers) {
                if (!byName.count(layer.name))
                    layers.push_back(layer.name);
                auto& pair = byName[layer.name];
                (s == sa ? pair.first : pair.second) = &layer;
            }
    for (const auto& name : layers) {
        const auto [la, lb] = byName[name];
        const auto layerText = [&](const LayerSnapshot* l) {
            return l ? tr("%1% sparse, %2 bits").arg(locale.toString(100.0 * l->sparsity(), 'f', 1)).arg(l->bits)
                     : QString();
        };
        Row row;
        row.name = tr("Layer %1").arg(QString::fromStdString(name));
        row.a = layerText(la);
        row.b = layerText(lb);
        m_rows.push_back(row);
    }
    // A figure a snapshot lacks (ONNX of an unexportable model, a class it has no images of) is left blank.
    for (auto& row : m_rows)
        if (row.numeric) {
            if (!sa || !std::isfinite(row.valueA) || row.valueA < 0)
                row.a.clear();
            if (!sb || !std::isfinite(row.valueB) || row.valueB < 0)
                row.b.clear();
        }
    endResetModel();
}

int CompareTableModel::rowNamed(const QString& name) const
{
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].name == name)
            return int(i);
    return -1;
}

int CompareTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CompareTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CompareTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const auto& row = m_rows[size_t(index.row())];
    if (role == Qt::TextAlignmentRole)
        return index.column() == FigureColumn || !row.numeric ? QVariant()
                                                              : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case FigureColumn:
        return row.name;
    case RunAColumn:
        return row.a;
    case RunBColumn:
        return row.b;
    case DifferenceColumn:
        if (!row.numeric || row.a.isEmpty() || row.b.isEmpty())
            return {};
        return QLocale().toString(row.valueB - row.valueA, 'f', row.decimals);
    default:
        return {};
    }
}

QVariant CompareTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case FigureColumn:
        return tr("Figure");
    case RunAColumn:
        return m_runA >= 0 ? tr("Run %1 (A)").arg(m_runA) : tr("A");
    case RunBColumn:
        return m_runB >= 0 ? tr("Run %1 (B)").arg(m_runB) : tr("B");
    case DifferenceColumn:
        return tr("B - A");
    default:
        return {};
    }
}

CompareView::CompareView(const Project& project, QWidget* parent)
    : QWidget(parent)
    , m_project(project)
    , m_label(new QLabel(this))
    , m_runA(new QComboBox(this))
    , m_runB(new QComboBox(this))
    , m_table(new QTableView(this))
    , m_model(new CompareTableModel(this))
{
    setObjectName(QStringLiteral("compareView"));
    m_runA->setObjectName(QStringLiteral("compareRunACombo"));
    m_runB->setObjectName(QStringLiteral("compareRunBCombo"));
    m_table->setObjectName(QStringLiteral("compareTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(CompareTableModel::FigureColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(CompareTableModel::RunAColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(CompareTableModel::RunBColumn, QHeaderView::Stretch);
    m_table->setWordWrap(true);
    auto* row = new QHBoxLayout;
    row->addWidget(m_label);
    row->addWidget(m_runA, 1);
    row->addWidget(m_runB, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_table, 1);
    for (auto* combo : { m_runA, m_runB })
        connect(combo, &QComboBox::currentIndexChanged, this, &CompareView::update);
}

void CompareView::refreshRuns()
{
    compare(m_runA->currentData().toInt(), m_runB->currentData().toInt());
}

void CompareView::showEvent(QShowEvent* event)
{
    refreshRuns(); // runs finished since the tab was last shown
    QWidget::showEvent(event);
}

void CompareView::setClassNames(const std::vector<std::string>& names)
{
    m_classNames = names;
    update();
}

void CompareView::compare(int a, int b)
{
    for (const auto& [combo, id] : { std::pair { m_runA, a }, std::pair { m_runB, b } }) {
        const QSignalBlocker block(combo);
        combo->clear();
        for (const auto& run : m_project.runs)
            if (!run.snapshots.empty())
                combo->addItem(tr("Run %1: %2").arg(run.id).arg(run.label), run.id);
        // A run not (or no longer) there: the first run on the left, the newest on the right.
        const int found = combo->findData(id);
        combo->setCurrentIndex(found >= 0 ? found : combo == m_runA ? 0 : combo->count() - 1);
    }
    update();
}

void CompareView::update()
{
    m_model->setRuns(m_project.run(m_runA->currentData().toInt()), m_project.run(m_runB->currentData().toInt()),
                     m_classNames);
    m_table->resizeRowsToContents();
}

void CompareView::retranslate()
{
    m_label->setText(tr("Compare runs:"));
    refreshRuns();
}

} // namespace pare::ui
