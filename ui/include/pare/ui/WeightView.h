#pragma once

#include "pare/Model.h"

#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QLabel;
class QTimer;

namespace pare::ui {

/// One layer's weights, before and after compression: a heat-map of the compressed weights (linear layers as a
/// matrix, convolutions as a grid of filters; pruned weights drawn grey) with zoom, and a histogram of the non-zero
/// values before and after, with the quantization levels (or k-means centroids) marked when there are few of them.
/// A big tensor (a 512x512x3x3 convolution has 2.4 million weights) is drawn downsampled, each cell the
/// largest-magnitude weight of its block (grey only when the whole block is pruned), and zooming in redraws the
/// region in view at full detail once it holds few enough weights; its histogram counts an evenly strided sample,
/// whose size the caption states.
class WeightView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WeightView)

public:
    explicit WeightView(QWidget* parent = nullptr);
    void show(const QString& layer, const WeightValues& before, const WeightValues& after);
    void clear();
    void retranslate();

    /// Heat-map cells drawn at once at most: beyond this a region is downsampled.
    static constexpr int64_t kMostDrawnCells = 512 * 512;
    /// Values the histogram counts at most: beyond this, an evenly strided sample.
    static constexpr int64_t kMostHistogramValues = 262'144;

    // What is drawn, for tests.
    [[nodiscard]] int heatmapCells() const { return m_cells; }
    /// Cells of the color map now drawn, and the weights per cell side (1: full detail).
    [[nodiscard]] int drawnCells() const { return m_drawnCells; }
    [[nodiscard]] int drawnStep() const { return m_step; }
    [[nodiscard]] QCustomPlot* heatmap() const { return m_heatmap; }
    [[nodiscard]] int prunedCells() const { return m_pruned; }
    [[nodiscard]] int levelLines() const { return m_levels; }

private:
    /// Draws rows [row0, row1) and columns [column0, column1) of the weight grid, downsampled as needed.
    void drawRegion(int64_t row0, int64_t row1, int64_t column0, int64_t column1);
    /// After a zoom or pan: the region in view, at the detail it allows.
    void redrawVisible();

    QCustomPlot* m_heatmap = nullptr;
    QCustomPlot* m_histogram = nullptr;
    QCPColorMap* m_map = nullptr;
    QLabel* m_caption = nullptr;
    int m_cells = 0;
    int m_drawnCells = 0;
    int m_step = 1;
    WeightValues m_shown; ///< the weights drawn (after, else before)
    int64_t m_rows = 0, m_columns = 0;
    QTimer* m_redraw = nullptr;
    int m_pruned = 0;
    int m_levels = 0;
};

} // namespace pare::ui
