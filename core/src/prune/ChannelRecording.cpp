// The run that the channel dependency analysis reads shapes from. The frozen graph is run once on a batch of one
// with every tensor it computes as an extra output; branches (prim::If) are then specialised to the way that input
// went, and the run repeats until no branch is left, so that the analysis sees straight-line code with every shape
// known.

#include "prune/ChannelDependencies.h"

#include "model/GraphProbe.h"
#include "prune/ChannelIds.h"

#include "pare/Error.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

namespace pare::structured {

using torch::jit::Node;
using torch::jit::Value;

void ChannelDependencies::record(torch::jit::Module& frozen, const std::vector<int64_t>& inputShape)
{
    auto graph = frozen.get_method("forward").graph();
    m_realOutputs = graph->outputs().size();
    auto input = torch::zeros(alignShape(inputShape, inputShape.size() + 1));
    for (int pass = 0;; ++pass) {
        std::vector<Value*> probes;
        std::vector<Node*> branches;
        for (auto* v : graph->inputs())
            if (isTensor(v))
                probes.push_back(v);
        for (auto* node : graph->nodes()) {
            for (auto* v : node->outputs())
                if (isTensor(v))
                    probes.push_back(v);
            if (node->kind() == c10::prim::If)
                branches.push_back(node);
        }
        std::vector<Value*> extra = probes; // the branch conditions too
        for (auto* node : branches)
            extra.push_back(node->input(0));
        const auto run = runWithExtraOutputs(frozen, graph, input, extra);
        if (!run.failure.empty())
            throw inputError(m_origin,
                             "cannot prune filters: the model does not run on input of shape "
                                 + c10::str(c10::IntArrayRef(inputShape)) + " (" + run.failure
                                 + "); the model was not changed");
        for (size_t i = 0; i < probes.size(); ++i)
            if (run.values[i].isTensor())
                m_shapes[probes[i]] = run.values[i].toTensor().sizes().vec();
        std::vector<bool> taken;
        for (size_t i = 0; i < branches.size(); ++i)
            taken.push_back(run.values[probes.size() + i].toBool());
        if (branches.empty() || pass == 16)
            return;
        // Keep the branch this input takes. What the other branch reads stays alive as an extra output of the
        // throwaway graph: outputs are pinned, so channels some other input would need are never removed.
        m_shapes.clear();
        for (size_t i = 0; i < branches.size(); ++i) {
            auto* node = branches[i];
            auto* untaken = node->blocks()[taken[i] ? 1 : 0];
            // The attention layer whose code the branch is part of, if any: its reads may be covered by the unit.
            const auto owner = attentionOwner(node);
            auto keepAlive = [&](Value* v) {
                if (v->node()->owningBlock() != graph->block())
                    return;
                graph->registerOutput(v);
                const auto [it, added] = m_untakenReads.emplace(v, owner);
                if (!added && it->second != owner)
                    it->second.clear();
            };
            std::vector<Node*> pending(untaken->nodes().begin(), untaken->nodes().end());
            while (!pending.empty()) {
                auto* inner = pending.back();
                pending.pop_back();
                for (auto* v : inner->inputs())
                    keepAlive(v);
                for (auto* block : inner->blocks())
                    pending.insert(pending.end(), block->nodes().begin(), block->nodes().end());
            }
            for (auto* v : untaken->outputs())
                keepAlive(v);
            torch::jit::WithInsertPoint guard(node);
            node->replaceInput(0, graph->insertConstant(bool(taken[i])));
        }
        torch::jit::ConstantPropagation(graph);
        torch::jit::EliminateDeadCode(graph);
    }
}

} // namespace pare::structured
