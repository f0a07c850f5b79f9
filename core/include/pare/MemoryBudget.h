#pragma once

// One memory budget for the whole process: every size a file or an option claims is checked against it before
// anything that large is allocated, so a forged header is refused with a message instead of taking the machine.
// Torch-free: the parsers that check sizes compile without LibTorch (and are fuzzed without it).

#include <cstdint>
#include <string>
#include <vector>

namespace pare {

/// Physical memory, or the cgroup's limit where one is set and smaller (a container, a Slurm job).
[[nodiscard]] int64_t availableMemoryBytes();

/// The default budget: this share of availableMemoryBytes().
inline constexpr double kDefaultMemoryBudgetShare = 0.5;

/// The budget in bytes: set by setMemoryBudget, else kDefaultMemoryBudgetShare of availableMemoryBytes().
[[nodiscard]] int64_t memoryBudget();
/// Sets the budget (bytes > 0); 0 restores the default.
void setMemoryBudget(int64_t bytes);

/// "1.5G", "800M", "65536K" or plain bytes as a byte count; nullopt-like -1 for anything else (negative, NaN,
/// fractions of a byte, unknown suffixes).
[[nodiscard]] int64_t parseByteSize(const std::string& text);

/// "1.5 GB", "800 MB", "12 KB" or "512 bytes", for messages.
[[nodiscard]] std::string describeBytes(int64_t bytes);

/// Throws InputError "`source`: `what` would need N GB, over the memory budget of M GB" when `bytes` is negative or
/// exceeds the budget.
void requireWithinBudget(const std::string& source, const std::string& what, int64_t bytes);

/// Multiplies sizes without overflow: -1 when the product passes 2^62 or a factor is negative.
[[nodiscard]] int64_t checkedProduct(const std::vector<int64_t>& factors);

} // namespace pare
