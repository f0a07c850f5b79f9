#pragma once

#include "pare/ui/Project.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;

namespace pare::ui {

/// Exports a run's compressed model: shows what each format takes (the sizes the run measured from real
/// serializations), writes the chosen one atomically, and verifies the file by loading it back.
class ExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDialog)

public:
    ExportDialog(const RunRecord& run, QWidget* parent = nullptr);

    /// Writes `path` (format from its extension) and loads it back; returns the report shown in the dialog.
    /// Throws InputError on failure.
    static QString exportAndVerify(const RunRecord& run, const QString& path);

private:
    void exportNow();

    RunRecord m_run;
    QComboBox* m_format = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_result = nullptr;
};

} // namespace pare::ui
