#pragma once

#include <QWidget>

class QDoubleSpinBox;
class QSlider;
class QSpinBox;

namespace pare::ui {

/// A slider and a spin box side by side that always show the same value. The slider moves in steps of 1/scale of
/// the spin box's value. Object names are NAMESlider and NAMESpinBox, for findChild in tests.
class LinkedSlider final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LinkedSlider)

public:
    /// An integer control on a QSpinBox; `spin` may be a subclass that shows its values otherwise (it is reparented
    /// and renamed).
    static LinkedSlider* integer(const QString& name, int low, int high, QWidget* parent, QSpinBox* spin = nullptr);
    /// A decimal control on a QDoubleSpinBox with `decimals` and `step`.
    static LinkedSlider*
    decimal(const QString& name, double low, double high, double scale, int decimals, double step, QWidget* parent);

    [[nodiscard]] QSlider* slider() const { return m_slider; }
    /// The integer spin box; null for a decimal control.
    [[nodiscard]] QSpinBox* spinBox() const { return m_spin; }
    /// The decimal spin box; null for an integer control.
    [[nodiscard]] QDoubleSpinBox* doubleSpinBox() const { return m_doubleSpin; }
    [[nodiscard]] double value() const;
    void setValue(double value);
    /// The same tip on the slider and the spin box.
    void setTips(const QString& tip);

private:
    LinkedSlider(const QString& name, QWidget* parent);
    void addSpin(QWidget* spin);

    QSlider* m_slider = nullptr;
    QSpinBox* m_spin = nullptr;
    QDoubleSpinBox* m_doubleSpin = nullptr;
};

} // namespace pare::ui
