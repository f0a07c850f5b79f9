#pragma once

#include "pare/Pipeline.h"

#include <QWidget>

#include <optional>
#include <utility>

class QCustomPlot;
class QScrollBar;

namespace pare::ui {

/// Per-layer sparsity of a run's last snapshot next to the baseline, as grouped bars; the tick labels carry the
/// weights each layer keeps. A model of more than kMostBarsInView layers (a DenseNet-121 has 242) is shown
/// kMostBarsInView at a time, in the model's order, with a scroll bar under the chart and labels naming the layer
/// alone, slanted.
class LayerSparsityChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerSparsityChart)

public:
    explicit LayerSparsityChart(QWidget* parent = nullptr);
    void show(const Snapshot& baseline, const Snapshot& run, const QString& runTitle);
    void clear();
    /// Redraws the texts in the current language.
    void retranslate();
    /// The sparsity bars now drawn for the run, in layer order (for tests).
    [[nodiscard]] QVector<double> runSparsity() const { return m_runSparsity; }
    [[nodiscard]] QCustomPlot* plot() const { return m_plot; }
    [[nodiscard]] QScrollBar* scrollBar() const { return m_scroll; }
    static constexpr int kMostBarsInView = 24;

private:
    /// Shows layers [first, first + kMostBarsInView).
    void scrollTo(int first);

    QCustomPlot* m_plot = nullptr;
    QScrollBar* m_scroll = nullptr;
    QVector<double> m_runSparsity;
    std::optional<std::pair<Snapshot, Snapshot>> m_shown;
    QString m_runTitle;
};

} // namespace pare::ui
