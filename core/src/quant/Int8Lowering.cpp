// LibTorch 1.13 has no C++ prepare/convert, so the int8 module is built here from the quantized:: operators, on the
// frozen graph of the float model. Every activation already carries a fake-quantize node with its 8-bit scale and
// zero point; each becomes a real quantized tensor. The rewrite works value by value: a quantized tensor q is
// paired with a dequantize(q) node that takes over the uses of the float value it stands for. An operation that can
// run on q (a convolution between quantized activations, max pooling, a flatten) is rebuilt on q, so its float
// original loses its uses; anything else keeps reading dequantize(q), which is exactly the float value the
// fake-quantized model computed. Dead-code elimination then removes the float layers and the unused dequantizes.

#include "quant/Int8.h"

#include "model/GraphProbe.h"
#include "pare/Error.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_folding.h>

#include <algorithm>
#include <map>
#include <optional>

namespace pare::int8 {
namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

c10::Symbol op(const char* name)
{
    return c10::Symbol::fromQualString(name);
}

/// Calls a registered operator through the dispatcher (the quantized:: prepack and unpack functions have no C++
/// declarations in the installed headers).
torch::jit::Stack callOperator(const char* name, torch::jit::Stack stack, const char* overload = "")
{
    const auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    handle.callBoxed(&stack);
    return stack;
}

std::vector<int64_t> pairOf(const c10::IValue& value)
{
    auto v = value.isInt() ? std::vector<int64_t> { value.toInt() } : value.toIntVector();
    if (v.size() == 1)
        v.push_back(v[0]);
    return v;
}

/// Per-output-channel symmetric qint8 (zero point 0, as oneDNN requires): scale = max|w| / 127 per channel.
torch::Tensor qint8Weight(const torch::Tensor& weight)
{
    const auto w = weight.detach().to(torch::kFloat).contiguous();
    auto scales = w.reshape({ w.size(0), -1 }).abs().amax(1) / 127.0;
    scales = torch::where(scales > 0, scales, torch::ones_like(scales)).to(torch::kDouble);
    return torch::quantize_per_channel(w, scales, torch::zeros({ w.size(0) }, torch::kLong), 0, torch::kQInt8);
}

struct OutputQuantization
{
    Node* fakeQuantize = nullptr; ///< the node whose scale and zero point the fused operation produces
    Node* rectifier = nullptr;    ///< a ReLU or ReLU6 between the operation and it, fused into the operation
};

/// oneDNN in LibTorch 1.13 lays a convolution's packed weights out for the batch it first runs, and for some shapes
/// cannot convert them when the batch changes between 1 and more: ResNet-18's last 1x1 stride-2 convolution (a 2x2
/// map at 3x32x32, 2 threads) failed at batch 1 after an evaluation at 256 with "could not create a primitive
/// descriptor for a reorder primitive" (later PyTorch reorders through the plain layout). A convolution is tried at
/// batch 2, 1 and 2 on a packing of its own, on input of its size and levels; one that fails stays in float.
bool runsAtEveryBatch(const torch::jit::Stack& prepackArguments,
                      std::vector<int64_t> inputSizes,
                      std::pair<double, int64_t> inputLevels)
{
    try {
        const auto packed = callOperator("quantized::conv2d_prepack", prepackArguments).at(0);
        for (const int64_t batch : { 2, 1, 2 }) {
            inputSizes[0] = batch;
            const auto input = torch::quantize_per_tensor(torch::zeros(inputSizes), inputLevels.first,
                                                          inputLevels.second, torch::kQUInt8);
            callOperator("quantized::conv2d", { input, packed, 1.0, int64_t(0) }, "new");
        }
        return true;
    } catch (const std::exception&) { // oneDNN throws its own dnnl::error
        return false;
    }
}

class Lowering
{
public:
    /// `convolutionInputSizes`: the size of each convolution's input at batch 1, for the trial of oneDNN's
    /// convolutions (runsAtEveryBatch); empty when the input shape is unknown.
    Lowering(torch::jit::Module& module,
             std::shared_ptr<Graph> graph,
             std::string origin,
             std::map<const Node*, std::vector<int64_t>> convolutionInputSizes)
        : m_module(module)
        , m_graph(std::move(graph))
        , m_origin(std::move(origin))
        , m_convolutionInputSizes(std::move(convolutionInputSizes))
    {
    }

