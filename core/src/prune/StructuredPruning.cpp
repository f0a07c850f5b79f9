// The dependency analysis runs on the module's graph frozen with its parameters kept as attributes: control flow on
// `self.training` and the like is resolved, and every weight still says which submodule it belongs to. Each output
// of a convolution or linear layer opens a "channel space"; BatchNorm, activations and pooling carry it; flatten
// turns it into features (each channel one block of H*W inputs of the next linear layer); additions tie spaces
// together (residual connections keep or remove the same channels in all of them). The space that reaches the output
// (the logits) is never pruned. The edits are made on a clone, checked by a forward pass, and only then kept.

#include "prune/StructuredPruning.h"

#include "pare/Error.h"

#include <torch/csrc/jit/passes/freeze_module.h>

#include <map>
#include <numeric>
#include <optional>
#include <set>

namespace pare::structured {
namespace {

using torch::jit::Node;
using torch::jit::Value;

/// A parameter or buffer sliced along one dimension when its space loses channels.
struct Slice
{
    std::string path; ///< "layer1.conv1.weight"
    int dim = 0;
    int64_t factor = 1; ///< inputs per channel: H*W for a linear layer after a flatten; -1 until known
};

struct Space
{
    int64_t size = 0;
    std::vector<Slice> producers; ///< weights (and biases) whose rows are the channels
    std::vector<Slice> followers; ///< BatchNorm parameters and statistics, one value per channel
    std::vector<Slice> consumers; ///< weights whose columns read the channels
    bool pinned = false;          ///< reaches the output or something that needs every channel
    std::string layer;            ///< the layer that produces it, for reports
    /// Graph values that carry the channels: the layer's output, and the outputs of activations applied to it
    /// (the last one recorded is what activation-based ranking measures).
    std::vector<Value*> values;
};

/// Where a tensor's channels come from: a space, and whether they are still channels or already flattened.
struct Ref
{
    int space = -1;
    bool flattened = false;
};

/// The submodule that holds `path` ("layer1.conv1.weight") and the attribute's own name ("weight").
std::pair<torch::jit::Module, std::string> ownerOf(const torch::jit::Module& module, const std::string& path)
{
    torch::jit::Module m = module;
    auto rest = path;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
        m = m.attr(rest.substr(0, dot)).toModule();
        rest = rest.substr(dot + 1);
    }
    return { m, rest };
}

/// The tensor at `path`; undefined when the attribute is not a tensor (a bias that is None).
torch::Tensor tensorAt(const torch::jit::Module& module, const std::string& path)
{
    const auto [owner, name] = ownerOf(module, path);
    const auto value = owner.attr(name);
    return value.isTensor() ? value.toTensor() : torch::Tensor();
}

void setTensor(torch::jit::Module& module, const std::string& path, const torch::Tensor& value)
{
    auto [owner, name] = ownerOf(module, path);
    const bool requiresGrad = owner.attr(name).toTensor().requires_grad();
    owner.setattr(name, value.detach().clone().set_requires_grad(requiresGrad));
}

class Analysis
{
public:
    Analysis(const std::string& origin)
        : m_origin(origin)
    {
    }

    void run(const std::shared_ptr<torch::jit::Graph>& graph, const torch::jit::Module& module)
    {
        m_self = graph->inputs()[0];
        m_module = &module;
        for (auto* node : graph->nodes())
            visit(node);
        for (auto* output : graph->outputs())
            if (m_refs.count(output))
                space(m_refs.at(output).space).pinned = true;
    }

