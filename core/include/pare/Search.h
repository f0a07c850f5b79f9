#pragma once

// The search for the smallest (or fastest) model within an accuracy limit: candidates drawn from the space the
// studio's sliders span, screened one-shot, the promising ones fine-tuned at rising fidelity (successive halving),
// every decision on the validation split, the answer confirmed once on the test split.

#include "pare/Cancel.h"
#include "pare/Dataset.h"
#include "pare/Model.h"
#include "pare/Options.h"
#include "pare/Recipe.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pare {

/// When a search stops starting candidates: after `seconds` of wall time or `runs` measured candidates (0: no limit
/// of that kind). A candidate whose expected cost would overrun the time is not started.
struct SearchBudget
{
    double seconds = 0.0;
    int runs = 0;
};

/// "20m", "90s", "1h", "1.5h" or "50runs". Throws InputError naming `field` otherwise.
[[nodiscard]] SearchBudget parseSearchBudget(const std::string& text, const std::string& field = "budget");

struct SearchOptions
{
    /// The largest loss of top-1 accuracy allowed, in percentage points (0.5: half a point).
    double maxDropPoints = 0.5;
    SearchBudget budget { 20.0 * 60.0, 0 };
    SearchObjective objective = SearchObjective::PareBytes;
    uint64_t seed = 0;
    /// Candidates screened one-shot (no training) in each bracket; the best 1/eta of each round go on to the next,
    /// which fine-tunes them for `epochs[round - 1]` epochs (by distillation from the original where the candidate
    /// distils).
    int candidates = 27;
    int eta = 3;
    /// A third rung of at least 16 epochs: LeNet-5 pruned to 98% (magnitude, global) and put on 4-bit k-means came
    /// back to -0.81 points after 8 epochs of fine-tuning and to -0.46 after 16 (15,704 bytes); `pare compress`'s 3
    /// epochs lose 0.55 points at 95% already. With a time budget, the last rung trains for as many epochs as the
    /// rest of the budget allows its candidates (up to 48).
    std::vector<int> epochs { 1, 4, 16 };
};

/// One measured candidate: a recipe as it ran and what it gave on the validation split.
struct SearchCandidate
{
    int id = 0;      ///< in the order measured
    int bracket = 0; ///< each bracket screens new candidates, half of them near the best so far after the first
    int round = 0;   ///< 0: one-shot; r > 0: fine-tuned for `epochs`
    int epochs = 0;
    Recipe recipe;
    std::string settings; ///< "prune magnitude-global 95%, quantize 4-bit kmeans", for tables and tooltips
    double validationAccuracy = 0.0;
    double dropPoints = 0.0; ///< below the baseline's validation accuracy, in points
    /// The standard error of dropPoints: sqrt(d / n) in points, d the share of the n validation images whose top-1
    /// prediction differs from the baseline's (an upper bound on the images one gets right and the other wrong).
    double dropStandardErrorPoints = 0.0;
    /// dropPoints plus one standard error is within the limit: a candidate that is only just within on validation
    /// is as likely as not beyond it on test (the first 20-minute search's winner: 0.40 points on validation, 0.80
    /// on test), and a search that picks the smallest of many such draws picks the luckiest.
    bool withinLimit = false;
    int64_t pareBytes = 0;
    int64_t torchScriptBytes = 0; ///< the TorchScript file's length, for charts drawn on that axis
    int64_t params = 0;
    int64_t nonzeroParams = 0;
    int64_t macs = 0;
    double latencyMs = 0.0; ///< batch 1, median; measured only for the latency objective (0 otherwise)
    double objective = 0.0; ///< pareBytes, latencyMs or macs, as the search's objective says
    double seconds = 0.0;   ///< running the recipe and measuring it
};

struct SearchResult
{
    double baselineValidationAccuracy = 0.0;
    double baselineTestAccuracy = 0.0;
    int64_t baselinePareBytes = 0;
    int64_t denseFp32Bytes = 0;
    double baselineObjective = 0.0;
    std::vector<SearchCandidate> candidates; ///< in the order measured
    std::vector<int> front; ///< ids of the Pareto front (smaller objective, higher validation accuracy), smallest first
    /// The smallest candidate within the limit on validation (or, when none is, the most accurate), its test
    /// accuracy measured once at the end, and its model.
    std::optional<int> winner;
    double winnerTestAccuracy = 0.0;
    double winnerTestDropPoints = 0.0;
    bool winnerWithinLimit = false; ///< on the test split
    std::optional<Model> winnerModel;
    bool cancelled = false;
    std::string stoppedBy; ///< "budget", "finished" (every bracket it plans ran) or "cancelled"
    double seconds = 0.0;
};

struct SearchCallbacks
{
    /// Once the baseline is measured, before the first candidate: its fields of SearchResult are filled in.
    std::function<void(const SearchResult& baseline)> baseline;
    /// Before each candidate starts: what it is, for progress lines.
    std::function<void(int bracket, int round, const std::string& settings)> starting;
    /// Each candidate once measured, from the searching thread.
    std::function<void(const SearchCandidate&)> measured;
};

/// Searches compressions of `model` on `data` (README, "Search"). Deterministic under `options.seed` with a runs
/// budget and one thread. Checks `cancel` between and inside candidates; a cancelled search keeps what it measured
/// and still confirms its winner on the test split. Throws InputError when the data has no validation split.
[[nodiscard]] SearchResult searchCompression(const Model& model,
                                             const Dataset& data,
                                             const SearchOptions& options,
                                             const SearchCallbacks& callbacks = {},
                                             const CancelFlag* cancel = nullptr);

} // namespace pare
