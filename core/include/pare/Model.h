#pragma once

#include "pare/Options.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pare {

/// The input contract that travels inside a saved model as the archive's extra file "pare.json".
/// The largest channel count, height or width an input shape may have (a record's or --input-shape's); the
/// memory budget bounds their product.
inline constexpr int64_t kMaxInputDimension = 65536;

struct ModelRecord
{
    std::vector<int64_t> inputShape; ///< [C,H,W]
    std::vector<float> mean;
    std::vector<float> std;
    std::vector<std::string> classes;
    /// False for a model Pare did not save (no pare.json): the data set's statistics then apply.
    bool present = false;
    /// Not stored: for a model without a record, the channels its first convolution reads (0: unknown, or its
    /// first layer is not a convolution). Data is converted to them, keeping its own height and width.
    int64_t firstLayerChannels = 0;
    /// For a model that runs on quantized:: int8 ops: the engine its weights are packed for, set before the file is
    /// loaded. Empty for float models.
    std::optional<Int8Engine> int8Engine;
    /// Which of a model's outputs are its logits when forward returns a tuple, named tuple, list or dict: an index
    /// ("1") or a name ("logits"). Empty: the first tensor. Saved files keep the model's own outputs.
    std::string output;
    /// The layout of the input the model's own files take. Inside Pare every model takes [N,C,H,W]; an ONNX graph
    /// imported with an NHWC input is Nhwc, and the ONNX files Pare writes of it take NHWC again.
    InputLayout layout = InputLayout::Nchw;

    [[nodiscard]] std::string toJson() const;
    /// Throws InputError naming `origin` when the JSON is not a valid record.
    [[nodiscard]] static ModelRecord fromJson(const std::string& json, const std::string& origin);
};

/// One layer that holds weights: a convolution, a linear layer, a normalization.
struct LayerInfo
{
    std::string name; ///< dotted path in the module tree, "features.0"
    std::string type; ///< the module's class name, "Conv2d"
    std::vector<int64_t> weightShape;
    int64_t params = 0; ///< weight and bias (and other parameters) of this layer
    int64_t bytes = 0;  ///< of its parameters and buffers, as stored (fp32: 4 per element)
    int64_t macs = 0;   ///< multiply-accumulates for one input of the inspected shape
};

/// One layer's weight as plain values (for views that draw it): its shape and its values in row-major order.
struct WeightValues
{
    std::vector<int64_t> shape;
    std::vector<float> values;
};

struct ModelSummary
{
    std::string architecture; ///< the top module's class name
    std::vector<int64_t> inputShape;
    int64_t outputs = 0; ///< logits per input
    std::vector<LayerInfo> layers;
    int64_t params = 0;
    int64_t bytes = 0;
    int64_t macs = 0;
};

enum class ModelFormat
{
    TorchScript, ///< the archive torch.jit.save writes: dense fp32 tensors, loads in PyTorch as it is
    Pare,        ///< Pare's compact file: sparse masks, k-bit codebooks, zstd; loads back bit for bit in Pare
    /// ONNX opset 13 from the frozen TorchScript graph (BatchNorm folded, dynamic batch): for other runtimes. Dense
    /// fp32 like TorchScript. Pare reads ONNX (opsets 11 to 17) by translating the graph into TorchScript.
    Onnx
};

/// Bytes of a model in each storage format, each the length of a buffer actually serialized (dense_fp32 is the
/// reference: 4 bytes per parameter).
struct ModelSizes
{
    int64_t denseFp32 = 0;
    int64_t torchScript = 0;
    int64_t pare = 0;
    int64_t onnx = -1; ///< -1 when the graph holds an operation the ONNX exporter does not cover
};

/// A TorchScript module (scripted or traced, from PyTorch or from Pare's zoo) and its input record.
/// Moves are cheap; copies are explicit through clone(), which deep-copies the weights.
class Model
{
public:
    /// Loads a file written by torch.jit.save, a .pare file, or an ONNX graph (.onnx, translated into a TorchScript
    /// module with trainable layers). Throws InputError for anything else (a pickled state_dict, a truncated
    /// archive, an ONNX operator outside the covered list, a directory...), naming the file and the problem.
    [[nodiscard]] static Model load(const std::string& path);
    /// "lenet5", "lenet300", "resnet8", optionally "@W" to scale hidden widths ("lenet5@0.5").
    /// inputShape and classes may be empty for the architecture's defaults.
    [[nodiscard]] static Model fromZoo(const std::string& spec,
                                       const std::vector<int64_t>& inputShape = {},
                                       int64_t classes = 0,
                                       uint64_t seed = 0);
    [[nodiscard]] static std::vector<std::string> zooNames();
    /// True when `spec` names a zoo architecture rather than a file.
    [[nodiscard]] static bool isZooSpec(const std::string& spec);
    /// True when a model argument builds a zoo architecture: it names one and no file of that name exists.
    [[nodiscard]] static bool namesZooModel(const std::string& spec);
    /// What a model argument names, for the command line, recipes and the studio alike: an existing file is loaded;
    /// a zoo name builds a fresh architecture for `inputShape` and `classes` (empty, 0: its defaults); anything else
    /// is refused, naming the argument ("no such file, and not a zoo architecture").
    [[nodiscard]] static Model
    open(const std::string& spec, const std::vector<int64_t>& inputShape = {}, int64_t classes = 0, uint64_t seed = 0);

    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    ~Model();

    [[nodiscard]] Model clone() const;

    /// The bytes save() puts on disk: for TorchScript, the archive torch.jit.save would write, with pare.json added.
    [[nodiscard]] std::string serialize(ModelFormat format = ModelFormat::TorchScript) const;
    /// Writes atomically (temporary file, then rename) in the format the extension names (".pare", ".onnx", else
    /// TorchScript);
    /// refuses an existing file unless overwrite. Returns the file's size on disk.
    int64_t save(const std::string& path, bool overwrite = false) const;
    [[nodiscard]] static ModelFormat formatForPath(const std::string& path);

    [[nodiscard]] const ModelRecord& record() const;
    /// Replaces the record; an output selection the new record does not name is kept.
    void setRecord(const ModelRecord& record);
    /// Names which output is the logits (ModelRecord::output), leaving the rest of the record as it is.
    void selectOutput(const std::string& output);
    /// Where the model came from: a file path or a zoo spec.
    [[nodiscard]] const std::string& origin() const;

    /// Every layer with weights, with parameters, bytes and multiply-accumulates measured by running
    /// one input of inputShape (empty: the record's shape) through the model.
    [[nodiscard]] ModelSummary inspect(const std::vector<int64_t>& inputShape = {}) const;
    [[nodiscard]] int64_t parameterCount() const;
    /// The weight of the conv or linear layer at `layer` (a dotted path, as in ModelSummary). Throws InputError when
    /// the model has no such layer.
    [[nodiscard]] WeightValues layerWeight(const std::string& layer) const;
    /// Parameters that are not exactly zero (pruning zeroes weights without removing them).
    [[nodiscard]] int64_t nonzeroParameterCount() const;

    struct Impl;
    Impl& impl() const { return *m_impl; }

private:
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// Serializes `model` in every format and measures each.
[[nodiscard]] ModelSizes measureSizes(const Model& model);

/// The bundled LeNet-5 trained on Fashion-MNIST, from the source tree or the install prefix; empty if absent.
[[nodiscard]] std::string bundledModelPath();

} // namespace pare
