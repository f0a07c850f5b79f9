// Training and inference speed of the engine on the full Fashion-MNIST: one epoch of LeNet-5 at batch 64 (the
// training loop alone), evaluation throughput on the test split, latency at batch 1 and 256, and data loading.
// Prints one JSON line; bench/run.sh runs it under several threading environments beside PyTorch's Python loop.

#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Runtime.h"
#include "pare/Training.h"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv)
{
    pare::reexecWithThreadingEnvironment(argc, argv);
    const int threads = pare::configureThreads(argc > 1 ? std::atoi(argv[1]) : 0);

    pare::DatasetOptions dataOptions;
    dataOptions.validationFraction = 0.0; // all 60,000 training images, as the PyTorch loop uses
    const auto data = pare::Dataset::load("fashion-mnist", dataOptions);

    auto model = pare::Model::fromZoo("lenet5", { 1, 28, 28 }, 10, /*seed=*/0);
    pare::TrainOptions options;
    options.epochs = 1;
    options.batchSize = 64;
    options.validateEachEpoch = false;
    const auto trained = pare::train(model, data, options);
    const auto eval = pare::evaluate(model, data);
    const auto latency = pare::measureLatency(model, { 1, 28, 28 }, /*repeats=*/31);

    const char* omp = std::getenv("OMP_WAIT_POLICY");
    const char* blas = std::getenv("OPENBLAS_NUM_THREADS");
    std::printf("{\"train_images_per_second\": %.1f, \"train_seconds\": %.3f, \"accuracy_after_one_epoch\": %.4f, "
                "\"eval_images_per_second\": %.1f, \"latency_ms_batch1\": %.4f, \"latency_ms_batch256\": %.3f, "
                "\"load_seconds\": %.3f, \"threads\": %d, \"omp_wait_policy\": \"%s\", \"openblas_threads\": \"%s\"}\n",
                trained.imagesPerSecond, trained.trainSeconds, eval.accuracy, eval.imagesPerSecond, latency.batch1Ms,
                latency.batch256Ms, data.info().loadSeconds, threads, omp ? omp : "", blas ? blas : "");
    return 0;
}
