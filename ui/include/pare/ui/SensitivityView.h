#pragma once

#include "pare/Sensitivity.h"
#include "pare/ui/BackgroundJob.h"

#include <QWidget>

#include <map>
#include <optional>
#include <string>

class QCustomPlot;
class QLabel;
class QLineEdit;
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

    /// The studio's time budget for a measurement: a model of 100 layers would take hours on the full grid
    /// (SensitivityOptions::budgetSeconds samples it to fit; LeNet-5's takes seconds).
    static constexpr double kBudgetSeconds = 300.0;

signals:
    void measured(const pare::SensitivityResult& result);
    /// Points measured so far, of all (queued from the job's thread).
    void progressed(qint64 done, qint64 total);
};

/// The per-layer sensitivity curves (accuracy when one layer alone is pruned, and quantized), measured on a job the
/// view owns, the ratios suggested for the pruning slider's overall ratio, and a button that applies them. With many
/// layers the kHighlighted most sensitive (largest loss at the strongest setting) are drawn in colour and named in
/// the legend, the rest thin and grey; a search field highlights the layers whose path contains its text instead.
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
    /// Layers drawn in colour at most.
    static constexpr int kHighlighted = 8;
    /// Layers now drawn in colour (for tests).
    [[nodiscard]] QStringList highlightedLayers() const { return m_highlighted; }
    [[nodiscard]] QCustomPlot* prunePlot() const { return m_prunePlot; }

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
    QLineEdit* m_search = nullptr;
    QStringList m_highlighted;
    std::optional<SensitivityResult> m_result;
    std::map<std::string, double> m_suggestion;
    double m_target = 0.9;
    QString m_problem;
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::SensitivityResult)
