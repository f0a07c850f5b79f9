// The model-level side of ONNX export: freezing, the shapes (ProbedShapes), the proto and onnx's checker; the graph's
// nodes are converted in io/OnnxExport.cpp. The export is for one input size C,H,W with a dynamic batch, so every
// size the graph computes from its input's shape is known but for the batch: two runs, at batch 1 and 2, tell which
// dimension the batch enters.

#include "io/OnnxExport.h"
#include "io/OnnxProto.h"
#include "model/GraphProbe.h"

#include "pare/BuildConfig.h"
#include "pare/Error.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/frozen_conv_folding.h>
#include <torch/csrc/jit/passes/lower_tuples.h>

#include <algorithm>
#include <set>

namespace pare::onnx_export {

using torch::jit::Node;
using torch::jit::Value;

namespace {

constexpr int kOpset = 13;

bool isTensor(const Value* v)
{
    return v->type()->kind() == c10::TypeKind::TensorType;
}

bool isReshape(const Node* node)
{
    return node->kind() == c10::aten::view || node->kind() == c10::aten::reshape;
}

/// Whether `value` is computed from constants and from tensors' metadata only (sizes, rank, dtype, identity), never
/// from what a tensor holds: such a condition takes the same branch for every input of the export's shape.
bool fromMetadataOnly(const Value* value, std::set<const Value*>& seen)
{
    if (!seen.insert(value).second)
        return true;
    const Node* node = value->node();
    if (node->kind() == c10::prim::Constant)
        return true;
    if (isTensor(value) || !node->blocks().empty() || node->kind() == c10::prim::Param)
        return false;
    static const std::set<c10::Symbol> metadata { c10::aten::size,   c10::aten::dim,    c10::prim::dtype,
                                                  c10::prim::device, c10::aten::__is__, c10::aten::__isnot__,
                                                  c10::aten::len,    c10::prim::layout, c10::prim::requires_grad,
                                                  c10::prim::is_cuda };
    for (const Value* input : node->inputs()) {
        if (isTensor(input) ? !metadata.count(node->kind()) : !fromMetadataOnly(input, seen))
            return false;
    }
    return true;
}

struct ProbeValues
{
    std::map<Value*, std::vector<int64_t>> shapes;
    std::map<Value*, c10::IValue> numbers;
};

/// Every tensor's shape, and every number computed from metadata only, on zeros of `shape`; the extra outputs are
/// removed again.
ProbeValues run(torch::jit::Module& frozen,
                const std::shared_ptr<torch::jit::Graph>& graph,
                const std::vector<int64_t>& shape,
                const std::string& origin)
{
    std::vector<Value*> probes;
    for (auto* node : graph->nodes())
        for (auto* v : node->outputs()) {
            const auto kind = v->type()->kind();
            std::set<const Value*> seen;
            if (isTensor(v)
                || ((kind == c10::TypeKind::IntType || kind == c10::TypeKind::FloatType) && fromMetadataOnly(v, seen)))
                probes.push_back(v);
        }
    const auto run = runWithExtraOutputs(frozen, graph, torch::zeros(shape), probes);
    if (!run.failure.empty())
        throw inputError(origin,
                         "cannot export to ONNX: the model does not run on input of shape "
                             + c10::str(c10::IntArrayRef(shape)) + " (" + run.failure + "); nothing was written");
    ProbeValues values;
    for (size_t i = 0; i < probes.size(); ++i) {
        if (run.values[i].isTensor())
            values.shapes[probes[i]] = run.values[i].toTensor().sizes().vec();
        else if (run.values[i].isInt() || run.values[i].isDouble())
            values.numbers[probes[i]] = run.values[i];
    }
    return values;
}

} // namespace

void specializeBranches(torch::jit::Module& frozen,
                        std::shared_ptr<torch::jit::Graph> graph,
                        const std::vector<int64_t>& inputShape,
                        const std::string& origin)
{
    // Outer branches first: resolving one makes the branches inside it top-level for the next round.
    for (int round = 0; round < 64; ++round) {
        std::vector<Node*> branches;
        std::vector<Value*> conditions;
        for (auto* node : graph->nodes()) {
            std::set<const Value*> seen;
            if (node->kind() == c10::prim::If && node->input(0)->node()->kind() != c10::prim::Constant
                && fromMetadataOnly(node->input(0), seen)) {
                branches.push_back(node);
                conditions.push_back(node->input(0));
            }
        }
        if (branches.empty())
            return;
        auto shape = inputShape;
        shape.insert(shape.begin(), 1);
        const auto one = runWithExtraOutputs(frozen, graph, torch::zeros(shape), conditions);
        shape[0] = 2;
        const auto two = runWithExtraOutputs(frozen, graph, torch::zeros(shape), conditions);
        if (!one.failure.empty() || !two.failure.empty())
            throw inputError(origin,
                             "cannot export to ONNX: the model does not run on input of shape "
                                 + c10::str(c10::IntArrayRef(shape)) + " ("
                                 + (one.failure.empty() ? two.failure : one.failure) + "); nothing was written");
        bool resolved = false;
        for (size_t i = 0; i < branches.size(); ++i) {
            if (!one.values[i].isBool() || !two.values[i].isBool() || one.values[i].toBool() != two.values[i].toBool())
                continue; // the batch decides: left for the converter to refuse if it computes tensors
            torch::jit::WithInsertPoint here(branches[i]);
            branches[i]->replaceInput(0, graph->insertConstant(one.values[i].toBool()));
            resolved = true;
        }
        if (!resolved)
            return;
        torch::jit::ConstantPropagation(graph);
        torch::jit::EliminateDeadCode(graph);
    }
}

ProbedShapes probeShapes(torch::jit::Module& frozen,
                         const std::shared_ptr<torch::jit::Graph>& graph,
                         const std::vector<int64_t>& inputShape,
                         const std::string& origin)
{
    ProbedShapes probed;
    auto shape = inputShape;
    shape.insert(shape.begin(), 1);
    auto one = run(frozen, graph, shape, origin);
    shape[0] = 2;
    auto two = run(frozen, graph, shape, origin);
    probed.one = std::move(one.shapes);
    probed.two = std::move(two.shapes);
    for (const auto& [value, number] : one.numbers) // the same at batch 1 and 2: a constant of the export
        if (const auto other = two.numbers.find(value); other != two.numbers.end() && other->second == number)
            probed.numbers[value] = number;
    // From the last node back: a node whose every output is read only as a reshape's sizes, or by such nodes.
    const std::vector<Node*> nodes(graph->nodes().begin(), graph->nodes().end());
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        auto* node = *it;
        if (node->kind() == c10::prim::Constant || node->outputs().empty() || !node->blocks().empty())
            continue;
        bool onlySizes = true, read = false; // an unread output (aten::append's) says nothing about what it does
        for (auto* output : node->outputs())
            for (const auto& use : output->uses()) {
                read = true;
                onlySizes = onlySizes && ((isReshape(use.user) && use.offset == 1) || probed.sizeOnly.count(use.user));
            }
        onlySizes = onlySizes && read;
        if (onlySizes)
            probed.sizeOnly.insert(node);
    }
    return probed;
}

