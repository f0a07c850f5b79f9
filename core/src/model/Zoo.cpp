// The zoo: architectures built as real TorchScript (Module::define with TorchScript source), so the files
// Pare saves load in PyTorch's torch.jit.load and look to Pare's own graph tools like any scripted model:
// submodules named conv1/fc1 with `weight` and `bias`, as torch.nn builds them. Submodules are called as
// `self.conv1.forward(x)`, the form PyTorch itself serializes: these types have no `__call__`.

#include "io/Files.h"
#include "model/ModelImpl.h"

#include "pare/Error.h"
#include "pare/MemoryBudget.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace pare {
namespace {

struct ZooSpec
{
    std::string name;
    double width = 1.0;
};

ZooSpec parseSpec(const std::string& spec)
{
    ZooSpec parsed;
    const auto at = spec.find('@');
    parsed.name = spec.substr(0, at);
    if (at != std::string::npos) {
        const std::string widthText = spec.substr(at + 1);
        size_t used = 0;
        try {
            parsed.width = std::stod(widthText, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != widthText.size() || !(parsed.width > 0.0) || parsed.width > 64.0)
            throw inputError(spec, "width after '@' must be a number in (0, 64]");
    }
    return parsed;
}

int64_t scaled(int64_t base, double width)
{
    return std::max<int64_t>(1, std::llround(double(base) * width));
}

/// Builds modules that share one compilation unit; types are mangled so every instance has its own.
class Builder
{
public:
    explicit Builder(uint64_t seed)
        : m_unit(std::make_shared<torch::jit::CompilationUnit>())
        , m_generator(seededGenerator(seed))
    {
    }

    torch::jit::Module module(const std::string& type)
    {
        torch::jit::Module m(c10::QualifiedName("__torch__.pare." + type), m_unit, /*shouldMangle=*/true);
        m.register_attribute("training", c10::BoolType::get(), false);
        return m;
    }

    /// PyTorch's default initialization for conv and linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    torch::Tensor uniform(const std::vector<int64_t>& shape, int64_t fanIn)
    {
        const double bound = 1.0 / std::sqrt(double(fanIn));
        return torch::empty(shape).uniform_(-bound, bound, m_generator);
    }

    torch::jit::Module conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool bias)
    {
        auto m = module("Conv2d");
        const int64_t fanIn = in * kernel * kernel;
        m.register_parameter("weight", uniform({ out, in, kernel, kernel }, fanIn), false);
        if (bias)
            m.register_parameter("bias", uniform({ out }, fanIn), false);
        const std::string s = std::to_string(stride), p = std::to_string(padding);
        m.define("def forward(self, x):\n    return torch.conv2d(x, self.weight, "
                 + std::string(bias ? "self.bias" : "None") + ", [" + s + ", " + s + "], [" + p + ", " + p
                 + "], [1, 1], 1)\n");
        return m;
    }

    torch::jit::Module linear(int64_t in, int64_t out)
    {
        auto m = module("Linear");
        m.register_parameter("weight", uniform({ out, in }, in), false);
        m.register_parameter("bias", uniform({ out }, in), false);
        m.define("def forward(self, x):\n    return torch.linear(x, self.weight, self.bias)\n");
        return m;
    }

    torch::jit::Module batchNorm(int64_t channels)
    {
        auto m = module("BatchNorm2d");
        m.register_parameter("weight", torch::ones({ channels }), false);
        m.register_parameter("bias", torch::zeros({ channels }), false);
        m.register_buffer("running_mean", torch::zeros({ channels }));
        m.register_buffer("running_var", torch::ones({ channels }));
        m.define("def forward(self, x):\n"
                 "    return torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,\n"
                 "                            self.training, 0.1, 1e-05, False)\n");
        return m;
    }

private:
    std::shared_ptr<torch::jit::CompilationUnit> m_unit;
    torch::Generator m_generator;
};

torch::jit::Module lenet5(Builder& b, double width, const std::vector<int64_t>& shape, int64_t classes)
{
    const int64_t c1 = scaled(20, width), c2 = scaled(50, width), f1 = scaled(500, width);
    const int64_t h = ((shape[1] - 4) / 2 - 4) / 2, w = ((shape[2] - 4) / 2 - 4) / 2;
    if (h < 1 || w < 1)
        throw InputError("lenet5: input " + std::to_string(shape[1]) + "x" + std::to_string(shape[2])
                         + " is too small (at least 16x16)");
    auto m = b.module("LeNet5");
    m.register_module("conv1", b.conv(shape[0], c1, 5, 1, 0, true));
    m.register_module("conv2", b.conv(c1, c2, 5, 1, 0, true));
    m.register_module("fc1", b.linear(c2 * h * w, f1));
    m.register_module("fc2", b.linear(f1, classes));
    // The Caffe LeNet-5 of the Deep Compression paper: no activation after the convolutions.
    m.define(R"(
def forward(self, x):
    x = torch.max_pool2d(self.conv1.forward(x), [2, 2], [2, 2], [0, 0], [1, 1], False)
    x = torch.max_pool2d(self.conv2.forward(x), [2, 2], [2, 2], [0, 0], [1, 1], False)
    x = torch.flatten(x, 1)
    x = torch.relu(self.fc1.forward(x))
    return self.fc2.forward(x)
)");
    return m;
}

torch::jit::Module lenet300(Builder& b, double width, const std::vector<int64_t>& shape, int64_t classes)
{
    const int64_t h1 = scaled(300, width), h2 = scaled(100, width);
    auto m = b.module("LeNet300");
    m.register_module("fc1", b.linear(shape[0] * shape[1] * shape[2], h1));
    m.register_module("fc2", b.linear(h1, h2));
    m.register_module("fc3", b.linear(h2, classes));
    m.define(R"(
def forward(self, x):
    x = torch.flatten(x, 1)
    x = torch.relu(self.fc1.forward(x))
    x = torch.relu(self.fc2.forward(x))
    return self.fc3.forward(x)
)");
    return m;
}

torch::jit::Module basicBlock(Builder& b, int64_t in, int64_t out, int64_t stride)
{
    auto m = b.module("BasicBlock");
    m.register_module("conv1", b.conv(in, out, 3, stride, 1, false));
    m.register_module("bn1", b.batchNorm(out));
    m.register_module("conv2", b.conv(out, out, 3, 1, 1, false));
    m.register_module("bn2", b.batchNorm(out));
    const bool projection = stride != 1 || in != out;
    if (projection) {
        m.register_module("shortcut_conv", b.conv(in, out, 1, stride, 0, false));
        m.register_module("shortcut_bn", b.batchNorm(out));
    }
    m.define(std::string(R"(
def forward(self, x):
    y = torch.relu(self.bn1.forward(self.conv1.forward(x)))
    y = self.bn2.forward(self.conv2.forward(y))
)")
             + (projection ? "    return torch.relu(y + self.shortcut_bn.forward(self.shortcut_conv.forward(x)))\n"
                           : "    return torch.relu(y + x)\n"));
    return m;
}

torch::jit::Module resnet8(Builder& b, double width, const std::vector<int64_t>& shape, int64_t classes)
{
    const int64_t w1 = scaled(16, width), w2 = scaled(32, width), w3 = scaled(64, width);
    auto m = b.module("ResNet8");
    m.register_module("conv1", b.conv(shape[0], w1, 3, 1, 1, false));
    m.register_module("bn1", b.batchNorm(w1));
    m.register_module("layer1", basicBlock(b, w1, w1, 1));
    m.register_module("layer2", basicBlock(b, w1, w2, 2));
    m.register_module("layer3", basicBlock(b, w2, w3, 2));
    m.register_module("fc", b.linear(w3, classes));
    m.define(R"(
def forward(self, x):
    x = torch.relu(self.bn1.forward(self.conv1.forward(x)))
    x = self.layer3.forward(self.layer2.forward(self.layer1.forward(x)))
    x = torch.flatten(torch.adaptive_avg_pool2d(x, [1, 1]), 1)
    return self.fc.forward(x)
)");
    return m;
}

/// The zoo: each architecture's name, builder and default input shape.
struct Architecture
{
    const char* name;
    torch::jit::Module (*build)(Builder&, double width, const std::vector<int64_t>& shape, int64_t classes);
    std::vector<int64_t> defaultShape;
};

const std::vector<Architecture>& architectures()
{
    static const std::vector<Architecture> zoo { { "lenet5", lenet5, { 1, 28, 28 } },
                                                 { "lenet300", lenet300, { 1, 28, 28 } },
                                                 { "resnet8", resnet8, { 3, 32, 32 } } };
    return zoo;
}

const Architecture* findArchitecture(const std::string& name)
{
    for (const auto& architecture : architectures())
        if (name == architecture.name)
            return &architecture;
    return nullptr;
}

} // namespace