    void run()
    {
        const std::vector<Node*> nodes(m_graph->nodes().begin(), m_graph->nodes().end());
        for (Node* node : nodes) {
            if (node->kind() == kFakeQuantize)
                fakeQuantize(node);
            else if (isOneOf(node, { "aten::conv2d", "aten::_convolution" }))
                convolution(node);
            else if (isOneOf(node, { "aten::linear" }))
                linear(node);
            else if (isOneOf(node, { "aten::add", "aten::add_" }))
                add(node);
            else if (isOneOf(node, { "aten::cat" }))
                concatenate(node);
            // Average pooling stays in float, between dequantize and quantize: quantized pooling rounds each mean to
            // its input's levels, where the fake-quantized model keeps it exact, and with it top-1 agreed on 94.5%
            // of images on DenseNet (transitions and final pooling), 98.4% on ConvNeXt and 98.8% on RegNet, against
            // 100% in float. Maximum, ReLU, reshapes, transposes and splits keep values on their levels exactly.
            else if (isOneOf(node,
                             { "aten::max_pool2d", "aten::relu", "aten::relu_", "aten::flatten", "aten::view",
                               "aten::reshape", "aten::contiguous", "aten::transpose", "aten::permute" }))
                sameScale(node);
            else if (node->kind() == c10::prim::ListUnpack && isOneOf(node->input(0)->node(), { "aten::chunk" }))
                splitParts(node);
            else if (node->kind() == c10::aten::size && quantized(node->input(0)))
                node->replaceInput(0, quantized(node->input(0)));
        }
        torch::jit::EliminateDeadCode(m_graph);
        for (const Node* node : m_graph->nodes())
            if (node->kind() == kFakeQuantize)
                fail(node, "an activation whose quantization the int8 engine cannot take over");
    }

private:
    [[noreturn]] void fail(const Node* node, const std::string& problem) const
    {
        throw inputError(m_origin,
                         std::string("cannot run on the int8 engine: node ") + node->kind().toQualString() + ": "
                             + problem);
    }

    Value* quantized(Value* value) const
    {
        const auto found = m_quantizedOf.find(value);
        return found == m_quantizedOf.end() ? nullptr : found->second;
    }

    /// Pairs the quantized tensor `q` with dequantize(q), which takes over the uses of `floatValue`.
    void stand(Value* q, Value* floatValue)
    {
        torch::jit::WithInsertPoint guard(q->node()->next());
        Value* dequantized = m_graph->insert(c10::aten::dequantize, { q });
        floatValue->replaceAllUsesWith(dequantized);
        m_quantizedOf[dequantized] = q;
    }

    std::pair<double, int64_t> qparams(const Node* fakeQuantize) const
    {
        const auto scale = torch::jit::toIValue(fakeQuantize->input(1));
        const auto zeroPoint = torch::jit::toIValue(fakeQuantize->input(2));
        const auto low = torch::jit::toIValue(fakeQuantize->input(3));
        const auto high = torch::jit::toIValue(fakeQuantize->input(4));
        if (!scale || !zeroPoint || !low || !high)
            fail(fakeQuantize, "a scale or zero point that is not a constant");
        // 128 levels: the reduced range oneDNN's activations are calibrated on (see quantizeWeights).
        if (low->toInt() != 0 || (high->toInt() != 255 && high->toInt() != 127))
            fail(fakeQuantize,
                 "activations on " + std::to_string(high->toInt() + 1)
                     + " levels; the int8 engine needs 8-bit activations (256 levels, or 128 for oneDNN)");
        return { scale->toDouble(), zeroPoint->toInt() };
    }

    /// The fake-quantize node that the output of `node` reaches directly or through one ReLU or ReLU6.
    std::optional<OutputQuantization> outputQuantization(Node* node) const
    {
        Node* user = soleUser(node->output());
        if (user && user->kind() == kFakeQuantize)
            return OutputQuantization { user, nullptr };
        if (!user || !isRectifier(user))
            return std::nullopt;
        Node* next = soleUser(user->output());
        if (!next || next->kind() != kFakeQuantize)
            return std::nullopt;
        // The fused ReLU clamps at 0; the top of the output's levels clamps the rest. That is ReLU6 exactly when
        // the highest level is at most 6, as it is for levels calibrated on ReLU6's outputs.
        if (!isOneOf(user, { "aten::relu", "aten::relu_" })) {
            const auto [scale, zeroPoint] = qparams(next);
            const auto highestLevel = torch::jit::toIValue(next->input(4))->toInt();
            if (double(highestLevel - zeroPoint) * scale > kReluSixCeiling * (1.0 + 1e-6))
                return std::nullopt;
        }
        return OutputQuantization { next, user };
    }

