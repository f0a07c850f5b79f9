#include "pare/ui/BackgroundJob.h"

#include <exception>

namespace pare::ui {

BackgroundJob::BackgroundJob(QObject* parent)
    : QObject(parent)
{
}

BackgroundJob::~BackgroundJob()
{
    stopAndWait();
}

void BackgroundJob::stopAndWait()
{
    cancel();
    wait();
}

void BackgroundJob::cancel()
{
    m_cancel.request();
}

bool BackgroundJob::isRunning() const
{
    return m_busy;
}

bool BackgroundJob::wait(QDeadlineTimer deadline)
{
    return !m_thread || m_thread->wait(deadline);
}

bool BackgroundJob::launch(std::function<void()> work)
{
    if (isRunning())
        return false;
    wait(); // a finished thread may still be returning from run()
    m_cancel.reset();
    m_busy = true;
    m_thread.reset(QThread::create([this, work = std::move(work)] {
        // Nothing torch-shaped crosses threads: the engine's exceptions become one readable line here.
        try {
            work();
        } catch (const std::exception& e) {
            emit failed(QString::fromStdString(e.what()));
        }
        m_busy = false;
        emit ended();
    }));
    m_thread->start();
    emit started();
    return true;
}

} // namespace pare::ui
