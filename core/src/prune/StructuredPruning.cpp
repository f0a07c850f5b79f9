// The dependency analysis (prune/ChannelDependencies.h) runs on the module's graph frozen with its parameters kept
// as attributes: control flow on `self.training` and the like is resolved, and every weight still says which
// submodule it belongs to. Channels tied together form classes, removed as a whole; channel spaces tied together
// form groups, each losing the same share of its channels. The edits are made on a clone, checked by a forward pass,
// and only then kept.

#include "prune/StructuredPruning.h"

#include "prune/ChannelDependencies.h"
#include "prune/ChannelIds.h"

#include "pare/Error.h"

#include <torch/csrc/jit/passes/freeze_module.h>

#include <map>
#include <optional>
#include <set>

namespace pare::structured {
namespace {

using torch::jit::Value;

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

/// Calls `visit(graph, node)` for every node of every method of `owner`, nested blocks included.
template <typename Visit> void forEachNode(const torch::jit::Module& owner, Visit&& visit)
{
    for (const auto& method : owner.get_methods()) {
        auto graph = method.graph();
        std::vector<torch::jit::Block*> blocks { graph->block() };
        while (!blocks.empty()) {
            auto* block = blocks.back();
            blocks.pop_back();
            for (auto* node : block->nodes()) {
                blocks.insert(blocks.end(), node->blocks().begin(), node->blocks().end());
                visit(*graph, node);
            }
        }
    }
}

/// A depthwise convolution's `groups` is a constant of its module's compiled code, shared by every module of the
/// same type. It becomes `weight.size(0)`, which is what it was for all of them and stays right after pruning.
void groupsFollowWeight(torch::jit::Module& module, const std::string& weightPath, const std::string& origin)
{
    auto owner = ownerOf(module, weightPath).first;
    bool rewritten = false;
    forEachNode(owner, [&](torch::jit::Graph& graph, torch::jit::Node* node) {
        const std::string op = node->kind().toQualString();
        const bool full = op == "aten::_convolution";
        if (!full && op != "aten::conv1d" && op != "aten::conv2d" && op != "aten::conv3d")
            return;
        auto* groups = node->input(full ? 8 : 6);
        rewritten = rewritten || groups->node()->kind() == c10::aten::size; // another module of the type
        const auto value = torch::jit::toIValue(groups);
        if (!value || value->toInt() <= 1)
            return;
        torch::jit::WithInsertPoint guard(node);
        auto* size = graph.insert(c10::aten::size, { node->input(1), 0 });
        node->replaceInput(full ? 8 : 6, size);
        rewritten = true;
    });
    if (!rewritten)
        throw inputError(origin,
                         "cannot prune filters: the depthwise convolution of " + weightPath
                             + " is not in its own module's code; the model was not changed");
}

/// A LayerNorm's `normalized_shape` is a constant of its module's code too ([C], before the weight among the
/// arguments of `layer_norm`); it becomes `[input.size(-1)]`, right for every module of the type before and after.
void normalizedShapeFollowsInput(torch::jit::Module& module, const std::string& weightPath, const std::string& origin)
{
    const auto [owner, name] = ownerOf(module, weightPath);
    bool rewritten = false;
    forEachNode(owner, [&, name = name](torch::jit::Graph& graph, torch::jit::Node* node) {
        for (size_t i = 2; i < node->inputs().size(); ++i) {
            const auto* read = node->input(i)->node();
            if (read->kind() != c10::prim::GetAttr || read->s(c10::attr::name) != name
                || read->input() != graph.inputs()[0])
                continue;
            auto* shape = node->input(i - 1)->node();
            if (shape->kind() == c10::prim::ListConstruct && shape->inputs().size() == 1
                && shape->input(0)->node()->kind() == c10::aten::size) {
                rewritten = true; // another module of the type
                continue;
            }
            const auto constant = constantIntList(node->input(i - 1));
            if (!constant || constant->size() != 1)
                continue;
            torch::jit::WithInsertPoint guard(node);
            auto* size = graph.insert(c10::aten::size, { node->input(i - 2), -1 });
            auto* list = graph.insertNode(graph.createList(c10::IntType::get(), { size }))->output();
            node->replaceInput(i - 1, list);
            rewritten = true;
        }
    });
    if (!rewritten)
        throw inputError(origin,
                         "cannot prune filters: the layer norm of " + weightPath
                             + " is not in its own module's code; the model was not changed");
}

/// Rewrites the size a view or reshape gives a channel dimension as a number (FixedReshape) into -1, so that it
/// follows the kept channels; the node is found in `module`'s code by the source range it shares with the frozen
/// node. With `apply` false, only says whether that is possible: found, and no other size is -1 already.
bool rewriteFixedReshape(const torch::jit::Module& module, const FixedReshape& fixed, bool apply)
{
    bool found = false, possible = true;
    std::set<const torch::jit::Graph*> seen;
    for (const auto& item : module.named_modules())
        forEachNode(item.value, [&](torch::jit::Graph& graph, torch::jit::Node* node) {
            const auto& range = node->sourceRange();
            if (node->kind() != fixed.kind || !range.source() || range.start() != fixed.start
                || range.end() != fixed.end || range.text().str() != fixed.text || node->inputs().size() < 2
                || !seen.insert(&graph).second)
                return;
            found = true;
            auto* sizes = node->input(1);
            std::vector<torch::jit::Value*> elements;
            if (sizes->node()->kind() == c10::prim::ListConstruct) {
                elements.assign(sizes->node()->inputs().begin(), sizes->node()->inputs().end());
            } else if (const auto constant = constantIntList(sizes)) {
                torch::jit::WithInsertPoint guard(node);
                for (const auto size : *constant)
                    elements.push_back(graph.insertConstant(size));
            }
            int minusOnes = 0;
            for (size_t i = 0; i < elements.size(); ++i)
                if (const auto value = torch::jit::toIValue(elements[i]);
                    value && value->isInt() && value->toInt() == -1)
                    minusOnes += i == size_t(fixed.dim) ? 0 : 1;
            if (size_t(fixed.dim) >= elements.size() || minusOnes > 0) {
                possible = false;
                return;
            }
            if (!apply)
                return;
            torch::jit::WithInsertPoint guard(node);
            elements[size_t(fixed.dim)] = graph.insertConstant(int64_t(-1));
            node->replaceInput(1, graph.insertNode(graph.createList(c10::IntType::get(), elements))->output());
        });
    return found && possible;
}

/// An attention layer that lost heads: its settings follow its weights. A traced one's code holds `num_heads` as a
/// constant: the constant changes (head_dim = embed_dim / num_heads stays, as embed_dim loses as many channels).
void attentionFollowsHeads(torch::jit::Module& module, const AttentionUnit& unit, int64_t headsLeft)
{
    auto owner = ownerOf(module, unit.path + ".num_heads").first;
    if (!owner.hasattr("num_heads")) {
        auto* count = tracedHeadCount(owner);
        if (!count)
            throw std::logic_error(unit.path
                                   + ": a traced attention layer lost heads, but its code holds no head count");
        auto* graph = count->owningGraph();
        torch::jit::WithInsertPoint first(graph->block()->nodes().front());
        const auto old = torch::jit::toIValue(count)->toTensor();
        count->replaceAllUsesWith(graph->insertConstant(torch::full({}, headsLeft, old.options())));
        return;
    }
    const auto width = headsLeft * unit.headDim;
    owner.setattr("num_heads", headsLeft);
    for (const char* name : { "embed_dim", "kdim", "vdim" })
        owner.setattr(name, width);
}

/// Per-channel scores of every node, higher keeps it. By weights: the L1 norm of the filter that writes the channel.
/// By activation: the frozen graph is run on calibration images with each space's last measured value added as an
/// output; mean activation, or 1 - APoZ, the share of non-zero activations (Hu et al. 2016).
torch::Tensor nodeScores(ChannelDependencies& dependencies,
                         torch::jit::Module& original,
                         torch::jit::Module& frozen,
                         std::optional<ActivationCriterion> criterion,
                         const torch::Tensor& images)
{
    auto scores = torch::zeros({ dependencies.nodeCount() });
    const auto& spaces = dependencies.spaces();
    for (size_t s = 1; s < spaces.size(); ++s) {
        const auto w = tensorAt(original, spaces[s].weightPath);
        // A packed projection holds several rows per channel (attention's query, key and value): all of them count.
        const auto rows = w.abs().flatten(1).sum(1);
        scores.narrow(0, spaces[s].first, spaces[s].size).copy_(rows.reshape({ -1, spaces[s].size }).sum(0));
    }
    if (!criterion)
        return scores;
    auto graph = frozen.get_method("forward").graph();
    std::vector<size_t> measured;
    std::vector<Value*> outputs { graph->outputs()[0] };
    for (size_t s = 1; s < spaces.size(); ++s)
        if (!spaces[s].values.empty()) {
            measured.push_back(s);
            outputs.push_back(spaces[s].values.back());
        }
    while (!graph->outputs().empty()) // the analysis's extra outputs are no longer needed
        graph->eraseOutput(0);
    auto* tuple = graph->insertNode(graph->createTuple(outputs));
    graph->registerOutput(tuple->output());
    torch::jit::GraphFunction probe("probe", graph, nullptr);
    std::vector<torch::Tensor> sums(measured.size());
    torch::InferenceMode inference;
    const int64_t batch = inferenceBatchFor(images.size(0) > 0 ? images[0].numel() : 0);
    for (int64_t begin = 0; begin < images.size(0); begin += batch) {
        torch::jit::Stack stack { frozen._ivalue(), images.slice(0, begin, std::min(images.size(0), begin + batch)) };
        probe.run(stack);
        const auto results = stack.back().toTupleRef().elements();
        for (size_t i = 0; i < measured.size(); ++i) {
            auto a = results[i + 1].toTensor();
            // [channels, everything else]: convolutions' channels are dimension 1, linear layers' the last.
            a = spaces[measured[i]].convolution ? a.transpose(0, 1).flatten(1) : a.flatten(0, -2).t();
            if (spaces[measured[i]].values.size() == 1)
                a = a.abs(); // a layer output no activation follows: its magnitude is what reaches the next layer
            const auto value = *criterion == ActivationCriterion::Apoz ? a.ne(0).to(torch::kFloat).mean(1) : a.mean(1);
            sums[i] = sums[i].defined() ? sums[i] + value : value;
        }
    }
    for (size_t i = 0; i < measured.size(); ++i) {
        const auto& space = spaces[measured[i]];
        if (sums[i].defined() && sums[i].size(0) == space.size)
            scores.narrow(0, space.first, space.size).copy_(sums[i]);
    }
    return scores;
}

/// Channels tied together, removed as a whole.
struct Class
{
    std::vector<int64_t> nodes;
    double score = 0;
};
using Groups = std::map<int, std::map<int64_t, Class>>; ///< group -> class root -> members

/// How many classes the groups tied to attention layers lose. PyTorch's attention needs its heads' width to equal the
/// width it reads, so each layer loses `round(ratio * heads)` whole heads (at least one stays) and the channels it
/// reads lose exactly `heads removed * head_dim`. Layers reading the same channels must agree; where they do not,
/// or where those channels are kept by something else, nothing of them is removed.
std::map<int, int64_t> attentionTargets(ChannelDependencies& dependencies, const Groups& groups, double ratio)
{
    std::map<int, int64_t> targets;
    std::map<int, std::vector<const AttentionUnit*>> byTrunk;
    for (const auto& unit : dependencies.attentionUnits())
        if (!unit.broken && unit.query && !unit.trunk.empty())
            byTrunk[dependencies.spaceGroup(dependencies.spaceOf(unit.trunk[0]))].push_back(&unit);
    for (const auto& [trunkGroup, units] : byTrunk) {
        int64_t width = -1;
        bool agree = true;
        std::vector<std::pair<int, int64_t>> heads;
        for (const auto* unit : units) {
            const int headGroup = dependencies.spaceGroup(unit->headSpace);
            const auto& space = dependencies.spaces()[size_t(unit->headSpace)];
            const bool free = dependencies.root(space.first) != ChannelDependencies::kPinned;
            const int64_t h = free ? std::min<int64_t>(std::llround(ratio * double(unit->heads)), unit->heads - 1) : 0;
            heads.emplace_back(headGroup, h);
            agree = agree && (width < 0 || width == h * unit->headDim);
            width = h * unit->headDim;
            // Every channel it reads must be free and a class of its own, so that classes count channels.
            std::set<int64_t> roots;
            for (const auto n : unit->trunk)
                roots.insert(dependencies.root(n));
            agree = agree && !roots.count(ChannelDependencies::kPinned) && roots.size() == unit->trunk.size();
        }
        const auto trunk = groups.find(trunkGroup);
        if (!agree || trunk == groups.end() || width >= int64_t(units.front()->trunk.size()))
            width = 0;
        targets[trunkGroup] = width;
        for (const auto& [group, h] : heads)
            targets[group] = width == 0 ? 0 : h;
    }
    return targets;
}

/// Which nodes go: in every group of tied channel spaces, the lowest-scoring classes of tied channels, until the
/// `ratio` share of the group's free channels is reached; each space keeps at least one channel.
std::vector<bool> chooseRemoved(ChannelDependencies& dependencies, const torch::Tensor& scores, double ratio)
{
    const auto& spaces = dependencies.spaces();
    Groups groups;
    for (size_t s = 1; s < spaces.size(); ++s)
        for (int64_t n = spaces[s].first; n < spaces[s].first + spaces[s].size; ++n) {
            const auto root = dependencies.root(n);
            if (root == ChannelDependencies::kPinned)
                continue;
            auto& c = groups[dependencies.spaceGroup(int(s))][root];
            c.nodes.push_back(n);
            c.score += scores[n].item<double>();
        }
    const auto exact = attentionTargets(dependencies, groups, ratio);
    std::vector<bool> removed(size_t(dependencies.nodeCount()), false);
    std::vector<int64_t> left(spaces.size());
    for (size_t s = 0; s < spaces.size(); ++s)
        left[s] = spaces[s].size;
    for (auto& [group, classes] : groups) {
        int64_t free = 0;
        std::vector<Class*> order;
        for (auto& [root, c] : classes) {
            free += int64_t(c.nodes.size());
            c.score /= double(c.nodes.size());
            order.push_back(&c);
        }
        // Groups tied to an attention layer lose an exact number of classes; the others a share of their channels.
        const auto exactClasses = exact.find(group);
        const auto target = exactClasses != exact.end() ? exactClasses->second : std::llround(ratio * double(free));
        std::stable_sort(order.begin(), order.end(),
                         [](const Class* a, const Class* b) { return a->score < b->score; });
        int64_t gone = 0;
        for (auto* c : order) {
            const int64_t size = exactClasses != exact.end() ? 1 : int64_t(c->nodes.size());
            if (gone + size > target)
                continue;
            std::map<int, int64_t> perSpace;
            for (auto n : c->nodes)
                ++perSpace[dependencies.spaceOf(n)];
            bool keepsOne = true;
            for (const auto& [space, count] : perSpace)
                keepsOne = keepsOne && left[size_t(space)] > count;
            if (!keepsOne)
                continue;
            for (const auto& [space, count] : perSpace)
                left[size_t(space)] -= count;
            for (auto n : c->nodes)
                removed[size_t(n)] = true;
            gone += size;
        }
    }
    return removed;
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
    if (shape.size() != 3)
        throw inputError(model.origin(), "cannot prune filters: the input shape (C,H,W) is not known");

    torch::jit::Module frozen;
    try {
        frozen = torch::jit::freeze_module(original, {}, /*freezeInterfaces=*/true, /*preserveParameters=*/true);
    } catch (const std::exception& e) {
        throw inputError(model.origin(), "cannot prune filters: freezing the graph failed: " + conciseTorchError(e));
    }
    ChannelDependencies dependencies(frozen, original, shape, model.origin());
    for (const auto& fixed : dependencies.fixedReshapes())
        if (!rewriteFixedReshape(original, fixed, /*apply=*/false))
            dependencies.pin(fixed.ids); // the code that fixes the size is not found: those channels stay
    const auto scores = nodeScores(dependencies, original, frozen, byActivation, calibration);
    const auto removed = chooseRemoved(dependencies, scores, ratio);

    // The edits go to a copy, which replaces the model only after a forward pass shows it still works. A copy with
    // class types of its own: deepcopy() shares them, and the rewrites below edit their code (depthwise groups,
    // normalized shapes, reshapes, heads), which would change the model it came from and every other copy of it too
    // (a search's next candidate, the studio's next preview, failed on MobileNetV2 with an internal error).
    torch::NoGradGuard noGrad; // the copies must be leaves, or no optimizer takes them (as in Model::clone)
    torch::jit::Module pruned;
    {
        std::stringstream buffer;
        original.save(buffer);
        pruned = torch::jit::load(buffer);
    }
    for (auto p : pruned.parameters())
        p.requires_grad_(true);
    bool changed = false, codeRewritten = false;
    for (const auto& slice : dependencies.slices()) {
        std::vector<int64_t> kept, gone;
        for (size_t i = 0; i < slice.nodes.size(); ++i)
            (removed[size_t(slice.nodes[i])] ? gone : kept).push_back(int64_t(i));
        if (kept.size() == slice.nodes.size())
            continue;
        const auto t = tensorAt(pruned, slice.path);
        if (!t.defined() || t.size(slice.dim) != int64_t(slice.nodes.size()))
            throw inputError(model.origin(),
                             "cannot prune filters: " + slice.path + " does not have the "
                                 + std::to_string(slice.nodes.size())
                                 + " channels its graph shows; the model was not changed");
        setTensor(pruned, slice.path, t.index_select(slice.dim, torch::tensor(kept, torch::kLong)));
        outcome.removed.push_back({ slice.path, slice.dim, gone });
        changed = true;
        if (dependencies.depthwiseWeights().count(slice.path)) {
            groupsFollowWeight(pruned, slice.path, model.origin());
            codeRewritten = true;
        }
        if (dependencies.renormalizedWeights().count(slice.path)) {
            normalizedShapeFollowsInput(pruned, slice.path, model.origin());
            outcome.renormalized.push_back(slice.path.substr(0, slice.path.rfind('.')));
            codeRewritten = true;
        }
    }
    for (const auto& fixed : dependencies.fixedReshapes()) {
        const auto ids = fixed.ids.flatten();
        bool loses = false;
        for (int64_t i = 0; i < ids.numel(); ++i)
            loses = loses || removed[size_t(ids[i].item<int64_t>())];
        if (loses) {
            rewriteFixedReshape(pruned, fixed, /*apply=*/true);
            codeRewritten = true;
        }
    }
    for (const auto& unit : dependencies.attentionUnits()) {
        if (unit.broken || !unit.query)
            continue;
        const auto& heads = dependencies.spaces()[size_t(unit.headSpace)];
        int64_t gone = 0;
        for (int64_t n = heads.first; n < heads.first + heads.size; ++n)
            gone += removed[size_t(n)] ? 1 : 0;
        if (gone > 0) {
            attentionFollowsHeads(pruned, unit, unit.heads - gone / unit.headDim);
            outcome.headsRemoved.push_back({ unit.path, gone / unit.headDim, unit.heads });
            codeRewritten = true;
        }
    }
    if (!changed) {
        std::string why = "no channel can be removed";
        if (!dependencies.pinnedBy().empty())
            why += " (kept by " + dependencies.pinnedBy().front() + ")";
        throw inputError(model.origin(), "cannot prune filters: " + why + "; the model was not changed");
    }
    try {
        if (codeRewritten) {
            // Methods already run keep their compiled plans: a round trip through TorchScript's own format
            // compiles the rewritten code afresh (it is what a saved file holds anyway).
            std::stringstream buffer;
            pruned.save(buffer);
            pruned = torch::jit::load(buffer);
        }
        pruned.eval();
        (void)forward(pruned, torch::zeros({ 2, shape[0], shape[1], shape[2] }));
    } catch (const std::exception& e) {
        throw inputError(model.origin(),
                         "cannot prune filters: the rewired module fails (" + conciseTorchError(e)
                             + "); the model was not changed");
    }
    original = pruned;
    for (const auto& w : layerWeights(original))
        outcome.layers.push_back({ w.layer, before.count(w.layer) ? before.at(w.layer) : w.weight.numel(),
                                   w.weight.count_nonzero().item<int64_t>() });
    outcome.parametersAfter = model.parameterCount();
    outcome.keptBy = dependencies.pinnedBy();
    return outcome;
}

} // namespace pare::structured
