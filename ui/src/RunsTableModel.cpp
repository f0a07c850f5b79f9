#include "pare/ui/RunsTableModel.h"

#include <QLocale>
#include <QTextStream>

#include <algorithm>

namespace pare::ui {

RunsTableModel::RunsTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RunsTableModel::setProject(const Project* project)
{
    beginResetModel();
    m_project = project;
    endResetModel();
}

void RunsTableModel::setRunningRun(int runId)
{
    const int before = m_runningRun;
    m_runningRun = runId;
    updateRun(before);
    updateRun(runId);
}

void RunsTableModel::updateRun(int runId)
{
    if (!m_project || runId < 0)
        return;
    const int row = rowOfRun(runId);
    if (row < 0)
        return;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RunsTableModel::reset()
{
    beginResetModel();
    endResetModel();
}

int RunsTableModel::rowOfRun(int runId) const
{
    if (!m_project)
        return -1;
    const auto& runs = m_project->runs;
    const auto it = std::find_if(runs.begin(), runs.end(), [runId](const RunRecord& r) { return r.id == runId; });
    return it == runs.end() ? -1 : int(it - runs.begin());
}

int RunsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_project ? 0 : int(m_project->runs.size());
}

int RunsTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunsTableModel::label(const RunRecord& run) const
{
    if (run.cancelled)
        return run.label + tr(" (cancelled)");
    if (run.id == m_runningRun)
        return run.label + tr(" (running)");
    if (!run.finished)
        return run.label + tr(" (failed)");
    return run.label;
}

QVariant RunsTableModel::data(const QModelIndex& index, int role) const
{
    if (!m_project || !index.isValid() || index.row() >= int(m_project->runs.size()))
        return {};
    const auto& run = m_project->runs[size_t(index.row())];
    const int column = index.column();
    if (role == Qt::TextAlignmentRole)
        return column == SettingsColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::UserRole)
        return {};
    const bool number = role == Qt::UserRole;
    const QLocale locale;
    switch (column) {
    case RunColumn:
        return number ? QVariant(run.id) : QVariant(QString::number(run.id));
    case SettingsColumn:
        return label(run);
    case SecondsColumn:
        return number ? QVariant(run.seconds) : QVariant(locale.toString(run.seconds, 'f', 1));
    default:
        break;
    }
    if (run.snapshots.empty())
        return {};
    const auto& baseline = run.snapshots.front();
    const auto& last = run.snapshots.back();
    const double drop = 100.0 * (baseline.accuracy - last.accuracy);
    const double ratio = double(baseline.sizes.denseFp32) / double(std::max<int64_t>(1, last.sizes.pare));
    switch (column) {
    case AccuracyColumn:
        return number ? QVariant(last.accuracy) : QVariant(locale.toString(100.0 * last.accuracy, 'f', 2));
    case DropColumn:
        return number ? QVariant(drop) : QVariant(locale.toString(drop, 'f', 2));
    case DenseColumn:
        return number ? QVariant(qint64(last.sizes.denseFp32)) : QVariant(locale.toString(last.sizes.denseFp32));
    case TorchScriptColumn:
        return number ? QVariant(qint64(last.sizes.torchScript)) : QVariant(locale.toString(last.sizes.torchScript));
    case PareColumn:
        return number ? QVariant(qint64(last.sizes.pare)) : QVariant(locale.toString(last.sizes.pare));
    case CompressionColumn:
        return number ? QVariant(ratio) : QVariant(locale.toString(ratio, 'f', 1) + QStringLiteral("x"));
    case NonzeroColumn:
        return number ? QVariant(qint64(last.nonzeroParams)) : QVariant(locale.toString(last.nonzeroParams));
    case LatencyColumn:
        return number ? QVariant(last.latency.batch256Ms) : QVariant(locale.toString(last.latency.batch256Ms, 'f', 2));
    default:
        return {};
    }
}

QVariant RunsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    const QStringList headers { tr("Run"),
                                tr("Settings"),
                                tr("Accuracy %"),
                                tr("Drop (points)"),
                                tr("Dense bytes"),
                                tr("TorchScript bytes"),
                                tr(".pare bytes"),
                                tr("Compression"),
                                tr("Non-zero params"),
                                tr("Latency b256 (ms)"),
                                tr("Time (s)") };
    return section >= 0 && section < headers.size() ? headers[section] : QVariant();
}

QString RunsTableModel::csv(const Project& project)
{
    QString text;
    QTextStream out(&text);
    out << "run,settings,accuracy,baseline_accuracy,params,nonzero_params,dense_fp32_bytes,torchscript_bytes,"
           "pare_bytes,latency_b1_ms,latency_b256_ms,seconds,status\n";
    for (const auto& run : project.runs) {
        if (run.snapshots.empty())
            continue;
        const auto& b = run.snapshots.front();
        const auto& s = run.snapshots.back();
        QString settings = run.label;
        settings.replace('"', QStringLiteral("\"\""));
        out << run.id << ",\"" << settings << "\"," << s.accuracy << ',' << b.accuracy << ',' << s.params << ','
            << s.nonzeroParams << ',' << s.sizes.denseFp32 << ',' << s.sizes.torchScript << ',' << s.sizes.pare << ','
            << s.latency.batch1Ms << ',' << s.latency.batch256Ms << ',' << run.seconds << ','
            << (run.finished        ? "finished"
                    : run.cancelled ? "cancelled"
                                    : "failed")
            << '\n';
    }
    out.flush();
    return text;
}

} // namespace pare::ui
