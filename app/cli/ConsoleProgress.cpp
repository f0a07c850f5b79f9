#include "ConsoleProgress.h"

#include "Format.h"

#include <cstdio>
#include <string>

namespace pare::cli {

void ConsoleProgress::update(const TrainProgress& p)
{
    if (!m_enabled)
        return;
    const auto now = std::chrono::steady_clock::now();
    const bool last = p.epoch == p.epochs && p.batch == p.batches;
    if (m_drawn && !last && now - m_lastDraw < std::chrono::milliseconds(100))
        return;
    m_lastDraw = now;
    m_drawn = true;
    const double done = (double(p.epoch - 1) + double(p.batch) / double(p.batches)) / double(p.epochs);
    constexpr int width = 24;
    const int filled = static_cast<int>(done * width + 0.5);
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::fprintf(stderr, "\r[%s] epoch %d/%d  batch %lld/%lld  loss %.4f  %s img/s  ETA %.0f s   ", bar.c_str(),
                 p.epoch, p.epochs, static_cast<long long>(p.batch), static_cast<long long>(p.batches), p.loss,
                 withThousands(static_cast<int64_t>(p.imagesPerSecond)).c_str(), p.etaSeconds);
    std::fflush(stderr);
}

void ConsoleProgress::update(const char* what, int64_t done, int64_t total, const char* unit)
{
    if (!m_enabled || total <= 0)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (m_drawn && done < total && now - m_lastDraw < std::chrono::milliseconds(100))
        return;
    m_lastDraw = now;
    m_drawn = true;
    constexpr int width = 24;
    const int filled = static_cast<int>(double(done) / double(total) * width + 0.5);
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::fprintf(stderr, "\r[%s] %s %lld/%lld %s   ", bar.c_str(), what, static_cast<long long>(done),
                 static_cast<long long>(total), unit);
    std::fflush(stderr);
}

void ConsoleProgress::finish()
{
    if (m_enabled && m_drawn)
        std::fputc('\n', stderr);
    m_drawn = false;
}

} // namespace pare::cli