/// Makes the graph take NHWC, as the model it was imported from did: the input is declared [N,H,W,C] and one
/// Transpose at the start gives every node the NCHW tensor it was written for.
void takeChannelsLast(onnx::GraphProto& graph)
{
    const std::string nchw = "input_nchw";
    for (auto& node : *graph.mutable_node())
        for (auto& name : *node.mutable_input())
            if (name == "input")
                name = nchw;
    onnx::NodeProto transpose;
    transpose.set_op_type("Transpose");
    transpose.set_name("input_to_nchw");
    transpose.add_input("input");
    transpose.add_output(nchw);
    attr(transpose, "perm", std::vector<int64_t> { 0, 3, 1, 2 });
    auto* nodes = graph.mutable_node();
    nodes->Add(std::move(transpose));
    std::rotate(nodes->begin(), nodes->end() - 1, nodes->end());
    auto* shape = graph.mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
    const auto channels = shape->dim(1);
    for (int i = 1; i < 3; ++i)
        *shape->mutable_dim(i) = shape->dim(i + 1);
    *shape->mutable_dim(3) = channels;
}

std::string exportModel(const Model::Impl& model, const std::vector<int64_t>& inputShape)
{
    if (inputShape.size() != 3)
        throw inputError(model.origin,
                         "cannot export to ONNX without an input shape C,H,W (the model has no "
                         "pare.json record; give --input-shape)");
    if (!model.record.output.empty() && model.record.output != "0")
        throw inputError(model.origin,
                         "its logits are output '" + model.record.output
                             + "', and ONNX export writes a tuple's first output; export .pt or .pare");
    auto module = model.module.clone();
    module.eval();
    torch::jit::Module frozen;
    try {
        frozen = torch::jit::freeze(module);
    } catch (const std::exception& e) {
        throw inputError(model.origin, "cannot export to ONNX: freezing the module failed: " + conciseTorchError(e));
    }
    std::vector<int64_t> outputShape;
    {
        torch::InferenceMode inference;
        outputShape = forward(module, torch::zeros({ 1, inputShape[0], inputShape[1], inputShape[2] })).sizes().vec();
    }
    auto graph = frozen.get_method("forward").graph()->copy();
    torch::jit::FoldFrozenConvBatchnorm(graph);
    torch::jit::ConstantPropagation(graph);
    torch::jit::EliminateDeadCode(graph);
    specializeBranches(frozen, graph, inputShape, model.origin);
    torch::jit::LowerSimpleTuples(graph); // the tuples the resolved branches built and unpacked
    torch::jit::EliminateDeadCode(graph);

    onnx::ModelProto proto;
    proto.set_ir_version(7); // the IR version of opset 13
    proto.set_producer_name("pare");
    proto.set_producer_version(PARE_VERSION);
    auto* opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(kOpset);
    auto* graphProto = proto.mutable_graph();
    graphProto->set_name("pare");
    convertGraph(model.origin, *graphProto, graph, inputShape, outputShape,
                 probeShapes(frozen, graph, inputShape, model.origin));
    if (model.record.layout == InputLayout::Nhwc)
        takeChannelsLast(*graphProto);
    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
        throw std::runtime_error(model.origin + ": the ONNX graph Pare built fails onnx's checker: " + e.what());
    }
    std::string bytes;
    proto.SerializeToString(&bytes);
    return bytes;
}

} // namespace pare::onnx_export
