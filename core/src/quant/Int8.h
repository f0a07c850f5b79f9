#pragma once

// Activation quantization and the int8 engine. Two passes over the TorchScript graph of a model Pare need not have
// built: quantizeActivations() marks every activation with a calibrated fake-quantize node (simulated k-bit
// activations, trainable through the straight-through estimator), and lowerToInt8() turns a model so marked into
// one that runs on quantized:: ops with packed qint8 weights.

#include "model/ModelImpl.h"

#include "pare/Quantization.h"

#include <algorithm>
#include <string>
#include <vector>

namespace pare::int8 {

/// The fake-quantize operation that marks a quantized activation.
inline const c10::Symbol kFakeQuantize = c10::Symbol::fromQualString("aten::fake_quantize_per_tensor_affine");

/// ReLU6's upper bound.
constexpr double kReluSixCeiling = 6.0;

inline bool isOneOf(const torch::jit::Node* node, std::initializer_list<const char*> kinds)
{
    const std::string kind = node->kind().toQualString();
    for (const char* k : kinds)
        if (kind == k)
            return true;
    return false;
}

/// The one node that computes a tensor from `value`, or nullptr when there are none or several. Nodes that only
/// look at it (aten::dim in BatchNorm's input check, aten::size) do not count.
inline torch::jit::Node* soleUser(torch::jit::Value* value)
{
    torch::jit::Node* found = nullptr;
    for (const auto& use : value->uses()) {
        const auto outputs = use.user->outputs();
        const bool computesTensor = std::any_of(outputs.begin(), outputs.end(), [](const torch::jit::Value* v) {
            return v->type()->kind() == c10::TypeKind::TensorType;
        });
        if (!computesTensor)
            continue;
        if (found)
            return nullptr;
        found = use.user;
    }
    return found;
}

/// ReLU, or ReLU6 (aten::hardtanh from 0 to 6, as MobileNets write it): a rectifier the int8 engine fuses into the
/// layer before it, so the activation is taken after it.
inline bool isRectifier(const torch::jit::Node* node)
{
    if (isOneOf(node, { "aten::relu", "aten::relu_" }))
        return true;
    if (!isOneOf(node, { "aten::hardtanh", "aten::hardtanh_" }))
        return false;
    const auto low = torch::jit::toIValue(node->input(1));
    const auto high = torch::jit::toIValue(node->input(2));
    return low && high && low->isScalar() && high->isScalar() && low->toScalar().to<double>() == 0.0
        && high->toScalar().to<double>() == kReluSixCeiling;
}

struct CalibrationOptions
{
    int bits = 8;
    Calibration method = Calibration::MinMax;
    double percentile = 99.99;
};

/// Inserts an aten::fake_quantize_per_tensor_affine node after every activation of `module`'s forward (the input,
/// each conv/linear output after the BatchNorm and ReLU that follow it, each tensor sum and concatenation), with a
/// scale and zero point calibrated on `images`. `module` must own its class type (a Module::clone(), not a
/// deepcopy()), since its forward graph is edited in place, and must not hold fake-quantize nodes yet.
std::vector<ActivationQuantization> quantizeActivations(torch::jit::Module& module,
                                                        const torch::Tensor& images,
                                                        const CalibrationOptions& options,
                                                        const std::string& origin);

/// True when `module`'s forward already holds fake-quantize nodes.
bool hasQuantizedActivations(const torch::jit::Module& module);

/// Makes `engine` ("onednn" or "qnnpack") the one quantized:: ops pack their weights for; throws InputError when
/// this LibTorch lacks it.
void useEngine(Int8Engine engine, const std::string& origin);

/// The int8 module of a model whose activations carry 8-bit fake-quantize nodes: frozen, BatchNorm folded, each
/// conv and linear layer between quantized activations replaced by quantized::conv2d(_relu) or
/// quantized::linear(_relu) with per-channel symmetric qint8 weights packed for `engine`, sums and concatenations
/// by their quantized:: forms, max pooling, reshapes, transposes and chunks run on the quantized tensors;
/// quantize_per_tensor where the input enters and dequantize where a float operation or the output needs one.
/// `inputShape` (C,H,W) lets each of oneDNN's convolutions be tried before it is lowered (empty: not tried).
torch::jit::Module lowerToInt8(const torch::jit::Module& module,
                               Int8Engine engine,
                               const std::vector<int64_t>& inputShape,
                               const std::string& origin);

/// The quantized:: operations of an int8 module's forward, with the type of their packed weights.
std::vector<Int8Operation> operations(const torch::jit::Module& int8Module);

} // namespace pare::int8
