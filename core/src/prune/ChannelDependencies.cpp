#include "prune/ChannelDependencies.h"

#include "prune/ChannelIds.h"

#include "pare/Error.h"

#include <algorithm>

namespace pare::structured {
namespace {

using torch::jit::Node;
using torch::jit::Value;

/// The op's name without namespace and without the trailing underscore of its in-place form: "relu" for aten::relu_.
std::string baseName(const Node* node)
{
    std::string name = node->kind().toUnqualString();
    if (name.size() > 1 && name.back() == '_' && name[name.size() - 2] != '_')
        name.pop_back();
    return name;
}

const std::set<std::string> kElementwise { "relu",
                                           "relu6",
                                           "hardtanh",
                                           "hardswish",
                                           "hardsigmoid",
                                           "silu",
                                           "gelu",
                                           "sigmoid",
                                           "tanh",
                                           "leaky_relu",
                                           "elu",
                                           "selu",
                                           "celu",
                                           "mish",
                                           "softplus",
                                           "dropout",
                                           "feature_dropout",
                                           "alpha_dropout",
                                           "feature_alpha_dropout",
                                           "contiguous",
                                           "clone",
                                           "detach",
                                           "clamp",
                                           "clamp_min",
                                           "clamp_max",
                                           "abs",
                                           "neg",
                                           "exp",
                                           "sqrt",
                                           "rsqrt",
                                           "square",
                                           "pow",
                                           "to",
                                           "log_sigmoid",
                                           "erf" };
const std::set<std::string> kBinary { "add", "sub", "rsub", "mul", "div", "maximum", "minimum" };
/// Read sizes, not values: removing channels changes nothing they mean.
const std::set<std::string> kShapeQueries { "size", "dim", "len", "numel", "format", "warn", "__is__", "__isnot__" };

} // namespace

ChannelDependencies::ChannelDependencies(torch::jit::Module& frozen,
                                         const torch::jit::Module& original,
                                         const std::vector<int64_t>& inputShape,
                                         const std::string& origin)
    : m_origin(origin)
    , m_module(&frozen)
{
    m_parent.push_back(kPinned);
    m_nodeSpace.push_back(0);
    m_spaces.push_back({ "pinned", {}, 0, 1, false, {} });
    m_spaceParent.push_back(0);
    findAttentionModules(original);
    record(frozen, inputShape);
    auto graph = frozen.get_method("forward").graph();
    m_self = graph->inputs()[0];
    for (auto* node : graph->nodes())
        visit(node);
    for (auto& unit : m_units)
        if (!unit.broken && unit.query && !unit.adopted) // its output projection's channels must not go alone
            breakAttention(unit, "its output is not read in a way the analysis follows");
    for (size_t i = 0; i < graph->outputs().size(); ++i)
        if (i < m_realOutputs || !coveredByAttention(graph->outputs()[i]))
            pinValue(graph->outputs()[i]);
    for (const auto& slice : m_slices)
        if (m_pinnedPaths.count(slice.path))
            for (const auto node : slice.nodes)
                tie(node, kPinned);
}

int64_t ChannelDependencies::root(int64_t node)
{
    while (m_parent[size_t(node)] != node)
        node = m_parent[size_t(node)] = m_parent[size_t(m_parent[size_t(node)])];
    return node;
}

int ChannelDependencies::spaceGroup(int space)
{
    while (m_spaceParent[size_t(space)] != space)
        space = m_spaceParent[size_t(space)] = m_spaceParent[size_t(m_spaceParent[size_t(space)])];
    return space;
}

void ChannelDependencies::tie(int64_t a, int64_t b)
{
    const auto ra = root(a), rb = root(b);
    if (ra != rb)
        m_parent[size_t(std::max(ra, rb))] = std::min(ra, rb); // the pinned node (0) stays a root
    const int sa = spaceGroup(m_nodeSpace[size_t(a)]), sb = spaceGroup(m_nodeSpace[size_t(b)]);
    if (sa != sb && sa != 0 && sb != 0) // ties to the pinned node do not join its "space"
        m_spaceParent[size_t(std::max(sa, sb))] = std::min(sa, sb);
}

void ChannelDependencies::tie(const torch::Tensor& a, const torch::Tensor& b)
{
    const auto both = torch::broadcast_tensors({ a, b });
    const auto pairs = std::get<0>(at::unique_dim(torch::stack({ both[0].flatten(), both[1].flatten() }, 1), 0));
    const auto* p = pairs.data_ptr<int64_t>();
    for (int64_t i = 0; i < pairs.size(0); ++i)
        tie(p[2 * i], p[2 * i + 1]);
}

void ChannelDependencies::pin(const torch::Tensor& ids)
{
    const auto unique = std::get<0>(at::_unique(ids.flatten()));
    for (int64_t i = 0; i < unique.numel(); ++i)
        tie(unique.data_ptr<int64_t>()[i], kPinned);
}

void ChannelDependencies::pinValue(Value* value)
{
    if (const auto* ids = idsOf(value))
        pin(*ids);
    const auto path = pathOf(value);
    if (!path.empty())
        m_pinnedPaths.insert(path);
    if (m_items.count(value))
        for (auto* item : m_items.at(value))
            pinValue(item);
}

torch::Tensor
ChannelDependencies::newNodes(int64_t count, const std::string& layer, const std::string& weightPath, bool convolution)
{
    const int64_t first = int64_t(m_parent.size());
    const int space = int(m_spaces.size());
    for (int64_t i = 0; i < count; ++i) {
        m_parent.push_back(first + i);
        m_nodeSpace.push_back(space);
    }
    m_spaces.push_back({ layer, weightPath, first, count, convolution, {} });
    m_spaceParent.push_back(space);
    return torch::arange(first, first + count, torch::kLong);
}

std::vector<int64_t> ChannelDependencies::shapeOf(Value* value) const
{
    const auto it = m_shapes.find(value);
    return it == m_shapes.end() ? std::vector<int64_t>() : it->second;
}

const torch::Tensor* ChannelDependencies::idsOf(Value* value) const
{
    const auto it = m_ids.find(value);
    return it == m_ids.end() ? nullptr : &it->second;
}

void ChannelDependencies::setIds(Value* value, torch::Tensor ids)
{
    m_ids[value] = compress(std::move(ids));
}

std::vector<int64_t> ChannelDependencies::alongDim(Value* value, int64_t dim)
{
    const auto* ids = idsOf(value);
    const auto shape = shapeOf(value);
    if (!ids || dim >= int64_t(shape.size()))
        return {};
    return collapse(alignRank(*ids, int64_t(shape.size())), dim, shape[size_t(dim)]);
}

std::vector<int64_t> ChannelDependencies::collapse(const torch::Tensor& ids, int64_t dim, int64_t size)
{
    auto rows = ids.movedim(dim, 0).reshape({ ids.size(dim), -1 });
    if (rows.size(1) > 1)
        tie(rows, rows.narrow(1, 0, 1));
    auto nodes = rows.select(1, 0).contiguous();
    if (nodes.size(0) == 1 && size > 1)
        nodes = nodes.expand({ size }).contiguous();
    return { nodes.data_ptr<int64_t>(), nodes.data_ptr<int64_t>() + nodes.numel() };
}

void ChannelDependencies::addSlice(const std::string& path, int dim, const std::vector<int64_t>& nodes)
{
    // Optional parameters (a bias that is None) appear in the graph too.
    torch::jit::Module owner = *m_module;
    auto name = path;
    for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.')) {
        owner = owner.attr(name.substr(0, dot)).toModule();
        name = name.substr(dot + 1);
    }
    if (!owner.hasattr(name) || !owner.attr(name).isTensor())
        return;
    const auto key = std::make_pair(path, dim);
    if (const auto it = m_sliceIndex.find(key); it != m_sliceIndex.end()) {
        const auto& earlier = m_slices[it->second].nodes;
        if (earlier.size() != nodes.size()) {
            m_pinnedPaths.insert(path);
            return;
        }
        for (size_t i = 0; i < nodes.size(); ++i)
            tie(earlier[i], nodes[i]); // a parameter used twice: both uses keep the same channels
        return;
    }
    m_sliceIndex[key] = m_slices.size();
    m_slices.push_back({ path, dim, nodes });
}

