#pragma once

// Reading ONNX graphs (opsets 11 to 17) into trainable TorchScript modules. No C++ converter existed; the design:
//
// 1. The file is read with libonnx, external data beside it is loaded, and onnx's checker and shape inference run
//    (io/OnnxImportRead.cpp).
// 2. The graph is evaluated node by node with ATen at two batch sizes (io/OnnxImport.cpp, io/OnnxImportOps.cpp).
//    A value that does not depend on the input's data is static: it is folded to a constant (shape arithmetic,
//    weights computed from initializers), or, where it differs between the two batch sizes, it is a size that
//    follows the batch and only ever shapes a Reshape or an Expand. Every other value is dynamic and gets a line of
//    TorchScript.
// 3. Layers become submodules with parameters (Conv2d, Linear, BatchNorm2d, LayerNorm, PReLU), named by one rule
//    (layerPath below); the forward is TorchScript source compiled with Module::define, as the zoo builds its
//    models, so every step of Pare works on the result.
//
// Transposes are not executed where they can be avoided: a dynamic value carries a pending permutation (the NHWC
// <-> NCHW transposes tf2onnx writes around convolutions cancel out) and, after a flatten of a permuted tensor, a
// pending column order that the next dense layer takes into its weight.

#include "pare/Model.h"

#include <onnx/onnx_pb.h>
#include <torch/script.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pare::onnx_import {

/// A model read from an ONNX file: the module (its forward takes [N,C,H,W] for images, whatever the graph took)
/// and the input it takes.
struct Imported
{
    torch::jit::Module module;
    std::vector<int64_t> inputShape;        ///< without the batch dimension, as the module takes it
    InputLayout layout = InputLayout::Nchw; ///< the graph's own layout
};

/// The ONNX operators the import covers (README, "Opening ONNX models").
const std::vector<std::string>& coveredOperators();

/// Reads `path` (bounded by the memory budget), loads external data that sits beside it, runs onnx's checker and
/// shape inference. InputError naming `path` for anything unreadable or invalid.
onnx::ModelProto readModel(const std::string& path);

/// Translates a checked model. `origin` names it in errors: an operator outside coveredOperators() is refused with
/// its node's name and type, and so is an attribute value the translation does not cover.
Imported translate(const onnx::ModelProto& model, const std::string& origin);

/// The tensor an initializer or a Constant holds, as ATen: float types as float32, integer types as int64, bool.
torch::Tensor tensorFrom(const onnx::TensorProto& proto, const std::string& origin);

/// The dotted submodule path a layer gets (the documented rule): the weight initializer's name without a final
/// ".weight" where it has one (PyTorch's exporter: "features.0.0.weight" -> "features.0.0"); else the node's name
/// without its last '/' component (the operator), its '/' and '.' both separating components, where a scope
/// that starts with the one before it and a dot adds only the rest (PyTorch's scopes:
/// "/features/features.1/conv/conv.0/conv.0.0/Conv" -> "features.1.conv.0.0"; tf2onnx's: "model/conv2d/Conv2D"
/// -> "model.conv2d"). Characters other than letters, digits and '_' become '_' in each
/// component, and a component named "forward" or "training" (what every module has) gets a trailing '_'. Empty
/// results fall back to the operator's name in lower case; repeats get "_2", "_3"...
std::string layerPath(const std::string& weightName, const std::string& nodeName, const std::string& opType);

/// One value of the graph while it is translated.
struct Value
{
    /// What the value holds (its logical contents, as ONNX defines them) for the two probe batches.
    torch::Tensor at1, at2;
    /// Dynamic values: the TorchScript variable holding the physical tensor. Empty: static.
    std::string code;
    /// Dynamic values: logical = physical.permute(perm); empty when they are the same.
    std::vector<int64_t> perm;
    /// Dynamic 2-D values: logical = physical[:, columns] (a permuted tensor flattened); undefined when the same.
    torch::Tensor columns;
    /// The variable holding the logical tensor, once materialize() wrote it.
    std::string materialized;

    [[nodiscard]] bool dynamic() const { return !code.empty(); }
    /// A static value that differs between the probe batches: a size that follows the batch.
    [[nodiscard]] bool followsBatch() const;
};

/// The state of one translation, and the operations each operator's translation is made of.
class Translator
{
public:
    /// `fixedBatch`: probe at the batch size the graph declares only (for a graph that only works at that size).
    Translator(const onnx::ModelProto& model, std::string origin, bool fixedBatch = false);
    ~Translator();
    Translator(const Translator&) = delete;
    Translator& operator=(const Translator&) = delete;

    Imported run();

