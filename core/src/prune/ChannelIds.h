#pragma once

// Helpers for the node-id tensors of the channel dependency analysis (prune/ChannelDependencies.h).

#include <torch/script.h>

#include <optional>
#include <vector>

namespace pare::structured {

inline bool isTensor(const torch::jit::Value* value)
{
    return value->type()->kind() == c10::TypeKind::TensorType;
}

inline std::optional<c10::IValue> constantOf(torch::jit::Value* value)
{
    return torch::jit::toIValue(value);
}

/// The ints of a constant list, whether folded into one constant or built from constants (`[16]` in scripted code).
inline std::optional<std::vector<int64_t>> constantIntList(torch::jit::Value* value)
{
    if (const auto folded = torch::jit::toIValue(value))
        return folded->isIntList() ? std::optional(folded->toIntVector()) : std::nullopt;
    if (value->node()->kind() != c10::prim::ListConstruct)
        return std::nullopt;
    std::vector<int64_t> ints;
    for (auto* item : value->node()->inputs()) {
        const auto constant = torch::jit::toIValue(item);
        if (!constant || !constant->isInt())
            return std::nullopt;
        ints.push_back(constant->toInt());
    }
    return ints;
}

/// Ids with size 1 along every dimension where they do not vary: [1,C,H,W] of a feature map becomes [1,C,1,1].
inline torch::Tensor compress(torch::Tensor ids)
{
    for (int64_t d = 0; d < ids.dim(); ++d)
        if (ids.size(d) > 1 && ids.eq(ids.narrow(d, 0, 1)).all().item<bool>())
            ids = ids.narrow(d, 0, 1);
    return ids.contiguous();
}

inline std::vector<int64_t> varyingDims(const torch::Tensor& ids)
{
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < ids.dim(); ++d)
        if (ids.size(d) > 1)
            dims.push_back(d);
    return dims;
}

/// `ids` with leading dimensions of size 1 so that it has `rank` dimensions (broadcasting aligns from the right).
inline torch::Tensor alignRank(const torch::Tensor& ids, int64_t rank)
{
    auto shape = ids.sizes().vec();
    shape.insert(shape.begin(), size_t(std::max<int64_t>(0, rank - ids.dim())), 1);
    return ids.reshape(shape);
}

inline std::vector<int64_t> alignShape(std::vector<int64_t> shape, size_t rank)
{
    shape.insert(shape.begin(), rank > shape.size() ? rank - shape.size() : 0, 1);
    return shape;
}

inline int64_t normalizeDim(int64_t dim, int64_t rank)
{
    return dim < 0 ? dim + rank : dim;
}

} // namespace pare::structured
