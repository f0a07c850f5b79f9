#pragma once

#include <atomic>

namespace pare {

/// Shared between the thread that runs a long job and the thread that may stop it.
/// The job polls it before every batch, so a request made during batch k lets at most batch k+1 start.
class CancelFlag
{
public:
    void request() noexcept { m_requested.store(true, std::memory_order_relaxed); }
    void reset() noexcept { m_requested.store(false, std::memory_order_relaxed); }
    [[nodiscard]] bool isRequested() const noexcept { return m_requested.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_requested { false };
};

} // namespace pare
