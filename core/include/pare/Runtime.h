#pragma once

#include <string>

namespace pare {

/// The CPUs online now (at least 1).
[[nodiscard]] int onlineCpus();

/// Sets LibTorch's intra-op threads: `requested` if > 0 (at most onlineCpus(): more only make the threads fight),
/// else the machine's cores. Returns the count in use.
int configureThreads(int requested = 0);

/// libgomp reads OMP_WAIT_POLICY when it is loaded, before main(). When the environment lacks the
/// settings Pare measured as fastest (see bench/), this sets them and re-executes the program, so
/// that a user who runs `pare` directly gets them. Returns only when nothing needed changing (or the
/// re-exec failed). PARE_KEEP_ENV=1 disables it, for measuring the defaults.
void reexecWithThreadingEnvironment(int argc, char** argv);

/// "Pare 0.1.0, LibTorch 1.13.0, OpenCV 4.6.0".
[[nodiscard]] std::string versionString();

} // namespace pare