std::vector<std::string> Model::zooNames()
{
    std::vector<std::string> names;
    for (const auto& architecture : architectures())
        names.emplace_back(architecture.name);
    return names;
}

bool Model::namesZooModel(const std::string& spec)
{
    return isZooSpec(spec) && !files::exists(spec);
}

Model Model::open(const std::string& spec, const std::vector<int64_t>& inputShape, int64_t classes, uint64_t seed)
{
    if (namesZooModel(spec))
        return fromZoo(spec, inputShape, classes, seed);
    // A bare word that is neither a file nor an architecture is most likely a misspelt architecture.
    if (!files::exists(spec) && spec.find('/') == std::string::npos && spec.find('.') == std::string::npos)
        throw inputError(spec, "no such file, and not a zoo architecture (lenet5, lenet300, resnet8, NAME@W)");
    return load(spec);
}

bool Model::isZooSpec(const std::string& spec)
{
    const auto name = spec.substr(0, spec.find('@'));
    const auto names = zooNames();
    return std::find(names.begin(), names.end(), name) != names.end();
}

Model Model::fromZoo(const std::string& spec, const std::vector<int64_t>& inputShape, int64_t classes, uint64_t seed)
{
    const ZooSpec parsed = parseSpec(spec);
    if (!isZooSpec(parsed.name))
        throw inputError(spec, "unknown architecture (the zoo has lenet5, lenet300, resnet8)");
    const auto* architecture = findArchitecture(parsed.name);
    const auto shape = inputShape.empty() ? architecture->defaultShape : inputShape;
    if (shape.size() != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
        throw inputError(spec, "input shape must be C,H,W with positive sizes");
    if (classes <= 0)
        classes = 10;
    if (parsed.width > 1.0) {
        // Parameters grow at most with the square of the width (each layer's inputs and outputs scale with it):
        // bound the wide model by the narrow one's count before building it. Training holds each parameter four
        // times over (weights, gradients, two Adam moments).
        Builder narrow(seed);
        int64_t baseline = 0;
        for (const auto& p : architecture->build(narrow, 1.0, shape, classes).parameters())
            baseline += p.numel();
        const auto bound = int64_t(double(baseline) * parsed.width * parsed.width);
        requireWithinBudget(spec, "up to " + std::to_string(bound / 1'000'000) + " million parameters, trained,",
                            checkedProduct({ bound, 16 }));
    }
    Builder builder(seed);
    auto impl = std::make_unique<Impl>();
    impl->module = architecture->build(builder, parsed.width, shape, classes);
    impl->module.eval();
    impl->origin = spec;
    impl->record.inputShape = shape;
    for (int64_t c = 0; c < classes; ++c)
        impl->record.classes.push_back(std::to_string(c));
    return Model(std::move(impl));
}

} // namespace pare
