#include "pare/MemoryBudget.h"

#include "pare/Error.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace pare {
namespace {

std::atomic<int64_t> gBudget { 0 };

/// cgroup v2's memory.max for this process's group ("max" or missing: no limit, -1).
int64_t cgroupLimit()
{
    std::ifstream in("/sys/fs/cgroup/memory.max");
    std::string text;
    if (!(in >> text) || text == "max")
        return -1;
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    return *end == '\0' && value > 0 ? value : -1;
}

} // namespace

int64_t availableMemoryBytes()
{
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    int64_t bytes = pages > 0 && pageSize > 0 ? int64_t(pages) * pageSize : int64_t(4) << 30;
    const int64_t limit = cgroupLimit();
    if (limit > 0 && limit < bytes)
        bytes = limit;
    return bytes;
}

int64_t memoryBudget()
{
    const int64_t set = gBudget.load();
    return set > 0 ? set : int64_t(double(availableMemoryBytes()) * kDefaultMemoryBudgetShare);
}

void setMemoryBudget(int64_t bytes)
{
    gBudget.store(bytes > 0 ? bytes : 0);
}

int64_t parseByteSize(const std::string& text)
{
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.'))
        return -1;
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    const std::string suffix(end);
    double scale = 0;
    if (suffix.empty() || suffix == "B")
        scale = 1;
    else if (suffix == "K" || suffix == "KB" || suffix == "k")
        scale = 1024.0;
    else if (suffix == "M" || suffix == "MB")
        scale = 1024.0 * 1024;
    else if (suffix == "G" || suffix == "GB")
        scale = 1024.0 * 1024 * 1024;
    else if (suffix == "T" || suffix == "TB")
        scale = 1024.0 * 1024 * 1024 * 1024;
    const double bytes = number * scale;
    if (scale == 0 || !std::isfinite(bytes) || bytes < 1 || bytes > 9.0e18 || bytes != std::floor(bytes))
        return -1;
    return int64_t(bytes);
}

std::string describeBytes(int64_t bytes)
{
    char text[64];
    const double value = double(bytes);
    if (bytes >= (int64_t(1) << 30))
        std::snprintf(text, sizeof text, "%.1f GB", value / double(int64_t(1) << 30));
    else if (bytes >= (int64_t(1) << 20))
        std::snprintf(text, sizeof text, "%.1f MB", value / double(int64_t(1) << 20));
    else if (bytes >= 1024)
        std::snprintf(text, sizeof text, "%.0f KB", value / 1024.0);
    else
        std::snprintf(text, sizeof text, "%lld bytes", static_cast<long long>(bytes));
    return text;
}

void requireWithinBudget(const std::string& source, const std::string& what, int64_t bytes)
{
    const int64_t budget = memoryBudget();
    if (bytes < 0)
        throw inputError(source,
                         what
                             + " would need more memory than this machine can address, over the memory "
                               "budget of "
                             + describeBytes(budget));
    if (bytes > budget)
        throw inputError(source,
                         what + " would need " + describeBytes(bytes) + ", over the memory budget of "
                             + describeBytes(budget));
}

int64_t checkedProduct(const std::vector<int64_t>& factors)
{
    constexpr int64_t kLimit = int64_t(1) << 62;
    int64_t product = 1;
    for (const int64_t f : factors) {
        if (f < 0)
            return -1;
        if (f != 0 && product > kLimit / f)
            return -1;
        product *= f;
    }
    return product;
}

} // namespace pare
