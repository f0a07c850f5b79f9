#include "pare/ui/ExploreDialog.h"

#include "pare/ui/Dialogs.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

namespace pare::ui {

ExploreDialog::ExploreDialog(QWidget* parent)
    : QDialog(parent)
    , m_maxDrop(new QDoubleSpinBox(this))
    , m_budget(new QSpinBox(this))
    , m_budgetUnit(new QComboBox(this))
    , m_objective(new QComboBox(this))
{
    setObjectName(QStringLiteral("exploreDialog"));
    setWindowTitle(tr("Explore"));
    const SearchOptions defaults;
    m_maxDrop->setObjectName(QStringLiteral("maxDropSpinBox"));
    m_maxDrop->setRange(0.0, 100.0);
    m_maxDrop->setDecimals(2);
    m_maxDrop->setSingleStep(0.1);
    m_maxDrop->setValue(defaults.maxDropPoints);
    m_maxDrop->setSuffix(tr(" points"));
    m_budget->setObjectName(QStringLiteral("budgetSpinBox"));
    m_budget->setRange(1, 10000);
    m_budget->setValue(int(defaults.budget.seconds / 60.0));
    m_budgetUnit->setObjectName(QStringLiteral("budgetUnitCombo"));
    m_budgetUnit->addItems({ tr("minutes"), tr("candidates") });
    m_objective->setObjectName(QStringLiteral("objectiveCombo"));
    const std::pair<SearchObjective, QString> objectives[]
        = { { SearchObjective::PareBytes, tr("Smallest .pare file") },
            { SearchObjective::Latency, tr("Lowest latency (batch 1)") },
            { SearchObjective::Macs, tr("Fewest multiply-accumulates (structured pruning)") } };
    for (const auto& [objective, text] : objectives)
        m_objective->addItem(text, int(objective));

    auto* budget = new QHBoxLayout;
    budget->addWidget(m_budget, 1);
    budget->addWidget(m_budgetUnit);
    auto* form = new QFormLayout(this);
    auto* intro = new QLabel(tr("Candidates are screened one-shot on the validation split; the promising ones are "
                                "fine-tuned at rising fidelity. The winner is confirmed once on the test split."),
                             this);
    intro->setWordWrap(true);
    form->addRow(intro);
    form->addRow(tr("Largest accuracy drop"), m_maxDrop);
    form->addRow(tr("Budget"), budget);
    form->addRow(tr("Minimise"), m_objective);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

SearchOptions ExploreDialog::options() const
{
    SearchOptions options;
    options.maxDropPoints = m_maxDrop->value();
    options.budget = {};
    if (m_budgetUnit->currentIndex() == 0)
        options.budget.seconds = 60.0 * m_budget->value();
    else
        options.budget.runs = m_budget->value();
    options.objective = static_cast<SearchObjective>(m_objective->currentData().toInt());
    return options;
}

std::optional<SearchOptions> ExploreDialog::ask(QWidget* parent)
{
    ExploreDialog dialog(parent);
    if (!Dialogs::accept(dialog))
        return std::nullopt;
    return dialog.options();
}

} // namespace pare::ui