    /// The union-find roots with their merged members.
    std::vector<Space> groups()
    {
        std::map<int, Space> merged;
        for (int i = 0; i < int(m_spaces.size()); ++i) {
            auto& into = merged[root(i)];
            const auto& from = m_spaces[size_t(i)];
            into.size = from.size;
            into.pinned = into.pinned || from.pinned;
            into.layer += (into.layer.empty() ? "" : "+") + from.layer;
            into.producers.insert(into.producers.end(), from.producers.begin(), from.producers.end());
            into.followers.insert(into.followers.end(), from.followers.begin(), from.followers.end());
            into.consumers.insert(into.consumers.end(), from.consumers.begin(), from.consumers.end());
            into.values.insert(into.values.end(), from.values.begin(), from.values.end());
        }
        std::vector<Space> out;
        for (auto& [id, s] : merged)
            out.push_back(std::move(s));
        return out;
    }

private:
    [[noreturn]] void refuse(const Node* node, const std::string& problem) const
    {
        std::ostringstream text;
        text << "cannot prune filters: node " << node->kind().toQualString();
        const auto range = node->sourceRange().source() ? node->sourceRange().text().str() : std::string();
        if (!range.empty() && range.size() < 80)
            text << " ('" << range << "')";
        text << ": " << problem << "; the model was not changed";
        throw inputError(m_origin, text.str());
    }

    int root(int id)
    {
        while (m_parent[size_t(id)] != id)
            id = m_parent[size_t(id)] = m_parent[size_t(m_parent[size_t(id)])];
        return id;
    }
    Space& space(int id) { return m_spaces[size_t(root(id))]; }

    int newSpace(int64_t size, const std::string& layer)
    {
        m_spaces.push_back({});
        m_spaces.back().size = size;
        m_spaces.back().layer = layer;
        m_parent.push_back(int(m_parent.size()));
        return int(m_spaces.size()) - 1;
    }

    /// "layer1.conv1.weight" for a chain of prim::GetAttr from self; empty for anything else.
    std::string pathOf(Value* value) const
    {
        std::vector<std::string> parts;
        const Node* node = value->node();
        while (node->kind() == c10::prim::GetAttr) {
            parts.push_back(node->s(c10::attr::name));
            if (node->input(0) == m_self) {
                std::string path;
                for (auto it = parts.rbegin(); it != parts.rend(); ++it)
                    path += (path.empty() ? "" : ".") + *it;
                return path;
            }
            node = node->input(0)->node();
        }
        return {};
    }

    std::optional<Ref> refOf(Value* value) const
    {
        const auto it = m_refs.find(value);
        return it == m_refs.end() ? std::nullopt : std::optional<Ref>(it->second);
    }

    static bool producesTensor(const Node* node)
    {
        for (const auto* output : node->outputs())
            if (output->type()->kind() == c10::TypeKind::TensorType)
                return true;
        return false;
    }

    void layerOutput(Node* node, Value* input, Value* weightValue, Value* biasValue, bool isConv)
    {
        const auto weightPath = pathOf(weightValue);
        if (weightPath.empty())
            refuse(node, "its weight is not a parameter of a submodule");
        const auto weight = tensorAt(*m_module, weightPath);
        if (const auto in = refOf(input)) {
            if (isConv && in->flattened)
                refuse(node, "a convolution reads flattened features");
            space(in->space).consumers.push_back({ weightPath, 1, in->flattened ? -1 : 1 });
        }
        const auto layer = weightPath.substr(0, weightPath.rfind('.'));
        const int id = newSpace(weight.size(0), layer);
        space(id).producers.push_back({ weightPath, 0, 1 });
        space(id).values.push_back(node->output());
        const auto biasPath = pathOf(biasValue);
        if (!biasPath.empty() && tensorAt(*m_module, biasPath).defined())
            space(id).producers.push_back({ biasPath, 0, 1 });
        m_refs[node->output()] = Ref { id, false };
    }

