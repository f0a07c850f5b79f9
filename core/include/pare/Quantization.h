#pragma once

#include "pare/Cancel.h"
#include "pare/Training.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pare {

class Dataset;
class Model;

/// Weight quantization of convolution and linear layers (every "weight" with two or more dimensions), simulated in
/// fp32: each weight is replaced by the nearest of its layer's 2^bits levels, so accuracy is that of the quantized
/// model. Exact zeros (pruned weights) stay zero in every scheme.
struct QuantizeOptions
{
    /// 1..8 for integer levels, 16 for fp16 storage, 32 for none.
    int bits = 8;
    /// "uniform": affine levels between the minimum and maximum, with zero exactly representable;
    /// "symmetric": levels symmetric around zero, scale from the largest magnitude;
    /// "kmeans": a codebook of 2^bits centroids per layer (Deep Compression's weight sharing).
    std::string scheme = "uniform";
    /// Separate levels for every output channel (uniform and symmetric).
    bool perChannel = false;
    /// Mixed precision: bit-widths for named layers (dotted paths, as in ModelSummary); the others use `bits`.
    /// 32 leaves a layer as it is.
    std::map<std::string, int> layerBits;
    /// Fine-tuning with the weights kept on their levels after every step (k-means: the centroids move to the mean of
    /// their weights; uniform and symmetric: the weights snap back to the fixed levels). 0 = post-training only.
    TrainOptions finetune = [] {
        TrainOptions options;
        options.epochs = 0;
        options.learningRate = 0.002;
        return options;
    }();
};

struct LayerQuantization
{
    std::string name;
    int bits = 32;
    int64_t weights = 0;
    int64_t distinctValues = 0; ///< distinct weight values now in the layer (at most 2^bits, per channel if asked)
    double maxAbsError = 0.0;   ///< largest |w - q(w)| when quantized, before any fine-tuning
};

struct QuantizeResult
{
    std::vector<LayerQuantization> layers;
    TrainResult finetune;
};

/// Quantizes `model`'s weights in place. `data` is needed only when fine-tuning (finetune.epochs > 0).
[[nodiscard]] QuantizeResult quantizeWeights(Model& model, const Dataset& data, const QuantizeOptions& options,
                                             const TrainProgressCallback& progress = {},
                                             const CancelFlag* cancel = nullptr);

} // namespace pare
