#pragma once

// Which channels of a TorchScript model can be removed together: the dependency analysis behind filter pruning.
//
// Every output channel of a convolution or linear layer is a node. Each tensor of the frozen graph carries a tensor
// of node ids laid out like the tensor itself, with size 1 along dimensions where the ids do not vary (so [1,C,1,1]
// for a feature map, [1,1,F] for a linear layer's tokens); operations that move channels (cat, chunk, view, permute,
// transpose, channel shuffle, flatten) are applied to the ids as they are to the data. Operations that combine
// channels element by element (residual additions, squeeze-and-excitation gates) tie the nodes they pair up; ties
// are a union-find, so a removed channel is removed from everything tied to it. Whatever reads a set of channels in
// a way the analysis does not follow pins them: they are kept, and the rest of the model can still be pruned.
// Parameters record which node each of their rows (or columns) belongs to; pruning then slices them.

#include "model/ModelImpl.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace pare::structured {

/// A parameter or buffer sliced along one dimension: index i belongs to node `nodes[i]`.
struct ParameterSlice
{
    std::string path; ///< "features.3.conv.1.weight"
    int dim = 0;
    std::vector<int64_t> nodes;
};

/// One `nn.MultiheadAttention` followed as a whole (prune/AttentionHeads.cpp). Its code is not followed operation by
/// operation: PyTorch's attention requires the query, key and value width (`num_heads * head_dim`) to equal the width
/// it reads (`embed_dim`), and both the fused kernel and the step-by-step path read `num_heads` and `embed_dim` from
/// the module. So whole heads go (their query, key and value rows and the output projection's columns), and the
/// channels it reads lose exactly as many; pruning then updates the module's `num_heads` and `embed_dim`.
struct AttentionUnit
{
    std::string path; ///< "encoder.layers.encoder_layer_0.self_attention"
    int64_t heads = 0;
    int64_t headDim = 0;
    int headSpace = 0;                  ///< its query/key/value channels, tied head by head
    torch::jit::Value* query = nullptr; ///< what it reads as query, key and value alike
    torch::Tensor outputIds;            ///< the ids of what it returns (its output projection's channels)
    std::vector<int64_t> trunk;         ///< the nodes of the channels it reads
    bool broken = false;                ///< read in a way this does not cover: everything it touches is kept
    bool adopted = false;               ///< its output was found where the model reads it
};

/// In a traced `nn.MultiheadAttention`, which keeps no settings as attributes: the constant its code divides
/// `embed_dim` by to get `head_dim` and multiplies the batch by, which is `num_heads` (prune/AttentionHeads.cpp).
/// nullptr when the module's code has not exactly one such constant.
torch::jit::Value* tracedHeadCount(const torch::jit::Module& attention);

/// A view or reshape whose size list names a channel dimension's size as a number (the vision transformer's
/// `x.reshape(n, self.hidden_dim, n_h * n_w)`): when those channels lose some, the number becomes -1 in the code.
struct FixedReshape
{
    c10::Symbol kind;
    size_t start = 0; ///< the source range of the node, which the unfrozen module's node shares
    size_t end = 0;
    std::string text;
    int64_t dim = 0;
    torch::Tensor ids; ///< the channels whose removal needs the rewrite
};

/// The channels one layer writes: nodes first .. first+size-1.
struct ChannelSpace
{
    std::string layer;
    std::string weightPath;
    int64_t first = 0;
    int64_t size = 0;
    bool convolution = false; ///< channels along dimension 1; a linear layer's are the last
    /// The layer's output and the activations applied to it: the last one is what activation ranking measures.
    std::vector<torch::jit::Value*> values;
};

class ChannelDependencies
{
public:
    /// Analyses `frozen` (a throwaway module frozen with its parameters kept as attributes; its graph is
    /// specialised to the branches a batch of `inputShape` takes). Throws InputError (naming `origin`) where the
    /// graph cannot be run or nothing in it can be pruned.
    /// `original` is the module before freezing: which submodules are attention layers, and their settings.
    ChannelDependencies(torch::jit::Module& frozen,
                        const torch::jit::Module& original,
                        const std::vector<int64_t>& inputShape,
                        const std::string& origin);

    static constexpr int64_t kPinned = 0; ///< the node every kept-for-sure channel is tied to

