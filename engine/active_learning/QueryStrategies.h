#pragma once
// Query strategies of pool-based active learning: which unlabelled points to send to the oracle next. Each
// scores the pool and returns pool positions in query order with the score they were chosen by.
#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "active_learning/StrategyCatalog.h"
#include "core/Config.h"
#include "core/RunControl.h"
#include "models/Model.h"

namespace ts {

/// What a strategy sees. Inputs are on the model's device and dtype.
struct QueryContext {
  std::shared_ptr<const Model> model;  ///< trained on L; may be null only for "random"
  at::Tensor x_labelled;               ///< [|L|, input...]
  at::Tensor y_labelled;               ///< [|L|] int64
  at::Tensor x_pool;                   ///< [|U|, input...]
  std::string loss = "mse";            ///< the training loss (BADGE differentiates it)
  std::string kernel = "pntk";         ///< MLMOC: entk or pntk
  bool sequential = false;     ///< MLMOC: the linearised model learns each answer before the next query
  LookaheadOptions lookahead;  ///< MLMOC: the linearised learner (ridge: this cycle's) and the reference
  std::function<int64_t(int64_t)> oracle;  ///< true label of a pool position (needed by sequential MLMOC)
  int64_t memory_budget = int64_t(4) << 30;
  uint64_t seed = 0;
};

struct QueryResult {
  std::vector<int64_t> positions;  ///< pool positions, in query order, all distinct
  /// The score each was chosen by: higher first, except the look-ahead agreement and risk objectives
  /// (strategy_ascending), lower first; NaN for random.
  std::vector<double> scores;
  std::vector<int64_t> pseudo_labels;  ///< the learner's argmax at query time (−1 without a model)
  std::string note;                    ///< fallbacks and numerical repairs, in words
  double kernel_seconds = 0;           ///< MLMOC: time to build the kernel
  double kernel_shift = 0;             ///< MLMOC: diagonal shift the Cholesky factor needed
  /// MLMOC (batch mode): per query, the predicted mean output change over the pool, mean_U (f_lin − f_L), [O]
  /// each.
  std::vector<std::vector<double>> predicted_change;
};

/// Chooses k distinct pool points. Scores (higher is queried first):
///  entropy −Σ p log p; margin 1 − (p₍₁₎ − p₍₂₎); least-confidence 1 − max p (p = softmax f);
///  coreset: k-centre greedy on penultimate features, the distance to the nearest centre when chosen;
///  badge: k-means++ seeding on g = (v − e_ŷ) ⊗ [h, 1] (v = softmax f for cross-entropy, f for MSE; h
///  penultimate),
///         D² when chosen; mlmoc: A(x′) = Σ_U ‖f_ref − f_lin‖₂ (docs/MATH.md §7); mlmoc-flip: the number of
///         pool argmax changes (ties broken by A); the other mlmoc-… strategies their objective
///         (LookaheadObjective.h), ties to the lower pool position.
QueryResult select_queries(const std::string& strategy, const QueryContext& ctx, int64_t k,
                           const RunControl& rc = {});

/// The input h of the last linear layer (built-in MLP and CNN, by evaluating the model with that layer
/// replaced by the identity); for other models the outputs f, with `note` saying so. [N, H] float64.
at::Tensor penultimate_features(const Model& model, const at::Tensor& x, std::string* note = nullptr);

}  // namespace ts
