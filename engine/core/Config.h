#pragma once
// Plain configuration and result structs that cross the engine boundary (UI, CLI, benchmarks). No LibTorch
// here, so ui/ headers can include this file cheaply.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>
#include "core/Defaults.h"

namespace ts {

/// Where and in what arithmetic the engine computes.
struct ComputeConfig {
  std::string device = "cpu";                           ///< "cpu", "cuda" or "cuda:N"
  std::string dtype = default_string("compute.dtype");  ///< "float32" or "float64"
  int threads = 0;                                      ///< intra-op threads; 0 keeps LibTorch's default
  uint64_t seed = 0;  ///< seeds every random draw (model init, data, probes)
  int64_t memory_budget =
      default_integer("compute.memory_budget_bytes");  ///< bytes an exact computation may hold
  /// Vectors per batched product (one backward or forward pass over a block of vectors): -1 from the
  /// memory budget (TangentMap::block_for_budget), 0 or 1 one vector at a time.
  int product_batch = -1;
  /// How several ranks divide a run (tangentscope-cli launch, or torchrun): "products" (each block of
  /// products by columns) or "batch" (each rank holds a share of the inputs). One process ignores it.
  std::string distribute = "products";
};

enum class ProbeDistribution { Rademacher, Gaussian };

/// How Hutch++ divides its budget m (docs/MATH.md §4).
enum class HutchppSplit {
  Thirds,  ///< Meyer et al.: m/3 sketch columns, m/3 for tr(QᵀAQ), m − 2·m/3 residual probes
  Seed,    ///< Hazelden's code: q = m/6 sketch columns, s = (m − q)/2 residual probes
};

/// Options of every trace estimator (docs/MATH.md §4).
struct EstimatorOptions {
  std::string method = default_string("estimator.method");  ///< a name of the estimator registry
  int64_t matvecs =
      default_integer("estimator.matvecs");  ///< budget m, in test vectors of the method's operator
  ProbeDistribution probes = ProbeDistribution::Rademacher;
  HutchppSplit split = HutchppSplit::Thirds;
  double tol = 0;  ///< > 0: adaptive run to std_error/|estimate| ≤ tol
  int64_t max_matvecs = default_integer("estimator.max_matvecs");  ///< budget cap of an adaptive run
  uint64_t seed = 0;
  bool record_history = false;                         ///< keep the running estimate after each probe
  int64_t block = default_integer("estimator.block");  ///< test vectors per operator call (bounds memory)
  /// XNysTrace: the reference shift ν₀ in units of eps·‖Y‖_F/√n; the shift is the smallest 10^j·ν₀, j ≥ −1,
  /// that factors (tests force retries)
  double shift_factor = 1.0;
};

struct HistoryPoint {
  int64_t matvecs = 0;
  double estimate = 0;
  double std_error = 0;  ///< NaN where none
  double seconds = 0;
};

/// Result of one trace estimate.
struct TraceEstimate {
  std::string method;
  double estimate = 0;
  std::optional<double> std_error;         ///< the method's own (calibrated) error estimate, where it has one
  std::optional<double> sample_std_error;  ///< XTrace/XNysTrace: the textbook std/√k, kept for comparison
  std::optional<double>
      jackknife_std_error;                 ///< XTrace/XNysTrace: the jackknife's (t-scaled), for comparison
  std::optional<double> paired_std_error;  ///< XTrace/XNysTrace: the paired estimate's (t-scaled, ≥ the
                                           ///< sample one), for comparison
  int64_t matvecs = 0;                     ///< test vectors spent (the budget actually used)
  int64_t vjps = 0;
  int64_t jvps = 0;
  double seconds = 0;
  double product_seconds = 0;  ///< of `seconds`, the time inside VJPs and JVPs; the rest is dense algebra
  double dense_flops = 0;   ///< planned floating-point operations of the dense algebra (QR, projections, …)
  double random_draws = 0;  ///< planned random numbers drawn for test vectors
  std::string
      error_method;       ///< how std_error was computed (e.g. "sample std/√m", "jackknife over 20 groups")
  bool converged = true;  ///< false when an adaptive run hit its cap before its tolerance
  std::string note;       ///< e.g. "stability shift enlarged to 1e-10"
  std::vector<HistoryPoint> history;
};

/// Training (training/Training.h).
struct TrainOptions {
  std::string optimizer = "adam";  ///< adam or sgd
  /// cross_entropy; mse, ½‖f − y‖² summed over outputs and averaged over the batch (on one-hot targets, or
  /// regression targets); or mse_mean, PyTorch's nn.MSELoss(): (f − y)² averaged over batch and outputs.
  std::string loss = "cross_entropy";
  int epochs = 5;
  int64_t batch_size = 64;
  double lr = 1e-3;  ///< the peak learning rate under the one-cycle schedule
  /// constant, or one-cycle: PyTorch's OneCycleLR with its defaults, stepped per mini-batch (the learning
  /// rate rises from lr/25 to lr over the first 30% of the steps by cosine annealing, then falls to
  /// lr/(25·10⁴); SGD momentum moves the other way between 0.95 and 0.85, replacing `momentum`).
  std::string schedule = "constant";
  double momentum = 0.0;             ///< SGD only
  double weight_decay = 0.0;         ///< L2 penalty added to the gradient (both optimisers)
  uint64_t seed = 0;                 ///< mini-batch order
  std::vector<int> snapshot_epochs;  ///< keep θ after these epochs (0 = before training); empty: {0, epochs}
};

/// The look-ahead's linearised learner and what its objectives compare with (docs/MATH.md §7).
struct LookaheadOptions {
  /// model: the trained network's pool outputs f_L(U) (the published code's effective reference), or ntk: the
  /// linearised learner on L. Sequential queries always compare with the linearised learner.
  std::string reference = "model";
  /// Gradient-flow time t of the linearised learner; ∞: trained to convergence (kernel regression).
  double time = std::numeric_limits<double>::infinity();
  /// η: the flow on ½·mean((f − Y)²) runs to η·t (neural_tangents' gradient_descent_mse).
  double lr = 1;
  /// > 0: heavy-ball momentum m, time t·√η (neural_tangents' gradient_descent with momentum).
  double momentum = 0;
  /// Diagonal regularisation of Θ(X_L, X_L), relative to its mean diagonal: r₀ from cycle ridge_start_cycle
  /// (counted from 1, as the curves' cycle column), then r₀ + ridge_per_cycle · (cycle − ridge_start_cycle).
  double ridge = 0;
  double ridge_per_cycle = 0;
  int ridge_start_cycle = 1;
  double temperature = 1;  ///< the t-softmax objective's temperature T
};

/// Metrics (analysis/Metrics.h).
struct MetricsOptions {
  std::vector<std::string> metrics{"trace", "frobenius", "effective_rank"};
  EstimatorOptions estimator;  ///< method "exact" computes every metric exactly
  bool compare_exact = false;  ///< also compute exact values and relative errors
  int64_t memory_budget = default_integer("compute.memory_budget_bytes");
  /// The diagonal blocks Kₙₙ from each input's own O VJPs, where the model is separable over its batch and
  /// O ≤ the estimator's budget (then they cost about as much as O products over the batch): tr K = Σₙ tr Kₙₙ
  /// exact to rounding instead of estimated, and the estimator only on the off-block part of ‖K‖_F², the
  /// alignment and the distance (analysis/Metrics.h): `watch`.
  bool trace_per_input = false;
};

/// Per-layer traces (analysis/LayerTraces.h).
struct LayerTraceOptions {
  std::string groups;  ///< see parameter_groups
  /// hutchpp (the default: Meyer et al.'s split of the budget, every quadratic form split by group),
  /// hutchinson, or exact (d VJPs: tr K_g = Σ_i ‖J_gᵀ e_i‖²).
  std::string method = "hutchpp";
  int64_t matvecs = 96;
  ProbeDistribution probes = ProbeDistribution::Rademacher;
  uint64_t seed = 0;
  int64_t block = 8;
  bool compare_exact = false;  ///< also the exact values, and ‖K_g‖_F, r_eff and alignment from the kernel
  int64_t memory_budget = int64_t(4) << 30;
};

}  // namespace ts
