#pragma once

// The torch side of pare::Model, whose public header hides LibTorch, and the helpers every torch file of core uses
// to run a module and read its weights. Only core/src includes this.

#include "pare/Model.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pare {

struct Model::Impl
{
    /// The float model: what training, pruning, statistics, .pare and ONNX work on. After an int8 quantize step it
    /// holds fake-quantize nodes that mark every activation's scale and zero point.
    torch::jit::Module module;
    /// The same model lowered to quantized:: ops for an int8 engine (record.int8Engine): what evaluation, latency
    /// and the TorchScript file use. Empty for float models.
    std::optional<torch::jit::Module> int8;
    ModelRecord record;
    std::string origin;
};

/// The module that runs the model: the int8 one when the model has one, else the float one.
inline torch::jit::Module& executable(Model::Impl& model)
{
    return model.int8 ? *model.int8 : model.module;
}

/// Refuses a loaded module any of whose tensors (attributes of every submodule, parameters and buffers among them,
/// and the constants of its code) reaches past its storage: LibTorch 1.13 does not check at load that a storage
/// record is as long as the tensors built on it, and one cut short would then be read past its end.
void requireTensorsWithinStorage(const torch::jit::Module& module, const std::string& path);

/// Refuses a model with a NaN or infinite parameter, naming the first such layer, before an algorithm that would
/// stall on it (k-means, magnitude thresholds, sensitivity searches) starts: `what` is the step ("quantized").
void requireFiniteWeights(const Model::Impl& model, const std::string& what);

/// Refuses to train a model whose int8 module would then disagree with its float weights.
void requireFloatModel(const Model::Impl& model, const std::string& what);

/// Batch size for inference passes over small images: LeNet-5's teacher pass over Fashion-MNIST took 4.4 s at 256
/// and 11.6 s at 512 on 2 cores (the larger batch's activations fall out of cache).
constexpr int64_t kInferenceBatch = 256;
/// At most this many input values in one inference batch: 32 images of 3x224x224. A network's activations grow
/// with its input: mobilenet_v2 (width 0.5) at 224 pixels has activations of 48x112x112 values per image, 616 MB
/// each at batch 256, and a streamed epoch on it peaked at 2.66 GB with evaluations at 256.
constexpr int64_t kMostInferenceValues = 32 * 3 * 224 * 224;

/// The inference batch for images of `valuesPerImage` values (C*H*W): kInferenceBatch up to 18,816 values (3x79x79),
/// fewer above (32 at 3x224x224, 4 at 3x640x640), at least 1.
[[nodiscard]] constexpr int64_t inferenceBatchFor(int64_t valuesPerImage)
{
    return valuesPerImage <= 0 ? kInferenceBatch
                               : std::clamp<int64_t>(kMostInferenceValues / valuesPerImage, 1, kInferenceBatch);
}

/// The logits among a model's outputs: the output itself, or, of a tuple, named tuple, list or dict, the one
/// `selection` names (an index or a field or key name; ModelRecord::output), else the first tensor (GoogLeNet's
/// scripted forward returns (logits, aux2, aux1), the auxiliary heads None in eval mode). A selection that names
/// no tensor is an OutputSelectionError; no tensor at all is a c10::Error.
class OutputSelectionError : public InputError
{
public:
    using InputError::InputError;
};

inline torch::Tensor logitsOf(const c10::IValue& output, const std::string& selection = {})
{
    if (output.isTensor() && selection.empty())
        return output.toTensor();
    std::vector<c10::IValue> items;
    std::vector<std::string> names;
    if (output.isTuple()) {
        items = output.toTupleRef().elements().vec();
        if (const auto& schema = output.type()->cast<c10::TupleType>()->schema())
            for (const auto& argument : schema->arguments())
                names.push_back(argument.name());
    } else if (output.isList()) {
        items = output.toListRef().vec();
    } else if (output.isGenericDict()) {
        for (const auto& entry : output.toGenericDict()) {
            items.push_back(entry.value());
            names.push_back(entry.key().isString() ? entry.key().toStringRef() : std::string());
        }
    }
    if (!selection.empty()) {
        size_t index = items.size();
        for (size_t i = 0; i < items.size(); ++i)
            if (selection == std::to_string(i) || (i < names.size() && selection == names[i]))
                index = i;
        if (index == items.size()) {
            std::string available = output.isTensor() ? "one tensor" : std::to_string(items.size()) + " outputs";
            for (size_t i = 0; i < names.size(); ++i)
                available += (i == 0 ? " (" : ", ") + names[i] + (i + 1 == names.size() ? ")" : "");
            throw OutputSelectionError("output '" + selection + "': the model returns " + available);
        }
        if (!items[index].isTensor())
            throw OutputSelectionError("output '" + selection + "' is not a tensor");
        return items[index].toTensor();
    }
    for (const auto& item : items)
        if (item.isTensor())
            return item.toTensor();
    TORCH_CHECK(false, "Expected Tensor but got ", output.tagKind());
}

/// Runs the module's forward on a batch; the module must already be in the wanted train/eval mode. `selection`
/// picks the logits among several outputs (logitsOf).
inline torch::Tensor forward(torch::jit::Module& module, const torch::Tensor& input, const std::string& selection = {})
{
    return logitsOf(module.forward({ input }), selection);
}

/// One line out of a LibTorch error: the interpreter wraps the real cause ("RuntimeError: mat1 and mat2 shapes
/// cannot be multiplied") at the end of a multi-line traceback; other errors put it on their first line.
inline std::string conciseTorchError(const std::exception& error)
{
    const auto* c10Error = dynamic_cast<const c10::Error*>(&error);
    const std::string text = c10Error ? c10Error->what_without_backtrace() : error.what();
    const auto cause = text.rfind("Error: ");
    size_t begin = cause == std::string::npos ? text.find_first_not_of(" \n") : cause + 7;
    if (begin == std::string::npos)
        return "unknown error";
    const auto end = text.find('\n', begin);
    return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

/// For a catch (...) around a step that runs the model's code: Pare's own errors go on as they are (bad input,
/// allocation, logic errors), and anything else, LibTorch's c10::Error or the TorchScript interpreter's error of a
/// model that raises, is the model's code failing where the first check of two samples did not reach (train mode, a
/// larger batch): bad input naming the model file.
[[noreturn]] inline void rethrowAsModelFailure(const std::string& origin, const std::string& during)
{
    try {
        throw;
    } catch (const InputError&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::logic_error&) {
        throw;
    } catch (const std::exception& e) {
        throw inputError(origin, "failed while " + during + ": " + conciseTorchError(e));
    }
}

/// A compressible weight: a parameter named "weight" with two or more dimensions (conv and linear layers, not
/// normalization), with the dotted path of its layer.
struct LayerWeight
{
    std::string layer;
    torch::Tensor weight;
};

inline std::vector<LayerWeight> layerWeights(const torch::jit::Module& module)
{
    std::vector<LayerWeight> weights;
    for (const auto& named : module.named_modules())
        for (const auto& p : named.value.named_parameters(/*recurse=*/false))
            if (p.name == "weight" && p.value.dim() >= 2)
                weights.push_back({ named.name, p.value });
    return weights;
}

/// A torch::Generator seeded for reproducible shuffles.
inline torch::Generator seededGenerator(uint64_t seed)
{
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

} // namespace pare
