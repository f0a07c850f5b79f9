// Simulated k-bit activations: the forward graph is inlined, the activations found, their value ranges observed on
// calibration images, and a fake-quantize node inserted after each. The node's straight-through gradient makes
// fine-tuning through it quantization-aware training; its scale and zero point are what lowerToInt8() gives the
// quantized:: operations.

#include "quant/Int8.h"

#include "pare/Error.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace pare::int8 {
namespace {

using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;

/// Histogram bins of each activation's values; the percentile and MSE searches work on the bin centres.
constexpr int64_t kBins = 2048;

/// "layer1.0.conv1" for a weight read as self.layer1.0.conv1.weight through prim::GetAttr nodes; empty otherwise.
std::string layerOfWeight(Value* weight)
{
    Node* node = weight->node();
    if (node->kind() != c10::prim::GetAttr)
        return {};
    std::vector<std::string> parts;
    for (node = node->input(0)->node(); node->kind() == c10::prim::GetAttr; node = node->input(0)->node())
        parts.push_back(node->s(c10::attr::name));
    std::string path;
    for (auto part = parts.rbegin(); part != parts.rend(); ++part)
        path += (path.empty() ? "" : ".") + *part;
    return path;
}

struct Activation
{
    Value* value;
    std::string name;
};

/// The object a chain of prim::GetAttr nodes reads, starting from `self` (the forward's module); nullopt when the
/// chain starts elsewhere.
std::optional<c10::IValue> attributeOf(const c10::IValue& self, const Value* selfValue, const Value* value)
{
    if (value == selfValue)
        return self;
    const Node* node = value->node();
    if (node->kind() != c10::prim::GetAttr)
        return std::nullopt;
    const auto owner = attributeOf(self, selfValue, node->input(0));
    if (!owner || !owner->isObject())
        return std::nullopt;
    const auto& object = owner->toObjectRef();
    const auto& name = node->s(c10::attr::name);
    if (!object.type()->hasAttribute(name))
        return std::nullopt;
    return object.getAttr(name);
}

/// Scripted models choose their structure with attributes (MobileNetV2's `if self.use_res_connect`, DenseNet's
/// `if self.memory_efficient`, ShuffleNetV2's `if self.stride == 1`), so their layers sit inside branches, out of
/// findActivations()'s sight (it reads the top-level nodes, whose values calibration can return): 1 of
/// MobileNetV2's 52 convolutions was lowered to int8 scripted, 18 traced. Boolean and integer attributes become
/// constants and the branches they decide are resolved, as freezing does. `training` stays (fine-tuning switches
/// it), and so does any attribute the forward assigns.
void resolveBranchesOnAttributes(const torch::jit::Module& module, std::shared_ptr<Graph>& graph)
{
    std::set<std::string> assigned;
    std::vector<Node*> reads;
    for (torch::jit::DepthFirstGraphNodeIterator it(graph); Node* node = it.next();) {
        if (node->kind() == c10::prim::SetAttr)
            assigned.insert(node->s(c10::attr::name));
        else if (node->kind() == c10::prim::GetAttr
                 && (node->output()->type()->kind() == c10::TypeKind::BoolType
                     || node->output()->type()->kind() == c10::TypeKind::IntType))
            reads.push_back(node);
    }
    bool changed = false;
    for (Node* node : reads) {
        const auto& name = node->s(c10::attr::name);
        if (name == "training" || assigned.count(name))
            continue;
        const auto value = attributeOf(module._ivalue(), graph->inputs().at(0), node->output());
        if (!value || !(value->isBool() || value->isInt()))
            continue;
        torch::jit::WithInsertPoint here(node);
        node->output()->replaceAllUsesWith(graph->insertConstant(*value));
        changed = true;
    }
    if (changed) {
        torch::jit::ConstantPropagation(graph);
        torch::jit::EliminateDeadCode(graph);
    }
}

/// The activations a quantized model carries in 8 bits between its layers, in graph order: the input, and the
/// output of every conv and linear layer, tensor sum, concatenation and average pooling (which the int8 engine runs
/// in float: see Int8Lowering.cpp), taken after the BatchNorm and the ReLU or ReLU6 that directly follow it (the
/// int8 engine folds those into the layer).
std::vector<Activation> findActivations(Graph& graph)
{
    std::vector<Activation> found { { graph.inputs().at(1), "input" } };
    std::map<std::string, int> unnamed;
    for (Node* node : graph.nodes()) {
        std::string name;
        if (isOneOf(node, { "aten::conv2d", "aten::_convolution", "aten::linear" })) {
            name = layerOfWeight(node->input(1));
        } else if (isOneOf(node, { "aten::add", "aten::add_" })) {
            if (node->inputs().size() < 2 || node->input(1)->type()->kind() != c10::TypeKind::TensorType)
                continue; // plus a number
        } else if (!isOneOf(node, { "aten::addmm", "aten::cat", "aten::avg_pool2d", "aten::adaptive_avg_pool2d" })) {
            continue;
        }
        if (name.empty()) {
            const std::string kind = node->kind().toUnqualString();
            name = kind + "#" + std::to_string(++unnamed[kind]);
        }
        Value* value = node->output();
        if (Node* user = soleUser(value); user && isOneOf(user, { "aten::batch_norm" }) && user->input(0) == value) {
            value = user->output();
            name += "+bn";
        }
        if (Node* user = soleUser(value); user && isRectifier(user)) {
            value = user->output();
            name += isOneOf(user, { "aten::relu", "aten::relu_" }) ? "+relu" : "+relu6";
        }
        found.push_back({ value, name });
    }
    return found;
}

struct Observed
{
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    torch::Tensor histogram; ///< [kBins] counts between min(low, 0) and max(high, 0)
};

/// Runs the images through a copy of the graph that also returns every activation, twice: once for the ranges, once
/// for the histograms over them.
std::vector<Observed>
observe(torch::jit::Module& module, Graph& forwardGraph, const torch::Tensor& images, const std::string& origin)
{
    auto graph = forwardGraph.copy();
    const auto activations = findActivations(*graph);
    std::vector<Value*> outputs { graph->outputs()[0] };
    for (const auto& a : activations)
        outputs.push_back(a.value);
    graph->eraseOutput(0);
    auto* tuple = graph->insertNode(graph->createTuple(outputs));
    graph->registerOutput(tuple->output());
    torch::jit::GraphFunction probe("calibration", graph, nullptr);

    std::vector<Observed> observed(activations.size());
    torch::InferenceMode inference;
    module.eval();
    for (int pass = 0; pass < 2; ++pass) {
        const int64_t batch = inferenceBatchFor(images.size(0) > 0 ? images[0].numel() : 0);
        for (int64_t begin = 0; begin < images.size(0); begin += batch) {
            torch::jit::Stack stack { module._ivalue(),
                                      images.slice(0, begin, std::min(images.size(0), begin + batch)) };
            probe.run(stack);
            const auto results = stack.back().toTupleRef().elements();
            for (size_t i = 0; i < observed.size(); ++i) {
                const auto values = results[i + 1].toTensor().to(torch::kFloat).flatten();
                auto& o = observed[i];
                if (pass == 0) {
                    o.low = std::min(o.low, values.min().item<double>());
                    o.high = std::max(o.high, values.max().item<double>());
                } else if (o.high > o.low) {
                    const auto counts = torch::histc(values, kBins, std::min(o.low, 0.0), std::max(o.high, 0.0));
                    o.histogram = o.histogram.defined() ? o.histogram + counts : counts;
                }
            }
        }
        // A NaN or infinite activation has no range to quantize over; the histogram search would never settle.
        for (size_t i = 0; pass == 0 && i < observed.size(); ++i)
            if (!std::isfinite(observed[i].low) || !std::isfinite(observed[i].high))
                throw inputError(origin,
                                 "the activation '" + activations[i].name
                                     + "' is NaN or infinite on the calibration images (non-finite weights "
                                       "or inputs); it cannot be quantized");
    }
    return observed;
}

struct QParams
{
    double scale = 1.0;
    int64_t zeroPoint = 0;
};

/// Affine levels 0..2^bits-1 over [low, high] widened to hold 0, which must be a level (zero padding, ReLU).
QParams qparamsFor(double low, double high, int bits)
{
    const double levels = std::pow(2.0, bits) - 1.0;
    low = std::min(low, 0.0);
    high = std::max(high, 0.0);
    QParams q;
    q.scale = high > low ? (high - low) / levels : 1.0;
    q.zeroPoint = std::clamp<int64_t>(std::llround(-low / q.scale), 0, int64_t(levels));
    return q;
}

/// The clipping range for one activation, by the calibration method.
std::pair<double, double> clippingRange(const Observed& o, const CalibrationOptions& options)
{
    if (!o.histogram.defined() || options.method == Calibration::MinMax)
        return { o.low, o.high };
    const double lowEdge = std::min(o.low, 0.0), highEdge = std::max(o.high, 0.0);
    const double width = (highEdge - lowEdge) / kBins;
    const auto counts = o.histogram.to(torch::kDouble);
    if (options.method == Calibration::Percentile) {
        const auto cumulative = counts.cumsum(0) / counts.sum();
        const double tail = (100.0 - options.percentile) / 100.0;
        const auto lowBin = (cumulative < tail).sum().item<int64_t>();
        const auto highBin = (cumulative < 1.0 - tail).sum().item<int64_t>();
        return { std::max(o.low, lowEdge + width * double(lowBin)),
                 std::min(o.high, lowEdge + width * double(highBin + 1)) };
    }
    // MSE: shrink the range towards zero, step by step, and keep the one whose rounding plus clipping error over the
    // histogram is smallest. Wide tails (a few large activations) are clipped when that costs less than coarse steps.
    const auto centres = torch::arange(kBins, torch::kDouble) * width + lowEdge + width / 2;
    const double levels = std::pow(2.0, options.bits) - 1.0;
    double bestError = std::numeric_limits<double>::infinity();
    std::pair<double, double> best { o.low, o.high };
    for (int step = 100; step >= 5; --step) {
        const double shrink = step / 100.0;
        const double low = o.low * shrink, high = o.high * shrink;
        const auto q = qparamsFor(low, high, options.bits);
        const auto levelsOf = (centres / q.scale).round().add(double(q.zeroPoint)).clamp(0.0, levels);
        const auto restored = (levelsOf - double(q.zeroPoint)) * q.scale;
        const double error = ((restored - centres).pow(2) * counts).sum().item<double>();
        if (error < bestError) {
            bestError = error;
            best = { low, high };
        }
    }
    return best;
}

} // namespace

