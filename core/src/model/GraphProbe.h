#pragma once

// Running a frozen graph once with some of its inner values returned too: how the channel analysis
// (prune/ChannelRecording.cpp) and the ONNX exporter (io/OnnxModel.cpp) learn the shapes a graph computes.

#include "model/ModelImpl.h"

#include <string>
#include <vector>

namespace pare {

struct ProbeRun
{
    std::vector<c10::IValue> values; ///< of the extra values, in order; empty when the run failed
    std::string failure;             ///< LibTorch's message, concise, when it failed
};

/// Runs `graph` (the forward of `module`: self, then one tensor) on `input`, returning `extra` as well; the graph's
/// own outputs are as they were afterwards. A method returns one value, so all go out as one tuple for the run.
inline ProbeRun runWithExtraOutputs(torch::jit::Module& module,
                                    const std::shared_ptr<torch::jit::Graph>& graph,
                                    const torch::Tensor& input,
                                    const std::vector<torch::jit::Value*>& extra)
{
    const std::vector<torch::jit::Value*> outputs(graph->outputs().begin(), graph->outputs().end());
    auto all = outputs;
    all.insert(all.end(), extra.begin(), extra.end());
    auto* tuple = graph->insertNode(graph->createTuple(all));
    while (!graph->outputs().empty())
        graph->eraseOutput(0);
    graph->registerOutput(tuple->output());
    torch::jit::Stack stack { module._ivalue(), input };
    ProbeRun run;
    try {
        torch::NoGradGuard noGrad;
        torch::jit::GraphFunction("probe", graph, nullptr).run(stack);
        const auto results = stack.back().toTupleRef().elements();
        run.values.assign(results.begin() + std::ptrdiff_t(outputs.size()), results.end());
    } catch (const std::exception& e) {
        run.failure = conciseTorchError(e);
    }
    graph->eraseOutput(0);
    tuple->destroy();
    for (auto* v : outputs)
        graph->registerOutput(v);
    return run;
}

} // namespace pare
