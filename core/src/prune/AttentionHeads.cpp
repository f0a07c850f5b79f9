// Attention layers in the channel dependency analysis (prune/ChannelDependencies.h, AttentionUnit). A scripted
// `nn.MultiheadAttention` inlines both the fused kernel (`_native_multi_head_attention`) and the step-by-step path
// (F.multi_head_attention_forward), chosen at run time; recording specialises the graph to one and keeps what the
// other reads alive. Both compute the same function of the module's parameters and settings, so the analysis does
// not follow either: every node inlined from the module's code (its call stack names the module) belongs to the
// unit, which records the slices whole heads need and what the module returns.

#include "prune/ChannelDependencies.h"

#include "prune/ChannelIds.h"

namespace pare::structured {

using torch::jit::Node;
using torch::jit::Value;

torch::jit::Value* tracedHeadCount(const torch::jit::Module& attention)
{
    const auto method = attention.find_method("forward");
    if (!method)
        return nullptr;
    Value* found = nullptr;
    int count = 0;
    for (auto* node : method->graph()->nodes()) { // head_dim = torch.div(embed_dim, num_heads, rounding_mode="trunc")
        if (node->kind() != c10::aten::div || node->inputs().size() != 3)
            continue;
        const auto mode = torch::jit::toIValue(node->input(2));
        const auto divisor = torch::jit::toIValue(node->input(1));
        if (mode && mode->isString() && mode->toStringRef() == "trunc" && divisor && divisor->isTensor()
            && divisor->toTensor().numel() == 1 && !divisor->toTensor().is_floating_point()) {
            found = node->input(1);
            ++count;
        }
    }
    return count == 1 ? found : nullptr;
}

void ChannelDependencies::findAttentionModules(const torch::jit::Module& original)
{
    for (const auto& item : original.named_modules()) {
        const auto& m = item.value;
        const auto type = m.type()->name();
        if (!type || type->qualifiedName().find("MultiheadAttention") == std::string::npos)
            continue;
        // What the unit relies on: self-attention over one packed projection, no extra key/value biases, and its
        // settings as attributes or, traced, in its code.
        auto intAttr = [&](const char* name) {
            return m.hasattr(name) && m.attr(name).isInt() ? m.attr(name).toInt() : int64_t(-1);
        };
        auto isSet = [&](const char* name) { return m.hasattr(name) && m.attr(name).isTensor(); };
        auto embed = intAttr("embed_dim"), heads = intAttr("num_heads"), headDim = intAttr("head_dim");
        auto keyWidth = intAttr("kdim"), valueWidth = intAttr("vdim");
        bool packed = m.hasattr("_qkv_same_embed_dim") && m.attr("_qkv_same_embed_dim").isBool()
            && m.attr("_qkv_same_embed_dim").toBool();
        if (!m.hasattr("num_heads") && isSet("in_proj_weight")) {
            // Traced: the settings from the packed projection's shape and the code's constant. Only the packed
            // form is traced with in_proj_weight, so keys and values have the query's width.
            const auto* count = tracedHeadCount(m);
            embed = m.attr("in_proj_weight").toTensor().size(-1);
            heads = count ? torch::jit::toIValue(count)->toTensor().item<int64_t>() : -1;
            headDim = heads > 0 && embed % heads == 0 ? embed / heads : -1;
            keyWidth = valueWidth = embed;
            packed = true;
        }
        const bool zeroAttention
            = m.hasattr("add_zero_attn") && m.attr("add_zero_attn").isBool() && m.attr("add_zero_attn").toBool();
        bool covered = embed > 0 && heads > 0 && headDim > 0 && heads * headDim == embed && packed && !zeroAttention
            && isSet("in_proj_weight") && !isSet("bias_k") && !isSet("bias_v") && keyWidth == embed
            && valueWidth == embed && m.hasattr("out_proj");
        if (covered) {
            const auto weight = m.attr("in_proj_weight").toTensor();
            covered = weight.dim() == 2 && weight.size(0) == 3 * embed && weight.size(1) == embed;
        }
        // One that is not covered is still a unit, kept whole: its code reshapes by `num_heads`, which
        // operation-by-operation following would get wrong.
        m_attentionModules[item.name] = covered ? AttentionModule { embed, heads, headDim } : AttentionModule {};
    }
}

std::string ChannelDependencies::attentionOwner(const Node* node) const
{
    if (m_attentionModules.empty() || !node->callstack())
        return {};
    std::string path;
    for (const auto& entry : (*node->callstack())->vec()) {
        const auto& module = std::get<2>(entry);
        if (!module || !module->class_type())
            break; // a function the module's code calls: still the module's
        path += (path.empty() ? "" : ".") + module->instance_name();
        if (m_attentionModules.count(path))
            return path;
    }
    return {};
}

void ChannelDependencies::visitAttention(Node* node, const std::string& owner)
{
    size_t index = 0;
    while (index < m_units.size() && m_units[index].path != owner)
        ++index;
    if (index == m_units.size()) {
        const auto& facts = m_attentionModules.at(owner);
        m_units.push_back({ owner, facts.heads, facts.headDim, 0, nullptr, {}, {}, false, false });
        if (facts.heads == 0)
            breakAttention(m_units.back(), "its settings (num_heads, embed_dim) are not attributes of the module");
    }
    std::vector<Value*> reads(node->inputs().begin(), node->inputs().end());
    std::vector<torch::jit::Block*> blocks(node->blocks().begin(), node->blocks().end());
    while (!blocks.empty()) {
        auto* block = blocks.back();
        blocks.pop_back();
        for (auto* inner : block->nodes()) {
            reads.insert(reads.end(), inner->inputs().begin(), inner->inputs().end());
            blocks.insert(blocks.end(), inner->blocks().begin(), inner->blocks().end());
        }
    }
    for (auto* v : reads) {
        const auto inside = m_attentionValues.find(v);
        if (inside != m_attentionValues.end() && inside->second == index)
            continue;
        bool trackedItems = false;
        if (m_items.count(v))
            for (auto* item : m_items.at(v))
                trackedItems = trackedItems || idsOf(item);
        if (!idsOf(v) && !trackedItems)
            continue;
        auto& unit = m_units[index];
        if (!unit.broken && !unit.query && !trackedItems)
            startAttention(unit, v);
        else if (!unit.broken && v != unit.query)
            breakAttention(unit, "it reads a second tensor whose channels are tracked");
        if (unit.broken)
            pinValue(v);
    }
    for (auto* output : node->outputs())
        m_attentionValues[output] = index;
}

void ChannelDependencies::startAttention(AttentionUnit& unit, Value* query)
{
    const auto shape = shapeOf(query);
    const auto rank = int64_t(shape.size());
    const auto embed = unit.heads * unit.headDim;
    if (rank < 2 || shape.back() != embed
        || varyingDims(alignRank(*idsOf(query), rank)) != std::vector<int64_t> { rank - 1 }) {
        unit.query = query;
        breakAttention(unit, "its input's channels are not its last dimension");
        return;
    }
    unit.query = query;
    unit.trunk = alongDim(query, rank - 1);
    const auto& path = unit.path;
    const auto heads = newNodes(embed, path + " (heads)", path + ".in_proj_weight", false);
    unit.headSpace = m_nodeSpace[size_t(heads[0].item<int64_t>())];
    const auto byHead = heads.reshape({ unit.heads, unit.headDim });
    tie(byHead, byHead.narrow(1, 0, 1)); // a head goes as a whole
    const std::vector<int64_t> headNodes(heads.data_ptr<int64_t>(), heads.data_ptr<int64_t>() + embed);
    std::vector<int64_t> packed; // query, key and value rows of the packed projection: the same heads, three times
    for (int i = 0; i < 3; ++i)
        packed.insert(packed.end(), headNodes.begin(), headNodes.end());
    addSlice(path + ".in_proj_weight", 0, packed);
    addSlice(path + ".in_proj_weight", 1, unit.trunk);
    addSlice(path + ".in_proj_bias", 0, packed);
    const auto outputs = newNodes(embed, path + ".out_proj", path + ".out_proj.weight", false);
    const std::vector<int64_t> outputNodes(outputs.data_ptr<int64_t>(), outputs.data_ptr<int64_t>() + embed);
    addSlice(path + ".out_proj.weight", 0, outputNodes);
    addSlice(path + ".out_proj.weight", 1, headNodes);
    addSlice(path + ".out_proj.bias", 0, outputNodes);
    std::vector<int64_t> idShape(size_t(rank), 1);
    idShape.back() = embed;
    unit.outputIds = outputs.reshape(idShape);
}

void ChannelDependencies::breakAttention(AttentionUnit& unit, const std::string& why)
{
    unit.broken = true;
    if (unit.query)
        pinValue(unit.query);
    if (unit.outputIds.defined()) {
        pin(unit.outputIds);
        for (int64_t n = m_spaces[size_t(unit.headSpace)].first;
             n < m_spaces[size_t(unit.headSpace)].first + m_spaces[size_t(unit.headSpace)].size; ++n)
            tie(n, kPinned);
    }
    for (const char* parameter : { ".in_proj_weight", ".in_proj_bias", ".out_proj.weight", ".out_proj.bias" })
        m_pinnedPaths.insert(unit.path + parameter);
    if (m_pinnedBy.size() < 8)
        m_pinnedBy.push_back("attention " + unit.path + ": " + why);
}

void ChannelDependencies::adoptAttentionOutput(size_t index, Value* outside)
{
    if (!isTensor(outside) || idsOf(outside))
        return;
    auto& unit = m_units[index];
    const auto shape = shapeOf(outside);
    if (!unit.broken && unit.query && shape == shapeOf(unit.query)) {
        setIds(outside, unit.outputIds);
        unit.adopted = true;
        const int space = m_nodeSpace[size_t(unit.outputIds.flatten()[0].item<int64_t>())];
        m_valueSpace[outside] = space;
        m_spaces[size_t(space)].values.push_back(outside);
        return;
    }
    if (outside->uses().empty())
        return; // the attention weights, asked for or not, that nothing reads
    if (!unit.broken)
        breakAttention(unit, "it returns a tensor other than its output that is read");
    setIds(outside, torch::full(std::vector<int64_t>(std::max<size_t>(shape.size(), 1), 1), kPinned, torch::kLong));
}

bool ChannelDependencies::coveredByAttention(Value* value) const
{
    const auto read = m_untakenReads.find(value);
    if (read == m_untakenReads.end() || read->second.empty())
        return false;
    for (const auto& unit : m_units)
        if (unit.path == read->second)
            return !unit.broken && unit.query
                && (value == unit.query || m_attentionValues.count(value)
                    || pathOf(value).rfind(unit.path + ".", 0) == 0);
    return false;
}

} // namespace pare::structured
