// Snapshots must cost a small share of the step they measure: a big model (torchvision's ConvNeXt-Tiny, 28M
// parameters) at 3x32x32 with 5,000 training images, one epoch of fine-tuning against one snapshot (accuracy, the
// bytes of every format actually serialized, latency capped by time). Prints one Markdown row per round.
//
//   bench_snapshot_cost MODEL.pt [ROUNDS]

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Pipeline.h"
#include "pare/Training.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

namespace {

double secondsOf(const std::function<void()>& work)
{
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    using namespace pare;
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_snapshot_cost MODEL.pt [ROUNDS]\n");
        return 2;
    }
    const int rounds = argc > 2 ? std::stoi(argv[2]) : 2;
    DatasetOptions options;
    options.inputShape = { 3, 32, 32 };
    options.trainLimit = 5000;
    options.testLimit = 1000;
    const auto data = Dataset::load("fashion-mnist", options);
    auto model = Model::load(argv[1]);
    std::printf("| round | one-epoch fine-tune | snapshot | share |\n|---|---|---|---|\n");
    for (int round = 1; round <= rounds; ++round) { // alternating, on this noisy machine
        TrainOptions train;
        train.epochs = 1;
        train.validateEachEpoch = false;
        const double trainSeconds = secondsOf([&] { (void)pare::train(model, data, train); });
        const double snapshotSeconds = secondsOf([&] { (void)takeSnapshot(model, data, "bench"); });
        std::printf("| %d | %.1f s | %.1f s | %.1f%% |\n", round, trainSeconds, snapshotSeconds,
                    100.0 * snapshotSeconds / trainSeconds);
        std::fflush(stdout);
    }
    return 0;
}