    int64_t root(int64_t node);
    int spaceGroup(int space);
    const std::vector<ChannelSpace>& spaces() const { return m_spaces; }
    const std::vector<ParameterSlice>& slices() const { return m_slices; }
    /// Weights of depthwise convolutions: when they lose channels, the convolution's `groups` must follow.
    const std::set<std::string>& depthwiseWeights() const { return m_depthwise; }
    /// Weights of LayerNorms over channels that lose some: their `normalized_shape` must follow, and the pruned model
    /// is no longer exactly the original with those channels zeroed (the mean and variance span fewer channels).
    const std::set<std::string>& renormalizedWeights() const { return m_renormalized; }
    /// Operations that kept channels because the analysis does not follow them, for the report.
    const std::vector<std::string>& pinnedBy() const { return m_pinnedBy; }
    const std::vector<AttentionUnit>& attentionUnits() const { return m_units; }
    const std::vector<FixedReshape>& fixedReshapes() const { return m_fixedReshapes; }
    /// Keeps `ids` (a reshape the module's code cannot be made to follow).
    void pin(const torch::Tensor& ids);
    int64_t nodeCount() const { return int64_t(m_parent.size()); }
    int spaceOf(int64_t node) const { return m_nodeSpace[size_t(node)]; }

private:
    void record(torch::jit::Module& frozen, const std::vector<int64_t>& inputShape);
    void visit(torch::jit::Node* node);
    void visitLayer(torch::jit::Node* node,
                    torch::jit::Value* input,
                    torch::jit::Value* weight,
                    torch::jit::Value* bias,
                    int64_t groups,
                    bool isConv);
    void visitElementwise(torch::jit::Node* node, const std::vector<torch::jit::Value*>& operands);
    void visitReshape(torch::jit::Node* node);
    /// A LayerNorm over the last dimension only, with a weight, carries the channels it normalizes (ConvNeXt, the
    /// vision transformer); false for other layer norms, which then pin what they normalize.
    bool visitLayerNorm(torch::jit::Node* node);
    /// Pooling, reductions, views, permutes, slices, chunks and cat (prune/ChannelMoves.cpp); false for others.
    bool visitMovement(torch::jit::Node* node, const std::string& name);
    void pinUnfollowed(torch::jit::Node* node, const std::string& why);
    /// The attention submodule (a key of m_attentionModules) whose code `node` was inlined from; empty if none.
    std::string attentionOwner(const torch::jit::Node* node) const;
    void findAttentionModules(const torch::jit::Module& original);
    void visitAttention(torch::jit::Node* node, const std::string& owner);
    void startAttention(AttentionUnit& unit, torch::jit::Value* query);
    void breakAttention(AttentionUnit& unit, const std::string& why);
    /// A value computed inside attention unit `unit` and read outside it: its output projection's channels when it
    /// is shaped like the query (the attention's output), pinned otherwise.
    void adoptAttentionOutput(size_t unit, torch::jit::Value* outside);
    /// Whether a value the untaken branch of an attention layer reads is covered by the unit (not pinned).
    bool coveredByAttention(torch::jit::Value* value) const;

    torch::Tensor newNodes(int64_t count, const std::string& layer, const std::string& weightPath, bool convolution);
    void tie(int64_t a, int64_t b);
    void tie(const torch::Tensor& a, const torch::Tensor& b);
    void pinValue(torch::jit::Value* value);
    /// The ids along `dim` of `value` (length: its real size there), tying whatever varies along other dims.
    std::vector<int64_t> alongDim(torch::jit::Value* value, int64_t dim);
    /// The same for an id tensor aligned to its value's rank, `size` long.
    std::vector<int64_t> collapse(const torch::Tensor& ids, int64_t dim, int64_t size);
    void addSlice(const std::string& path, int dim, const std::vector<int64_t>& nodes);
    std::vector<int64_t> shapeOf(torch::jit::Value* value) const;
    const torch::Tensor* idsOf(torch::jit::Value* value) const;
    void setIds(torch::jit::Value* value, torch::Tensor ids);
    std::string pathOf(torch::jit::Value* value) const;
    std::string describe(const torch::jit::Node* node) const;

    std::string m_origin;
    const torch::jit::Module* m_module = nullptr;
    torch::jit::Value* m_self = nullptr;
    std::vector<int64_t> m_parent;
    std::vector<int> m_nodeSpace;
    std::vector<int> m_spaceParent;
    std::vector<ChannelSpace> m_spaces;
    std::map<torch::jit::Value*, std::vector<int64_t>> m_shapes;
    std::map<torch::jit::Value*, torch::Tensor> m_ids;
    std::map<torch::jit::Value*, std::vector<torch::jit::Value*>> m_items; ///< lists and tuples
    std::map<torch::jit::Value*, int> m_valueSpace;                        ///< for activation ranking
    std::vector<ParameterSlice> m_slices;
    std::map<std::pair<std::string, int>, size_t> m_sliceIndex;
    std::set<std::string> m_depthwise;
    std::set<std::string> m_renormalized;
    std::set<std::string> m_pinnedPaths; ///< parameters read where the analysis does not follow
    std::vector<std::string> m_pinnedBy;
    struct AttentionModule
    {
        int64_t embed = 0;
        int64_t heads = 0;
        int64_t headDim = 0;
    };
    std::map<std::string, AttentionModule> m_attentionModules; ///< by path
    std::vector<AttentionUnit> m_units;
    std::map<torch::jit::Value*, size_t> m_attentionValues; ///< values computed inside unit i
    /// Values only the untaken branch of an `if` read (kept alive as extra graph outputs by record()), with the
    /// attention module whose code that `if` is part of ("" when outside any, or when read by several).
    std::map<torch::jit::Value*, std::string> m_untakenReads;
    size_t m_realOutputs = 0;
    std::vector<FixedReshape> m_fixedReshapes;
};

} // namespace pare::structured
