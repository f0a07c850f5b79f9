// The ONNX operators with weights (they become submodules with parameters: Conv, ConvTranspose, Gemm, MatMul with a
// constant matrix, BatchNormalization, LayerNormalization, PRelu), and pooling, padding and resizing.

#include "io/OnnxImport.h"

namespace pare::onnx_import {
namespace {

// Attribute values of ONNX's operators (not Pare's options, whose names live in pare/Options.h).
constexpr std::string_view kConstantPadding = "constant";
constexpr std::string_view kLinearResize = "linear";

/// ONNX pads (all begins, then all ends) split into what ATen's layers pad on both sides and what must be padded
/// before them (uneven pads, or pads wider than a pooling layer allows).
struct SplitPads
{
    std::vector<int64_t> both;   ///< per spatial dimension
    std::vector<int64_t> before; ///< constant_pad_nd's list, last dimension first; empty when none is needed
};

SplitPads splitPads(const std::vector<int64_t>& pads, const std::vector<int64_t>& kernel, bool limitToHalfKernel)
{
    const size_t k = kernel.size();
    SplitPads out;
    out.both.assign(k, 0);
    std::vector<int64_t> begin(k), end(k);
    bool even = true;
    for (size_t i = 0; i < k; ++i) {
        begin[i] = pads[i];
        end[i] = pads[i + k];
        out.both[i] = std::min(begin[i], end[i]);
        even = even && begin[i] == end[i] && (!limitToHalfKernel || begin[i] <= kernel[i] / 2);
    }
    if (even)
        return out;
    if (limitToHalfKernel)
        for (size_t i = 0; i < k; ++i)
            if (out.both[i] > kernel[i] / 2)
                out.both[i] = 0;
    for (size_t i = k; i-- > 0;) {
        out.before.push_back(begin[i] - out.both[i]);
        out.before.push_back(end[i] - out.both[i]);
    }
    return out;
}

/// The pads of a convolution or pooling node: its `pads`, or those its auto_pad implies for this input.
std::vector<int64_t> padsOf(const onnx::NodeProto& node,
                            const torch::Tensor& input,
                            const std::vector<int64_t>& kernel,
                            const std::vector<int64_t>& strides,
                            const std::vector<int64_t>& dilations)
{
    const size_t k = kernel.size();
    const auto autoPad = stringAttribute(node, "auto_pad", "NOTSET");
    if (autoPad == "NOTSET")
        return intsAttribute(node, "pads", std::vector<int64_t>(2 * k, 0));
    std::vector<int64_t> pads(2 * k, 0);
    if (autoPad == "VALID")
        return pads;
    for (size_t i = 0; i < k; ++i) {
        const int64_t in = input.size(int64_t(i) + 2);
        const int64_t out = (in + strides[i] - 1) / strides[i];
        const int64_t total = std::max<int64_t>((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in, 0);
        const int64_t small = total / 2;
        pads[i] = autoPad == "SAME_LOWER" ? total - small : small;
        pads[i + k] = total - pads[i];
    }
    return pads;
}

std::string padCode(const std::string& x, const std::vector<int64_t>& before, double value)
{
    if (before.empty())
        return x;
    return "torch.constant_pad_nd(" + x + ", " + listCode(before) + ", " + floatCode(value) + ")";
}

torch::Tensor padValue(const torch::Tensor& x, const std::vector<int64_t>& before, double value)
{
    return before.empty() ? x : torch::constant_pad_nd(x, before, value);
}

std::string optionalParameter(const torch::Tensor& t, const char* name)
{
    return t.defined() ? std::string("self.") + name : std::string("None");
}

void requireUnread(Translator& t, const onnx::NodeProto& node, int from, const char* what)
{
    for (int i = from; i < node.output_size(); ++i)
        if (!node.output(i).empty() && t.isRead(node.output(i)))
            throw t.refusal(node, std::string("its ") + what + " output is used; Pare translates inference only");
}

void convolution(Translator& t, const onnx::NodeProto& node, bool transposed)
{
    auto& x = t.input(node, 0);
    const auto& weight = t.staticInput(node, 1, "weight");
    const torch::Tensor bias = t.hasInput(node, 2) ? t.staticInput(node, 2, "bias") : torch::Tensor();
    const int64_t k = weight.dim() - 2;
    if (k < 1 || k > 3)
        throw t.refusal(node, "only 1-, 2- and 3-dimensional convolutions are covered");
    const auto kernel = weight.sizes().slice(2).vec();
    const auto strides = intsAttribute(node, "strides", std::vector<int64_t>(size_t(k), 1));
    const auto dilations = intsAttribute(node, "dilations", std::vector<int64_t>(size_t(k), 1));
    const int64_t groups = intAttribute(node, "group", 1);
    const std::string dims = std::to_string(k) + "d";
    if (transposed) {
        const auto outputPadding = intsAttribute(node, "output_padding", std::vector<int64_t>(size_t(k), 0));
        auto pads = intsAttribute(node, "pads", std::vector<int64_t>(size_t(2 * k), 0));
        const auto outputShape = intsAttribute(node, "output_shape");
        const auto autoPad = stringAttribute(node, "auto_pad", "NOTSET");
        if (!outputShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            for (int64_t i = 0; i < k; ++i) { // the specification's total padding for the wanted output size
                const int64_t in = x.at1.size(i + 2);
                const int64_t wanted = outputShape.empty() ? in * strides[size_t(i)]
                                                           : outputShape[outputShape.size() - size_t(k) + size_t(i)];
                const int64_t total = strides[size_t(i)] * (in - 1) + outputPadding[size_t(i)]
                    + (kernel[size_t(i)] - 1) * dilations[size_t(i)] + 1 - wanted;
                if (total < 0)
                    throw t.refusal(node, "an output_shape larger than the full transposed convolution is not covered");
                const bool upper = autoPad != "SAME_LOWER";
                pads[size_t(i)] = upper ? total / 2 : total - total / 2;
                pads[size_t(i + k)] = total - pads[size_t(i)];
            }
        }
        // ATen pads evenly; what is uneven is cropped from the result.
        const auto split = splitPads(pads, kernel, false);
        std::string crop;
        std::vector<std::pair<int64_t, int64_t>> cuts;
        for (int64_t i = 0; i < k; ++i)
            cuts.emplace_back(pads[size_t(i)] - split.both[size_t(i)], pads[size_t(i + k)] - split.both[size_t(i)]);
        auto eval = [&](const torch::Tensor& v) {
            auto out = at::convolution(v, weight, bias, strides, split.both, dilations, true, outputPadding, groups);
            for (int64_t i = 0; i < k; ++i)
                out = out.slice(i + 2, cuts[size_t(i)].first, out.size(i + 2) - cuts[size_t(i)].second);
            return out;
        };
        if (!split.before.empty()) {
            const auto full
                = at::convolution(x.at1, weight, bias, strides, split.both, dilations, true, outputPadding, groups);
            crop = "[:, :";
            for (int64_t i = 0; i < k; ++i)
                crop += ", " + std::to_string(cuts[size_t(i)].first) + ":"
                    + std::to_string(full.size(i + 2) - cuts[size_t(i)].second);
            crop += "]";
        }
        const auto forward = "torch.conv_transpose" + dims + "(x, self.weight, " + optionalParameter(bias, "bias")
            + ", " + listCode(strides) + ", " + listCode(split.both) + ", " + listCode(outputPadding) + ", "
            + std::to_string(groups) + ", " + listCode(dilations) + ")" + crop;
        const auto call = t.layer(node, node.input(1), "ConvTranspose" + dims,
                                  { { "weight", weight }, { "bias", bias } }, {}, forward);
        t.setDynamic(node, 0, call + "(" + t.materialize(x) + ")", eval(x.at1), eval(x.at2));
        return;
    }
    const auto split = splitPads(padsOf(node, x.at1, kernel, strides, dilations), kernel, false);
    auto eval = [&](const torch::Tensor& v) {
        return at::convolution(padValue(v, split.before, 0.0), weight, bias, strides, split.both, dilations, false,
                               std::vector<int64_t>(size_t(k), 0), groups);
    };
    if (!x.dynamic()) {
        t.setStatic(node, 0, eval(x.at1), eval(x.at2));
        return;
    }
    const auto forward = "torch.conv" + dims + "(" + padCode("x", split.before, 0.0) + ", self.weight, "
        + optionalParameter(bias, "bias") + ", " + listCode(strides) + ", " + listCode(split.both) + ", "
        + listCode(dilations) + ", " + std::to_string(groups) + ")";
    const auto call
        = t.layer(node, node.input(1), "Conv" + dims, { { "weight", weight }, { "bias", bias } }, {}, forward);
    t.setDynamic(node, 0, call + "(" + t.materialize(x) + ")", eval(x.at1), eval(x.at2));
}

/// A dense layer y = x W^T + b from Gemm or MatMul (+ Add). A pending column order of x goes into W's columns.
void dense(Translator& t,
           const onnx::NodeProto& node,
           const onnx::NodeProto& outputNode,
           Value& x,
           torch::Tensor weight,
           const torch::Tensor& bias,
           bool transposeInput)
{
    auto eval = [&](const torch::Tensor& v) {
        auto in = transposeInput ? v.t() : v;
        return torch::linear(in, weight, bias);
    };
    auto out1 = eval(x.at1), out2 = eval(x.at2);
    std::string input;
    if (!transposeInput && x.columns.defined() && !x.perm.size()) {
        auto moved = torch::empty_like(weight);
        moved.index_copy_(1, x.columns, weight);
        weight = moved;
        input = x.code;
    } else {
        input = t.materialize(x) + (transposeInput ? ".t()" : "");
    }
    const auto call = t.layer(node, node.input(1), "Linear", { { "weight", weight }, { "bias", bias } }, {},
                              "torch.linear(x, self.weight, " + optionalParameter(bias, "bias") + ")");
    t.setDynamic(outputNode, 0, call + "(" + input + ")", out1, out2);
}

/// The bias of a dense layer with M outputs from a constant that broadcasts like one ([M], [1,M], a number), or an
/// undefined tensor when it does not.
torch::Tensor asBias(const Value& c, int64_t outputs)
{
    if (c.dynamic() || c.followsBatch())
        return {};
    if (c.at1.numel() == 1)
        return c.at1.reshape({ 1 }).expand({ outputs }).to(torch::kFloat).clone();
    if (c.at1.numel() == outputs && c.at1.size(-1) == outputs)
        return c.at1.reshape({ outputs }).to(torch::kFloat).clone();
    return {};
}

void gemm(Translator& t, const onnx::NodeProto& node)
{
    auto& a = t.input(node, 0);
    auto& b = t.input(node, 1);
    const double alpha = floatAttribute(node, "alpha", 1.0f), beta = floatAttribute(node, "beta", 1.0f);
    const bool transA = intAttribute(node, "transA", 0) != 0, transB = intAttribute(node, "transB", 0) != 0;
    auto eval = [&](const torch::Tensor& av, const torch::Tensor& bv, const torch::Tensor& cv) {
        auto out = (transA ? av.t() : av).matmul(transB ? bv.t() : bv) * alpha;
        return cv.defined() ? out + cv * beta : out;
    };
    const bool hasC = t.hasInput(node, 2);
    if (a.dynamic() && !b.dynamic()) {
        auto weight = (transB ? b.at1 : b.at1.t()) * alpha;
        torch::Tensor bias;
        if (hasC) {
            bias = asBias(t.input(node, 2), weight.size(0));
            if (!bias.defined()) { // a bias per row too: the layer without one, then C added as a constant
                dense(t, node, node, a, weight.contiguous(), torch::Tensor(), transA);
                auto& out = t.value(node.output(0));
                const auto& c = t.staticInput(node, 2, "C");
                const auto code = out.code;
                t.setDynamic(node, 0, "(" + code + " + " + t.constant(c * beta) + ")", out.at1 + c * beta,
                             out.at2 + c * beta);
                return;
            }
            bias = bias * beta;
        }
        dense(t, node, node, a, weight.contiguous(), bias, transA);
        return;
    }
    auto c1 = hasC ? t.input(node, 2).at1 : torch::Tensor(), c2 = hasC ? t.input(node, 2).at2 : torch::Tensor();
    auto out1 = eval(a.at1, b.at1, c1), out2 = eval(a.at2, b.at2, c2);
    bool dynamic = a.dynamic() || b.dynamic() || (hasC && t.input(node, 2).dynamic());
    if (!dynamic) {
        t.setStatic(node, 0, out1, out2);
        return;
    }
    std::string code = "torch.matmul(" + t.materialize(a) + (transA ? ".t()" : "") + ", " + t.materialize(b)
        + (transB ? ".t()" : "") + ")";
    if (alpha != 1.0)
        code = "(" + code + " * " + floatCode(alpha) + ")";
    if (hasC)
        code = "(" + code + " + " + t.materialize(t.input(node, 2)) + " * " + floatCode(beta) + ")";
    t.setDynamic(node, 0, code, out1, out2);
}

void matmul(Translator& t, const onnx::NodeProto& node)
{
    auto& a = t.input(node, 0);
    auto& b = t.input(node, 1);
    if (a.dynamic() && !b.dynamic() && b.at1.dim() == 2 && a.at1.dim() >= 2) {
        const auto weight = b.at1.t().contiguous();
        const int64_t outputs = weight.size(0);
        torch::Tensor bias;
        const onnx::NodeProto* outputNode = &node;
        if (const auto* add = t.soleReader(node, 0); add && add->op_type() == "Add" && add->input_size() == 2) {
            const int other = add->input(0) == node.output(0) ? 1 : 0;
            if (add->input(1 - other) == node.output(0) && t.hasInput(*add, size_t(other))) {
                const auto& c = t.input(*add, size_t(other));
                if (c.at1.dim() <= a.at1.dim())
                    bias = asBias(c, outputs);
                if (bias.defined()) {
                    t.consume(*add);
                    outputNode = add;
                }
            }
        }
        dense(t, node, *outputNode, a, weight, bias, false);
        return;
    }
    auto out1 = a.at1.matmul(b.at1), out2 = a.at2.matmul(b.at2);
    if (!a.dynamic() && !b.dynamic())
        t.setStatic(node, 0, out1, out2);
    else
        t.setDynamic(node, 0, "torch.matmul(" + t.materialize(a) + ", " + t.materialize(b) + ")", out1, out2);
}

void batchNorm(Translator& t, const onnx::NodeProto& node)
{
    if (intAttribute(node, "training_mode", 0) != 0)
        throw t.refusal(node, "batch normalization in training mode is not covered");
    requireUnread(t, node, 1, "running statistics");
    auto& x = t.input(node, 0);
    const auto& scale = t.staticInput(node, 1, "scale");
    const auto& shift = t.staticInput(node, 2, "bias");
    const auto& mean = t.staticInput(node, 3, "mean");
    const auto& variance = t.staticInput(node, 4, "variance");
    const double eps = floatAttribute(node, "epsilon", 1e-5f);
    const double momentum = 1.0 - floatAttribute(node, "momentum", 0.9f); // ONNX keeps, PyTorch takes
    auto eval = [&](const torch::Tensor& v) {
        return torch::batch_norm(v, scale, shift, mean, variance, false, momentum, eps, false);
    };
    if (!x.dynamic()) {
        t.setStatic(node, 0, eval(x.at1), eval(x.at2));
        return;
    }
    const std::string type = x.at1.dim() == 4 ? "BatchNorm2d" : x.at1.dim() == 5 ? "BatchNorm3d" : "BatchNorm1d";
    const auto call = t.layer(node, node.input(1), type, { { "weight", scale }, { "bias", shift } },
                              { { "running_mean", mean }, { "running_var", variance } },
                              "torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var, "
                              "self.training, "
                                  + floatCode(momentum) + ", " + floatCode(eps) + ", False)");
    t.setDynamic(node, 0, call + "(" + t.materialize(x) + ")", eval(x.at1), eval(x.at2));
}

void layerNorm(Translator& t, const onnx::NodeProto& node)
{
    auto& x = t.input(node, 0);
    const int64_t rank = x.at1.dim();
    int64_t axis = intAttribute(node, "axis", -1);
    axis = axis < 0 ? axis + rank : axis;
    const auto shape = x.at1.sizes().slice(size_t(axis)).vec();
    const auto weight = t.staticInput(node, 1, "scale").expand(shape).contiguous();
    const auto bias = t.hasInput(node, 2) ? t.staticInput(node, 2, "bias").expand(shape).contiguous() : torch::Tensor();
    const double eps = floatAttribute(node, "epsilon", 1e-5f);
    auto eval = [&](const torch::Tensor& v) { return torch::layer_norm(v, shape, weight, bias, eps); };
    if (!x.dynamic()) {
        t.setStatic(node, 0, eval(x.at1), eval(x.at2));
        return;
    }
    const auto var = t.materialize(x);
    const auto call = t.layer(node, node.input(1), "LayerNorm", { { "weight", weight }, { "bias", bias } }, {},
                              "torch.layer_norm(x, " + listCode(shape) + ", self.weight, "
                                  + optionalParameter(bias, "bias") + ", " + floatCode(eps) + ")");
    t.setDynamic(node, 0, call + "(" + var + ")", eval(x.at1), eval(x.at2));
    // The optional outputs: the mean and the inverse standard deviation over the normalized axes.
    std::vector<int64_t> axes;
    for (int64_t i = axis; i < rank; ++i)
        axes.push_back(i);
    auto mean = [&](const torch::Tensor& v) { return v.mean(axes, true); };
    auto inverse = [&](const torch::Tensor& v) { return (v.var(axes, false, true) + eps).rsqrt(); };
    const auto axesCode = listCode(axes);
    t.setDynamic(node, 1, "torch.mean(" + var + ", " + axesCode + ", True)", mean(x.at1), mean(x.at2));
    t.setDynamic(node, 2, "torch.rsqrt(torch.var(" + var + ", " + axesCode + ", False, True) + " + floatCode(eps) + ")",
                 inverse(x.at1), inverse(x.at2));
}

void prelu(Translator& t, const onnx::NodeProto& node)
{
    auto& x = t.input(node, 0);
    const auto& slope = t.staticInput(node, 1, "slope");
    torch::Tensor weight;
    const int64_t channels = x.at1.dim() >= 2 ? x.at1.size(1) : 0;
    if (slope.numel() == 1) {
        weight = slope.reshape({ 1 });
    } else if (slope.numel() == channels && slope.dim() <= x.at1.dim() - 1 && slope.size(0) == channels) {
        weight = slope.reshape({ channels }); // [C, 1, 1] against [N, C, H, W]
    } else { // a slope that broadcasts otherwise: relu(x) - slope * relu(-x), the slope a constant
        const auto& s = slope;
        auto eval = [&](const torch::Tensor& v) { return v.relu() - s * (-v).relu(); };
        const auto var = t.materialize(x);
        t.setDynamic(node, 0, "(torch.relu(" + var + ") - " + t.constant(s) + " * torch.relu(-" + var + "))",
                     eval(x.at1), eval(x.at2));
        return;
    }
    auto eval = [&](const torch::Tensor& v) { return torch::prelu(v, weight); };
    if (!x.dynamic()) {
        t.setStatic(node, 0, eval(x.at1), eval(x.at2));
        return;
    }
    const auto call
        = t.layer(node, node.input(1), "PReLU", { { "weight", weight } }, {}, "torch.prelu(x, self.weight)");
    t.setDynamic(node, 0, call + "(" + t.materialize(x) + ")", eval(x.at1), eval(x.at2));
}

void pool(Translator& t, const onnx::NodeProto& node, bool maximum)
{
    auto& x = t.input(node, 0);
    if (maximum)
        requireUnread(t, node, 1, "indices");
    const auto kernel = intsAttribute(node, "kernel_shape");
    const size_t k = kernel.size();
    if (k < 1 || k > 3)
        throw t.refusal(node, "pooling over " + std::to_string(k) + " dimensions is not covered");
    const auto strides = intsAttribute(node, "strides", std::vector<int64_t>(k, 1));
    const auto dilations = intsAttribute(node, "dilations", std::vector<int64_t>(k, 1));
    const bool ceil = intAttribute(node, "ceil_mode", 0) != 0;
    const auto split = splitPads(padsOf(node, x.at1, kernel, strides, dilations), kernel, true);
    const std::string dims = std::to_string(k) + "d";
    const bool countPads = intAttribute(node, "count_include_pad", 0) != 0;
    if (!maximum && !split.before.empty() && !countPads) {
        // Pads not counted, but uneven: zeros padded first and counted, then divided by the share of each window
        // that lies inside the input (the same pooling over ones, a constant).
        const auto pads = padsOf(node, x.at1, kernel, strides, dilations);
        std::vector<int64_t> before;
        for (size_t i = k; i-- > 0;) {
            before.push_back(pads[i]);
            before.push_back(pads[i + k]);
        }
        const std::vector<int64_t> none(k, 0);
        auto average = [&](const torch::Tensor& v) {
            const auto in = torch::constant_pad_nd(v, before, 0.0);
            return k == 1 ? torch::avg_pool1d(in, kernel, strides, none, ceil, true)
                : k == 2  ? torch::avg_pool2d(in, kernel, strides, none, ceil, true)
                          : torch::avg_pool3d(in, kernel, strides, none, ceil, true);
        };
        auto ones = x.at1.new_ones(x.at1.sizes().slice(2).vec());
        for (size_t i = 0; i < 2; ++i)
            ones = ones.unsqueeze(0);
        const auto share = average(ones);
        const auto code = "(torch.avg_pool" + std::to_string(k) + "d(" + padCode(t.materialize(x), before, 0.0) + ", "
            + listCode(kernel) + ", " + listCode(strides) + ", " + listCode(none) + ", " + (ceil ? "True" : "False")
            + ", True) / " + t.constant(share) + ")";
        t.setDynamic(node, 0, code, average(x.at1) / share, average(x.at2) / share);
        return;
    }
    const double fill = maximum ? -std::numeric_limits<double>::infinity() : 0.0;
    auto eval = [&](const torch::Tensor& v) {
        const auto in = padValue(v, split.before, fill);
        if (maximum)
            return k == 1 ? torch::max_pool1d(in, kernel, strides, split.both, dilations, ceil)
                : k == 2  ? torch::max_pool2d(in, kernel, strides, split.both, dilations, ceil)
                          : torch::max_pool3d(in, kernel, strides, split.both, dilations, ceil);
        return k == 1 ? torch::avg_pool1d(in, kernel, strides, split.both, ceil, countPads)
            : k == 2  ? torch::avg_pool2d(in, kernel, strides, split.both, ceil, countPads)
                      : torch::avg_pool3d(in, kernel, strides, split.both, ceil, countPads);
    };
    const std::string in = padCode(t.materialize(x), split.before, fill);
    const std::string flag = ceil ? "True" : "False";
    const std::string code = maximum
        ? "torch.max_pool" + dims + "(" + in + ", " + listCode(kernel) + ", " + listCode(strides) + ", "
            + listCode(split.both) + ", " + listCode(dilations) + ", " + flag + ")"
        : "torch.avg_pool" + dims + "(" + in + ", " + listCode(kernel) + ", " + listCode(strides) + ", "
            + listCode(split.both) + ", " + flag + ", " + (countPads ? "True" : "False") + ")";
    t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2));
}

void globalPool(Translator& t, const onnx::NodeProto& node, bool maximum)
{
    auto& x = t.input(node, 0);
    std::vector<int64_t> axes;
    for (int64_t i = 2; i < x.at1.dim(); ++i)
        axes.push_back(i);
    auto eval = [&](const torch::Tensor& v) { return maximum ? v.amax(axes, true) : v.mean(axes, true); };
    const auto var = t.materialize(x);
    const std::string code = !maximum && x.at1.dim() == 4
        ? "torch.adaptive_avg_pool2d(" + var + ", [1, 1])"
        : std::string(maximum ? "torch.amax(" : "torch.mean(") + var + ", " + listCode(axes) + ", True)";
    t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2));
}