    /// Inserts `fused` (a quantized:: operation producing the output the fake-quantize node describes) before
    /// `node`, and lets it stand for that node's quantized result.
    void
    replaceWith(Node* node, const OutputQuantization& out, const char* fused, std::vector<torch::jit::NamedValue> args)
    {
        const auto [scale, zeroPoint] = qparams(out.fakeQuantize);
        args.emplace_back(scale);
        args.emplace_back(zeroPoint);
        Value* q = nullptr;
        {
            torch::jit::WithInsertPoint guard(node);
            q = m_graph->insert(op(fused), args);
        }
        m_qparams[q] = { scale, zeroPoint };
        stand(q, out.fakeQuantize->output());
        // What only looks at the float results (BatchNorm's aten::dim check) looks at q instead, so the float
        // layer loses its last use and goes.
        for (Value* result : { node->output(), out.rectifier ? out.rectifier->output() : nullptr }) {
            if (!result)
                continue;
            const auto uses = result->uses();
            for (const auto& use : uses)
                if (use.user != out.fakeQuantize && soleUser(result) != use.user)
                    use.user->replaceInput(use.offset, q);
        }
    }

    Value* packedAttribute(const c10::IValue& packed)
    {
        const std::string name = "_int8_packed_" + std::to_string(m_packed++);
        m_module.register_attribute(name, packed.type(), packed);
        return m_graph->insertGetAttr(m_graph->inputs()[0], name);
    }

    void fakeQuantize(Node* node)
    {
        if (node->output()->uses().empty())
            return; // taken over by the operation before it
        const auto [scale, zeroPoint] = qparams(node);
        Value* input = node->input(0);
        if (Value* q = quantized(input); q && m_qparams[q] == std::pair { scale, zeroPoint }) {
            node->output()->replaceAllUsesWith(input); // already on these levels (after max pooling, a flatten)
            return;
        }
        Value* q = nullptr;
        {
            torch::jit::WithInsertPoint guard(node);
            q = m_graph->insert(c10::aten::quantize_per_tensor,
                                { input, scale, zeroPoint, static_cast<int64_t>(c10::ScalarType::QUInt8) });
        }
        m_qparams[q] = { scale, zeroPoint };
        stand(q, node->output());
    }

    void convolution(Node* node)
    {
        Value* input = quantized(node->input(0));
        const auto out = outputQuantization(node);
        const auto weight = torch::jit::toIValue(node->input(1));
        if (!input || !out || !weight || !weight->isTensor() || weight->toTensor().dim() != 4)
            return; // stays in float
        const bool transposed
            = node->kind() == c10::aten::_convolution && torch::jit::toIValue(node->input(6))->toBool();
        if (transposed)
            return;
        const auto bias = torch::jit::toIValue(node->input(2));
        const auto groups = torch::jit::toIValue(node->input(node->kind() == c10::aten::conv2d ? 6 : 8));
        const auto stride = torch::jit::toIValue(node->input(3));
        const auto padding = torch::jit::toIValue(node->input(4));
        const auto dilation = torch::jit::toIValue(node->input(5));
        if (!bias || !groups || !stride || !padding || !dilation)
            return;
        const torch::jit::Stack prepackArguments { qint8Weight(weight->toTensor()),
                                                   bias->isNone() ? c10::IValue() : *bias,
                                                   pairOf(*stride),
                                                   pairOf(*padding),
                                                   pairOf(*dilation),
                                                   groups->toInt() };
        const auto inputSizes = m_convolutionInputSizes.find(node);
        if (at::globalContext().qEngine() == at::QEngine::ONEDNN && inputSizes != m_convolutionInputSizes.end()
            && !runsAtEveryBatch(prepackArguments, inputSizes->second, m_qparams[input]))
            return;
        auto packed = callOperator("quantized::conv2d_prepack", prepackArguments);
        Value* packedValue = nullptr;
        {
            torch::jit::WithInsertPoint guard(node);
            packedValue = packedAttribute(packed.at(0));
        }
        replaceWith(node, *out, out->rectifier ? "quantized::conv2d_relu" : "quantized::conv2d",
                    { input, packedValue });
    }

