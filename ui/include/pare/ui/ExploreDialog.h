#pragma once

#include "pare/Search.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace pare::ui {

/// Run > Explore: what the search looks for (the accuracy limit, its budget, what to minimise).
class ExploreDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExploreDialog)

public:
    explicit ExploreDialog(QWidget* parent = nullptr);
    [[nodiscard]] SearchOptions options() const;
    /// Shows the dialog (through Dialogs, so tests answer it); nullopt when cancelled.
    [[nodiscard]] static std::optional<SearchOptions> ask(QWidget* parent);

private:
    QDoubleSpinBox* m_maxDrop = nullptr;
    QSpinBox* m_budget = nullptr;
    QComboBox* m_budgetUnit = nullptr;
    QComboBox* m_objective = nullptr;
};

} // namespace pare::ui
