#pragma once

// What the harnesses share: a small memory budget (a forged size must be refused long before libFuzzer's own
// 2 GB limit) and scratch files for the readers that take paths.

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace pare::fuzz {

inline void boundMemory()
{
    static const bool once = (setMemoryBudget(int64_t(256) << 20), true);
    (void)once;
}

inline std::string_view view(const uint8_t* data, size_t size)
{
    return { reinterpret_cast<const char*>(data), size };
}

/// Runs a reader on one input: refusing it (InputError) is the expected outcome for most inputs; anything else
/// escapes to libFuzzer as a finding, as do the sanitizers' reports.
template <typename Read> void expectOnlyRefusals(Read&& read)
{
    try {
        read();
    } catch (const InputError&) {
    }
}

/// Writes `bytes` to a file of this process in /tmp and returns its path.
inline std::string writeScratch(const std::string& name, std::string_view bytes)
{
    const std::string path = "/tmp/pare-fuzz-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

} // namespace pare::fuzz
