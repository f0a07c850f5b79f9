#include "model/ModelImpl.h"

#include "io/Files.h"
#include "io/OnnxExport.h"
#include "io/OnnxImport.h"
#include "io/PareFormat.h"
#include "io/ZipCheck.h"
#include "pare/BuildConfig.h"
#include "pare/Error.h"
#include "pare/MemoryBudget.h"
#include "quant/Int8.h"

#include <ATen/record_function.h>
#include <caffe2/serialize/inline_container.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <sstream>
#include <unordered_map>

namespace pare {
namespace {

constexpr const char* kRecordFile = "pare.json";

/// Tells apart the files people mistake for TorchScript, so the error says what the file is and what to do; then
/// checks the zip archive itself (directory, CRCs, sizes) before LibTorch reads any of it.
void diagnoseArchive(const std::string& path, const std::string& bytes)
{
    const std::string howToSave = "; save the model with torch.jit.save(torch.jit.script(model), 'model.pt')";
    if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) == 0x80)
        throw inputError(
            path, "a pickled file from torch.save (legacy format, e.g. a state_dict), not TorchScript" + howToSave);
    if (bytes.size() < 4 || bytes.compare(0, 4, "PK\x03\x04") != 0)
        throw inputError(path, "not a TorchScript archive (not a zip file)");
    bool hasCode = false;
    bool hasConstants = false;
    bool hasPickle = false;
    for (const auto& record : zip::checkArchive(bytes, path)) {
        // PyTorch names records "<archive>/code/...", "<archive>/constants.pkl".
        const auto slash = record.name.find('/');
        const std::string inner = slash == std::string::npos ? record.name : record.name.substr(slash + 1);
        hasCode = hasCode || inner.rfind("code/", 0) == 0;
        hasConstants = hasConstants || inner == "constants.pkl";
        hasPickle = hasPickle || inner == "data.pkl";
    }
    if (!hasCode || !hasConstants) {
        if (hasPickle)
            throw inputError(
                path, "a pickled file from torch.save (a state_dict or checkpoint), not TorchScript" + howToSave);
        throw inputError(path, "not a TorchScript archive (missing constants.pkl or code/)");
    }
}

/// The int8 engine a TorchScript archive's pare.json names, read before the archive itself is loaded.
std::optional<Int8Engine> recordedInt8Engine(const std::string& bytes)
{
    try {
        std::istringstream stream(bytes);
        caffe2::serialize::PyTorchStreamReader reader(&stream);
        const std::string name = std::string("extra/") + kRecordFile;
        if (!reader.hasRecord(name))
            return {};
        const auto [data, size] = reader.getRecord(name);
        const std::string json(static_cast<const char*>(data.get()), size);
        return findOption<Int8Engine>(nlohmann::json::parse(json).value("int8_engine", std::string()));
    } catch (const std::exception&) {
        return {}; // a damaged record is reported by the load that follows
    }
}

/// Bytes a tensor's view reaches into its storage: LibTorch 1.13 does not check, at load, that a storage record
/// is as long as the tensors built on it, and a record cut short is then read past its end.
int64_t bytesReached(const torch::Tensor& t)
{
    if (t.numel() == 0)
        return 0;
    int64_t last = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d)
        last += (t.size(d) - 1) * t.stride(d);
    return (last + 1) * int64_t(t.element_size());
}

void requireWithinStorage(const c10::IValue& value, const std::string& name, const std::string& path)
{
    if (!value.isTensor())
        return;
    const auto& t = value.toTensor();
    if (!t.defined() || !t.has_storage() || t.is_quantized() || t.is_mkldnn())
        return;
    if (bytesReached(t) > int64_t(t.storage().nbytes()))
        throw inputError(path,
                         "corrupt TorchScript archive (tensor '" + name + "' needs " + std::to_string(bytesReached(t))
                             + " bytes, its storage record holds " + std::to_string(t.storage().nbytes()) + ")");
}

} // namespace

