#pragma once

#include "pare/Model.h"

#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QLabel;

namespace pare::ui {

/// One layer's weights, before and after compression: a heat-map of the compressed weights (linear layers as a
/// matrix, convolutions as a grid of filters; pruned weights drawn grey) with zoom, and a histogram of the non-zero
/// values before and after, with the quantization levels (or k-means centroids) marked when there are few of them.
class WeightView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WeightView)

public:
    explicit WeightView(QWidget* parent = nullptr);
    void show(const QString& layer, const WeightValues& before, const WeightValues& after);
    void clear();
    void retranslate();

    // What is drawn, for tests.
    [[nodiscard]] int heatmapCells() const { return m_cells; }
    [[nodiscard]] int prunedCells() const { return m_pruned; }
    [[nodiscard]] int levelLines() const { return m_levels; }

private:
    QCustomPlot* m_heatmap = nullptr;
    QCustomPlot* m_histogram = nullptr;
    QCPColorMap* m_map = nullptr;
    QLabel* m_caption = nullptr;
    int m_cells = 0;
    int m_pruned = 0;
    int m_levels = 0;
};

} // namespace pare::ui
