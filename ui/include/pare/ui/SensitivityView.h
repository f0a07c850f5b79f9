#pragma once

#include "pare/Sensitivity.h"
#include "pare/ui/BackgroundJob.h"

#include <QWidget>

#include <map>
#include <optional>
#include <string>

class QCustomPlot;
class QLabel;
class QPushButton;

namespace pare::ui {

/// Measures a model's per-layer sensitivity (pare::analyzeSensitivity) off the GUI thread.
class SensitivityJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SensitivityJob)

public:
    explicit SensitivityJob(QObject* parent = nullptr);
    ~SensitivityJob() override;
    bool start(const QString& model, const QString& data, int threads);

signals:
    void measured(const pare::SensitivityResult& result);
};

/// The per-layer sensitivity curves (accuracy when one layer alone is pruned, and quantized), measured on a job the
/// view owns, the ratios suggested for the pruning slider's overall ratio, and a button that applies them.
class SensitivityView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SensitivityView)

public:
    explicit SensitivityView(QWidget* parent = nullptr);
    /// What Measure analyses; an empty model disables it (while a workspace loads).
    void setSource(const QString& model, const QString& data, int threads);
    /// Starts measuring the source, unless a measurement is going or there is no source.
    void measure();
    void setResult(const SensitivityResult& result);
    /// Recomputes the suggestion for an overall pruning ratio (0..1).
    void setTarget(double ratio);
    void setBusy(bool busy);
    void retranslate();
    [[nodiscard]] const std::map<std::string, double>& suggestion() const { return m_suggestion; }
    [[nodiscard]] bool hasResult() const { return m_result.has_value(); }

signals:
    void measured(double seconds);
    void failed(const QString& message);
    void applyRequested(const std::map<std::string, double>& ratios);

private:
    void redraw();

    SensitivityJob* m_job = nullptr;
    QString m_model, m_data;
    int m_threads = 1;

    QCustomPlot* m_prunePlot = nullptr;
    QCustomPlot* m_quantizePlot = nullptr;
    QLabel* m_suggestionLabel = nullptr;
    QPushButton* m_measureButton = nullptr;
    QPushButton* m_applyButton = nullptr;
    std::optional<SensitivityResult> m_result;
    std::map<std::string, double> m_suggestion;
    double m_target = 0.9;
    QString m_problem;
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::SensitivityResult)
