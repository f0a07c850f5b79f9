#pragma once

#include "pare/Model.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace pare::ui {

/// Asks what a model file without a record takes before its first evaluation: input shape, normalization and class
/// names, filled in with a proposal (the data's size at the model's first-layer channels, the data's statistics and
/// class names). OK is refused, with the reason shown, until every field is valid.
class ModelInputsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelInputsDialog)

public:
    ModelInputsDialog(const QString& modelName, const ModelRecord& proposal, QWidget* parent = nullptr);

    /// The inputs as entered, or nothing with the reason in `problem`.
    [[nodiscard]] std::optional<ModelRecord> inputs(QString* problem = nullptr) const;
    /// Shows the dialog for `modelSpec` (through Dialogs, so tests can answer it) and remembers the answer
    /// (ModelInputs); false when cancelled.
    static bool askAndRemember(QWidget* parent, const QString& modelSpec, const ModelRecord& proposal);

    void accept() override;

private:
    QComboBox* m_channels = nullptr;
    QSpinBox* m_height = nullptr;
    QSpinBox* m_width = nullptr;
    QLineEdit* m_mean = nullptr;
    QLineEdit* m_std = nullptr;
    QPlainTextEdit* m_classes = nullptr;
    QLabel* m_problem = nullptr;
};

} // namespace pare::ui
