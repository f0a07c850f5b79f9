#pragma once

#include "pare/ui/Project.h"

#include <QAbstractTableModel>

namespace pare::ui {

/// The runs of a project as a table: one row per run, its last snapshot's accuracy, sizes and latency. Qt::UserRole
/// holds each cell's number, so a QSortFilterProxyModel sorting on it sorts numerically; the first column's
/// UserRole is the run's id.
class RunsTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunsTableModel)

public:
    enum Column
    {
        RunColumn,
        SettingsColumn,
        AccuracyColumn,
        DropColumn,
        DenseColumn,
        TorchScriptColumn,
        PareColumn,
        CompressionColumn,
        NonzeroColumn,
        LatencyColumn,
        SecondsColumn,
        ColumnCount
    };

    explicit RunsTableModel(QObject* parent = nullptr);

    /// Shows `project`'s runs; the project must outlive the model or be replaced before it goes.
    void setProject(const Project* project);
    /// The run that is running now (its row says so), or -1.
    void setRunningRun(int runId);
    /// A run was added or changed.
    void updateRun(int runId);
    /// The project's runs changed wholesale, or the language did.
    void reset();
    [[nodiscard]] int rowOfRun(int runId) const;

    /// The table as CSV, one line per run with snapshots (numbers unformatted, for spreadsheets).
    [[nodiscard]] static QString csv(const Project& project);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    [[nodiscard]] QString label(const RunRecord& run) const;

    const Project* m_project = nullptr;
    int m_runningRun = -1;
};

} // namespace pare::ui
