#pragma once

// The pieces the import's operator files share (io/OnnxImportOps.cpp, io/OnnxImportShapes.cpp).

#include "io/OnnxImport.h"

#include <functional>

namespace pare::onnx_import {

using Probes = std::vector<torch::Tensor>;
using Eval = std::function<torch::Tensor(const Probes&)>;
using Code = std::function<std::string(const std::vector<std::string>&)>;

/// The inputs' values at one probe batch (an absent optional input is an undefined tensor).
inline Probes probes(Translator& t, const onnx::NodeProto& node, bool second)
{
    Probes out;
    for (int i = 0; i < node.input_size(); ++i)
        out.push_back(t.hasInput(node, size_t(i))
                          ? (second ? t.input(node, size_t(i)).at2 : t.input(node, size_t(i)).at1)
                          : torch::Tensor());
    return out;
}

inline bool anyDynamic(Translator& t, const onnx::NodeProto& node)
{
    for (int i = 0; i < node.input_size(); ++i)
        if (t.hasInput(node, size_t(i)) && t.input(node, size_t(i)).dynamic())
            return true;
    return false;
}

inline std::vector<int64_t> inverse(const std::vector<int64_t>& perm)
{
    std::vector<int64_t> out(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
        out[size_t(perm[i])] = int64_t(i);
    return out;
}

inline int64_t normalizedAxis(int64_t axis, int64_t rank)
{
    return axis < 0 ? axis + rank : axis;
}

/// An operator that only ever computes shapes or constants here: refused on the input's data.
inline void staticOnly(Translator& t, const onnx::NodeProto& node, const Eval& eval)
{
    if (anyDynamic(t, node))
        throw t.refusal(node, "computes on the input's data; Pare translates this operator only on constants");
    t.setStatic(node, 0, eval(probes(t, node, false)), eval(probes(t, node, true)));
}

/// An element-wise operator: a dynamic input's pending permutation carries through, a constant operand is
/// permuted to meet it, and a pending column order carries through where every other operand is a single number.
inline void elementwise(Translator& t, const onnx::NodeProto& node, const Eval& eval, const Code& code)
{
    auto out1 = eval(probes(t, node, false));
    auto out2 = eval(probes(t, node, true));
    if (!anyDynamic(t, node)) {
        t.setStatic(node, 0, out1, out2);
        return;
    }
    const int64_t rank = out1.dim();
    const Value* first = nullptr;
    bool keep = true, scalarsOnly = true;
    for (int i = 0; i < node.input_size(); ++i) {
        if (!t.hasInput(node, size_t(i)))
            continue;
        const auto& v = t.input(node, size_t(i));
        if (!v.dynamic()) {
            scalarsOnly = scalarsOnly && v.at1.numel() == 1;
            continue;
        }
        if (!first)
            first = &v;
        keep = keep && v.perm == first->perm && v.at1.dim() == rank && v.columns.defined() == first->columns.defined()
            && (!v.columns.defined() || torch::equal(v.columns, first->columns));
    }
    keep = keep && (!first->columns.defined() || scalarsOnly);
    const auto perm = keep ? first->perm : std::vector<int64_t> {};
    const auto columns = keep ? first->columns : torch::Tensor();
    std::vector<std::string> args;
    for (int i = 0; i < node.input_size(); ++i) {
        if (!t.hasInput(node, size_t(i))) {
            args.emplace_back("None");
            continue;
        }
        auto& v = t.input(node, size_t(i));
        if (v.dynamic()) {
            args.push_back(keep ? v.code : t.materialize(v));
        } else if (v.followsBatch()) {
            throw t.refusal(node, "an operand's size follows the batch; Pare translates that only for shapes");
        } else if (v.at1.numel() == 1 && v.at1.dim() <= rank) {
            args.push_back(t.constant(v.at1.reshape({})));
        } else if (!perm.empty()) {
            auto c = v.at1;
            while (c.dim() < rank)
                c = c.unsqueeze(0);
            args.push_back(t.constant(c.permute(inverse(perm)).contiguous()));
        } else {
            args.push_back(t.constant(v.at1));
        }
    }
    t.setDynamic(node, 0, code(args), out1, out2, perm, columns);
}

inline void unary(Translator& t,
                  const onnx::NodeProto& node,
                  const std::function<torch::Tensor(const torch::Tensor&)>& eval,
                  const std::function<std::string(const std::string&)>& code)
{
    elementwise(
        t, node, [&](const Probes& p) { return eval(p[0]); }, [&](const auto& a) { return code(a[0]); });
}

inline std::string call(const std::string& function, const std::string& argument, const std::string& rest = {})
{
    return function + "(" + argument + (rest.empty() ? "" : ", " + rest) + ")";
}

/// The axes of Squeeze, Unsqueeze, ReduceSum and Split-like operators: an attribute before opset 13, an input since.
inline std::vector<int64_t>
axesOf(Translator& t, const onnx::NodeProto& node, size_t inputIndex, int64_t attributeUntil)
{
    if (t.opset() < attributeUntil)
        return intsAttribute(node, "axes");
    return t.hasInput(node, inputIndex) ? intsOf(t.staticInput(node, inputIndex, "axes")) : std::vector<int64_t> {};
}

} // namespace pare::onnx_import