void pad(Translator& t, const onnx::NodeProto& node)
{
    auto& x = t.input(node, 0);
    const auto mode = stringAttribute(node, "mode", "constant");
    const auto pads = intsOf(t.staticInput(node, 1, "pads"));
    const double value = t.hasInput(node, 2) ? t.staticInput(node, 2, "constant value").item<double>() : 0.0;
    const int64_t rank = x.at1.dim();
    if (int64_t(pads.size()) != 2 * rank)
        throw t.refusal(node, "its pads do not match its input's rank");
    std::vector<int64_t> aten; // last dimension first
    for (int64_t i = rank; i-- > 0;) {
        aten.push_back(pads[size_t(i)]);
        aten.push_back(pads[size_t(i + rank)]);
    }
    while (!aten.empty() && aten.back() == 0 && aten[aten.size() - 2] == 0) {
        aten.pop_back();
        aten.pop_back();
    }
    std::function<torch::Tensor(const torch::Tensor&)> eval;
    std::string function;
    if (aten.empty()) { // nothing to pad (PyTorch's exporter writes such a Pad before average pooling)
        if (x.dynamic())
            t.setDynamic(node, 0, x.code, x.at1, x.at2, x.perm, x.columns);
        else
            t.setStatic(node, 0, x.at1, x.at2);
        return;
    }
    if (mode == kConstantPadding) {
        eval = [&](const torch::Tensor& v) { return torch::constant_pad_nd(v, aten, value); };
        t.setDynamic(node, 0, padCode(t.materialize(x), aten, value), eval(x.at1), eval(x.at2));
        return;
    }
    if ((mode != "reflect" && mode != "edge") || rank != 4 || aten.size() > 4)
        throw t.refusal(node, "padding mode '" + mode + "' is covered only over the last two dimensions of 4");
    aten.resize(4, 0);
    const bool reflect = mode == "reflect";
    eval = [&](const torch::Tensor& v) {
        return reflect ? torch::reflection_pad2d(v, aten) : torch::replication_pad2d(v, aten);
    };
    function = reflect ? "torch.reflection_pad2d(" : "torch.replication_pad2d(";
    t.setDynamic(node, 0, function + t.materialize(x) + ", " + listCode(aten) + ")", eval(x.at1), eval(x.at2));
}

