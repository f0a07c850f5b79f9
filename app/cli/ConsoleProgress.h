#pragma once

#include "pare/Training.h"

#include <chrono>

namespace pare::cli {

/// A one-line progress bar on stderr, redrawn at most ten times a second, only when stderr is a terminal.
class ConsoleProgress
{
public:
    explicit ConsoleProgress(bool enabled)
        : m_enabled(enabled)
    {
    }
    void update(const TrainProgress& progress);
    /// "[####....] sensitivity 120/540 points": work counted in steps of one kind.
    void update(const char* what, int64_t done, int64_t total, const char* unit);
    /// Ends the line so the next output starts clean.
    void finish();

private:
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_lastDraw {};
};

} // namespace pare::cli