    void visit(Node* node)
    {
        const std::string op = node->kind().toQualString();
        // A list that holds pruned channels (for cat or stack): whatever consumes it is not covered.
        for (auto* input : node->inputs())
            if (m_listsWithChannels.count(input))
                refuse(node, "the dependency analysis does not cover this operation");
        if (node->kind() == c10::prim::ListConstruct || node->kind() == c10::prim::TupleConstruct) {
            for (auto* input : node->inputs())
                if (refOf(input))
                    m_listsWithChannels.insert(node->output());
            return;
        }
        if (!producesTensor(node) || node->kind() == c10::prim::GetAttr || node->kind() == c10::prim::Constant) {
            for (auto* block : node->blocks())
                for (auto* inner : block->nodes())
                    if (producesTensor(inner))
                        refuse(node, "control flow that computes tensors is not covered");
            return;
        }
        if (op == "aten::conv2d" || op == "aten::_convolution") {
            const auto groups = torch::jit::toIValue(node->input(op == "aten::conv2d" ? 6 : 8));
            if (!groups || groups->toInt() != 1)
                refuse(node, "grouped or depthwise convolutions are not covered");
            if (op == "aten::_convolution" && torch::jit::toIValue(node->input(6))->toBool())
                refuse(node, "transposed convolutions are not covered");
            layerOutput(node, node->input(0), node->input(1), node->input(2), true);
            return;
        }
        if (op == "aten::linear") {
            layerOutput(node, node->input(0), node->input(1), node->input(2), false);
            return;
        }
        if (op == "aten::batch_norm") {
            const auto in = refOf(node->input(0));
            if (in) {
                for (int i : { 1, 2, 3, 4 }) {
                    const auto path = pathOf(node->input(i));
                    if (path.empty())
                        refuse(node, "its parameters are not attributes of a submodule");
                    space(in->space).followers.push_back({ path, 0, 1 });
                }
                m_refs[node->output()] = *in;
            }
            return;
        }
        static const std::set<std::string> channelWise { "aten::relu",
                                                         "aten::relu_",
                                                         "aten::sigmoid",
                                                         "aten::sigmoid_",
                                                         "aten::tanh",
                                                         "aten::tanh_",
                                                         "aten::hardtanh",
                                                         "aten::hardtanh_",
                                                         "aten::leaky_relu",
                                                         "aten::leaky_relu_",
                                                         "aten::dropout",
                                                         "aten::dropout_",
                                                         "aten::feature_dropout",
                                                         "aten::max_pool2d",
                                                         "aten::avg_pool2d",
                                                         "aten::adaptive_avg_pool2d",
                                                         "aten::contiguous",
                                                         "aten::clone",
                                                         "aten::detach" };
        if (channelWise.count(op)) {
            if (const auto in = refOf(node->input(0))) {
                m_refs[node->output()] = *in;
                if (!in->flattened && (op == "aten::relu" || op == "aten::relu_"))
                    space(in->space).values.push_back(node->output());
            }
            return;
        }
        if (op == "aten::flatten" || op == "aten::view" || op == "aten::reshape") {
            const auto in = refOf(node->input(0));
            if (!in)
                return;
            bool toBatchByFeatures = false;
            if (op == "aten::flatten") {
                const auto start = torch::jit::toIValue(node->input(1));
                const auto end = torch::jit::toIValue(node->input(2));
                toBatchByFeatures = start && end && start->toInt() == 1 && end->toInt() == -1;
            } else {
                const Node* list = node->input(1)->node();
                const auto constant = torch::jit::toIValue(node->input(1));
                if (constant) {
                    const auto dims = constant->toIntVector();
                    toBatchByFeatures = dims.size() == 2 && dims[1] == -1;
                } else if (list->kind() == c10::prim::ListConstruct && list->inputs().size() == 2) {
                    const auto second = torch::jit::toIValue(list->input(1));
                    toBatchByFeatures
                        = list->input(0)->node()->kind() == c10::aten::size && second && second->toInt() == -1;
                }
            }
            if (!toBatchByFeatures)
                refuse(node, "only flattening to [batch, features] is covered");
            m_refs[node->output()] = { in->space, true };
            return;
        }
        if (op == "aten::add" || op == "aten::add_" || op == "aten::sub" || op == "aten::sub_" || op == "aten::mul"
            || op == "aten::mul_") {
            const auto a = refOf(node->input(0));
            const auto b = refOf(node->input(1));
            const bool bIsTensor = node->input(1)->type()->kind() == c10::TypeKind::TensorType;
            if (a && b) {
                if (a->flattened != b->flattened || space(a->space).size != space(b->space).size)
                    refuse(node, "adds tensors whose channels do not line up");
                // Residual connection: both branches keep or lose the same channels.
                const int ra = root(a->space), rb = root(b->space);
                if (ra != rb)
                    m_parent[size_t(rb)] = ra;
                m_refs[node->output()] = Ref { ra, a->flattened };
            } else if (a && !bIsTensor) {
                m_refs[node->output()] = *a; // times or plus a number
            } else if (a || b) {
                refuse(node, "combines pruned channels with a tensor that has all of them");
            }
            return;
        }
        for (auto* input : node->inputs())
            if (refOf(input))
                refuse(node, "the dependency analysis does not cover this operation");
    }

