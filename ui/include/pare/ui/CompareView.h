#pragma once

#include "pare/ui/Project.h"

#include <QAbstractTableModel>
#include <QWidget>

#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QTableView;

namespace pare::ui {

/// Two runs' final snapshots side by side, one figure a row: accuracy overall and per class, sizes per format,
/// latency, parameters, and each layer's sparsity and bits, with the difference B - A where it is a number.
class CompareTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareTableModel)

public:
    enum Column
    {
        FigureColumn,
        RunAColumn,
        RunBColumn,
        DifferenceColumn,
        ColumnCount
    };

    explicit CompareTableModel(QObject* parent = nullptr);
    /// Either may be null (its column stays empty). `classNames` label the per-class rows.
    void setRuns(const RunRecord* a, const RunRecord* b, const std::vector<std::string>& classNames);
    /// The row whose figure is `name`, -1 if none (for tests).
    [[nodiscard]] int rowNamed(const QString& name) const;

    [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row
    {
        QString name;
        QString a, b;
        double valueA = 0.0, valueB = 0.0;
        bool numeric = false;
        int decimals = 0;
    };
    std::vector<Row> m_rows;
    int m_runA = -1, m_runB = -1;
};

/// The Compare tab: choose two runs, see them side by side (CompareTableModel).
class CompareView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompareView)

public:
    explicit CompareView(const Project& project, QWidget* parent = nullptr);

    /// The runs the combo boxes offer changed (a run was added or finished, a project opened).
    void refreshRuns();
    void setClassNames(const std::vector<std::string>& names);
    /// Offers the project's runs and shows runs `a` and `b` (ids); for a missing id, the first run (A) or the newest
    /// (B).
    void compare(int a, int b);
    [[nodiscard]] CompareTableModel* model() const { return m_model; }
    void retranslate();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void update();

    const Project& m_project;
    std::vector<std::string> m_classNames;
    QLabel* m_label = nullptr;
    QComboBox* m_runA = nullptr;
    QComboBox* m_runB = nullptr;
    QTableView* m_table = nullptr;
    CompareTableModel* m_model = nullptr;
};

} // namespace pare::ui
