// Structured pruning must make models faster, not only smaller: each MODEL is pruned by filters at RATIO (no
// fine-tuning: latency does not depend on the weights' values) and both models run at batch 32 on 3x224x224 input,
// interleaved round by round on this noisy machine. Prints one Markdown row per model: parameters, the median and
// range of each model's latency, and the speed-up of each round.
//
//   bench_pruning_latency NAME=MODEL.pt:RATIO:TARGET ...

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Pruning.h"
#include "pare/Training.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Range
{
    double median, low, high;
};

Range rangeOf(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return { values[values.size() / 2], values.front(), values.back() };
}

} // namespace

int main(int argc, char** argv)
{
    using namespace pare;
    const std::vector<int64_t> shape { 3, 224, 224 };
    constexpr int64_t kBatch = 32;
    constexpr int kRounds = 5;
    // Which channels go does not depend on the resolution: the analysis runs at 32x32 (Fashion-MNIST converted to
    // 224x224 would need the whole set in memory first, 36 GB; real-size data is another issue's work).
    DatasetOptions dataOptions;
    dataOptions.inputShape = { 3, 32, 32 };
    dataOptions.trainLimit = 16;
    dataOptions.testLimit = 16;
    const auto data = Dataset::load("fashion-mnist", dataOptions);
    std::printf(
        "| model | filters removed | parameters | latency b32, unpruned | latency b32, pruned | speed-up | target |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('='), c1 = arg.rfind(':', arg.rfind(':') - 1), c2 = arg.rfind(':');
        const auto name = arg.substr(0, eq), path = arg.substr(eq + 1, c1 - eq - 1);
        const double ratio = std::stod(arg.substr(c1 + 1, c2 - c1 - 1)), target = std::stod(arg.substr(c2 + 1));
        const auto original = Model::load(path);
        auto pruned = Model::load(path);
        PruneOptions options;
        options.method = PruneMethod::Filters;
        options.ratio = ratio;
        options.finetune.epochs = 0;
        (void)prune(pruned, data, options);
        std::vector<double> before, after, speedups;
        for (int round = 0; round < kRounds; ++round) {
            auto a = rangeOf(latencySamplesMs(original, shape, kBatch, 3)).median;
            auto b = rangeOf(latencySamplesMs(pruned, shape, kBatch, 3)).median;
            before.push_back(a);
            after.push_back(b);
            speedups.push_back(a / b);
        }
        const auto a = rangeOf(before), b = rangeOf(after), s = rangeOf(speedups);
        std::printf("| %s | %.0f %% | %lld -> %lld | %.0f ms (%.0f-%.0f) | %.0f ms (%.0f-%.0f) | %.2fx (%.2f-%.2f) | "
                    "%.1fx: %s |\n",
                    name.c_str(), ratio * 100, static_cast<long long>(original.parameterCount()),
                    static_cast<long long>(pruned.parameterCount()), a.median, a.low, a.high, b.median, b.low, b.high,
                    s.median, s.low, s.high, target, s.median >= target ? "met" : "not met");
        std::fflush(stdout);
    }
    return 0;
}