    void linear(Node* node)
    {
        Value* input = quantized(node->input(0));
        const auto out = outputQuantization(node);
        const auto weight = torch::jit::toIValue(node->input(1));
        const auto bias = torch::jit::toIValue(node->input(2));
        if (!input || !out || !weight || !weight->isTensor() || !bias)
            return;
        auto packed = callOperator("quantized::linear_prepack",
                                   { qint8Weight(weight->toTensor()), bias->isNone() ? c10::IValue() : *bias });
        Value* packedValue = nullptr;
        {
            torch::jit::WithInsertPoint guard(node);
            packedValue = packedAttribute(packed.at(0));
        }
        replaceWith(node, *out, out->rectifier ? "quantized::linear_relu" : "quantized::linear",
                    { input, packedValue });
    }

    void add(Node* node)
    {
        if (node->inputs().size() < 2)
            return;
        Value* a = quantized(node->input(0));
        Value* b = quantized(node->input(1));
        const auto alpha
            = node->inputs().size() > 2 ? torch::jit::toIValue(node->input(2)) : c10::optional<c10::IValue>(int64_t(1));
        const auto out = outputQuantization(node);
        if (!a || !b || !out || !alpha || !(alpha->isInt() ? alpha->toInt() == 1 : alpha->toDouble() == 1.0))
            return;
        replaceWith(node, *out, out->rectifier ? "quantized::add_relu" : "quantized::add", { a, b });
    }

    void concatenate(Node* node)
    {
        Node* list = node->input(0)->node();
        const auto out = outputQuantization(node);
        if (list->kind() != c10::prim::ListConstruct || !out || out->rectifier)
            return;
        std::vector<Value*> parts;
        for (Value* v : list->inputs()) {
            if (!quantized(v))
                return;
            parts.push_back(quantized(v));
        }
        Value* quantizedList = nullptr;
        {
            torch::jit::WithInsertPoint guard(node);
            quantizedList = m_graph->insertNode(m_graph->createList(c10::TensorType::get(), parts))->output();
        }
        replaceWith(node, *out, "quantized::cat", { quantizedList, node->input(1) });
    }

    /// Pooling, ReLU and reshapes run on the quantized tensor and keep its scale and zero point.
    void sameScale(Node* node)
    {
        Value* q = quantized(node->input(0));
        if (!q)
            return;
        Node* clone = nullptr;
        if (isOneOf(node, { "aten::relu_" })) { // in place on a tensor other values share: take the copying form
            torch::jit::WithInsertPoint guard(node);
            clone = m_graph->insert(c10::aten::relu, { q })->node();
        } else {
            clone = m_graph->createClone(node, [&](Value* v) { return v == node->input(0) ? q : v; });
            clone->insertAfter(node);
        }
        m_qparams[clone->output()] = m_qparams[q];
        stand(clone->output(), node->output());
    }

    /// A `chunk` unpacked into its parts (ShuffleNetV2 halves its channels so): each part stays on the levels of
    /// the whole.
    void splitParts(Node* unpack)
    {
        Node* chunk = unpack->input(0)->node();
        Value* q = quantized(chunk->input(0));
        if (!q || unpack->input(0)->uses().size() != 1)
            return;
        Node* chunkClone = m_graph->createClone(chunk, [&](Value* v) { return v == chunk->input(0) ? q : v; });
        chunkClone->insertAfter(unpack);
        Node* unpackClone = m_graph->createClone(unpack, [&](Value*) { return chunkClone->output(); });
        unpackClone->insertAfter(chunkClone);
        for (size_t i = 0; i < unpack->outputs().size(); ++i) {
            m_qparams[unpackClone->output(i)] = m_qparams[q];
            stand(unpackClone->output(i), unpack->output(i));
        }
    }

    torch::jit::Module& m_module;
    std::shared_ptr<Graph> m_graph;
    std::string m_origin;
    std::map<Value*, Value*> m_quantizedOf;                 ///< dequantize(q) -> q
    std::map<Value*, std::pair<double, int64_t>> m_qparams; ///< q -> its scale and zero point
    std::map<const Node*, std::vector<int64_t>> m_convolutionInputSizes;
    int m_packed = 0;
};

/// BatchNorm's input check reads the rank of the convolution's output before it (aten::dim), and
/// FoldFrozenConvBatchnorm folds only a convolution whose output has one use: scripted DenseNet kept its BatchNorms
/// after convolutions, and 3 of its 15 convolutions were lowered. A convolution's output has its input's rank, so
/// the check reads the input instead.
void rankChecksReadConvolutionInputs(Graph& graph)
{
    for (Node* node : graph.nodes())
        if (node->kind() == c10::aten::dim && isOneOf(node->input(0)->node(), { "aten::conv2d", "aten::_convolution" }))
            node->replaceInput(0, node->input(0)->node()->input(0));
}

} // namespace