    std::string m_origin;
    Value* m_self = nullptr;
    const torch::jit::Module* m_module = nullptr;
    std::vector<Space> m_spaces;
    std::vector<int> m_parent;
    std::map<Value*, Ref> m_refs;
    std::set<Value*> m_listsWithChannels;
};

/// Per-channel statistics of the values each group measures, over calibration images: the frozen graph is run with
/// those values added as outputs. Mean activation (higher keeps the channel) or 1 - APoZ, the share of non-zero
/// activations (Hu et al. 2016).
std::vector<torch::Tensor> activationScores(torch::jit::Module& frozen,
                                            std::vector<Space>& groups,
                                            const torch::Tensor& images,
                                            ActivationCriterion criterion)
{
    // The graph is the throwaway frozen copy's: it now returns (logits, probe 1, probe 2, ...) as one tuple.
    auto graph = frozen.get_method("forward").graph();
    std::vector<size_t> probes(groups.size(), SIZE_MAX);
    std::vector<Value*> outputs { graph->outputs()[0] };
    for (size_t g = 0; g < groups.size(); ++g)
        if (!groups[g].values.empty()) {
            probes[g] = outputs.size();
            outputs.push_back(groups[g].values.back());
        }
    graph->eraseOutput(0);
    auto* tuple = graph->insertNode(graph->createTuple(outputs));
    graph->registerOutput(tuple->output());
    torch::jit::GraphFunction probe("probe", graph, nullptr);
    std::vector<torch::Tensor> sums(groups.size());
    torch::InferenceMode inference;
    for (int64_t begin = 0; begin < images.size(0); begin += kInferenceBatch) {
        torch::jit::Stack stack { frozen._ivalue(),
                                  images.slice(0, begin, std::min(images.size(0), begin + kInferenceBatch)) };
        probe.run(stack);
        const auto results = stack.back().toTupleRef().elements();
        for (size_t g = 0; g < groups.size(); ++g) {
            if (probes[g] == SIZE_MAX)
                continue;
            auto a = results[probes[g]].toTensor();
            a = a.dim() == 4 ? a.transpose(0, 1).flatten(1) : a.t(); // [channels, everything else]
            if (groups[g].values.size() == 1)
                a = a.abs(); // a layer output no ReLU follows: its magnitude is what reaches the next layer
            const auto value = criterion == ActivationCriterion::Apoz ? a.ne(0).to(torch::kFloat).mean(1) : a.mean(1);
            sums[g] = sums[g].defined() ? sums[g] + value : value;
        }
    }
    return sums;
}

} // namespace

