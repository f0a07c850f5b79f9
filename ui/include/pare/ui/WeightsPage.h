#pragma once

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/ui/BackgroundJob.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;

namespace pare::ui {

class WeightView;

/// What the weights page asks for: one layer of the workspace's model, and of a run's compressed model if any.
struct WeightsRequest
{
    QString model;                   ///< the workspace's model spec (file or zoo name)
    std::vector<int64_t> inputShape; ///< for a zoo model: the data's sample shape
    int64_t classes = 0;
    QString runModel; ///< the run's compressed model file; empty: none
    int runId = -1;
    QString layer;
};

struct WeightsResult
{
    WeightsRequest request;
    WeightValues before;
    WeightValues after; ///< empty without a run
};

/// Loads the models the weights page shows and reads one layer of each, off the GUI thread (a .pare takes tens of
/// milliseconds to decode, a model file can be large). The models are kept between requests on the job's thread.
class WeightsJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WeightsJob)

public:
    explicit WeightsJob(QObject* parent = nullptr);
    ~WeightsJob() override;
    bool start(const WeightsRequest& request);

signals:
    void loaded(const pare::ui::WeightsResult& result);

private:
    std::optional<Model> m_baseline; ///< touched only on the job's thread
    std::optional<Model> m_run;
};

/// The Weights tab: a layer chooser over WeightView, fed by a WeightsJob. A request made while one is loading
/// replaces any request still waiting, so the page always ends on the latest choice.
class WeightsPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WeightsPage)

public:
    explicit WeightsPage(QWidget* parent = nullptr);

    /// The layers with weights that the chooser offers (a new model).
    void setLayers(const ModelSummary& summary);
    /// The model and run to show: the current layer of each is loaded.
    void setSource(const QString& model, const DatasetInfo& data, const QString& runModel, int runId);
    [[nodiscard]] WeightView* view() const { return m_view; }
    void retranslate();

signals:
    /// A model could not be read; the view was cleared.
    void failed(const QString& message);

private:
    void request();

    QComboBox* m_layerCombo = nullptr;
    QLabel* m_layerLabel = nullptr;
    WeightView* m_view = nullptr;
    WeightsJob* m_job = nullptr;
    WeightsRequest m_source;
    std::optional<WeightsRequest> m_pending;
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::ui::WeightsResult)
