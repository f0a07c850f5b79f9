// The operators of the ONNX import that move data without computing on it, or compute shapes: Flatten, Reshape,
// Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Gather, Shape, Size, Constant, ConstantOfShape, Expand.

#include "io/OnnxImportHelpers.h"

namespace pare::onnx_import {
namespace {

/// A permuted tensor flattened from dimension 1: the physical tensor is flattened as it is, and the order the
/// graph meant is kept as a pending column order (which the next dense layer takes into its weight).
void flattenFrom1(Translator& t, const onnx::NodeProto& node, Value& x, torch::Tensor out1, torch::Tensor out2)
{
    if (!x.perm.empty() && x.perm[0] == 0 && !x.columns.defined()) {
        const auto physical = x.at1.permute(inverse(x.perm)).sizes().vec();
        const std::vector<int64_t> sample(physical.begin() + 1, physical.end());
        std::vector<int64_t> order;
        for (size_t i = 1; i < x.perm.size(); ++i)
            order.push_back(x.perm[i] - 1);
        auto columns = torch::arange(x.at1[0].numel()).reshape(sample).permute(order).flatten().contiguous();
        t.setDynamic(node, 0, call("torch.flatten", x.code, "1"), out1, out2, {}, columns);
    } else {
        t.setDynamic(node, 0, call("torch.flatten", t.materialize(x), "1"), out1, out2);
    }
}

/// Any operator that only changes the shape: a flatten from dimension 1 where that is what it does (the form
/// Pare's structured pruning follows best), else a reshape whose one size that follows the batch is -1.
void reshapeTo(Translator& t, const onnx::NodeProto& node, Value& x, torch::Tensor out1, torch::Tensor out2)
{
    if (!x.dynamic()) {
        t.setStatic(node, 0, out1, out2);
        return;
    }
    if (out1.dim() == 2 && x.at1.dim() >= 2 && out1.size(0) == x.at1.size(0) && out2.size(0) == x.at2.size(0)
        && out1.size(1) == x.at1[0].numel() && x.at1.size(0) != x.at2.size(0)) {
        flattenFrom1(t, node, x, out1, out2);
        return;
    }
    auto sizes = out1.sizes().vec();
    int changing = 0;
    for (int64_t i = 0; i < out1.dim(); ++i)
        if (out1.size(i) != out2.size(i)) {
            sizes[size_t(i)] = -1;
            ++changing;
        }
    std::string list = listCode(sizes);
    if (changing > 1)
        list = t.sizesFollowingBatch(out1.sizes().vec(), out2.sizes().vec());
    if (list.empty())
        throw t.refusal(node, "its output's sizes follow the batch in a way Pare cannot write");
    t.setDynamic(node, 0, t.materialize(x) + ".reshape(" + list + ")", out1, out2);
}

/// ONNX Reshape's target: 0 copies the input's size (unless allowzero), -1 is inferred.
torch::Tensor reshaped(const torch::Tensor& x, const torch::Tensor& shape, bool allowZero)
{
    auto dims = intsOf(shape);
    for (size_t i = 0; i < dims.size(); ++i)
        if (dims[i] == 0 && !allowZero)
            dims[i] = x.size(int64_t(i));
    return x.reshape(dims);
}

std::string sliceCode(const std::string& var, int64_t axis, int64_t start, int64_t end, int64_t step, int64_t size)
{
    std::string index;
    for (int64_t i = 0; i < axis; ++i)
        index += ":, ";
    index += (start == 0 ? "" : std::to_string(start)) + ":" + (end >= size ? "" : std::to_string(end));
    if (step != 1)
        index += ":" + std::to_string(step);
    return var + "[" + index + "]";
}

/// ONNX Gather: out[i..., j..., k...] = data[i..., indices[j...], k...].
torch::Tensor gathered(const torch::Tensor& data, const torch::Tensor& indices, int64_t axis)
{
    auto index = indices.to(torch::kLong);
    index = torch::where(index < 0, index + data.size(axis), index);
    auto shape = data.sizes().slice(0, size_t(axis)).vec();
    for (auto d : index.sizes())
        shape.push_back(d);
    for (auto d : data.sizes().slice(size_t(axis) + 1))
        shape.push_back(d);
    return data.index_select(axis, index.flatten()).reshape(shape);
}

torch::Tensor constantAttribute(Translator& t, const onnx::NodeProto& node)
{
    for (const auto& a : node.attribute()) {
        if (a.name() == "value")
            return tensorFrom(a.t(), t.origin());
        if (a.name() == "value_float")
            return torch::scalar_tensor(a.f());
        if (a.name() == "value_floats")
            return torch::tensor(std::vector<float>(a.floats().begin(), a.floats().end()));
        if (a.name() == "value_int")
            return torch::scalar_tensor(a.i(), torch::kLong);
        if (a.name() == "value_ints")
            return torch::tensor(std::vector<int64_t>(a.ints().begin(), a.ints().end()), torch::kLong);
    }
    throw t.refusal(node, "holds a sparse tensor or strings, which Pare does not read");
}

} // namespace

bool translateShapeOperator(Translator& t, const onnx::NodeProto& node)
{
    const auto& op = node.op_type();
    if (op == "Flatten") {
        auto& x = t.input(node, 0);
        const int64_t axis = normalizedAxis(intAttribute(node, "axis", 1), x.at1.dim());
        auto eval = [&](const torch::Tensor& v) {
            return axis == 0 ? v.reshape({ 1, -1 }) : v.flatten(axis).flatten(0, axis - 1);
        };
        reshapeTo(t, node, x, eval(x.at1), eval(x.at2));
    } else if (op == "Reshape") {
        auto& x = t.input(node, 0);
        auto& shape = t.input(node, 1);
        if (shape.dynamic())
            throw t.refusal(node, "its shape is computed from the input's data");
        const bool allowZero = intAttribute(node, "allowzero", 0) != 0;
        reshapeTo(t, node, x, reshaped(x.at1, shape.at1, allowZero), reshaped(x.at2, shape.at2, allowZero));
    } else if (op == "Squeeze" || op == "Unsqueeze") {
        auto& x = t.input(node, 0);
        auto axes = axesOf(t, node, 1, 13);
        auto eval = [&](const torch::Tensor& v) {
            auto out = v;
            if (op == "Squeeze") {
                if (axes.empty())
                    return v.squeeze();
                std::vector<int64_t> keep;
                for (int64_t i = 0; i < v.dim(); ++i)
                    if (std::find_if(axes.begin(), axes.end(),
                                     [&](int64_t a) { return normalizedAxis(a, v.dim()) == i; })
                        == axes.end())
                        keep.push_back(v.size(i));
                return v.reshape(keep);
            }
            const int64_t rank = v.dim() + int64_t(axes.size());
            std::vector<int64_t> sorted;
            for (auto a : axes)
                sorted.push_back(normalizedAxis(a, rank));
            std::sort(sorted.begin(), sorted.end());
            for (auto a : sorted)
                out = out.unsqueeze(a);
            return out;
        };
        reshapeTo(t, node, x, eval(x.at1), eval(x.at2));
    } else if (op == "Transpose") {
        auto& x = t.input(node, 0);
        auto perm = intsAttribute(node, "perm");
        if (perm.empty())
            for (int64_t i = x.at1.dim(); i-- > 0;)
                perm.push_back(i);
        if (!x.dynamic()) {
            t.setStatic(node, 0, x.at1.permute(perm).contiguous(), x.at2.permute(perm).contiguous());
            return true;
        }
        std::string code = x.code;
        auto pending = x.perm;
        if (x.columns.defined()) {
            code = t.materialize(x);
            pending.clear();
        }
        if (pending.empty())
            for (int64_t i = 0; i < x.at1.dim(); ++i)
                pending.push_back(i);
        std::vector<int64_t> composed;
        for (auto p : perm)
            composed.push_back(pending[size_t(p)]);
        t.setDynamic(node, 0, code, x.at1.permute(perm), x.at2.permute(perm), composed);
    } else if (op == "Concat") {
        const int64_t axis = intAttribute(node, "axis", 0);
        auto eval = [&](const Probes& p) { return torch::cat(p, normalizedAxis(axis, p[0].dim())); };
        if (!anyDynamic(t, node)) {
            staticOnly(t, node, eval);
            return true;
        }
        const auto& first = t.input(node, 0);
        bool keep = first.dynamic() && !first.columns.defined();
        for (int i = 0; i < node.input_size(); ++i)
            keep = keep && t.input(node, size_t(i)).dynamic() && t.input(node, size_t(i)).perm == first.perm
                && !t.input(node, size_t(i)).columns.defined();
        const int64_t rank = first.at1.dim();
        const int64_t normalized = normalizedAxis(axis, rank);
        std::string list = "[";
        for (int i = 0; i < node.input_size(); ++i) {
            auto& v = t.input(node, size_t(i));
            if (!v.dynamic() && v.followsBatch())
                throw t.refusal(node, "joins a constant whose size follows the batch");
            list += (i ? ", " : "") + (keep ? v.code : t.materialize(v));
        }
        list += "]";
        const auto perm = keep ? first.perm : std::vector<int64_t> {};
        const int64_t physical = perm.empty() ? normalized : perm[size_t(normalized)];
        t.setDynamic(node, 0, "torch.cat(" + list + ", " + std::to_string(physical) + ")", eval(probes(t, node, false)),
                     eval(probes(t, node, true)), perm);
    } else if (op == "Split") {
        auto& x = t.input(node, 0);
        const int64_t axis = normalizedAxis(intAttribute(node, "axis", 0), x.at1.dim());
        auto sizes = t.opset() < 13
            ? intsAttribute(node, "split")
            : (t.hasInput(node, 1) ? intsOf(t.staticInput(node, 1, "split")) : std::vector<int64_t> {});
        if (sizes.empty())
            sizes.assign(size_t(node.output_size()), x.at1.size(axis) / node.output_size());
        const auto parts1 = x.at1.split_with_sizes(sizes, axis);
        const auto parts2 = x.at2.split_with_sizes(sizes, axis);
        const int64_t physical = x.perm.empty() ? axis : x.perm[size_t(axis)];
        const std::string var = x.columns.defined() ? t.materialize(x) : x.code;
        const auto perm = x.columns.defined() ? std::vector<int64_t> {} : x.perm;
        int64_t begin = 0;
        for (size_t i = 0; i < sizes.size(); ++i) {
            if (!x.dynamic())
                t.setStatic(node, i, parts1[i], parts2[i]);
            else
                t.setDynamic(node, i, sliceCode(var, physical, begin, begin + sizes[i], 1, x.at1.size(axis)), parts1[i],
                             parts2[i], perm);
            begin += sizes[i];
        }
    } else if (op == "Slice") {
        auto& x = t.input(node, 0);
        const auto starts = intsOf(t.staticInput(node, 1, "starts"));
        const auto ends = intsOf(t.staticInput(node, 2, "ends"));
        auto axes = t.hasInput(node, 3) ? intsOf(t.staticInput(node, 3, "axes")) : std::vector<int64_t> {};
        auto steps = t.hasInput(node, 4) ? intsOf(t.staticInput(node, 4, "steps")) : std::vector<int64_t> {};
        if (axes.empty())
            for (size_t i = 0; i < starts.size(); ++i)
                axes.push_back(int64_t(i));
        steps.resize(starts.size(), 1);
        struct Cut
        {
            int64_t axis, start, end, step;
        };
        std::vector<Cut> cuts;
        for (size_t i = 0; i < starts.size(); ++i) {
            if (steps[i] <= 0)
                throw t.refusal(node, "a slice with a step below 1 is not covered");
            const int64_t axis = normalizedAxis(axes[i], x.at1.dim());
            const int64_t size = x.at1.size(axis);
            auto clampIndex = [size](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + size : v, 0, size); };
            cuts.push_back({ axis, clampIndex(starts[i]), clampIndex(ends[i]), steps[i] });
        }
        auto eval = [&](torch::Tensor v) {
            for (const auto& c : cuts)
                v = v.slice(c.axis, c.start, std::max(c.start, c.end), c.step);
            return v;
        };
        if (!x.dynamic()) {
            t.setStatic(node, 0, eval(x.at1), eval(x.at2));
            return true;
        }
        std::string code = t.materialize(x);
        for (const auto& c : cuts)
            code = sliceCode(code, c.axis, c.start, c.end, c.step, x.at1.size(c.axis));
        t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2));
    } else if (op == "Gather") {
        auto& data = t.input(node, 0);
        const int64_t axis = normalizedAxis(intAttribute(node, "axis", 0), data.at1.dim());
        const auto& indices = t.staticInput(node, 1, "indices");
        if (!data.dynamic()) {
            staticOnly(t, node, [&](const Probes& p) { return gathered(p[0], p[1], axis); });
            return true;
        }
        auto out1 = gathered(data.at1, indices, axis), out2 = gathered(data.at2, indices, axis);
        const auto var = t.materialize(data);
        if (indices.dim() == 0) {
            int64_t i = indices.item<int64_t>();
            t.setDynamic(node, 0, "torch.select(" + var + ", " + std::to_string(axis) + ", " + std::to_string(i) + ")",
                         out1, out2);
        } else if (indices.dim() == 1) {
            auto index = torch::where(indices < 0, indices + data.at1.size(axis), indices);
            t.setDynamic(node, 0,
                         "torch.index_select(" + var + ", " + std::to_string(axis) + ", " + t.constant(index) + ")",
                         out1, out2);
        } else { // any shape of indices: selected flat, then shaped as the specification says
            auto index = torch::where(indices < 0, indices + data.at1.size(axis), indices).flatten();
            auto sizes = out1.sizes().vec();
            for (int64_t i = 0; i < out1.dim(); ++i)
                if (out1.size(i) != out2.size(i))
                    sizes[size_t(i)] = -1;
            t.setDynamic(node, 0,
                         "torch.index_select(" + var + ", " + std::to_string(axis) + ", " + t.constant(index)
                             + ").reshape(" + listCode(sizes) + ")",
                         out1, out2);
        }
    } else if (op == "Shape" || op == "Size") {
        auto& x = t.input(node, 0);
        auto eval = [&](const torch::Tensor& v) {
            if (op == "Size")
                return torch::scalar_tensor(v.numel(), torch::kLong);
            auto shape = torch::tensor(v.sizes().vec(), torch::kLong);
            const int64_t rank = v.dim();
            const int64_t start = std::clamp<int64_t>(normalizedAxis(intAttribute(node, "start", 0), rank), 0, rank);
            const int64_t end = std::clamp<int64_t>(normalizedAxis(intAttribute(node, "end", rank), rank), 0, rank);
            return shape.slice(0, start, std::max(start, end)).clone();
        };
        t.setStatic(node, 0, eval(x.at1), eval(x.at2));
    } else if (op == "Constant") {
        const auto value = constantAttribute(t, node);
        t.setStatic(node, 0, value, value);
    } else if (op == "ConstantOfShape") {
        const auto fill = findAttribute(node, "value") ? tensorFrom(findAttribute(node, "value")->t(), t.origin())
                                                       : torch::zeros({ 1 });
        staticOnly(t, node, [&](const Probes& p) {
            t.requireSize(node, intsOf(p[0]));
            return fill.reshape({}).expand(intsOf(p[0])).clone();
        });
    } else if (op == "Expand") {
        auto& data = t.input(node, 0);
        const auto& shape = t.input(node, 1);
        if (shape.dynamic())
            throw t.refusal(node, "its shape is computed from the input's data");
        auto eval = [&](const torch::Tensor& v, const torch::Tensor& s) {
            auto dims = intsOf(s);
            auto source = v;
            while (source.dim() < int64_t(dims.size()))
                source = source.unsqueeze(0);
            while (dims.size() < size_t(source.dim()))
                dims.insert(dims.begin(), 1);
            for (size_t i = 0; i < dims.size(); ++i)
                dims[i] = dims[i] == 1 ? source.size(int64_t(i)) : dims[i];
            t.requireSize(node, dims);
            return source.expand(dims).contiguous();
        };
        auto out1 = eval(data.at1, shape.at1), out2 = eval(data.at2, shape.at2);
        if (!data.dynamic() && !shape.followsBatch()) {
            t.setStatic(node, 0, out1, out2);
            return true;
        }
        const auto sizes = t.sizesFollowingBatch(out1.sizes().vec(), out2.sizes().vec());
        if (sizes.empty())
            throw t.refusal(node, "its output's sizes follow the batch in a way Pare cannot write");
        t.setDynamic(node, 0, t.materialize(data) + ".expand(" + sizes + ")", out1, out2);
    } else {
        return false;
    }
    return true;
}

} // namespace pare::onnx_import