void resize(Translator& t, const onnx::NodeProto& node)
{
    auto& x = t.input(node, 0);
    if (x.at1.dim() != 4)
        throw t.refusal(node, "resizing is covered for [N,C,H,W] tensors only");
    const auto mode = stringAttribute(node, "mode", "nearest");
    const auto coordinates = stringAttribute(node, "coordinate_transformation_mode", "half_pixel");
    const auto nearest = stringAttribute(node, "nearest_mode", "round_prefer_floor");
    std::vector<int64_t> size;
    std::string scaleCode; // ONNX's scales where given: ATen then maps coordinates with them, not with the sizes
    c10::optional<double> scaleH, scaleW;
    if (t.hasInput(node, 3)) {
        const auto sizes = intsOf(t.staticInput(node, 3, "sizes"));
        size.assign(sizes.end() - 2, sizes.end());
    } else {
        const auto& scales = t.staticInput(node, 2, "scales");
        const auto s = scales.to(torch::kDouble).contiguous();
        if (s.numel() != 4 || s[0].item<double>() != 1.0 || s[1].item<double>() != 1.0)
            throw t.refusal(node, "only the height and width may be resized");
        for (int64_t i = 2; i < 4; ++i)
            size.push_back(int64_t(std::floor(double(x.at1.size(i)) * s[i].item<double>())));
        scaleH = s[2].item<double>();
        scaleW = s[3].item<double>();
        scaleCode = ", " + floatCode(*scaleH) + ", " + floatCode(*scaleW);
    }
    std::function<torch::Tensor(const torch::Tensor&)> eval;
    std::string code;
    const auto var = t.materialize(x);
    if (mode == "nearest" && coordinates == "asymmetric" && nearest == "floor") {
        eval = [&](const torch::Tensor& v) { return torch::upsample_nearest2d(v, size, scaleH, scaleW); };
        code = "torch.upsample_nearest2d(" + var + ", " + listCode(size) + scaleCode + ")";
    } else if (mode == kLinearResize
               && (coordinates == "half_pixel" || coordinates == "pytorch_half_pixel"
                   || coordinates == "align_corners")) {
        const bool corners = coordinates == "align_corners";
        eval = [&](const torch::Tensor& v) { return torch::upsample_bilinear2d(v, size, corners, scaleH, scaleW); };
        code = "torch.upsample_bilinear2d(" + var + ", " + listCode(size) + ", " + (corners ? "True" : "False")
            + scaleCode + ")";
    } else {
        throw t.refusal(node,
                        "resizing with mode '" + mode + "', coordinate_transformation_mode '" + coordinates
                            + "' and nearest_mode '" + nearest
                            + "' is not covered (nearest with asymmetric and floor, linear with half_pixel, "
                              "pytorch_half_pixel or align_corners are)");
    }
    t.setDynamic(node, 0, code, eval(x.at1), eval(x.at2));
}

} // namespace

bool translateLayerOperator(Translator& t, const onnx::NodeProto& node)
{
    const auto& op = node.op_type();
    if (op == "Conv" || op == "ConvTranspose")
        convolution(t, node, op == "ConvTranspose");
    else if (op == "Gemm")
        gemm(t, node);
    else if (op == "MatMul")
        matmul(t, node);
    else if (op == "BatchNormalization")
        batchNorm(t, node);
    else if (op == "LayerNormalization")
        layerNorm(t, node);
    else if (op == "PRelu")
        prelu(t, node);
    else if (op == "MaxPool" || op == "AveragePool")
        pool(t, node, op == "MaxPool");
    else if (op == "GlobalAveragePool" || op == "GlobalMaxPool")
        globalPool(t, node, op == "GlobalMaxPool");
    else if (op == "Pad")
        pad(t, node);
    else if (op == "Resize")
        resize(t, node);
    else
        return false;
    return true;
}

} // namespace pare::onnx_import
