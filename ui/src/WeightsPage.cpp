#include "pare/ui/WeightsPage.h"

#include "pare/ui/WeightView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace pare::ui {

WeightsJob::WeightsJob(QObject* parent)
    : BackgroundJob(parent)
{
    qRegisterMetaType<pare::ui::WeightsResult>();
}

WeightsJob::~WeightsJob()
{
    stopAndWait();
}

bool WeightsJob::start(const WeightsRequest& request)
{
    return launch([this, request] {
        WeightsResult result;
        result.request = request;
        if (!m_baseline || QString::fromStdString(m_baseline->origin()) != request.model)
            m_baseline.emplace(Model::open(request.model.toStdString(), request.inputShape, request.classes));
        result.before = m_baseline->layerWeight(request.layer.toStdString());
        if (!request.runModel.isEmpty()) {
            if (!m_run || QString::fromStdString(m_run->origin()) != request.runModel)
                m_run.emplace(Model::load(request.runModel.toStdString()));
            result.after = m_run->layerWeight(request.layer.toStdString());
        }
        emit loaded(result);
    });
}

WeightsPage::WeightsPage(QWidget* parent)
    : QWidget(parent)
    , m_job(new WeightsJob(this))
{
    setObjectName(QStringLiteral("weightsPage"));
    auto* layout = new QVBoxLayout(this);
    auto* row = new QHBoxLayout;
    m_layerLabel = new QLabel(this);
    m_layerCombo = new QComboBox(this);
    m_layerCombo->setObjectName(QStringLiteral("weightLayerCombo"));
    row->addWidget(m_layerLabel);
    row->addWidget(m_layerCombo);
    row->addStretch(1);
    layout->addLayout(row);
    m_view = new WeightView(this);
    layout->addWidget(m_view, 1);

    connect(m_layerCombo, &QComboBox::currentIndexChanged, this, &WeightsPage::request);
    connect(m_job, &WeightsJob::loaded, this, [this](const WeightsResult& result) {
        // Only the latest choice is drawn; an older answer would flash the wrong layer.
        if (!m_pending && result.request.layer == m_layerCombo->currentText())
            m_view->show(result.request.runId >= 0
                             ? tr("%1, run %2").arg(result.request.layer).arg(result.request.runId)
                             : result.request.layer,
                         result.before, result.after);
    });
    connect(m_job, &WeightsJob::failed, this, [this](const QString& message) {
        m_view->clear();
        emit failed(message);
    });
    // The next waiting request starts when the job's thread is done with the last one.
    connect(m_job, &WeightsJob::ended, this, [this] {
        if (m_pending) {
            const auto next = *m_pending;
            m_pending.reset();
            m_job->start(next);
        }
    });
}

void WeightsPage::setLayers(const ModelSummary& summary)
{
    const QSignalBlocker block(m_layerCombo);
    m_layerCombo->clear();
    for (const auto& layer : summary.layers)
        if (layer.weightShape.size() >= 2)
            m_layerCombo->addItem(QString::fromStdString(layer.name));
}

void WeightsPage::setSource(const QString& model, const DatasetInfo& data, const QString& runModel, int runId)
{
    m_source.model = model;
    m_source.inputShape = data.sampleShape;
    m_source.classes = static_cast<int64_t>(data.classNames.size());
    m_source.runModel = runModel;
    m_source.runId = runModel.isEmpty() ? -1 : runId;
    request();
}

void WeightsPage::request()
{
    auto next = m_source;
    next.layer = m_layerCombo->currentText();
    if (next.layer.isEmpty() || next.model.isEmpty())
        return;
    if (m_job->isRunning())
        m_pending = next;
    else
        m_job->start(next);
}

void WeightsPage::retranslate()
{
    m_layerLabel->setText(tr("Layer:"));
    m_view->retranslate();
}

} // namespace pare::ui