void requireTensorsWithinStorage(const torch::jit::Module& module, const std::string& path)
{
    for (const auto& named : module.named_modules())
        for (const auto& attribute : named.value.named_attributes(/*recurse=*/false))
            requireWithinStorage(attribute.value, named.name + "." + attribute.name, path);
    for (const auto& method : module.get_methods())
        for (const auto* node : method.graph()->nodes())
            if (node->kind() == c10::prim::Constant && node->output()->type()->kind() == c10::TypeKind::TensorType)
                requireWithinStorage(torch::jit::toIValue(node->output()).value(), "constant", path);
}

namespace {

struct MacCounter
{
    std::unordered_map<const void*, size_t> layerOfWeight;
    std::vector<int64_t> macs;
    std::vector<int> activeOps; ///< per layer: ops using its weight that have started and not ended
};
thread_local MacCounter* tCounter = nullptr;

struct WeightUse : at::ObserverContext
{
    size_t layer = 0;
    int64_t macsPerOutput = 0; ///< multiply-accumulates per output element
    bool outermost = false;
};

bool contains(const char* text, const char* part)
{
    return std::strstr(text, part) != nullptr;
}

/// Multiply-accumulates per output element of an op that consumes weight `w` as input `position`, or 0 for
/// ops that only move the weight (t, contiguous, reorders).
int64_t macsPerOutput(const char* op, const c10::ArrayRef<const c10::IValue>& inputs, const torch::Tensor& w)
{
    if (contains(op, "conv"))
        return w.numel() / std::max<int64_t>(w.size(0), 1); // Cin/groups * kernel area
    if (contains(op, "aten::linear"))
        return w.size(-1); // in features
    if (contains(op, "addmm") || contains(op, "aten::mm") || contains(op, "matmul")) {
        const size_t left = contains(op, "addmm") ? 1 : 0; // the reduction runs over the left operand's last dim
        return inputs.size() > left && inputs[left].isTensor() ? inputs[left].toTensor().size(-1) : 0;
    }
    if (contains(op, "_norm"))
        return 1;
    return 0;
}

/// Counts multiply-accumulates per layer by watching which ops consume each layer's weight while one input runs
/// through the model: this works on any TorchScript graph, scripted or traced, without knowing its code.
/// Only the outermost op is counted (aten::linear, not the addmm inside it).
std::unique_ptr<at::ObserverContext> onOpStart(const at::RecordFunction& fn)
{
    if (!tCounter)
        return nullptr;
    const auto inputs = fn.inputs();
    for (const auto& input : inputs) {
        if (!input.isTensor())
            continue;
        const auto& t = input.toTensor();
        if (!t.defined() || t.dim() == 0)
            continue;
        const auto found = tCounter->layerOfWeight.find(t.data_ptr());
        if (found == tCounter->layerOfWeight.end())
            continue;
        const int64_t perOutput = macsPerOutput(fn.name(), inputs, t);
        if (perOutput == 0)
            return nullptr;
        auto use = std::make_unique<WeightUse>();
        use->layer = found->second;
        use->macsPerOutput = perOutput;
        use->outermost = tCounter->activeOps[use->layer]++ == 0;
        return use;
    }
    return nullptr;
}

void onOpEnd(const at::RecordFunction& fn, at::ObserverContext* context)
{
    if (!tCounter || !context)
        return;
    const auto* use = static_cast<WeightUse*>(context);
    --tCounter->activeOps[use->layer];
    const auto& outputs = fn.outputs();
    if (use->outermost && !outputs.empty() && outputs[0].isTensor())
        tCounter->macs[use->layer] += outputs[0].toTensor().numel() * use->macsPerOutput;
}

std::string className(const torch::jit::Module& module)
{
    const auto name = module.type()->name();
    return name ? name->name() : "Module";
}

int64_t tensorBytes(const torch::Tensor& t)
{
    return t.numel() * static_cast<int64_t>(t.element_size());
}

} // namespace

