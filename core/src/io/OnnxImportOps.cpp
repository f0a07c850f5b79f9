// The element-wise, shape and data-movement operators of the ONNX import, each as its specification (opsets 11 to
// 17) defines it: an ATen evaluation for the probe batches and a line of TorchScript for dynamic values.

#include "io/OnnxImportHelpers.h"

#include <cmath>

namespace pare::onnx_import {
namespace {

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
    if (translateLayerOperator(t, node) || translateShapeOperator(t, node))
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
            const double count = std::ceil((p[1].item<double>() - p[0].item<double>()) / p[2].item<double>());
            t.requireSize(node, { int64_t(std::clamp(count, 0.0, 1e15)) });
            return torch::arange(p[0].item(), p[1].item(), p[2].item(), p[0].options());
        });
    } else {
        return false;
    }
    return true;
}

} // namespace pare::onnx_import