std::string ChannelDependencies::pathOf(Value* value) const
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

std::string ChannelDependencies::describe(const Node* node) const
{
    std::string text = node->kind().toQualString();
    const auto range = node->sourceRange().source() ? node->sourceRange().text().str() : std::string();
    if (!range.empty() && range.size() < 80 && range.find('\n') == std::string::npos)
        text += " ('" + range + "')";
    return text;
}

void ChannelDependencies::pinUnfollowed(Node* node, const std::string& why)
{
    bool pinned = false;
    for (auto* input : node->inputs()) {
        pinned = pinned || idsOf(input) || m_items.count(input);
        pinValue(input);
    }
    // Parameters read inside the node's blocks (a loop) are read there in ways nobody followed.
    std::vector<torch::jit::Block*> blocks(node->blocks().begin(), node->blocks().end());
    while (!blocks.empty()) {
        auto* block = blocks.back();
        blocks.pop_back();
        for (auto* inner : block->nodes()) {
            for (auto* v : inner->inputs()) {
                pinned = pinned || idsOf(v);
                pinValue(v);
            }
            blocks.insert(blocks.end(), inner->blocks().begin(), inner->blocks().end());
        }
    }
    if (pinned && m_pinnedBy.size() < 8) {
        const auto text = describe(node) + ": " + why;
        if (std::find(m_pinnedBy.begin(), m_pinnedBy.end(), text) == m_pinnedBy.end())
            m_pinnedBy.push_back(text);
    }
}

