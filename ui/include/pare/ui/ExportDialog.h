#pragma once

#include "pare/ui/BackgroundJob.h"
#include "pare/ui/Project.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;

namespace pare::ui {

/// Exports a run's compressed model: shows what each format takes (the sizes the run measured from real
/// serializations), writes the chosen one atomically, and verifies the file by loading it back.
/// Writes and verifies one export off the GUI thread (an ONNX check loads the data set).
class ExportJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportJob)

public:
    explicit ExportJob(QObject* parent = nullptr);
    ~ExportJob() override;
    bool start(const RunRecord& run, const QString& path, const QString& data);

signals:
    void exported(const QString& report);
};

class ExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDialog)

public:
    ExportDialog(const RunRecord& run, const QString& data, QWidget* parent = nullptr);

    /// Writes `path` (format from its extension: .pare, .pt or .onnx) and verifies it: TorchScript and .pare are
    /// loaded back; ONNX runs in OpenCV's DNN module on the first test images of `data` beside LibTorch. Returns the
    /// report shown in the dialog; throws InputError on failure.
    static QString exportAndVerify(const RunRecord& run, const QString& path, const QString& data);

private:
    void exportNow();

    RunRecord m_run;
    QString m_data;
    ExportJob* m_job = nullptr;
    QComboBox* m_format = nullptr;
    QLineEdit* m_path = nullptr;
    QLabel* m_result = nullptr;
};

} // namespace pare::ui
