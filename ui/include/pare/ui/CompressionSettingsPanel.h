#pragma once

#include "pare/ui/Project.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace pare::ui {

class LinkedSlider;

/// The three technique controls (pruning, distillation, quantization) with Run and Cancel: what StudioSettings holds,
/// shown and edited. It keeps the controls consistent with each other (an int8 engine fixes the bits and scheme, a
/// structured method fixes the schedule) and says nothing of runs itself.
class CompressionSettingsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompressionSettingsPanel)

public:
    explicit CompressionSettingsPanel(QWidget* parent = nullptr);

    [[nodiscard]] StudioSettings settings() const;
    void applySettings(const StudioSettings& settings);
    /// Whether Run and Cancel can be pressed now; their tips come from the window's actions.
    void setRunState(bool canRun, bool running);
    /// Layer-wise magnitude pruning to these per-layer ratios (from the sensitivity view).
    void applyLayerRatios(const std::map<std::string, double>& ratios);
    void retranslate(const QString& runTip, const QString& cancelTip);

signals:
    void runRequested();
    void cancelRequested();
    void pruneRatioChanged(double ratio);
    /// Any control changed (a slider moving sends one per step): what the live preview follows.
    void settingsChanged();

private:
    void buildPruning(QGroupBox* box);
    void buildDistillation(QGroupBox* box);
    void buildQuantization(QGroupBox* box);
    void updateEnabled();

    QGroupBox* m_pruneBox = nullptr;
    QGroupBox* m_distillBox = nullptr;
    QGroupBox* m_quantBox = nullptr;
    std::vector<QLabel*> m_labels; ///< the form labels, in the order retranslate() names them
    LinkedSlider* m_pruneRatio = nullptr;
    QComboBox* m_methodCombo = nullptr;
    QComboBox* m_scheduleCombo = nullptr;
    QComboBox* m_allocateCombo = nullptr;
    LinkedSlider* m_epochs = nullptr;
    QComboBox* m_augmentCombo = nullptr; ///< the data's default, then the Augmentation values
    QComboBox* m_studentCombo = nullptr;
    LinkedSlider* m_temperature = nullptr;
    LinkedSlider* m_alpha = nullptr;
    LinkedSlider* m_bits = nullptr;
    QComboBox* m_schemeCombo = nullptr;
    QCheckBox* m_perChannelCheck = nullptr;
    QSpinBox* m_qatSpin = nullptr;
    QSpinBox* m_activationBitsSpin = nullptr;
    QComboBox* m_engineCombo = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    /// From the sensitivity view, while "applied" is chosen.
    std::map<std::string, double> m_appliedRatios;
    /// From a loaded recipe: no control shows it, the recipe written keeps it.
    bool m_biasFp16 = false;
};

} // namespace pare::ui