std::string ModelRecord::toJson() const
{
    nlohmann::json j;
    j["input_shape"] = inputShape;
    j["mean"] = mean;
    j["std"] = std;
    j["classes"] = classes;
    if (int8Engine)
        j["int8_engine"] = optionName(*int8Engine);
    if (!output.empty())
        j["output"] = output;
    if (layout != InputLayout::Nchw)
        j["layout"] = optionName(layout);
    j["format"] = "pare-model-record";
    j["version"] = 1;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

ModelRecord ModelRecord::fromJson(const std::string& json, const std::string& origin)
{
    ModelRecord record;
    try {
        const auto j = nlohmann::json::parse(json);
        record.inputShape = j.at("input_shape").get<std::vector<int64_t>>();
        record.mean = j.value("mean", std::vector<float> {});
        record.std = j.value("std", std::vector<float> {});
        record.classes = j.value("classes", std::vector<std::string> {});
        record.output = j.value("output", std::string());
        const auto engine = j.value("int8_engine", std::string());
        if (!engine.empty())
            record.int8Engine = parseOption<Int8Engine>(engine, "int8_engine");
        record.layout = parseOption<InputLayout>(j.value("layout", std::string("nchw")), "layout");
    } catch (const nlohmann::json::exception& e) {
        throw inputError(origin, std::string("invalid pare.json record: ") + e.what());
    } catch (const InputError& e) {
        throw inputError(origin, std::string("invalid pare.json record: ") + e.what());
    }
    const auto& shape = record.inputShape;
    if (shape.size() != 3 || *std::min_element(shape.begin(), shape.end()) <= 0
        || *std::max_element(shape.begin(), shape.end()) > kMaxInputDimension)
        throw inputError(origin,
                         "invalid pare.json record: input_shape must be [C,H,W], each from 1 to "
                             + std::to_string(kMaxInputDimension));
    requireWithinBudget(origin,
                        "one input of the recorded shape " + std::to_string(shape[0]) + "x" + std::to_string(shape[1])
                            + "x" + std::to_string(shape[2]) + " in a batch",
                        checkedProduct({ shape[0], shape[1], shape[2], 4, kInferenceBatch }));
    record.present = true;
    return record;
}

void requireFloatModel(const Model::Impl& model, const std::string& what)
{
    if (model.int8 || model.record.int8Engine)
        throw inputError(model.origin,
                         "runs on the int8 engine and cannot " + what + " any further; start from the float model");
}

void requireFiniteWeights(const Model::Impl& model, const std::string& what)
{
    torch::NoGradGuard noGrad;
    for (const auto& p : model.module.named_parameters(/*recurse=*/true))
        if (p.value.is_floating_point() && !torch::isfinite(p.value).all().item<bool>())
            throw inputError(model.origin,
                             "'" + p.name + "' holds NaN or infinite values; a model with them cannot be " + what
                                 + " (retrain or repair it first)");
}

Model::Model(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl))
{
}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& path)
{
    const int64_t size = files::requireRegularFile(path);
    auto impl = std::make_unique<Impl>();
    impl->origin = path;
    if (formatForPath(path) == ModelFormat::Onnx) {
        auto imported = onnx_import::translate(onnx_import::readModel(path), path);
        if (imported.inputShape.size() != 3)
            throw inputError(path,
                             "takes an input of " + std::to_string(imported.inputShape.size() + 1)
                                 + " dimensions; Pare's models take images, [N,C,H,W] or [N,H,W,C]");
        impl->module = std::move(imported.module);
        impl->record.inputShape = imported.inputShape;
        impl->record.layout = imported.layout;
        impl->record.firstLayerChannels = imported.inputShape[0];
        return Model(std::move(impl));
    }
    if (format::looksLikePare(path)) {
        format::decodePare(files::readAll(path), path, *impl);
        return Model(std::move(impl));
    }
    requireWithinBudget(path, "reading the file", size);
    const std::string bytes = files::readAll(path);
    diagnoseArchive(path, bytes);
    // Packed int8 weights are repacked for the current engine as the archive loads: choose the one they were made
    // for first.
    const auto engine = recordedInt8Engine(bytes);
    if (engine)
        int8::useEngine(*engine, path);
    torch::jit::ExtraFilesMap extra { { kRecordFile, "" } };
    try {
        std::istringstream stream(bytes);
        impl->module = torch::jit::load(stream, torch::kCPU, extra);
    } catch (const std::exception& e) {
        throw inputError(path, "cannot load TorchScript: " + conciseTorchError(e));
    }
    requireTensorsWithinStorage(impl->module, path);
    impl->module.eval();
    const auto recordJson = extra[kRecordFile];
    if (!recordJson.empty()) {
        impl->record = ModelRecord::fromJson(recordJson, path);
    } else if (const auto layers = layerWeights(impl->module); !layers.empty() && layers.front().weight.dim() == 4) {
        impl->record.firstLayerChannels = layers.front().weight.size(1);
    }
    return Model(std::move(impl));
}

