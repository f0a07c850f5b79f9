#pragma once

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Pipeline.h"
#include "pare/Recipe.h"
#include "pare/ui/BackgroundJob.h"

#include <QImage>
#include <QString>
#include <QVector>

namespace pare::ui {

/// What the studio shows of a model and a data set: plain values, made on the job's thread.
struct Workspace
{
    int request = 0; ///< which LoadJob::start made it: the window shows only its latest request's workspace
    QString model;   ///< file path or zoo spec
    QString data;    ///< data set spec
    ModelSummary summary;
    qint64 fileBytes = 0; ///< 0 for a zoo architecture
    bool hasRecord = false;
    /// The file has no record; it reads the data as the user said in ModelInputsDialog (remembered per file).
    bool inputsFromStudio = false;
    DatasetInfo dataInfo;
    QVector<QImage> samples; ///< a few test images, one or more per class
    QVector<int> sampleLabels;
    /// The model as loaded, measured like every run's first snapshot: the chart's reference point.
    Snapshot baseline;
};

/// A model file without a record and no inputs remembered for it: what the window asks before it is evaluated.
struct InputsRequest
{
    int request = 0;
    QString model;
    QString data;
    ModelRecord proposal; ///< the data's size at the model's first-layer channels, its statistics and classes
};

/// Loads and inspects a model and its data set off the GUI thread (Fashion-MNIST alone takes about 1.4 s).
class LoadJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoadJob)

public:
    explicit LoadJob(QObject* parent = nullptr);
    ~LoadJob() override;
    /// Loads on the job's thread; `request` comes back in the workspace. A cancelled load reports nothing.
    bool start(int request, const QString& model, const QString& data);

signals:
    void loaded(const pare::ui::Workspace& workspace);
    void inputsNeeded(const pare::ui::InputsRequest& request);
};

/// The workspace the window asked for last, loaded on a LoadJob without blocking: asking for another while one
/// loads cancels that one, drops its result if it still comes, and starts the newest request once the job is free.
class WorkspaceLoader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WorkspaceLoader)

public:
    explicit WorkspaceLoader(QObject* parent = nullptr);
    void load(const QString& model, const QString& data);
    /// Asked, on the GUI thread, when a model file without a record has no inputs remembered: true when the user
    /// said them (ModelInputsDialog remembers them), and the load starts again with them.
    void setInputsQuestion(std::function<bool(const InputsRequest&)> question) { m_askInputs = std::move(question); }
    /// A load was asked for and neither its workspace nor its failure has arrived.
    [[nodiscard]] bool isLoading() const { return m_loading; }
    /// Cancels and waits: for shutdown.
    void stopAndWait();

signals:
    void loaded(const pare::ui::Workspace& workspace);
    /// Nothing was loaded: the user did not say what the model file takes.
    void declined(const QString& model);
    void failed(const QString& message);

private:
    LoadJob* m_job = nullptr;
    int m_request = 0; ///< the latest request; older workspaces are dropped
    bool m_loading = false;
    bool m_pending = false; ///< the latest request waits for the job to end
    QString m_model, m_data;
    std::function<bool(const InputsRequest&)> m_askInputs;
};

struct CompressionParams
{
    int runId = 0;
    QString model;
    QString data;
    Recipe recipe;
    /// Where the compressed model is written (.pare) for inspection and export; empty: not kept.
    QString saveTo;
    int threads = 0;
};

struct CompressionResult
{
    int runId = 0;
    bool cancelled = false;
    double seconds = 0.0;
    QString savedModel; ///< the file written, empty if none
};

/// One compression run (pare::runPipeline) on the job's thread: progress and every snapshot arrive as signals while
/// it trains; cancel() stops it within one batch.
class CompressionJob final : public BackgroundJob
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CompressionJob)

public:
    explicit CompressionJob(QObject* parent = nullptr);
    ~CompressionJob() override;
    bool start(const CompressionParams& params);

signals:
    void progressed(int runId, const pare::PipelineProgress& progress);
    void snapshotReady(int runId, const pare::Snapshot& snapshot);
    void finished(const pare::ui::CompressionResult& result);

private:
    void run(const CompressionParams& params);
};

} // namespace pare::ui

Q_DECLARE_METATYPE(pare::ui::Workspace)
Q_DECLARE_METATYPE(pare::ui::InputsRequest)
Q_DECLARE_METATYPE(pare::PipelineProgress)
Q_DECLARE_METATYPE(pare::Snapshot)
Q_DECLARE_METATYPE(pare::ui::CompressionResult)