void useEngine(Int8Engine engine, const std::string& origin)
{
    const auto wanted = engine == Int8Engine::OneDnn ? at::QEngine::ONEDNN : at::QEngine::QNNPACK;
    const auto& supported = at::globalContext().supportedQEngines();
    if (std::find(supported.begin(), supported.end(), wanted) == supported.end())
        throw inputError(origin, std::string("this LibTorch has no ") + optionName(engine) + " engine");
    at::globalContext().setQEngine(wanted);
}

/// The size of each convolution's input at batch 1, from one run of the frozen graph; empty when it does not run.
std::map<const Node*, std::vector<int64_t>>
convolutionInputSizes(torch::jit::Module& frozen, const std::shared_ptr<Graph>& graph, std::vector<int64_t> inputShape)
{
    std::vector<const Node*> convolutions;
    std::vector<Value*> inputs;
    for (Node* node : graph->nodes())
        if (isOneOf(node, { "aten::conv2d", "aten::_convolution" })) {
            convolutions.push_back(node);
            inputs.push_back(node->input(0));
        }
    inputShape.insert(inputShape.begin(), 1);
    const auto run = runWithExtraOutputs(frozen, graph, torch::zeros(inputShape), inputs);
    std::map<const Node*, std::vector<int64_t>> sizes;
    for (size_t i = 0; i < run.values.size(); ++i)
        if (run.values[i].isTensor())
            sizes[convolutions[i]] = run.values[i].toTensor().sizes().vec();
    return sizes;
}

torch::jit::Module lowerToInt8(const torch::jit::Module& module,
                               Int8Engine engine,
                               const std::vector<int64_t>& inputShape,
                               const std::string& origin)
{
    useEngine(engine, origin);
    if (!hasQuantizedActivations(module))
        throw inputError(origin,
                         "cannot run on the int8 engine: its activations are not quantized (8-bit "
                         "activations are needed)");
    torch::jit::Module frozen;
    {
        torch::NoGradGuard noGrad;
        auto copy = module.clone();
        copy.eval();
        try {
            frozen = torch::jit::freeze(copy);
        } catch (const std::exception& e) {
            throw inputError(origin,
                             "cannot run on the int8 engine: freezing the module failed: " + conciseTorchError(e));
        }
    }
    auto graph = frozen.get_method("forward").graph();
    rankChecksReadConvolutionInputs(*graph);
    torch::jit::FoldFrozenConvBatchnorm(graph);
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
    auto sizes = inputShape.empty() ? std::map<const Node*, std::vector<int64_t>> {}
                                    : convolutionInputSizes(frozen, graph, inputShape);
    Lowering(frozen, graph, origin, std::move(sizes)).run();
    return frozen;
}

std::vector<Int8Operation> operations(const torch::jit::Module& int8Module)
{
    std::vector<Int8Operation> found;
    const auto graph = int8Module.get_method("forward").graph();
    for (const Node* node : graph->nodes()) {
        const std::string kind = node->kind().toQualString();
        if (kind.rfind("quantized::", 0) != 0 && kind != "aten::quantize_per_tensor" && kind != "aten::dequantize")
            continue;
        Int8Operation operation { kind, {}, {} };
        const bool conv = kind.rfind("quantized::conv2d", 0) == 0;
        if (conv || kind.rfind("quantized::linear", 0) == 0) {
            const Node* packed = node->input(1)->node();
            if (packed->kind() == c10::prim::GetAttr) {
                const auto object = int8Module.attr(packed->s(c10::attr::name));
                const auto unpacked
                    = callOperator(conv ? "quantized::conv2d_unpack" : "quantized::linear_unpack", { object });
                const auto weight = unpacked.at(0).toTensor();
                operation.weightType = c10::toString(weight.scalar_type());
                operation.weightShape = weight.sizes().vec();
            }
        }
        found.push_back(std::move(operation));
    }
    return found;
}

} // namespace pare::int8