Model Model::clone() const
{
    auto impl = std::make_unique<Impl>();
    {
        // Without this guard the copies would record CloneBackward and no optimizer would take them as leaves.
        torch::NoGradGuard noGrad;
        impl->module = m_impl->module.deepcopy();
    }
    for (auto p : impl->module.parameters())
        p.requires_grad_(true);
    impl->int8 = m_impl->int8; // shared: an int8 module is never trained or edited
    impl->record = m_impl->record;
    impl->origin = m_impl->origin;
    return Model(std::move(impl));
}

WeightValues Model::layerWeight(const std::string& layer) const
{
    for (const auto& w : layerWeights(m_impl->module))
        if (w.layer == layer) {
            const auto values = w.weight.detach().to(torch::kFloat).contiguous();
            WeightValues out;
            out.shape = values.sizes().vec();
            out.values.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
            return out;
        }
    throw inputError(m_impl->origin, "has no convolution or linear layer named '" + layer + "'");
}

ModelFormat Model::formatForPath(const std::string& path)
{
    const auto endsWith = [&path](const std::string& suffix) {
        return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith(".pare") ? ModelFormat::Pare : endsWith(".onnx") ? ModelFormat::Onnx : ModelFormat::TorchScript;
}

std::string Model::serialize(ModelFormat as) const
{
    if (as == ModelFormat::Pare)
        return format::encodePare(*m_impl);
    if (as == ModelFormat::Onnx)
        return onnx_export::exportModel(*m_impl, m_impl->record.inputShape);
    std::ostringstream out;
    torch::jit::ExtraFilesMap extra;
    if (m_impl->record.present || !m_impl->record.inputShape.empty())
        extra[kRecordFile] = m_impl->record.toJson();
    executable(*m_impl).save(out, extra);
    return out.str();
}

int64_t Model::save(const std::string& path, bool overwrite) const
{
    if (files::sameFile(path, m_impl->origin))
        throw inputError(path, "is the model's own input file; choose another output");
    return files::writeAtomically(path, serialize(formatForPath(path)), overwrite);
}

ModelSizes measureSizes(const Model& model)
{
    ModelSizes sizes;
    sizes.denseFp32 = model.parameterCount() * 4;
    sizes.torchScript = static_cast<int64_t>(model.serialize(ModelFormat::TorchScript).size());
    sizes.pare = static_cast<int64_t>(model.serialize(ModelFormat::Pare).size());
    try {
        sizes.onnx = static_cast<int64_t>(model.serialize(ModelFormat::Onnx).size());
    } catch (const InputError&) {
        sizes.onnx = -1; // an operation the exporter does not cover: the size is unknown, not zero
    }
    return sizes;
}

const ModelRecord& Model::record() const
{
    return m_impl->record;
}

void Model::setRecord(const ModelRecord& record)
{
    const std::string output = m_impl->record.output;
    const auto layout = m_impl->record.layout;
    m_impl->record = record;
    m_impl->record.present = true;
    // A record made from the data knows nothing of the model's outputs or of the layout its files take: they stay.
    if (m_impl->record.output.empty())
        m_impl->record.output = output;
    if (record.layout == InputLayout::Nchw)
        m_impl->record.layout = layout;
}

void Model::selectOutput(const std::string& output)
{
    m_impl->record.output = output;
}

const std::string& Model::origin() const
{
    return m_impl->origin;
}

int64_t Model::parameterCount() const
{
    int64_t count = 0;
    for (const auto& p : m_impl->module.parameters())
        count += p.numel();
    return count;
}

int64_t Model::nonzeroParameterCount() const
{
    torch::NoGradGuard noGrad;
    int64_t count = 0;
    for (const auto& p : m_impl->module.parameters())
        count += p.count_nonzero().item<int64_t>();
    return count;
}

ModelSummary Model::inspect(const std::vector<int64_t>& inputShape) const
{
    auto& module = m_impl->module;
    ModelSummary summary;
    summary.architecture = className(module);
    summary.inputShape = inputShape.empty() ? m_impl->record.inputShape : inputShape;
    if (summary.inputShape.size() != 3)
        throw inputError(m_impl->origin,
                         "input shape unknown (the model has no pare.json record); pass "
                         "--input-shape C,H,W");

    MacCounter counter;
    for (const auto& named : module.named_modules()) {
        LayerInfo layer;
        layer.name = named.name.empty() ? "(top)" : named.name;
        layer.type = className(named.value);
        for (const auto& p : named.value.named_parameters(/*recurse=*/false)) {
            layer.params += p.value.numel();
            layer.bytes += tensorBytes(p.value);
            if (p.name == "weight") {
                layer.weightShape = p.value.sizes().vec();
                counter.layerOfWeight[p.value.data_ptr()] = summary.layers.size();
            }
        }
        if (layer.params == 0)
            continue;
        for (const auto& b : named.value.named_buffers(/*recurse=*/false))
            layer.bytes += tensorBytes(b.value);
        summary.layers.push_back(layer);
    }
    for (const auto& p : module.parameters())
        summary.params += p.numel(), summary.bytes += tensorBytes(p);
    for (const auto& b : module.buffers())
        summary.bytes += tensorBytes(b);

    counter.macs.assign(summary.layers.size(), 0);
    counter.activeOps.assign(summary.layers.size(), 0);
    auto shape = summary.inputShape;
    shape.insert(shape.begin(), 1);
    torch::Tensor output;
    {
        torch::NoGradGuard noGrad;
        const bool wasTraining = module.is_training();
        module.eval();
        tCounter = &counter;
        const auto handle = at::addThreadLocalCallback(
            at::RecordFunctionCallback(&onOpStart, &onOpEnd).needsInputs(true).needsOutputs(true));
        try {
            output = forward(module, torch::zeros(shape), m_impl->record.output);
        } catch (const OutputSelectionError& e) {
            at::removeCallback(handle);
            tCounter = nullptr;
            throw inputError(m_impl->origin, e.what());
        } catch (const std::exception& e) {
            at::removeCallback(handle);
            tCounter = nullptr;
            throw inputError(m_impl->origin,
                             "does not run on input of shape [" + std::to_string(shape[1]) + ","
                                 + std::to_string(shape[2]) + "," + std::to_string(shape[3])
                                 + "]: " + conciseTorchError(e));
        }
        at::removeCallback(handle);
        tCounter = nullptr;
        if (wasTraining)
            module.train();
    }
    summary.outputs = output.dim() >= 2 ? output.size(1) : output.numel();
    for (size_t i = 0; i < summary.layers.size(); ++i) {
        summary.layers[i].macs = counter.macs[i];
        summary.macs += counter.macs[i];
    }
    return summary;
}

std::string bundledModelPath()
{
    const std::string name = "lenet5-fashion-mnist.pt";
    std::error_code ec;
    // A relocated install finds it next to its binary (prefix/bin/pare -> prefix/share/pare/models).
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::string besideBinary
        = ec ? std::string() : (exe.parent_path().parent_path() / "share/pare/models").string();
    for (const std::string& folder : { std::string(PARE_SOURCE_DIR) + "/resources/models", besideBinary,
                                       std::string(PARE_INSTALL_DATADIR) + "/models" })
        if (files::exists(folder + "/" + name))
            return folder + "/" + name;
    return {};
}

} // namespace pare
