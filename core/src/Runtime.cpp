#include "pare/Runtime.h"
#include "pare/BuildConfig.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <opencv2/core/version.hpp>

#include <cstdlib>
#include <thread>
#include <unistd.h>
#include <utility>

namespace pare {

int onlineCpus()
{
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? static_cast<int>(online) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int configureThreads(int requested)
{
    const int cores = onlineCpus();
    const int threads = requested > 0 ? std::min(requested, cores) : cores;
    at::set_num_threads(threads);
    return at::get_num_threads();
}

void reexecWithThreadingEnvironment(int /*argc*/, char** argv)
{
    if (std::getenv("PARE_KEEP_ENV") || std::getenv("PARE_REEXECUTED"))
        return;
    // LibTorch parallelizes with OpenMP, and Debian's OpenBLAS (openblas-pthread) runs its own threads beside
    // them: the two pools fight over the cores, and busy-waiting OpenMP workers make it worse. Measured by
    // bench/run.sh on 2 cores, LeNet-5 training: ~3,600 images/s as LibTorch starts, ~3,900 with PASSIVE alone,
    // ~6,300 with PASSIVE and a single-threaded OpenBLAS (LibTorch's own threads still parallelize each op).
    // Both are read when the libraries load, before main(), hence the re-exec. The user's own choice wins.
    bool changed = false;
    for (const auto& [name, value] :
         { std::pair { "OMP_WAIT_POLICY", "PASSIVE" }, std::pair { "OPENBLAS_NUM_THREADS", "1" } }) {
        if (!std::getenv(name)) {
            ::setenv(name, value, 1);
            changed = true;
        }
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
