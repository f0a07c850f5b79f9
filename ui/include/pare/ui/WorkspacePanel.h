#pragma once

#include "pare/ui/LayerTable.h"
#include "pare/ui/StudioJobs.h"

#include <QWidget>

class QGroupBox;
class QLabel;

namespace pare::ui {

/// The left dock: the model card and its layer table, the data card and a grid of test images with their labels.
class WorkspacePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspacePanel)

public:
    explicit WorkspacePanel(QWidget* parent = nullptr);

    void showWorkspace(const Workspace& workspace);
    /// The layer table of the workspace's model, with the sparsity and bits `snapshot` gives it (null: as loaded).
    void showLayers(const Workspace& workspace, const Snapshot* snapshot);
    void retranslate();

private:
    QGroupBox* m_modelBox = nullptr;
    QGroupBox* m_dataBox = nullptr;
    QLabel* m_modelCard = nullptr;
    LayerTable* m_layerTable = nullptr;
    QLabel* m_dataCard = nullptr;
    QLabel* m_sampleGrid = nullptr;
};

} // namespace pare::ui
