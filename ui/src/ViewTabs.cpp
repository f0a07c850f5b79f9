#include "pare/ui/ViewTabs.h"

#include "pare/ui/AccuracySizeChart.h"
#include "pare/ui/CompareView.h"
#include "pare/ui/LayerSparsityChart.h"
#include "pare/ui/RunsTableModel.h"
#include "pare/ui/SensitivityView.h"
#include "pare/ui/WeightsPage.h"

#include <QActionGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace pare::ui {

ViewTabs::ViewTabs(const Project& project, QMenu* sizeMenu, QWidget* parent)
    : QTabWidget(parent)
{
    setObjectName(QStringLiteral("viewTabs"));
    auto* chartPage = buildChartPage(sizeMenu);
    buildRunsTable(project);
    m_layerChart = new LayerSparsityChart(this);
    m_weightsPage = new WeightsPage(this);
    m_sensitivityView = new SensitivityView(this);
    m_compareView = new CompareView(project, this);
    for (QWidget* page : { chartPage, static_cast<QWidget*>(m_runsTable), static_cast<QWidget*>(m_layerChart),
                           static_cast<QWidget*>(m_weightsPage), static_cast<QWidget*>(m_sensitivityView),
                           static_cast<QWidget*>(m_compareView) })
        addTab(page, QString());
}

void ViewTabs::showRuns(const Project& project)
{
    m_chart->clear();
    for (const auto& run : project.runs) {
        if (run.origin == RunOrigin::Search) { // its first snapshot is the search's baseline on validation
            if (run.snapshots.size() > 1)
                m_chart->addSnapshot(run.id, run.label, run.snapshots.back(),
                                     AccuracySizeChart::PointKind::SearchCandidate);
            continue;
        }
        if (run.origin == RunOrigin::Sweep) { // one point a task: its compressed model
            m_chart->addSnapshot(run.id, run.label, run.snapshots.back(), AccuracySizeChart::PointKind::SweepResult);
            continue;
        }
        for (const auto& s : run.snapshots)
            m_chart->addSnapshot(run.id, run.label, s);
    }
    m_runsModel->reset();
    m_compareView->refreshRuns();
}

QWidget* ViewTabs::buildChartPage(QMenu* sizeMenu)
{
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    auto* formatRow = new QHBoxLayout;
    m_sizeFormatLabel = new QLabel(page);
    m_sizeFormatCombo = new QComboBox(page);
    m_sizeFormatCombo->setObjectName(QStringLiteral("sizeFormatCombo"));
    m_sizeFormatCombo->addItems({ QString(), QString(), QString() });
    m_sizeFormatCombo->setCurrentIndex(2);
    formatRow->addWidget(m_sizeFormatLabel);
    formatRow->addWidget(m_sizeFormatCombo);
    formatRow->addStretch(1);
    layout->addLayout(formatRow);
    m_chart = new AccuracySizeChart(page);
    layout->addWidget(m_chart, 1);
    connect(m_chart, &AccuracySizeChart::runClicked, this, &ViewTabs::runClicked);
    auto* group = new QActionGroup(this);
    for (int i = 0; i < 3; ++i) {
        auto* a = sizeMenu->addAction(QString());
        a->setCheckable(true);
        a->setChecked(i == 2);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { m_sizeFormatCombo->setCurrentIndex(i); });
        m_sizeActions.push_back(a);
    }
    connect(m_sizeFormatCombo, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_chart->setSizeFormat(static_cast<AccuracySizeChart::SizeFormat>(index));
        m_sizeActions[size_t(index)]->setChecked(true);
    });
    return page;
}

void ViewTabs::buildRunsTable(const Project& project)
{
    m_runsModel = new RunsTableModel(this);
    m_runsModel->setProject(&project);
    auto* sorted = new QSortFilterProxyModel(this);
    sorted->setSourceModel(m_runsModel);
    sorted->setSortRole(Qt::UserRole);
    m_runsTable = new QTableView(this);
    m_runsTable->setObjectName(QStringLiteral("runsTable"));
    m_runsTable->setModel(sorted);
    m_runsTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runsTable->setSortingEnabled(true);
    m_runsTable->verticalHeader()->hide();
    m_runsTable->horizontalHeader()->setSectionResizeMode(RunsTableModel::SettingsColumn, QHeaderView::Stretch);
    connect(m_runsTable->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto rows = m_runsTable->selectionModel()->selectedRows(RunsTableModel::RunColumn);
        if (!rows.isEmpty())
            emit runClicked(rows.first().data(Qt::UserRole).toInt());
    });
}

void ViewTabs::showSelectedRun(int runId)
{
    m_chart->setSelectedRun(runId);
    const auto* sorted = m_runsTable->model();
    for (int r = 0; r < sorted->rowCount(); ++r)
        if (sorted->index(r, RunsTableModel::RunColumn).data(Qt::UserRole).toInt() == runId
            && m_runsTable->currentIndex().row() != r) {
            const QSignalBlocker block(m_runsTable->selectionModel());
            m_runsTable->selectRow(r);
        }
}

void ViewTabs::retranslate()
{
    const QStringList tabs { tr("Accuracy vs size"), tr("Runs"),        tr("Layer sparsity"),
                             tr("Weights"),          tr("Sensitivity"), tr("Compare") };
    for (int i = 0; i < tabs.size(); ++i)
        setTabText(i, tabs[i]);
    m_sizeFormatLabel->setText(tr("Size axis:"));
    const QStringList formats { tr("Dense fp32 (4 bytes per parameter)"), tr("TorchScript file"), tr(".pare file") };
    for (int i = 0; i < 3; ++i) {
        m_sizeFormatCombo->setItemText(i, formats[i]);
        m_sizeActions[size_t(i)]->setText(formats[i]);
    }
    m_chart->retranslate();
    m_layerChart->retranslate();
    m_weightsPage->retranslate();
    m_sensitivityView->retranslate();
    m_compareView->retranslate();
    m_runsModel->reset();
}

} // namespace pare::ui