void ChannelDependencies::visitLayer(
    Node* node, Value* input, Value* weightValue, Value* biasValue, int64_t groups, bool isConv)
{
    const auto weightPath = pathOf(weightValue);
    const auto outShape = shapeOf(node->output());
    if (weightPath.empty() || outShape.empty()) {
        pinUnfollowed(node, "its weight is not a parameter of a submodule");
        return;
    }
    const auto biasPath = pathOf(biasValue);
    const auto layer = weightPath.substr(0, weightPath.rfind('.'));
    const int64_t inDim = isConv ? 1 : int64_t(shapeOf(input).size()) - 1;
    const int64_t outDim = isConv ? 1 : int64_t(outShape.size()) - 1;
    const int64_t inChannels = shapeOf(input).empty() ? 0 : shapeOf(input)[size_t(inDim)];
    const int64_t outChannels = outShape[size_t(outDim)];
    const auto inputNodes = alongDim(input, inDim);
    std::vector<int64_t> idShape(outShape.size(), 1);
    idShape[size_t(outDim)] = outChannels;

    if (isConv && groups > 1 && groups == inChannels && groups == outChannels) {
        // Depthwise: channel c of the output is computed from channel c of the input alone; they go together.
        if (inputNodes.empty()) {
            setIds(node->output(), newNodes(outChannels, layer, weightPath, isConv).reshape(idShape));
        } else {
            addSlice(weightPath, 0, inputNodes);
            if (!biasPath.empty())
                addSlice(biasPath, 0, inputNodes);
            m_depthwise.insert(weightPath);
            setIds(node->output(), torch::tensor(inputNodes, torch::kLong).reshape(idShape));
        }
    } else {
        if (!inputNodes.empty()) {
            // A grouped convolution reads each group's own inputs: every group keeps the same positions, so the
            // number of groups stays and each group shrinks alike.
            const int64_t perGroup = inChannels / groups;
            const auto grouped = torch::tensor(inputNodes, torch::kLong).reshape({ groups, perGroup });
            if (groups > 1)
                tie(grouped, grouped.narrow(0, 0, 1));
            const auto first = grouped.select(0, 0).contiguous();
            addSlice(weightPath, 1, { first.data_ptr<int64_t>(), first.data_ptr<int64_t>() + perGroup });
        }
        auto nodes = newNodes(outChannels, layer, weightPath, isConv);
        if (groups > 1) {
            const auto grouped = nodes.reshape({ groups, outChannels / groups });
            tie(grouped, grouped.narrow(0, 0, 1));
        }
        const std::vector<int64_t> list(nodes.data_ptr<int64_t>(), nodes.data_ptr<int64_t>() + outChannels);
        addSlice(weightPath, 0, list);
        if (!biasPath.empty())
            addSlice(biasPath, 0, list);
        setIds(node->output(), nodes.reshape(idShape));
    }
    m_valueSpace[node->output()] = m_nodeSpace[size_t(idsOf(node->output())->flatten()[0].item<int64_t>())];
    m_spaces[size_t(m_valueSpace[node->output()])].values.push_back(node->output());
}

