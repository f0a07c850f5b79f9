#include "pare/BuildConfig.h"
#include "pare/Runtime.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <opencv2/core/version.hpp>

#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace pare {

int configureThreads(int requested)
{
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = requested > 0 ? requested : cores;
    at::set_num_threads(threads);
    return at::get_num_threads();
}

void reexecWithThreadingEnvironment(int /*argc*/, char** argv)
{
    if (std::getenv("PARE_KEEP_ENV") || std::getenv("PARE_REEXECUTED"))
        return;
    bool changed = false;
    // Busy-waiting OpenMP workers steal the cores that OpenBLAS and the next parallel region need; on a
    // 2-core machine PASSIVE measured fastest (bench/threading). Only when the user has not chosen.
    if (!std::getenv("OMP_WAIT_POLICY")) {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        changed = true;
    }
    if (!changed)
        return;
    ::setenv("PARE_REEXECUTED", "1", 1);
    ::execv("/proc/self/exe", argv);
    // execv only returns on failure: carry on with the environment we have.
}

std::string versionString()
{
    return std::string("Pare ") + PARE_VERSION + ", LibTorch " + TORCH_VERSION + ", OpenCV " + CV_VERSION;
}

} // namespace pare
