// Snapshots as JSON: one set of field names for `pare compress --json`, the studio's project file and tests.

#include "pare/Error.h"
#include "pare/Pipeline.h"

#include <nlohmann/json.hpp>

namespace pare {

using nlohmann::json;

std::string snapshotToJson(const Snapshot& s)
{
    json layers = json::array();
    for (const auto& l : s.layers)
        layers.push_back(json { { "name", l.name },
                                { "type", l.type },
                                { "weight_shape", l.weightShape },
                                { "weights", l.weights },
                                { "nonzero", l.nonzero },
                                { "sparsity", l.sparsity() },
                                { "bits", l.bits },
                                { "macs", l.macs } });
    json epochs = json::array();
    for (const auto& e : s.epochs)
        epochs.push_back(json { { "epoch", e.epoch },
                                { "train_loss", e.trainLoss },
                                { "validation_accuracy", e.validationAccuracy },
                                { "validation_loss", e.validationLoss },
                                { "seconds", e.seconds } });
    json out { { "index", s.index },
               { "step", s.step },
               { "settings", s.settings },
               { "accuracy", s.accuracy },
               { "loss", s.loss },
               { "per_class_accuracy", s.perClassAccuracy },
               { "params", s.params },
               { "nonzero_params", s.nonzeroParams },
               { "macs", s.macs },
               { "latency_ms", { { "batch1", s.latency.batch1Ms }, { "batch256", s.latency.batch256Ms } } },
               { "sizes",
                 { { "dense_fp32", s.sizes.denseFp32 },
                   { "torchscript", s.sizes.torchScript },
                   { "pare", s.sizes.pare },
                   { "onnx", s.sizes.onnx >= 0 ? json(s.sizes.onnx) : json(nullptr) } } },
               { "layers", layers },
               { "epochs", epochs },
               { "step_seconds", s.stepSeconds } };
    if (s.teacherAgreement >= 0)
        out["teacher_agreement"] = s.teacherAgreement;
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Snapshot snapshotFromJson(const std::string& text, const std::string& origin)
{
    try {
        const auto in = json::parse(text);
        Snapshot s;
        s.index = in.at("index").get<int>();
        s.step = in.at("step").get<std::string>();
        s.settings = in.value("settings", std::string());
        s.accuracy = in.at("accuracy").get<double>();
        s.loss = in.value("loss", 0.0);
        s.perClassAccuracy = in.value("per_class_accuracy", std::vector<double>()); // projects before it had none
        s.params = in.at("params").get<int64_t>();
        s.nonzeroParams = in.at("nonzero_params").get<int64_t>();
        s.macs = in.value("macs", int64_t(0));
        const auto& latency = in.at("latency_ms");
        s.latency.batch1Ms = latency.at("batch1").get<double>();
        s.latency.batch256Ms = latency.at("batch256").get<double>();
        const auto& sizes = in.at("sizes");
        s.sizes.denseFp32 = sizes.at("dense_fp32").get<int64_t>();
        s.sizes.torchScript = sizes.at("torchscript").get<int64_t>();
        s.sizes.pare = sizes.at("pare").get<int64_t>();
        s.sizes.onnx = sizes.contains("onnx") && sizes.at("onnx").is_number() ? sizes.at("onnx").get<int64_t>() : -1;
        for (const auto& l : in.value("layers", json::array())) {
            LayerSnapshot layer;
            layer.name = l.at("name").get<std::string>();
            layer.type = l.value("type", std::string());
            layer.weightShape = l.value("weight_shape", std::vector<int64_t>());
            layer.weights = l.at("weights").get<int64_t>();
            layer.nonzero = l.at("nonzero").get<int64_t>();
            layer.bits = l.value("bits", 32);
            layer.macs = l.value("macs", int64_t(0));
            s.layers.push_back(std::move(layer));
        }
        for (const auto& e : in.value("epochs", json::array()))
            s.epochs.push_back({ e.at("epoch").get<int>(), e.value("train_loss", 0.0),
                                 e.value("validation_accuracy", -1.0), e.value("validation_loss", -1.0),
                                 e.value("seconds", 0.0) });
        s.teacherAgreement = in.value("teacher_agreement", -1.0);
        s.stepSeconds = in.value("step_seconds", 0.0);
        return s;
    } catch (const json::exception& e) {
        throw inputError(origin, std::string("not a valid snapshot (") + e.what() + ")");
    }
}

} // namespace pare