void ChannelDependencies::visitElementwise(Node* node, const std::vector<Value*>& operands)
{
    const auto outShape = shapeOf(node->output());
    if (outShape.empty() && !operands.empty() && !shapeOf(operands[0]).empty()) {
        pinUnfollowed(node, "its output has no recorded shape");
        return;
    }
    const auto rank = int64_t(outShape.size());
    struct Operand
    {
        torch::Tensor ids; ///< aligned to the output's rank; undefined for parameters
        std::vector<int64_t> real;
        std::string path;
        int64_t ownRank = 0;
    };
    std::vector<Operand> withIds, parameters;
    for (auto* v : operands) {
        const auto real = alignShape(shapeOf(v), size_t(rank));
        int64_t numel = 1;
        for (auto s : real)
            numel *= s;
        if (numel <= 1)
            continue; // a scalar: nothing to tie
        if (const auto* ids = idsOf(v))
            withIds.push_back({ alignRank(*ids, rank), real, {}, 0 });
        else if (const auto path = pathOf(v); !path.empty())
            parameters.push_back({ {}, real, path, int64_t(shapeOf(v).size()) });
        else // a tensor whose channels nobody tracks (computed from the input): it pins what it is paired with
            withIds.push_back(
                { torch::full(std::vector<int64_t>(size_t(rank), 1), kPinned, torch::kLong), real, {}, 0 });
    }
    torch::Tensor out;
    bool anyTracked = false;
    for (auto* v : operands)
        anyTracked = anyTracked || idsOf(v);
    if (!anyTracked)
        return;
    for (const auto& operand : withIds) {
        if (!out.defined()) {
            out = operand.ids;
            continue;
        }
        // Two operands pair up element by element only along dimensions both really have; one that is broadcast
        // along the other's channels (a scalar per position) constrains nothing.
        auto fullAlong = [&](const Operand& o, const torch::Tensor& other) {
            for (int64_t d = 0; d < rank; ++d)
                if ((other.size(d) > 1 || o.ids.size(d) > 1) && o.real[size_t(d)] != outShape[size_t(d)])
                    return false;
            return true;
        };
        Operand current { out, outShape, {}, 0 };
        if (fullAlong(operand, out) && fullAlong(current, operand.ids)) {
            tie(out, operand.ids);
            if (operand.ids.numel() > out.numel())
                out = operand.ids;
        } else if (varyingDims(operand.ids).empty() || varyingDims(out).empty()) {
            if (varyingDims(out).empty())
                out = operand.ids;
        } else {
            pin(out);
            pin(operand.ids);
        }
    }
    if (!out.defined())
        return; // the tracked operands were scalars
    // A parameter combined with tracked channels (layer scale, a position embedding) loses the same channels.
    for (const auto& p : parameters)
        for (int64_t d = 0; d < rank; ++d)
            if (p.real[size_t(d)] > 1 && out.size(d) > 1) {
                const int own = int(d - (rank - p.ownRank)); // the parameter's own dimension
                addSlice(p.path, own, collapse(out, d, out.size(d)));
            }
    setIds(node->output(), out);
    for (auto* v : operands)
        if (m_valueSpace.count(v) && node->kind() != c10::aten::add && node->kind() != c10::aten::add_) {
            m_valueSpace[node->output()] = m_valueSpace[v];
            break;
        }
}

