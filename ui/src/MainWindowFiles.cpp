// The window's file actions: recipes in and out of the controls, sweep results in, and exports of a run, the chart
// and the runs table.
// The menus choose the file (StudioMenus); these do the work and report a failure in a dialog.

#include "pare/Error.h"
#include "pare/TextFile.h"
#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/ExportDialog.h"
#include "pare/ui/MainWindow.h"
#include "pare/ui/RunsTableModel.h"
#include "pare/ui/SweepResultsWatcher.h"

#include <QLabel>

namespace pare::ui {

bool MainWindow::loadRecipe(const QString& path)
{
    return tryOrReport(tr("Cannot load recipe"), [&] {
        applySettings(StudioSettings::fromRecipe(Recipe::load(path.toStdString()), path));
        m_statusLabel->setText(tr("Loaded recipe %1").arg(path));
    });
}

bool MainWindow::saveRecipe(const QString& path)
{
    return tryOrReport(tr("Cannot save recipe"), [&] {
        settings().toRecipe().save(path.toStdString(), /*overwrite=*/true);
        m_statusLabel->setText(tr("Saved recipe %1").arg(path));
    });
}

bool MainWindow::openSweepResults(const QString& dir)
{
    return tryOrReport(tr("Cannot open sweep results"), [&] {
        const int before = static_cast<int>(project().runs.size());
        m_sweeps->watch(dir); // imports what is there now, announcing it through resultsAdded
        if (static_cast<int>(project().runs.size()) == before)
            m_statusLabel->setText(tr("Watching sweep %1: no new results yet.").arg(m_sweeps->folder()));
    });
}

bool MainWindow::exportRun(int runId, const QString& path)
{
    const auto* run = project().run(runId);
    return tryOrReport(tr("Export failed"), [&] {
        if (!run)
            throw InputError(tr("There is no run %1").arg(runId).toStdString());
        m_statusLabel->setText(ExportDialog::exportAndVerify(*run, path, project().data));
    });
}

bool MainWindow::saveRunRecipe(int runId, const QString& path)
{
    const auto* run = project().run(runId);
    return tryOrReport(tr("Cannot save recipe"), [&] {
        if (!run)
            throw InputError(tr("There is no run %1").arg(runId).toStdString());
        Recipe::fromJson(run->recipeJson.toStdString(), path.toStdString()).save(path.toStdString(), true);
        m_statusLabel->setText(tr("Saved recipe %1").arg(path));
    });
}

bool MainWindow::exportChart(const QString& path)
{
    return tryOrReport(tr("Export failed"), [&] { m_chart->save(path); });
}

bool MainWindow::exportRunsCsv(const QString& path)
{
    return tryOrReport(tr("Export failed"),
                       [&] { writeTextFile(path.toStdString(), RunsTableModel::csv(project()).toStdString(), true); });
}

} // namespace pare::ui