Outcome pruneFilters(Model& model,
                     double ratio,
                     const std::vector<int64_t>& shape,
                     std::optional<ActivationCriterion> byActivation,
                     const torch::Tensor& calibration)
{
    auto& original = model.impl().module;
    original.eval();
    Outcome outcome;
    outcome.parametersBefore = model.parameterCount();
    std::map<std::string, int64_t> before;
    for (const auto& w : layerWeights(original))
        before[w.layer] = w.weight.numel();

    torch::jit::Module frozen;
    try {
        frozen = torch::jit::freeze_module(original, {}, /*freezeInterfaces=*/true, /*preserveParameters=*/true);
    } catch (const std::exception& e) {
        throw inputError(model.origin(), "cannot prune filters: freezing the graph failed: " + conciseTorchError(e));
    }
    Analysis analysis(model.origin());
    analysis.run(frozen.get_method("forward").graph(), frozen);

    // The edits go to a clone, which replaces the model only after a forward pass shows it still works.
    torch::NoGradGuard noGrad; // the copies must be leaves, or no optimizer takes them (as in Model::clone)
    auto pruned = original.deepcopy();
    for (auto p : pruned.parameters())
        p.requires_grad_(true);
    auto groups = analysis.groups();
    std::vector<torch::Tensor> activations;
    if (byActivation)
        activations = activationScores(frozen, groups, calibration, *byActivation);
    for (size_t g = 0; g < groups.size(); ++g) {
        auto& group = groups[g];
        if (group.pinned || group.size < 2 || group.producers.empty())
            continue;
        const int64_t keep = std::max<int64_t>(1, group.size - std::llround(ratio * double(group.size)));
        if (keep == group.size)
            continue;
        torch::Tensor score;
        if (byActivation && activations[g].defined() && activations[g].size(0) == group.size) {
            score = activations[g];
        } else {
            // L1 norm of each channel's filters, summed over every layer that writes the channel (residual groups).
            score = torch::zeros({ group.size });
            for (const auto& p : group.producers) {
                const auto w = tensorAt(original, p.path);
                score += w.dim() > 1 ? w.abs().flatten(1).sum(1) : w.abs();
            }
        }
        const auto kept = std::get<0>(std::get<1>(score.topk(keep)).sort());
        // Slices apply to the clone as earlier groups left it (a layer is a producer of one group and a consumer of
        // another); the scores above come from the untouched original.
        for (const auto& p : group.producers)
            setTensor(pruned, p.path, tensorAt(pruned, p.path).index_select(0, kept));
        for (const auto& f : group.followers)
            setTensor(pruned, f.path, tensorAt(pruned, f.path).index_select(0, kept));
        for (const auto& c : group.consumers) {
            const auto w = tensorAt(pruned, c.path);
            const int64_t factor = c.factor > 0 ? c.factor : w.size(1) / group.size;
            if (factor * group.size != w.size(1))
                throw inputError(model.origin(),
                                 "cannot prune filters: " + c.path + " reads " + std::to_string(w.size(1))
                                     + " inputs, not a multiple of the " + std::to_string(group.size) + " channels of "
                                     + group.layer + "; the model was not changed");
            auto columns = kept;
            if (factor > 1)
                columns = (kept.unsqueeze(1) * factor + torch::arange(factor).unsqueeze(0)).flatten();
            setTensor(pruned, c.path, w.index_select(1, columns));
        }
    }
    if (shape.size() == 3) {
        try {
            pruned.eval();
            (void)pruned.forward({ torch::zeros({ 2, shape[0], shape[1], shape[2] }) });
        } catch (const std::exception& e) {
            throw inputError(model.origin(),
                             "cannot prune filters: the rewired module fails (" + conciseTorchError(e)
                                 + "); the model was not changed");
        }
    }
    original = pruned;
    for (const auto& w : layerWeights(original))
        outcome.layers.push_back({ w.layer, before.count(w.layer) ? before.at(w.layer) : w.weight.numel(),
                                   w.weight.count_nonzero().item<int64_t>() });
    outcome.parametersAfter = model.parameterCount();
    return outcome;
}

} // namespace pare::structured
