// The analysis of operations that move, cut, join or reduce channels without computing new ones: pooling and
// reductions, view and reshape (channel shuffles), permute and transpose, select and slice, chunk and split, cat.
// Each applies the same operation to the node ids that it applies to the data.

#include "prune/ChannelDependencies.h"

#include "prune/ChannelIds.h"

#include <optional>
#include <set>

namespace pare::structured {
namespace {

const std::set<std::string> kSpatial {
    "max_pool1d",          "max_pool2d",         "avg_pool1d",          "avg_pool2d",      "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "upsample_nearest2d", "upsample_bilinear2d", "constant_pad_nd", "pad",
    "reflection_pad2d",    "replication_pad2d"
};
const std::set<std::string> kReshape { "view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze" };
const std::set<std::string> kReduction { "mean", "sum", "amax", "amin" };

} // namespace

using torch::jit::Node;
using torch::jit::Value;

void ChannelDependencies::visitReshape(Node* node)
{
    auto* input = node->input(0);
    const auto inShape = shapeOf(input);
    const auto outShape = shapeOf(node->output());
    const auto* ids = idsOf(input);
    int64_t numel = 1;
    for (auto s : inShape)
        numel *= s;
    if (!ids || inShape.empty() || outShape.empty() || numel > (int64_t(1) << 26)) {
        pinUnfollowed(node, "its shapes are unknown or too large to follow");
        return;
    }
    const auto before = varyingDims(*ids).size();
    auto reshaped = compress(alignRank(*ids, int64_t(inShape.size())).expand(inShape).reshape(outShape));
    const auto varying = varyingDims(reshaped);
    auto changing = varying; // the dimensions whose size removing channels changes
    if (varying.size() > before) {
        // One channel dimension became several ([C] -> [groups, C/groups] for a channel shuffle): only channels
        // removed at the same position of every group keep the shape the model computes from the new size.
        int64_t widest = varying[0];
        for (auto d : varying)
            if (reshaped.size(d) > reshaped.size(widest))
                widest = d;
        for (auto d : varying)
            if (d != widest)
                tie(reshaped, reshaped.narrow(d, 0, 1));
        changing = { widest };
    }
    if (node->inputs().size() > 1 && (node->kind() == c10::aten::view || node->kind() == c10::aten::reshape))
        for (auto d : changing) {
            // A size given as a number (a constant, or an attribute the freezing folded) no longer fits once these
            // channels lose some; pruning rewrites it in the module's code (prune/StructuredPruning.cpp).
            auto* sizes = node->input(1);
            torch::jit::Value* element = nullptr;
            if (sizes->node()->kind() == c10::prim::ListConstruct && size_t(d) < sizes->node()->inputs().size())
                element = sizes->node()->input(size_t(d));
            std::optional<int64_t> size; // -1 follows already
            if (element) {
                if (const auto constant = torch::jit::toIValue(element); constant && constant->isInt())
                    size = constant->toInt();
            } else if (const auto list = constantIntList(sizes); list && size_t(d) < list->size()) {
                size = (*list)[size_t(d)];
            }
            const bool fixed = size && *size != -1;
            const auto& range = node->sourceRange();
            if (fixed && range.source())
                m_fixedReshapes.push_back({ node->kind(), range.start(), range.end(), range.text().str(), d,
                                            reshaped.narrow(d, 0, reshaped.size(d)) });
        }
    setIds(node->output(), reshaped);
}

bool ChannelDependencies::visitMovement(Node* node, const std::string& name)
{
    if (kSpatial.count(name) || kReduction.count(name)) {
        const auto* ids = idsOf(node->input(0));
        const auto inShape = shapeOf(node->input(0));
        const auto outShape = shapeOf(node->output());
        if (!ids || inShape.empty() || outShape.empty()) {
            pinUnfollowed(node, "its shapes are unknown");
            return true;
        }
        auto aligned = alignRank(*ids, int64_t(inShape.size()));
        if (kReduction.count(name)) {
            const auto dims = constantOf(node->input(1));
            const auto keep = node->inputs().size() > 2 ? constantOf(node->input(2)) : std::nullopt;
            if (!dims || !dims->isIntList() || !keep || !keep->isBool()) {
                pinUnfollowed(node, "it reduces over every dimension");
                return true;
            }
            auto list = dims->toIntVector();
            for (auto& d : list)
                d = normalizeDim(d, aligned.dim());
            std::sort(list.rbegin(), list.rend());
            for (auto d : list) {
                if (aligned.size(d) > 1) {
                    pinUnfollowed(node, "it reduces over channels");
                    return true;
                }
                aligned = keep->toBool() ? aligned : aligned.squeeze(d);
            }
            setIds(node->output(), aligned);
            return true;
        }
        for (int64_t d = 0; d < aligned.dim(); ++d)
            if (aligned.size(d) > 1
                && (outShape.size() != inShape.size() || outShape[size_t(d)] != inShape[size_t(d)])) {
                pinUnfollowed(node, "it changes the size of a channel dimension");
                return true;
            }
        setIds(node->output(), aligned);
        return true;
    }
    if (kReshape.count(name)) {
        visitReshape(node);
        return true;
    }
    if (name == "permute" || name == "transpose" || name == "t" || name == "expand" || name == "expand_as") {
        const auto* ids = idsOf(node->input(0));
        if (!ids || shapeOf(node->input(0)).empty() || shapeOf(node->output()).empty()) {
            pinUnfollowed(node, "its shapes are unknown");
            return true;
        }
        auto aligned = alignRank(*ids, int64_t(shapeOf(node->input(0)).size()));
        if (name == "permute") {
            const auto dims = constantOf(node->input(1));
            if (!dims || !dims->isIntList()) {
                pinUnfollowed(node, "its permutation is computed");
                return true;
            }
            setIds(node->output(), aligned.permute(dims->toIntVector()));
        } else if (name == "transpose" || name == "t") {
            const auto a = name == "t" ? c10::optional<c10::IValue>(0) : constantOf(node->input(1));
            const auto b = name == "t" ? c10::optional<c10::IValue>(1) : constantOf(node->input(2));
            if (!a || !b || !a->isInt() || !b->isInt()) {
                pinUnfollowed(node, "its dimensions are computed");
                return true;
            }
            setIds(node->output(), aligned.transpose(a->toInt(), b->toInt()));
        } else {
            setIds(node->output(), alignRank(aligned, int64_t(shapeOf(node->output()).size())));
        }
        return true;
    }
    if (name == "select" || name == "slice" || name == "narrow") {
        const auto* ids = idsOf(node->input(0));
        const auto dim = constantOf(node->input(1));
        const auto rank = int64_t(shapeOf(node->input(0)).size());
        if (!ids || !dim || !dim->isInt() || rank == 0) {
            pinUnfollowed(node, "its dimension is computed");
            return true;
        }
        const auto d = normalizeDim(dim->toInt(), rank);
        auto aligned = alignRank(*ids, rank);
        if (aligned.size(d) > 1) {
            pinUnfollowed(node, "it picks channels by position");
            return true;
        }
        setIds(node->output(), name == "select" ? aligned.squeeze(d) : aligned);
        return true;
    }
    if (name == "chunk" || name == "split" || name == "unsafe_chunk" || name == "unsafe_split") {
        const auto* ids = idsOf(node->input(0));
        const auto amount = constantOf(node->input(1));
        const auto dim = constantOf(node->input(2));
        const auto shape = shapeOf(node->input(0));
        const auto outputs = node->output()->uses();
        if (!ids || !amount || !dim || !dim->isInt() || shape.empty() || outputs.size() != 1
            || outputs[0].user->kind() != c10::prim::ListUnpack) {
            pinUnfollowed(node, "its parts are not unpacked");
            return true;
        }
        const auto d = normalizeDim(dim->toInt(), int64_t(shape.size()));
        const int64_t parts = outputs[0].user->outputs().size();
        const auto aligned = alignRank(*ids, int64_t(shape.size()));
        auto* unpack = outputs[0].user;
        if (aligned.size(d) == 1) {
            for (auto* part : unpack->outputs())
                m_ids[part] = aligned;
        } else {
            if (shape[size_t(d)] % parts != 0) {
                pinUnfollowed(node, "its parts differ in size");
                return true;
            }
            // The parts are cut at fixed shares of the (new) size: each part keeps the same positions.
            const auto split = aligned.chunk(parts, d);
            for (int64_t i = 0; i < parts; ++i) {
                tie(split[size_t(i)], split[0]);
                setIds(unpack->outputs()[size_t(i)], split[size_t(i)]);
            }
        }
        m_items[node->output()] = {}; // unpacked above; the ListUnpack node finds nothing more to do
        return true;
    }
    if (name == "cat" && m_items.count(node->input(0))) {
        const auto dim = constantOf(node->input(1));
        const auto& items = m_items.at(node->input(0));
        const auto outShape = shapeOf(node->output());
        if (!dim || !dim->isInt() || outShape.empty()) {
            pinUnfollowed(node, "its dimension is computed");
            return true;
        }
        const auto rank = int64_t(outShape.size());
        const auto d = normalizeDim(dim->toInt(), rank);
        std::vector<int64_t> target(size_t(rank), 1);
        for (auto* item : items)
            if (const auto* ids = idsOf(item))
                for (int64_t k = 0; k < rank; ++k)
                    target[size_t(k)] = std::max(target[size_t(k)], alignRank(*ids, rank).size(k));
        std::vector<torch::Tensor> parts;
        for (auto* item : items) {
            auto shape = target;
            const auto real = shapeOf(item);
            if (real.size() != size_t(rank)) {
                pinUnfollowed(node, "its inputs' shapes are unknown");
                return true;
            }
            shape[size_t(d)] = real[size_t(d)];
            const auto* ids = idsOf(item);
            // A parameter joined along another dimension (the vision transformer's class token, expanded to the
            // batch and put before the patches' tokens) pairs its channels with the tracked items' channels.
            auto* source = item->node()->kind() == c10::aten::expand ? item->node()->input(0) : item;
            const auto parameter = ids ? std::string() : pathOf(source);
            Value* tracked = nullptr;
            for (auto* other : items)
                tracked = tracked ? tracked : (idsOf(other) ? other : nullptr);
            if (!parameter.empty() && tracked && shapeOf(source).size() <= size_t(rank)) {
                const auto like = alignRank(*idsOf(tracked), rank).narrow(d, 0, 1);
                const auto ownRank = int64_t(shapeOf(source).size());
                for (int64_t k = rank - ownRank; k < rank; ++k)
                    if (k != d && like.size(k) > 1)
                        addSlice(parameter, int(k - (rank - ownRank)), collapse(like, k, like.size(k)));
                parts.push_back(like.expand(shape));
                continue;
            }
            parts.push_back(ids ? alignRank(*ids, rank).expand(shape) : torch::full(shape, kPinned, torch::kLong));
            if (!ids && !pathOf(item).empty())
                m_pinnedPaths.insert(pathOf(item));
        }
        setIds(node->output(), torch::cat(parts, d));
        return true;
    }
    return false;
}

} // namespace pare::structured
