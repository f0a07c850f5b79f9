#pragma once

#include "pare/Cancel.h"
#include "pare/Options.h"
#include "pare/Training.h"

#include <cstdint>
#include <map>
#include <optional>
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
    /// Uniform: affine levels between the minimum and maximum, with zero exactly representable;
    /// Symmetric: levels symmetric around zero, scale from the largest magnitude;
    /// KMeans: a codebook of 2^bits centroids per layer (Deep Compression's weight sharing).
    QuantScheme scheme = QuantScheme::Uniform;
    /// Separate levels for every output channel (uniform and symmetric).
    bool perChannel = false;
    /// Mixed precision: bit-widths for named layers (dotted paths, as in ModelSummary); the others use `bits`.
    /// 32 leaves a layer as it is.
    std::map<std::string, int> layerBits;
    /// Uniform: every layer on `bits` (or its layerBits); Sensitivity: measure each layer's accuracy at 8, 6, 4, 3
    /// and 2 bits (analyzeSensitivity) and give each layer the bit-width that keeps the average over all weights at
    /// most `bits` with the least predicted loss (allocateBits).
    Allocation allocate = Allocation::Uniform;
    /// With Allocation::Sensitivity: the average bits per weight to reach, which may lie between integers (2.5);
    /// 0 means `bits`.
    double averageBits = 0.0;
    /// Activations: 32 leaves them in float; 1..8 puts every activation (the input, each conv and linear output after
    /// the BatchNorm and ReLU that follow it, each tensor sum and concatenation) on 2^k levels, one scale and zero
    /// point per tensor, calibrated on `calibrationImages` training images. Fine-tuning then trains through them with
    /// the straight-through estimator.
    int activationBits = 32;
    /// How the clipping range of each activation is chosen from the calibration images: MinMax (all of it),
    /// Percentile (`percentile` and 100 - `percentile` of the values), Mse (the range whose k-bit rounding and
    /// clipping error is smallest).
    Calibration calibration = Calibration::MinMax;
    double percentile = 99.99;
    int64_t calibrationImages = 1024;
    /// After quantization (and fine-tuning), lower the model to quantized:: int8 ops packed for this engine, which
    /// then runs evaluation, latency and the TorchScript file. Needs what forEngine() sets. Empty: stay in float.
    std::optional<Int8Engine> engine;
    /// Also round the biases of the quantized layers to fp16, after fine-tuning. .pare keeps biases in its embedded
    /// archive as fp32, where fp16 numbers zstd-compress to about two thirds (LeNet-5's 580 biases alone: 2,194 ->
    /// 1,534 bytes; its 99%-pruned 2-bit file: 11,833 -> 11,139 bytes); the largest change of a bias was 1.2e-4. On
    /// the dense 4-bit LeNet-5 the whole file came out 1,440 bytes larger (zstd's parse of the weight blobs after
    /// the archive changed): an option for small files, which the search measures. Not with an int8 engine.
    bool biasFp16 = false;
    /// Fine-tuning with the weights kept on their levels after every step (k-means: the centroids move to the mean of
    /// their weights; uniform and symmetric: the weights snap back to the fixed levels). 0 = post-training only.
    TrainOptions finetune = [] {
        TrainOptions options;
        options.epochs = 0;
        options.learningRate = 0.002;
        return options;
    }();

    /// `options` with what the int8 engine runs: 8-bit symmetric per-channel weights and 8-bit activations, on
    /// `engine`. The command line, recipes and the studio take these implied settings from here.
    [[nodiscard]] static QuantizeOptions forEngine(Int8Engine engine, QuantizeOptions options)
    {
        options.engine = engine;
        options.bits = 8;
        options.scheme = QuantScheme::Symmetric;
        options.perChannel = true;
        options.activationBits = 8;
        return options;
    }
    [[nodiscard]] static QuantizeOptions forEngine(Int8Engine engine) { return forEngine(engine, QuantizeOptions {}); }
};

struct LayerQuantization
{
    std::string name;
    int bits = 32;
    int64_t weights = 0;
    int64_t distinctValues = 0; ///< distinct weight values now in the layer (at most 2^bits, per channel if asked)
    double maxAbsError = 0.0;   ///< largest |w - q(w)| when quantized, before any fine-tuning
};

/// One quantized activation: where it is, its calibrated clipping range and the levels that cover it.
struct ActivationQuantization
{
    std::string name; ///< "input", the layer it leaves ("conv1", "layer1.0.bn2+relu"), or the operation ("add#1")
    int bits = 8;
    double low = 0.0, high = 0.0; ///< the clipping range the calibration chose
    double scale = 1.0;
    int64_t zeroPoint = 0;
};

/// One quantized:: operation of an int8 model, as its graph holds it.
struct Int8Operation
{
    std::string op;                   ///< "quantized::conv2d_relu", "quantized::linear", "aten::quantize_per_tensor"...
    std::string weightType;           ///< "QInt8" for packed weights; empty for operations without weights
    std::vector<int64_t> weightShape; ///< of the packed weight
};

struct QuantizeResult
{
    std::vector<LayerQuantization> layers; ///< with the bit-width each got (allocated ones included)
    std::vector<ActivationQuantization> activations;
    TrainResult finetune;
    /// With an int8 engine: the share of test images on which the int8 module's top-1 class is the fake-quantized
    /// float model's (-1 without an engine or test images), and how many of the model's convolutions became
    /// quantized:: ones (operations without an int8 kernel stay float between dequantize and quantize).
    double int8Agreement = -1.0;
    int64_t loweredConvolutions = 0;
    int64_t convolutions = 0;
};

/// Quantizes `model`'s weights in place. `data` is needed only when fine-tuning (finetune.epochs > 0).
[[nodiscard]] QuantizeResult quantizeWeights(Model& model,
                                             const Dataset& data,
                                             const QuantizeOptions& options,
                                             const TrainProgressCallback& progress = {},
                                             const CancelFlag* cancel = nullptr);

/// The quantized:: operations `model` runs on; empty for a float model.
[[nodiscard]] std::vector<Int8Operation> int8Operations(const Model& model);

/// The int8 engines this LibTorch has, of those Pare lowers to.
[[nodiscard]] std::vector<Int8Engine> int8Engines();

} // namespace pare