bool hasQuantizedActivations(const torch::jit::Module& module)
{
    const auto graph = module.get_method("forward").graph();
    for (const Node* node : graph->nodes())
        if (node->kind() == kFakeQuantize)
            return true;
    return false;
}

std::vector<ActivationQuantization> quantizeActivations(torch::jit::Module& module,
                                                        const torch::Tensor& images,
                                                        const CalibrationOptions& options,
                                                        const std::string& origin)
{
    if (options.bits < 1 || options.bits > 8)
        throw InputError("activation bits: expected 1..8, got " + std::to_string(options.bits));
    if (options.method == Calibration::Percentile && !(options.percentile > 50.0 && options.percentile <= 100.0))
        throw InputError("percentile: expected more than 50 and at most 100");
    if (images.size(0) == 0)
        throw inputError(origin, "activation quantization needs calibration images; the training split is empty");

    auto graph = module.get_method("forward").graph();
    torch::jit::Inline(*graph); // layers called as submodules become visible as conv/linear nodes
    resolveBranchesOnAttributes(module, graph);
    const auto observed = observe(module, *graph, images, origin);
    const auto activations = findActivations(*graph);

    std::vector<ActivationQuantization> report;
    const int64_t levels = (int64_t(1) << options.bits) - 1;
    for (size_t i = 0; i < activations.size(); ++i) {
        const auto [low, high] = clippingRange(observed[i], options);
        const auto q = qparamsFor(low, high, options.bits);
        Value* value = activations[i].value;
        Node* first = graph->nodes().front();
        torch::jit::WithInsertPoint guard(value->node()->kind() == c10::prim::Param ? first : value->node()->next());
        Value* quantized = graph->insert(kFakeQuantize, { value, q.scale, q.zeroPoint, int64_t(0), levels });
        value->replaceAllUsesWith(quantized);
        quantized->node()->replaceInput(0, value);
        report.push_back({ activations[i].name, options.bits, low, high, q.scale, q.zeroPoint });
    }
    return report;
}

} // namespace pare::int8