    // ---- for the operators (io/OnnxImportOps.cpp) ----
    [[nodiscard]] int64_t opset() const { return m_opset; }
    [[nodiscard]] const std::string& origin() const { return m_origin; }
    /// Input `i` of the node; refused when missing.
    Value& input(const onnx::NodeProto& node, size_t i);
    [[nodiscard]] bool hasInput(const onnx::NodeProto& node, size_t i) const;
    /// A value computed already, by name.
    Value& value(const std::string& name);
    /// Input `i`, which must be static (refused naming the node when it is computed from the input's data).
    const torch::Tensor& staticInput(const onnx::NodeProto& node, size_t i, const char* what);
    void setStatic(const onnx::NodeProto& node, size_t output, torch::Tensor at1, torch::Tensor at2);
    /// Writes `variable = expression` and records the output as dynamic with the given logical contents.
    void setDynamic(const onnx::NodeProto& node,
                    size_t output,
                    const std::string& expression,
                    torch::Tensor at1,
                    torch::Tensor at2,
                    std::vector<int64_t> perm = {},
                    torch::Tensor columns = {});
    /// The variable holding a dynamic value's logical tensor (writing the permute or the column gather once).
    std::string materialize(Value& value);
    /// TorchScript for a static tensor: a literal for a single number, else a buffer of the top module.
    std::string constant(const torch::Tensor& value);
    /// Registers a layer submodule at layerPath(...) with `parameters` and `buffers` (undefined tensors are
    /// skipped) and `forward` as its method body (of `x`); returns how the top module's code calls it.
    std::string layer(const onnx::NodeProto& node,
                      const std::string& weightName,
                      const std::string& type,
                      const std::vector<std::pair<std::string, torch::Tensor>>& parameters,
                      const std::vector<std::pair<std::string, torch::Tensor>>& buffers,
                      const std::string& forward);
    /// A list of sizes for TorchScript where a size may follow the batch: `at1`/`at2` are the sizes at the two
    /// probe batches; one that differs is written as the input's batch size times its size at batch 1.
    std::string sizesFollowingBatch(const std::vector<int64_t>& at1, const std::vector<int64_t>& at2);
    /// The node that alone reads output `output` of `node`, or nullptr.
    const onnx::NodeProto* soleReader(const onnx::NodeProto& node, size_t output) const;
    /// True when a node reads `name` or the graph returns it.
    [[nodiscard]] bool isRead(const std::string& name) const;
    /// Marks a node as translated together with an earlier one (a bias Add after a MatMul).
    void consume(const onnx::NodeProto& node);
    [[nodiscard]] InputError refusal(const onnx::NodeProto& node, const std::string& problem) const;
    /// Refuses, before it is allocated, a tensor of `sizes` that a shape computation asks for beyond the memory
    /// budget (a ConstantOfShape, Expand or Range of a forged size).
    void requireSize(const onnx::NodeProto& node, const std::vector<int64_t>& sizes) const;

private:
    void translateNode(const onnx::NodeProto& node);

    struct State;
    std::unique_ptr<State> m_state;
    const onnx::ModelProto& m_model;
    std::string m_origin;
    int64_t m_opset = 0;
    bool m_fixedBatch = false;
};

/// Translates one node (io/OnnxImportOps.cpp); false when its operator is not covered.
bool translateOperator(Translator& t, const onnx::NodeProto& node);
/// The operators that move data or compute shapes (io/OnnxImportShapes.cpp); false for any other.
bool translateShapeOperator(Translator& t, const onnx::NodeProto& node);
/// The operators with weights, pooling, padding and resizing (io/OnnxImportLayers.cpp); false for any other.
bool translateLayerOperator(Translator& t, const onnx::NodeProto& node);

// Attributes, with the defaults the operator specifications give.
inline const onnx::AttributeProto* findAttribute(const onnx::NodeProto& node, const char* name)
{
    for (const auto& a : node.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}
inline int64_t intAttribute(const onnx::NodeProto& node, const char* name, int64_t fallback)
{
    const auto* a = findAttribute(node, name);
    return a ? a->i() : fallback;
}
inline float floatAttribute(const onnx::NodeProto& node, const char* name, float fallback)
{
    const auto* a = findAttribute(node, name);
    return a ? a->f() : fallback;
}
inline std::string stringAttribute(const onnx::NodeProto& node, const char* name, const std::string& fallback)
{
    const auto* a = findAttribute(node, name);
    return a ? a->s() : fallback;
}
inline std::vector<int64_t>
intsAttribute(const onnx::NodeProto& node, const char* name, std::vector<int64_t> fallback = {})
{
    const auto* a = findAttribute(node, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}
/// A 1-D int64 tensor as a vector.
inline std::vector<int64_t> intsOf(const torch::Tensor& t)
{
    const auto flat = t.to(torch::kLong).contiguous().view({ -1 });
    return { flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel() };
}
/// A float for TorchScript source: always with a point or an exponent ("2.0", "1e-05"); infinities and NaN as
/// TorchScript writes them.
inline std::string floatCode(double value)
{
    if (std::isnan(value))
        return "float(\"nan\")";
    if (std::isinf(value))
        return value > 0 ? "float(\"inf\")" : "-float(\"inf\")";
    char text[40];
    std::snprintf(text, sizeof text, "%.9g", value);
    std::string out = text;
    if (out.find_first_of(".e") == std::string::npos)
        out += ".0";
    return out;
}
/// A list for TorchScript source: "[1, 2]".
inline std::string listCode(const std::vector<int64_t>& values)
{
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i)
        out += (i ? ", " : "") + std::to_string(values[i]);
    return out + "]";
}

} // namespace pare::onnx_import
