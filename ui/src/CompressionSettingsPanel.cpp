#include "pare/ui/CompressionSettingsPanel.h"

#include "pare/Quantization.h"
#include "pare/ui/LinkedSlider.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

namespace pare::ui {
namespace {

/// The bits slider runs 1..10: 1-8 bits, then fp16, then off (32).
int bitsFromPosition(int position)
{
    return position <= 8 ? position : position == 9 ? 16 : 32;
}

int positionFromBits(int bits)
{
    return bits <= 8 ? std::max(bits, 1) : bits == 16 ? 9 : 10;
}

QString offText()
{
    return QCoreApplication::translate("pare::ui::MainWindow", "off");
}

/// The name the bits spin box shows and reads for position 9.
const QString& fp16Text()
{
    static const QString text = QStringLiteral("fp16");
    return text;
}

/// A spin box that shows the bits slider's positions as 1..8, "fp16" and "off".
class BitsSpinBox final : public QSpinBox
{
protected:
    QString textFromValue(int value) const override
    {
        return value <= 8 ? QString::number(value) : value == 9 ? fp16Text() : offText();
    }
    int valueFromText(const QString& text) const override
    {
        if (text == fp16Text() || text.toInt() == 16)
            return 9;
        bool ok = false;
        const int value = text.toInt(&ok);
        return ok && value >= 1 && value <= 8 ? value : 10;
    }
    QValidator::State validate(QString& text, int&) const override
    {
        return text.isEmpty() || fp16Text().startsWith(text) || offText().startsWith(text)
                || (text.toInt() >= 1 && text.toInt() <= 8)
            ? QValidator::Acceptable
            : QValidator::Invalid;
    }
};

/// A combo box whose items carry an option set's values, in its table's order.
template <typename E> QComboBox* optionCombo(const char* name, QWidget* parent)
{
    auto* combo = new QComboBox(parent);
    combo->setObjectName(QString::fromLatin1(name));
    for (const auto& entry : OptionTable<E>::entries)
        combo->addItem(QString(), int(entry.first));
    return combo;
}

template <typename E> E current(const QComboBox* combo)
{
    return static_cast<E>(combo->currentData().toInt());
}

template <typename E> void select(QComboBox* combo, E value)
{
    combo->setCurrentIndex(std::max(0, combo->findData(int(value))));
}

/// The augmentation combo's data for "the data set's default".
constexpr int kDataDefault = -1;

/// The engine combo's data for "no engine".
constexpr int kNoEngine = -1;

} // namespace

CompressionSettingsPanel::CompressionSettingsPanel(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("compressionSettingsPanel"));
    auto* layout = new QVBoxLayout(this);
    m_pruneBox = new QGroupBox(this);
    m_distillBox = new QGroupBox(this);
    m_quantBox = new QGroupBox(this);
    buildPruning(m_pruneBox);
    buildDistillation(m_distillBox);
    buildQuantization(m_quantBox);

