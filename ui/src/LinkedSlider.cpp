#include "pare/ui/LinkedSlider.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSlider>
#include <QSpinBox>

#include <cmath>

namespace pare::ui {

LinkedSlider::LinkedSlider(const QString& name, QWidget* parent)
    : QWidget(parent)
    , m_slider(new QSlider(Qt::Horizontal, this))
{
    setObjectName(name + QStringLiteral("Control"));
    m_slider->setObjectName(name + QStringLiteral("Slider"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_slider, 1);
}

void LinkedSlider::addSpin(QWidget* spin)
{
    spin->setParent(this);
    spin->setObjectName(m_slider->objectName().chopped(int(qstrlen("Slider"))) + QStringLiteral("SpinBox"));
    layout()->addWidget(spin);
}

LinkedSlider* LinkedSlider::integer(const QString& name, int low, int high, QWidget* parent, QSpinBox* spin)
{
    auto* control = new LinkedSlider(name, parent);
    control->m_spin = spin ? spin : new QSpinBox;
    control->addSpin(control->m_spin);
    control->m_slider->setRange(low, high);
    control->m_spin->setRange(low, high);
    connect(control->m_slider, &QSlider::valueChanged, control->m_spin, &QSpinBox::setValue);
    connect(control->m_spin, &QSpinBox::valueChanged, control->m_slider, &QSlider::setValue);
    return control;
}

LinkedSlider* LinkedSlider::decimal(
    const QString& name, double low, double high, double scale, int decimals, double step, QWidget* parent)
{
    auto* control = new LinkedSlider(name, parent);
    auto* spin = control->m_doubleSpin = new QDoubleSpinBox;
    control->addSpin(spin);
    control->m_slider->setRange(int(std::lround(low * scale)), int(std::lround(high * scale)));
    spin->setRange(low, high);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    connect(control->m_slider, &QSlider::valueChanged, spin, [spin, scale](int v) {
        if (std::lround(spin->value() * scale) != v)
            spin->setValue(v / scale);
    });
    connect(spin, &QDoubleSpinBox::valueChanged, control->m_slider,
            [slider = control->m_slider, scale](double v) { slider->setValue(int(std::lround(v * scale))); });
    return control;
}

double LinkedSlider::value() const
{
    return m_spin ? m_spin->value() : m_doubleSpin->value();
}

void LinkedSlider::setValue(double value)
{
    if (m_spin)
        m_spin->setValue(int(std::lround(value)));
    else
        m_doubleSpin->setValue(value);
}

void LinkedSlider::setTips(const QString& tip)
{
    m_slider->setToolTip(tip);
    (m_spin ? static_cast<QWidget*>(m_spin) : m_doubleSpin)->setToolTip(tip);
}

} // namespace pare::ui