bool ChannelDependencies::visitLayerNorm(Node* node)
{
    const auto* ids = idsOf(node->input(0));
    const auto rank = int64_t(shapeOf(node->input(0)).size());
    const auto normalized = constantIntList(node->input(1));
    const auto weightPath = pathOf(node->input(2));
    if (!ids || !normalized || normalized->size() != 1 || weightPath.empty()
        || varyingDims(alignRank(*ids, rank)) != std::vector<int64_t> { rank - 1 })
        return false;
    // Removing a channel changes the mean and variance the others are normalized with: fine-tuning, as after any
    // structured pruning, adapts the rest. Torch-Pruning treats LayerNorm the same way.
    const auto nodes = alongDim(node->input(0), rank - 1);
    addSlice(weightPath, 0, nodes);
    if (const auto biasPath = pathOf(node->input(3)); !biasPath.empty())
        addSlice(biasPath, 0, nodes);
    m_renormalized.insert(weightPath);
    m_ids[node->output()] = *idsOf(node->input(0));
    if (m_valueSpace.count(node->input(0)))
        m_valueSpace[node->output()] = m_valueSpace[node->input(0)];
    return true;
}

void ChannelDependencies::visit(Node* node)
{
    const auto kind = node->kind();
    const auto name = baseName(node);
    if (kind == c10::prim::Constant || kind == c10::prim::GetAttr)
        return;
    if (const auto owner = attentionOwner(node); !owner.empty()) {
        visitAttention(node, owner);
        return;
    }
    if ((kind == c10::prim::TupleUnpack || kind == c10::prim::ListUnpack || kind == c10::prim::TupleIndex
         || kind == c10::aten::__getitem__)
        && m_attentionValues.count(node->input(0))) {
        for (auto* output : node->outputs())
            adoptAttentionOutput(m_attentionValues.at(node->input(0)), output);
        return;
    }
    for (auto* input : node->inputs())
        if (m_attentionValues.count(input))
            adoptAttentionOutput(m_attentionValues.at(input), input);
    if (kind == c10::prim::ListConstruct || kind == c10::prim::TupleConstruct) {
        m_items[node->output()] = { node->inputs().begin(), node->inputs().end() };
        return;
    }
    if (kind == c10::aten::append && m_items.count(node->input(0))) {
        m_items[node->input(0)].push_back(node->input(1));
        m_items[node->output()] = m_items[node->input(0)];
        return;
    }
    if ((kind == c10::prim::ListUnpack || kind == c10::prim::TupleUnpack) && m_items.count(node->input(0))) {
        const auto& items = m_items.at(node->input(0));
        for (size_t i = 0; i < node->outputs().size() && i < items.size(); ++i)
            if (const auto* ids = idsOf(items[i]))
                m_ids[node->outputs()[i]] = *ids;
        return;
    }
    if ((kind == c10::aten::__getitem__ || kind == c10::prim::TupleIndex) && m_items.count(node->input(0))) {
        const auto index = constantOf(node->input(1));
        const auto& items = m_items.at(node->input(0));
        if (index && index->isInt() && normalizeDim(index->toInt(), int64_t(items.size())) < int64_t(items.size())) {
            if (const auto* ids = idsOf(items[size_t(normalizeDim(index->toInt(), int64_t(items.size())))]))
                m_ids[node->output()] = *ids;
            return;
        }
    }
    bool tracked = false;
    for (auto* input : node->inputs()) {
        tracked = tracked || idsOf(input);
        if (m_items.count(input)) // a list of tensors whose channels are tracked, not a list of sizes
            for (auto* item : m_items.at(input))
                tracked = tracked || idsOf(item);
    }
    const std::string op = node->kind().toQualString();
    if (op == "aten::conv1d" || op == "aten::conv2d" || op == "aten::conv3d" || op == "aten::_convolution") {
        const bool full = op == "aten::_convolution";
        const auto groups = constantOf(node->input(full ? 8 : 6));
        if (!groups || (full && constantOf(node->input(6))->toBool())) {
            pinUnfollowed(node, "transposed convolutions and computed groups are not followed");
            return;
        }
        visitLayer(node, node->input(0), node->input(1), node->input(2), groups->toInt(), true);
        return;
    }
    if (op == "aten::linear") {
        visitLayer(node, node->input(0), node->input(1), node->input(2), 1, false);
        return;
    }
    if (!tracked) {
        // Nothing pruned flows in; a parameter read here other than as a layer's weight keeps its shape. An expand
        // whose only reader is a list (the class token on its way into a `cat`) is left to that cat.
        const auto uses = node->outputs().size() == 1 ? node->output()->uses() : std::vector<torch::jit::Use>();
        const bool expandIntoList
            = name == "expand" && uses.size() == 1 && uses[0].user->kind() == c10::prim::ListConstruct;
        if (!kShapeQueries.count(name) && !expandIntoList)
            for (auto* input : node->inputs())
                if (const auto path = pathOf(input); !path.empty() && isTensor(input) && !kBinary.count(name))
                    m_pinnedPaths.insert(path);
        return;
    }
    if (kShapeQueries.count(name))
        return;
    if ((op == "aten::batch_norm" || op == "aten::layer_norm" || op == "aten::softmax" || op == "aten::log_softmax")
        && !idsOf(node->input(0))) {
        pinUnfollowed(node, "it reads tracked channels other than as its input");
        return;
    }
    if (op == "aten::batch_norm") {
        const auto nodes = alongDim(node->input(0), 1);
        for (int i : { 1, 2, 3, 4 }) {
            const auto path = pathOf(node->input(i));
            if (!path.empty())
                addSlice(path, 0, nodes);
        }
        m_ids[node->output()] = *idsOf(node->input(0));
        if (m_valueSpace.count(node->input(0)))
            m_valueSpace[node->output()] = m_valueSpace[node->input(0)];
        return;
    }
    if (op == "aten::layer_norm" && visitLayerNorm(node))
        return;
    if (op == "aten::layer_norm" || op == "aten::softmax" || op == "aten::log_softmax") {
        // Normalizing over channels couples them all (removing one changes the rest): those channels are kept.
        const auto* ids = idsOf(node->input(0));
        const auto rank = int64_t(shapeOf(node->input(0)).size());
        std::vector<int64_t> dims;
        if (op == "aten::layer_norm") {
            const auto normalized = constantOf(node->input(1));
            const int64_t count
                = normalized && normalized->isIntList() ? int64_t(normalized->toIntVector().size()) : rank;
            for (int64_t d = rank - count; d < rank; ++d)
                dims.push_back(d);
        } else if (const auto dim = constantOf(node->input(1)); dim && dim->isInt()) {
            dims.push_back(normalizeDim(dim->toInt(), rank));
        }
        const auto aligned = alignRank(*ids, rank);
        for (auto d : dims)
            if (aligned.size(d) > 1) {
                pinUnfollowed(node, "it normalizes over channels");
                break;
            }
        m_ids[node->output()] = *ids;
        return;
    }
    if (kElementwise.count(name)) {
        for (size_t i = 1; i < node->inputs().size(); ++i)
            if (isTensor(node->input(i)) && (idsOf(node->input(i)) || !pathOf(node->input(i)).empty())) {
                pinUnfollowed(node, "it reads a second tensor");
                return;
            }
        if (!idsOf(node->input(0)) || shapeOf(node->input(0)) != shapeOf(node->output())) {
            pinUnfollowed(node, "its output is not shaped like its input");
            return;
        }
        m_ids[node->output()] = *idsOf(node->input(0));
        if (m_valueSpace.count(node->input(0))) {
            const int space = m_valueSpace[node->input(0)];
            m_valueSpace[node->output()] = space;
            m_spaces[size_t(space)].values.push_back(node->output());
        }
        return;
    }
    if (kBinary.count(name)) {
        std::vector<Value*> operands;
        for (auto* input : node->inputs())
            if (isTensor(input))
                operands.push_back(input);
        visitElementwise(node, operands);
        return;
    }
    if (visitMovement(node, name))
        return;

    pinUnfollowed(node, "the dependency analysis does not follow this operation");
}

} // namespace pare::structured
