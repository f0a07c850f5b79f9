// The element-wise, shape and data-movement operators of the ONNX import, each as its specification (opsets 11 to
// 17) defines it: an ATen evaluation for the probe batches and a line of TorchScript for dynamic values.

#include "io/OnnxImport.h"

#include <functional>

namespace pare::onnx_import {
namespace {

using Probes = std::vector<torch::Tensor>;
using Eval = std::function<torch::Tensor(const Probes&)>;
using Code = std::function<std::string(const std::vector<std::string>&)>;

/// The inputs' values at one probe batch (an absent optional input is an undefined tensor).
Probes probes(Translator& t, const onnx::NodeProto& node, bool second)
{
    Probes out;
    for (int i = 0; i < node.input_size(); ++i)
        out.push_back(t.hasInput(node, size_t(i))
                          ? (second ? t.input(node, size_t(i)).at2 : t.input(node, size_t(i)).at1)
                          : torch::Tensor());
    return out;
}

bool anyDynamic(Translator& t, const onnx::NodeProto& node)
{
    for (int i = 0; i < node.input_size(); ++i)
        if (t.hasInput(node, size_t(i)) && t.input(node, size_t(i)).dynamic())
            return true;
    return false;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& perm)
{
    std::vector<int64_t> out(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
        out[size_t(perm[i])] = int64_t(i);
    return out;
}

int64_t normalizedAxis(int64_t axis, int64_t rank)
{
    return axis < 0 ? axis + rank : axis;
}

/// An operator that only ever computes shapes or constants here: refused on the input's data.
void staticOnly(Translator& t, const onnx::NodeProto& node, const Eval& eval)
{
    if (anyDynamic(t, node))
        throw t.refusal(node, "computes on the input's data; Pare translates this operator only on constants");
    t.setStatic(node, 0, eval(probes(t, node, false)), eval(probes(t, node, true)));
}

/// An element-wise operator: a dynamic input's pending permutation carries through, a constant operand is
/// permuted to meet it, and a pending column order carries through where every other operand is a single number.
void elementwise(Translator& t, const onnx::NodeProto& node, const Eval& eval, const Code& code)
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

void unary(Translator& t,
           const onnx::NodeProto& node,
           const std::function<torch::Tensor(const torch::Tensor&)>& eval,
           const std::function<std::string(const std::string&)>& code)
{
    elementwise(
        t, node, [&](const Probes& p) { return eval(p[0]); }, [&](const auto& a) { return code(a[0]); });
}

std::string call(const std::string& function, const std::string& argument, const std::string& rest = {})
{
    return function + "(" + argument + (rest.empty() ? "" : ", " + rest) + ")";
}

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

/// The axes of Squeeze, Unsqueeze, ReduceSum and Split-like operators: an attribute before opset 13, an input since.
std::vector<int64_t> axesOf(Translator& t, const onnx::NodeProto& node, size_t inputIndex, int64_t attributeUntil)
{
    if (t.opset() < attributeUntil)
        return intsAttribute(node, "axes");
    return t.hasInput(node, inputIndex) ? intsOf(t.staticInput(node, inputIndex, "axes")) : std::vector<int64_t> {};
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

void reduce(Translator& t, const onnx::NodeProto& node, const std::string& op)
{
    auto& x = t.input(node, 0);
    const int64_t rank = x.at1.dim();
    auto axes = axesOf(t, node, 1, op == "ReduceSum" ? 13 : 18);
    const bool keep = intAttribute(node, "keepdims", 1) != 0;
    if (axes.empty()) {
        if (op == "ReduceSum" && intAttribute(node, "noop_with_empty_axes", 0)) {
            t.setStatic(node, 0, x.at1, x.at2); // overwritten below when dynamic
            if (x.dynamic())
                t.setDynamic(node, 0, t.materialize(x), x.at1, x.at2);
            return;
        }
        for (int64_t i = 0; i < rank; ++i)
            axes.push_back(i);
    }
    for (auto& a : axes)
        a = normalizedAxis(a, rank);
    auto eval = [&](const torch::Tensor& v) -> torch::Tensor {
        if (op == "ReduceMean")
            return v.mean(axes, keep);
        if (op == "ReduceSum")
            return v.sum(axes, keep);
        if (op == "ReduceMax")
            return v.amax(axes, keep);
        if (op == "ReduceMin")
            return v.amin(axes, keep);
        auto sorted = axes; // ReduceProd
        std::sort(sorted.rbegin(), sorted.rend());
        auto out = v;
        for (auto a : sorted)
            out = out.prod(a, keep);
        return out;
    };
    if (!x.dynamic()) {
        staticOnly(t, node, [&](const Probes& p) { return eval(p[0]); });
        return;
    }
    if (op == "ReduceProd") { // torch.prod takes one axis: the last first, so the others keep their numbers
        auto sorted = axes;
        std::sort(sorted.rbegin(), sorted.rend());
        std::string code = t.materialize(x);
        for (auto a : sorted)
            code = "torch.prod(" + code + ", " + std::to_string(a) + ", " + (keep ? "True" : "False") + ")";
        t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2));
        return;
    }
    const std::string function = op == "ReduceMean" ? "torch.mean"
        : op == "ReduceSum"                         ? "torch.sum"
        : op == "ReduceMax"                         ? "torch.amax"
                                                    : "torch.amin";
    std::vector<int64_t> physicalAxes = axes, perm;
    std::string var = x.code;
    if (!x.perm.empty()) {
        for (auto& a : physicalAxes)
            a = x.perm[size_t(a)];
        if (keep) {
            perm = x.perm;
        } else { // the kept dimensions, renumbered in the physical order
            std::vector<int64_t> kept;
            for (int64_t i = 0; i < rank; ++i)
                if (std::find(axes.begin(), axes.end(), i) == axes.end())
                    kept.push_back(x.perm[size_t(i)]);
            for (auto k : kept)
                perm.push_back(std::count_if(kept.begin(), kept.end(), [k](int64_t o) { return o < k; }));
        }
    } else {
        var = t.materialize(x);
    }
    t.setDynamic(node, 0, function + "(" + var + ", " + listCode(physicalAxes) + ", " + (keep ? "True" : "False") + ")",
                 eval(x.at1), eval(x.at2), perm);
}

void softmax(Translator& t, const onnx::NodeProto& node, bool logarithm)
{
    auto& x = t.input(node, 0);
    const int64_t rank = x.at1.dim();
    const int64_t axis = normalizedAxis(intAttribute(node, "axis", t.opset() < 13 ? 1 : -1), rank);
    auto eval = [&](const torch::Tensor& v) {
        if (t.opset() < 13) { // the input as a 2-D matrix, [prod(dims before axis), prod(the rest)]
            const auto rows = v.reshape({ c10::multiply_integers(v.sizes().slice(0, size_t(axis))), -1 });
            return (logarithm ? rows.log_softmax(1) : rows.softmax(1)).reshape(v.sizes());
        }
        return logarithm ? v.log_softmax(axis) : v.softmax(axis);
    };
    if (!x.dynamic()) {
        staticOnly(t, node, [&](const Probes& p) { return eval(p[0]); });
        return;
    }
    if (t.opset() < 13 && axis != rank - 1)
        throw t.refusal(node,
                        "a softmax over several axes (opset 11 and 12 with axis " + std::to_string(axis) + " of "
                            + std::to_string(rank) + ") is not covered");
    const std::string function = logarithm ? "torch.log_softmax" : "torch.softmax";
    if (!x.perm.empty() && !x.columns.defined())
        t.setDynamic(node, 0, function + "(" + x.code + ", " + std::to_string(x.perm[size_t(axis)]) + ")", eval(x.at1),
                     eval(x.at2), x.perm);
    else
        t.setDynamic(node, 0, function + "(" + t.materialize(x) + ", " + std::to_string(axis) + ")", eval(x.at1),
                     eval(x.at2));
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

torch::Tensor castTo(const torch::Tensor& v, int64_t to)
{
    switch (to) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::FLOAT16:
        return v.to(torch::kFloat);
    case onnx::TensorProto::BOOL:
        return v.to(torch::kBool);
    default:
        return v.is_floating_point() ? v.trunc().to(torch::kLong) : v.to(torch::kLong);
    }
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

const std::vector<std::string>& coveredOperators()
{
    static const std::vector<std::string> kOperators { "Abs",
                                                       "Add",
                                                       "AveragePool",
                                                       "BatchNormalization",
                                                       "Cast",
                                                       "Ceil",
                                                       "Clip",
                                                       "Concat",
                                                       "Constant",
                                                       "ConstantOfShape",
                                                       "Conv",
                                                       "ConvTranspose",
                                                       "Div",
                                                       "Dropout",
                                                       "Equal",
                                                       "Erf",
                                                       "Exp",
                                                       "Expand",
                                                       "Flatten",
                                                       "Floor",
                                                       "Gather",
                                                       "Gemm",
                                                       "GlobalAveragePool",
                                                       "GlobalMaxPool",
                                                       "Greater",
                                                       "HardSigmoid",
                                                       "HardSwish",
                                                       "Identity",
                                                       "LayerNormalization",
                                                       "LeakyRelu",
                                                       "Less",
                                                       "Log",
                                                       "LogSoftmax",
                                                       "MatMul",
                                                       "Max",
                                                       "MaxPool",
                                                       "Min",
                                                       "Mul",
                                                       "Neg",
                                                       "Not",
                                                       "Pad",
                                                       "Pow",
                                                       "PRelu",
                                                       "Range",
                                                       "Reciprocal",
                                                       "ReduceMax",
                                                       "ReduceMean",
                                                       "ReduceMin",
                                                       "ReduceProd",
                                                       "ReduceSum",
                                                       "Relu",
                                                       "Reshape",
                                                       "Resize",
                                                       "Shape",
                                                       "Sigmoid",
                                                       "Size",
                                                       "Slice",
                                                       "Softmax",
                                                       "Split",
                                                       "Sqrt",
                                                       "Squeeze",
                                                       "Sub",
                                                       "Tanh",
                                                       "Transpose",
                                                       "Unsqueeze",
                                                       "Where" };
    return kOperators;
}

bool translateOperator(Translator& t, const onnx::NodeProto& node)
{
    if (translateLayerOperator(t, node))
        return true;
    const auto& op = node.op_type();
    // Element-wise, one input.
    using F = std::function<torch::Tensor(const torch::Tensor&)>;
    using C = std::function<std::string(const std::string&)>;
    const std::map<std::string, std::pair<F, C>> kUnary {
        { "Relu", { [](auto& v) { return v.relu(); }, [](auto& a) { return call("torch.relu", a); } } },
        { "Sigmoid", { [](auto& v) { return v.sigmoid(); }, [](auto& a) { return call("torch.sigmoid", a); } } },
        { "Tanh", { [](auto& v) { return v.tanh(); }, [](auto& a) { return call("torch.tanh", a); } } },
        { "Erf", { [](auto& v) { return v.erf(); }, [](auto& a) { return call("torch.erf", a); } } },
        { "Sqrt", { [](auto& v) { return v.sqrt(); }, [](auto& a) { return call("torch.sqrt", a); } } },
        { "Exp", { [](auto& v) { return v.exp(); }, [](auto& a) { return call("torch.exp", a); } } },
        { "Log", { [](auto& v) { return v.log(); }, [](auto& a) { return call("torch.log", a); } } },
        { "Neg", { [](auto& v) { return v.neg(); }, [](auto& a) { return call("torch.neg", a); } } },
        { "Abs", { [](auto& v) { return v.abs(); }, [](auto& a) { return call("torch.abs", a); } } },
        { "Reciprocal",
          { [](auto& v) { return v.reciprocal(); }, [](auto& a) { return call("torch.reciprocal", a); } } },
        { "HardSwish",
          { [](auto& v) { return torch::hardswish(v); }, [](auto& a) { return call("torch.hardswish", a); } } },
    };
    if (const auto found = kUnary.find(op); found != kUnary.end()) {
        unary(t, node, found->second.first, found->second.second);
    } else if (op == "LeakyRelu") {
        const double alpha = floatAttribute(node, "alpha", 0.01f);
        unary(
            t, node, [&](auto& v) { return torch::leaky_relu(v, alpha); },
            [&](auto& a) { return call("torch.leaky_relu", a, floatCode(alpha)); });
    } else if (op == "HardSigmoid") {
        const double alpha = floatAttribute(node, "alpha", 0.2f), beta = floatAttribute(node, "beta", 0.5f);
        const bool pytorch = std::abs(alpha - 1.0 / 6.0) < 1e-6 && std::abs(beta - 0.5) < 1e-7;
        unary(
            t, node, [&](auto& v) { return (v * alpha + beta).clamp(0.0, 1.0); },
            [&](auto& a) {
                return pytorch
                    ? call("torch.hardsigmoid", a)
                    : "torch.hardtanh(" + a + " * " + floatCode(alpha) + " + " + floatCode(beta) + ", 0.0, 1.0)";
            });
    } else if (op == "Clip") {
        std::optional<double> low, high;
        if (t.opset() >= 11) {
            if (t.hasInput(node, 1))
                low = t.staticInput(node, 1, "minimum").item<double>();
            if (t.hasInput(node, 2))
                high = t.staticInput(node, 2, "maximum").item<double>();
        }
        auto& x = t.input(node, 0);
        auto eval = [&](const torch::Tensor& v) {
            auto out = v;
            if (low)
                out = out.clamp_min(*low);
            if (high)
                out = out.clamp_max(*high);
            return out;
        };
        if (!x.dynamic()) {
            t.setStatic(node, 0, eval(x.at1), eval(x.at2));
            return true;
        }
        std::string code = x.code;
        if (low && high)
            code = "torch.hardtanh(" + x.code + ", " + floatCode(*low) + ", " + floatCode(*high) + ")";
        else if (low)
            code = call("torch.clamp_min", x.code, floatCode(*low));
        else if (high)
            code = call("torch.clamp_max", x.code, floatCode(*high));
        t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2), x.perm, x.columns);
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow") {
        const char symbol = op == "Add" ? '+' : op == "Sub" ? '-' : op == "Mul" ? '*' : '/';
        elementwise(
            t, node,
            [&](const Probes& p) {
                if (op == "Add")
                    return p[0] + p[1];
                if (op == "Sub")
                    return p[0] - p[1];
                if (op == "Mul")
                    return p[0] * p[1];
                if (op == "Pow")
                    return p[0].pow(p[1]).to(p[0].scalar_type());
                if (!p[0].is_floating_point() && !p[1].is_floating_point())
                    return torch::div(p[0], p[1], "trunc");
                return p[0] / p[1];
            },
            [&](const auto& a) {
                return op == "Pow" ? "torch.pow(" + a[0] + ", " + a[1] + ")"
                                   : "(" + a[0] + " " + symbol + " " + a[1] + ")";
            });
    } else if (op == "Identity" || op == "Dropout") {
        if (op == "Dropout" && node.output_size() > 1 && !node.output(1).empty() && t.isRead(node.output(1)))
            throw t.refusal(node, "its mask output is read; Pare translates dropout as the identity of inference");
        auto v = t.input(node, 0);
        if (v.dynamic())
            t.setDynamic(node, 0, v.code, v.at1, v.at2, v.perm, v.columns);
        else
            t.setStatic(node, 0, v.at1, v.at2);
    } else if (op == "Cast") {
        const int64_t to = intAttribute(node, "to", onnx::TensorProto::FLOAT);
        auto& v = t.input(node, 0);
        if (!v.dynamic())
            t.setStatic(node, 0, castTo(v.at1, to), castTo(v.at2, to));
        else if (castTo(v.at1, to).scalar_type() == torch::kFloat)
            t.setDynamic(node, 0, v.code, v.at1, v.at2, v.perm, v.columns);
        else
            throw t.refusal(node, "casts the input's data to a type other than float");
    } else if (op == "Softmax" || op == "LogSoftmax") {
        softmax(t, node, op == "LogSoftmax");
    } else if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin"
               || op == "ReduceProd") {
        reduce(t, node, op);
    } else if (op == "Flatten") {
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
        staticOnly(t, node, [&](const Probes& p) { return fill.reshape({}).expand(intsOf(p[0])).clone(); });
    } else if (op == "Expand") {
        auto& data = t.input(node, 0);
        const auto& shape = t.input(node, 1);
        if (shape.dynamic())
            throw t.refusal(node, "its shape is computed from the input's data");
        auto eval = [](const torch::Tensor& v, const torch::Tensor& s) {
            auto dims = intsOf(s);
            auto source = v;
            while (source.dim() < int64_t(dims.size()))
                source = source.unsqueeze(0);
            while (dims.size() < size_t(source.dim()))
                dims.insert(dims.begin(), 1);
            for (size_t i = 0; i < dims.size(); ++i)
                dims[i] = dims[i] == 1 ? source.size(int64_t(i)) : dims[i];
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
    } else if (op == "Equal" || op == "Less" || op == "Greater" || op == "Where" || op == "Not" || op == "Floor"
               || op == "Ceil" || op == "Max" || op == "Min") {
        elementwise(
            t, node,
            [&](const Probes& p) -> torch::Tensor {
                if (op == "Equal")
                    return p[0] == p[1];
                if (op == "Less")
                    return p[0] < p[1];
                if (op == "Greater")
                    return p[0] > p[1];
                if (op == "Where")
                    return torch::where(p[0], p[1], p[2]);
                if (op == "Not")
                    return p[0].logical_not();
                if (op == "Floor")
                    return p[0].floor();
                if (op == "Ceil")
                    return p[0].ceil();
                auto out = p[0];
                for (size_t i = 1; i < p.size(); ++i)
                    out = op == "Max" ? torch::maximum(out, p[i]) : torch::minimum(out, p[i]);
                return out;
            },
            [&](const auto& a) -> std::string {
                if (op == "Equal" || op == "Less" || op == "Greater")
                    return "(" + a[0] + (op == "Equal" ? " == " : op == "Less" ? " < " : " > ") + a[1] + ")";
                if (op == "Where")
                    return "torch.where(" + a[0] + ", " + a[1] + ", " + a[2] + ")";
                if (op == "Not" || op == "Floor" || op == "Ceil")
                    return call(op == "Not" ? "torch.logical_not" : op == "Floor" ? "torch.floor" : "torch.ceil", a[0]);
                // A constant number is written as one, which clamp takes and maximum does not; start from a tensor.
                auto isTensor = [](const std::string& arg) { return arg[0] == 'v' || arg[0] == 'x' || arg[0] == 's'; };
                const auto base = size_t(std::find_if(a.begin(), a.end(), isTensor) - a.begin());
                std::string out = a[base];
                for (size_t i = 0; i < a.size(); ++i)
                    if (i != base)
                        out = call(op == "Max" ? "torch.clamp_min" : "torch.clamp_max", out, a[i]);
                return out;
            });
    } else if (op == "Range") {
        staticOnly(t, node, [&](const Probes& p) {
            return torch::arange(p[0].item(), p[1].item(), p[2].item(), p[0].options());
        });
    } else {
        return false;
    }
    return true;
}

} // namespace pare::onnx_import