    m_runButton = new QPushButton(this);
    m_runButton->setObjectName(QStringLiteral("runButton"));
    m_runButton->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    m_cancelButton = new QPushButton(this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    m_cancelButton->setEnabled(false);
    connect(m_runButton, &QPushButton::clicked, this, &CompressionSettingsPanel::runRequested);
    connect(m_cancelButton, &QPushButton::clicked, this, &CompressionSettingsPanel::cancelRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_runButton, 1);
    buttons->addWidget(m_cancelButton);

    layout->addWidget(m_pruneBox);
    layout->addWidget(m_distillBox);
    layout->addWidget(m_quantBox);
    layout->addLayout(buttons);
    layout->addStretch(1);

    connect(m_pruneRatio->spinBox(), &QSpinBox::valueChanged, this,
            [this](int percent) { emit pruneRatioChanged(percent / 100.0); });
    for (auto* combo : { m_engineCombo, m_studentCombo, m_schemeCombo })
        connect(combo, &QComboBox::currentIndexChanged, this, &CompressionSettingsPanel::updateEnabled);
    for (auto* spin : { m_activationBitsSpin, m_bits->spinBox() })
        connect(spin, &QSpinBox::valueChanged, this, &CompressionSettingsPanel::updateEnabled);
    // Channels are removed one-shot; the gradual schedule and allocation belong to the magnitude methods.
    connect(m_methodCombo, &QComboBox::currentIndexChanged, this, [this] {
        const bool structured = isStructured(current<PruneMethod>(m_methodCombo));
        if (structured) {
            select(m_scheduleCombo, PruneSchedule::OneShot);
            m_allocateCombo->setCurrentIndex(0);
        }
        m_scheduleCombo->setEnabled(!structured);
        m_allocateCombo->setEnabled(!structured);
    });
    applySettings(StudioSettings {});
    updateEnabled();
    for (auto* slider : { m_pruneRatio, m_epochs, m_bits })
        connect(slider->spinBox(), &QSpinBox::valueChanged, this, &CompressionSettingsPanel::settingsChanged);
    for (auto* slider : { m_temperature, m_alpha })
        connect(slider->doubleSpinBox(), &QDoubleSpinBox::valueChanged, this,
                &CompressionSettingsPanel::settingsChanged);
    for (auto* combo : { m_methodCombo, m_scheduleCombo, m_allocateCombo, m_augmentCombo, m_studentCombo, m_schemeCombo,
                         m_engineCombo })
        connect(combo, &QComboBox::currentIndexChanged, this, &CompressionSettingsPanel::settingsChanged);
    for (auto* spin : { m_qatSpin, m_activationBitsSpin })
        connect(spin, &QSpinBox::valueChanged, this, &CompressionSettingsPanel::settingsChanged);
    connect(m_perChannelCheck, &QCheckBox::toggled, this, &CompressionSettingsPanel::settingsChanged);
}

void CompressionSettingsPanel::buildPruning(QGroupBox* box)
{
    auto* form = new QFormLayout(box);
    m_pruneRatio = LinkedSlider::integer(QStringLiteral("pruneRatio"), 0, 99, box);
    m_pruneRatio->spinBox()->setSuffix(QStringLiteral(" %"));
    m_methodCombo = optionCombo<PruneMethod>("pruneMethodCombo", box);
    m_scheduleCombo = optionCombo<PruneSchedule>("pruneScheduleCombo", box);
    m_allocateCombo = new QComboBox(box);
    m_allocateCombo->setObjectName(QStringLiteral("allocateCombo"));
    for (auto source : { LayerRatioSource::Uniform, LayerRatioSource::Sensitivity, LayerRatioSource::Applied })
        m_allocateCombo->addItem(QString(), int(source));
    m_epochs = LinkedSlider::integer(QStringLiteral("finetuneEpochs"), 0, 10, box);
    m_augmentCombo = new QComboBox(box);
    m_augmentCombo->setObjectName(QStringLiteral("augmentCombo"));
    m_augmentCombo->addItem(QString(), kDataDefault);
    for (const auto& entry : OptionTable<Augmentation>::entries)
        m_augmentCombo->addItem(QString(), int(entry.first));
    for (QWidget* field : { static_cast<QWidget*>(m_pruneRatio), static_cast<QWidget*>(m_methodCombo),
                            static_cast<QWidget*>(m_scheduleCombo), static_cast<QWidget*>(m_allocateCombo),
                            static_cast<QWidget*>(m_epochs), static_cast<QWidget*>(m_augmentCombo) }) {
        m_labels.push_back(new QLabel(box));
        form->addRow(m_labels.back(), field);
    }
}

void CompressionSettingsPanel::buildDistillation(QGroupBox* box)
{
    auto* form = new QFormLayout(box);
    m_studentCombo = new QComboBox(box);
    m_studentCombo->setObjectName(QStringLiteral("studentCombo"));
    m_studentCombo->addItem(QString(), QString()); // no distillation
    m_studentCombo->addItem(QString(), QString::fromLatin1(optionName(StudentKind::Self)));
    m_studentCombo->addItem(QString(), QStringLiteral("lenet5@0.5"));
    m_temperature = LinkedSlider::decimal(QStringLiteral("temperature"), 1.0, 20.0, 10.0, 1, 0.5, box);
    m_alpha = LinkedSlider::decimal(QStringLiteral("alpha"), 0.0, 1.0, 100.0, 2, 0.05, box);
    for (QWidget* field : { static_cast<QWidget*>(m_studentCombo), static_cast<QWidget*>(m_temperature),
                            static_cast<QWidget*>(m_alpha) }) {
        m_labels.push_back(new QLabel(box));
        form->addRow(m_labels.back(), field);
    }
}

void CompressionSettingsPanel::buildQuantization(QGroupBox* box)
{
    auto* form = new QFormLayout(box);
    m_bits = LinkedSlider::integer(QStringLiteral("bits"), 1, 10, box, new BitsSpinBox);
    m_schemeCombo = new QComboBox(box);
    m_schemeCombo->setObjectName(QStringLiteral("schemeCombo"));
    for (auto scheme : { QuantScheme::KMeans, QuantScheme::Uniform, QuantScheme::Symmetric })
        m_schemeCombo->addItem(QString(), int(scheme));
    m_perChannelCheck = new QCheckBox(box);
    m_perChannelCheck->setObjectName(QStringLiteral("perChannelCheckBox"));
    m_qatSpin = new QSpinBox(box);
    m_qatSpin->setObjectName(QStringLiteral("qatEpochsSpinBox"));
    m_qatSpin->setRange(0, 10);
    // 0 stands for float activations (32 bits in the recipe): the spin box shows its special text there.
    m_activationBitsSpin = new QSpinBox(box);
    m_activationBitsSpin->setObjectName(QStringLiteral("activationBitsSpinBox"));
    m_activationBitsSpin->setRange(0, 8);
    m_engineCombo = new QComboBox(box);
    m_engineCombo->setObjectName(QStringLiteral("engineCombo"));
    m_engineCombo->addItem(QString(), kNoEngine);
    for (const auto engine : int8Engines())
        m_engineCombo->addItem(QString(), int(engine));
    const std::pair<QWidget*, bool> rows[] = {
        { m_bits, true },        { m_schemeCombo, true }, { m_perChannelCheck, false }, { m_activationBitsSpin, true },
        { m_engineCombo, true }, { m_qatSpin, true }
    };
    for (const auto& [field, labelled] : rows) {
        if (!labelled) {
            form->addRow(QString(), field);
            continue;
        }
        m_labels.push_back(new QLabel(box));
        form->addRow(m_labels.back(), field);
    }
}

void CompressionSettingsPanel::updateEnabled()
{
    // Distillation settings mean nothing without a student.
    const bool distilling = !m_studentCombo->currentData().toString().isEmpty();
    m_temperature->setEnabled(distilling);
    m_alpha->setEnabled(distilling);
    // The int8 engine runs one kind of quantization: 8-bit symmetric per-channel weights, 8-bit activations.
    const int engine = m_engineCombo->currentData().toInt();
    const bool int8 = engine != kNoEngine;
    if (int8) {
        const auto implied = QuantizeOptions::forEngine(static_cast<Int8Engine>(engine));
        m_bits->setValue(positionFromBits(implied.bits));
        select(m_schemeCombo, implied.scheme);
        m_perChannelCheck->setChecked(implied.perChannel);
        m_activationBitsSpin->setValue(implied.activationBits);
    }
    m_bits->setEnabled(!int8);
    m_activationBitsSpin->setEnabled(!int8);
    const bool quantizing = m_bits->value() <= 8;
    m_schemeCombo->setEnabled(quantizing && !int8);
    m_perChannelCheck->setEnabled(quantizing && !int8 && current<QuantScheme>(m_schemeCombo) != QuantScheme::KMeans);
    m_qatSpin->setEnabled(quantizing || m_activationBitsSpin->value() > 0);
}

StudioSettings CompressionSettingsPanel::settings() const
{
    StudioSettings s;
    s.prunePercent = int(m_pruneRatio->value());
    s.pruneMethod = current<PruneMethod>(m_methodCombo);
    s.pruneSchedule = current<PruneSchedule>(m_scheduleCombo);
    s.allocate = current<LayerRatioSource>(m_allocateCombo);
    if (s.allocate == LayerRatioSource::Applied)
        s.layerRatios = m_appliedRatios;
    s.finetuneEpochs = int(m_epochs->value());
    if (const int augment = m_augmentCombo->currentData().toInt(); augment != kDataDefault)
        s.augment = static_cast<Augmentation>(augment);
    s.student = m_studentCombo->currentData().toString();
    s.temperature = m_temperature->value();
    s.alpha = m_alpha->value();
    s.bits = bitsFromPosition(int(m_bits->value()));
    s.scheme = current<QuantScheme>(m_schemeCombo);
    s.perChannel = m_perChannelCheck->isChecked();
    s.biasFp16 = m_biasFp16;
    s.qatEpochs = m_qatSpin->value();
    s.activationBits = m_activationBitsSpin->value() == 0 ? 32 : m_activationBitsSpin->value();
    const int engine = m_engineCombo->currentData().toInt();
    if (engine != kNoEngine)
        s.engine = static_cast<Int8Engine>(engine);
    return s;
}

void CompressionSettingsPanel::applySettings(const StudioSettings& s)
{
    m_pruneRatio->setValue(s.prunePercent);
    select(m_methodCombo, s.pruneMethod);
    select(m_scheduleCombo, s.pruneSchedule);
    m_appliedRatios = s.layerRatios;
    select(m_allocateCombo, s.allocate);
    m_epochs->setValue(s.finetuneEpochs);
    m_augmentCombo->setCurrentIndex(std::max(0, m_augmentCombo->findData(s.augment ? int(*s.augment) : kDataDefault)));
    int student = m_studentCombo->findData(s.student);
    if (student < 0) { // a recipe may name any zoo student or file
        m_studentCombo->addItem(s.student, s.student);
        student = m_studentCombo->count() - 1;
    }
    m_studentCombo->setCurrentIndex(student);
    m_temperature->setValue(s.temperature);
    m_alpha->setValue(s.alpha);
    m_bits->setValue(positionFromBits(s.bits));
    select(m_schemeCombo, s.scheme);
    m_perChannelCheck->setChecked(s.perChannel);
    m_biasFp16 = s.biasFp16;
    m_qatSpin->setValue(s.qatEpochs);
    m_activationBitsSpin->setValue(s.activationBits >= 1 && s.activationBits <= 8 ? s.activationBits : 0);
    m_engineCombo->setCurrentIndex(std::max(0, m_engineCombo->findData(s.engine ? int(*s.engine) : kNoEngine)));
}

void CompressionSettingsPanel::applyLayerRatios(const std::map<std::string, double>& ratios)
{
    auto s = settings();
    if (isStructured(s.pruneMethod))
        s.pruneMethod = PruneMethod::MagnitudeGlobal;
    s.allocate = LayerRatioSource::Applied;
    s.layerRatios = ratios;
    applySettings(s);
}

void CompressionSettingsPanel::setRunState(bool canRun, bool running)
{
    m_runButton->setEnabled(canRun);
    m_cancelButton->setEnabled(running);
}

void CompressionSettingsPanel::retranslate(const QString& runTip, const QString& cancelTip)
{
    m_pruneBox->setTitle(tr("Pruning"));
    m_distillBox->setTitle(tr("Knowledge distillation"));
    m_quantBox->setTitle(tr("Quantization"));
    const QStringList labels { tr("Ratio"),
                               tr("Method"),
                               tr("Schedule"),
                               tr("Per-layer ratios"),
                               tr("Fine-tune epochs"),
                               tr("Augmentation"),
                               tr("Student"),
                               tr("Temperature T"),
                               tr("Alpha"),
                               tr("Weight bits"),
                               tr("Scheme"),
                               tr("Activation bits"),
                               tr("Run on"),
                               tr("Fine-tune epochs on levels") };
    for (size_t i = 0; i < m_labels.size(); ++i)
        m_labels[i]->setText(labels[qsizetype(i)]);
    m_allocateCombo->setItemText(0, tr("Uniform"));
    m_allocateCombo->setItemText(1, tr("By measured sensitivity"));
    m_allocateCombo->setItemText(2, tr("Applied from the Sensitivity tab"));
    m_allocateCombo->setToolTip(tr("By sensitivity: each layer is first pruned alone at 10-95% and the ratios "
                                   "with the least predicted accuracy loss for the overall ratio are used."));
    m_pruneRatio->setTips(tr("Share of convolution and linear weights set to zero (0 = no pruning). Zeros "
                             "make the .pare file smaller; TorchScript stores them anyway."));
    m_methodCombo->setItemText(0, tr("Global magnitude (one threshold)"));
    m_methodCombo->setItemText(1, tr("Layer-wise magnitude"));
    m_methodCombo->setItemText(2, tr("Structured filters (removes channels)"));
    m_methodCombo->setItemText(3, tr("Activation-based (removes channels)"));
    m_methodCombo->setToolTip(tr("Global: the smallest weights of the whole model go, with a 1% floor per layer. "
                                 "Layer-wise: every layer loses the same share. Structured: whole filters and "
                                 "neurons are removed, so the model is smaller in every format and faster. "
                                 "Activation-based: the same, keeping the channels with the largest mean "
                                 "activation on training images."));
    m_scheduleCombo->setItemText(0, tr("One-shot, then fine-tune"));
    m_scheduleCombo->setItemText(1, tr("Gradual (Zhu & Gupta cubic)"));
    m_scheduleCombo->setToolTip(tr("One-shot prunes at once and fine-tunes; gradual raises sparsity step by step "
                                   "while fine-tuning."));
    m_epochs->setTips(tr("Epochs of fine-tuning after pruning, and of distillation."));
    for (int i = 0; i < m_augmentCombo->count(); ++i) {
        const int augment = m_augmentCombo->itemData(i).toInt();
        m_augmentCombo->setItemText(i,
                                    augment == kDataDefault                      ? tr("The data set's default")
                                        : augment == int(Augmentation::CropFlip) ? tr("Random crops and flips")
                                                                                 : tr("None"));
    }
    m_augmentCombo->setToolTip(tr("What every training step does to its images: random resized crops and "
                                  "horizontal flips (the default for image folders), or nothing (the default for "
                                  "IDX and CIFAR-10)."));
    m_studentCombo->setItemText(0, tr("None (no distillation)"));
    m_studentCombo->setItemText(1, tr("Pruned self (distillation-assisted fine-tuning)"));
    m_studentCombo->setItemText(2, tr("Half-width LeNet-5 (lenet5@0.5)"));
    m_studentCombo->setToolTip(tr("Who learns from the original model's softened outputs."));
    m_temperature->setTips(tr("Softening temperature: higher T spreads the teacher's probabilities over "
                              "more classes (1-20)."));
    m_alpha->setTips(tr("Weight of the teacher's soft targets against the true labels (0-1)."));
    m_bits->setTips(tr("Bits per weight: 1-8 integer levels or codebook entries, fp16, or off."));
    m_schemeCombo->setItemText(0, tr("k-means codebook"));
    m_schemeCombo->setItemText(1, tr("Uniform (affine)"));
    m_schemeCombo->setItemText(2, tr("Symmetric"));
    m_schemeCombo->setToolTip(tr("How the 2^bits levels are chosen for each layer."));
    m_perChannelCheck->setText(tr("Per output channel"));
    m_perChannelCheck->setToolTip(tr("Separate levels for every output channel (uniform and symmetric)."));
    m_qatSpin->setToolTip(tr("Fine-tuning with weights kept on their levels (straight-through estimator)."));
    m_activationBitsSpin->setSpecialValueText(tr("float"));
    m_activationBitsSpin->setToolTip(tr("Activations on 1-8 bits, ranges calibrated on 1,024 training images, or "
                                        "float."));
    for (int i = 0; i < m_engineCombo->count(); ++i) {
        const int engine = m_engineCombo->itemData(i).toInt();
        m_engineCombo->setItemText(i,
                                   engine == kNoEngine                     ? tr("fp32 (quantization simulated)")
                                       : engine == int(Int8Engine::OneDnn) ? tr("int8 on oneDNN")
                                                                           : tr("int8 on QNNPACK"));
    }
    m_engineCombo->setToolTip(tr("int8: the model runs on quantized integer operations (8-bit weights per "
                                 "channel and 8-bit activations); its latency is measured on them."));
    m_runButton->setText(tr("Run"));
    m_runButton->setToolTip(runTip);
    m_cancelButton->setText(tr("Cancel"));
    m_cancelButton->setToolTip(cancelTip);
}

} // namespace pare::ui
