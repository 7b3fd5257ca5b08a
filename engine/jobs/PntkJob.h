#pragma once
// The pNTK against the eNTK on one batch (docs/MATH.md §6; Mohamadi, Bae, Sutherland, ICML 2023). Plain
// structs, no LibTorch and no JSON: ui/ includes this header (results/ResultJson.h writes the result as
// JSON).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct PntkRequest {
  ProblemSpec problem;
  std::string variant = "sum";  ///< "sum" or "single:K"
  bool compare = false;         ///< also build the eNTK and compare
  int64_t heldout = -1;  ///< kernel regression: the last `heldout` points are predicted (−1: a fifth)
  double ridge = 1e-3;   ///< relative ridge for the second regression: λ = ridge · mean diagonal of Θ
  int64_t heatmap = 0;   ///< > 0: both kernels sorted by class, average-pooled to at most this many pixels
};

/// Kernel regression with the eNTK Θ and with Θ̂ ⊗ I_O, fitted on the first n_train points of the batch and
/// predicting the last n_heldout.
struct PntkRegression {
  int64_t n_train = 0, n_heldout = 0;
  double rel_prediction_error = 0;  ///< ‖f̂_lin − f_lin‖_F / ‖f_lin‖_F on the held-out points, no ridge
  double rel_prediction_error_ridge = 0;  ///< the same with (Θ + λI)⁻¹ and (Θ̂ + λI)⁻¹
  double ridge = 0;           ///< relative: λ = ridge · mean diagonal of Θ on the training points
  double ridge_absolute = 0;  ///< λ
  double train_residual = 0, train_residual_pntk = 0;  ///< ‖f_lin(X_t) − Y‖_F / ‖Y‖_F (≈ 0 without ridge)
  double heldout_accuracy = 0, heldout_accuracy_pntk = 0;  ///< argmax against the labels (NaN without labels)
};

/// One kernel sorted by class and average-pooled, for a heat map.
struct PntkHeatMap {
  int64_t size = 0;            ///< pixels per side
  int64_t source_size = 0;     ///< rows of the kernel before pooling (N for Θ̂, N·O for Θ)
  std::vector<double> values;  ///< size × size, row-major
};

struct PntkHeatMaps {
  PntkHeatMap pntk;
  std::optional<PntkHeatMap> entk;  ///< when the eNTK was built; by output first (O blocks of N, by class)
  std::vector<int64_t> labels;      ///< the batch's labels in the sorted order; empty when the data has none
};

struct PntkResult {
  PntkRequest request;  ///< the full configuration
  int64_t N = 0, outputs = 0, params = 0;
  std::string variant;                              ///< the variant's canonical name ("sum", "single:K")
  double trace = 0, frobenius = 0, lambda_max = 0;  ///< of Θ̂
  double seconds = 0;                               ///< building Θ̂
  int64_t bytes = 0;                                ///< J_g and Θ̂
  int64_t kernel_bytes = 0;                         ///< Θ̂
  int64_t peak_bytes = -1;  ///< measured resident-memory peak above the start (−1 where not measurable)

  // With request.compare:
  std::optional<int64_t> entk_bytes, entk_kernel_bytes;  ///< J and Θ, and Θ alone (whether built or not)
  std::optional<double> entk_seconds;      ///< building Θ, or (over the budget) its exact trace
  std::optional<int64_t> entk_peak_bytes;  ///< when Θ was built
  std::optional<std::string> entk_note;    ///< why Θ was not built (over the memory budget): traces only
  std::optional<double> entk_trace;        ///< tr Θ (from Θ, or Σ‖Jᵀeᵢ‖² without it)
  // When Θ was built:
  std::optional<double> entk_frobenius, entk_lambda_max;
  std::optional<double> rel_frobenius_error;   ///< ‖Θ − Θ̂⊗I_O‖_F / ‖Θ‖_F
  std::optional<double> rel_lambda_max_error;  ///< |λ_max(Θ) − λ_max(Θ̂)| / λ_max(Θ)
  std::optional<PntkRegression> regression;    ///< when the data has targets and a point is held out
  std::optional<std::string> regression_note;  ///< why there is no regression
  bool has_targets = true;                     ///< false: the data gave no regression targets
  std::optional<double> speedup;               ///< entk_seconds / seconds
  // With request.compare:
  std::optional<double> rel_trace_error;  ///< |tr Θ − O·tr Θ̂| / |tr Θ|

  std::optional<PntkHeatMaps> heatmaps;  ///< with request.heatmap > 0
};

/// The exact pNTK Θ̂ (N × N) of the request's model on its batch: trace, Frobenius norm, λ_max, time and
/// memory. With `compare` also the eNTK Θ (N·O × N·O) and the errors of Θ̂ ⊗ I_O against it, including kernel
/// regression on the held-out points; when Θ is over the memory budget only the traces are compared (tr Θ =
/// Σ‖Jᵀeᵢ‖², no matrix) and `entk_note` says why.
PntkResult run_pntk_job(const PntkRequest& request, const RunControl& rc = {});

}  // namespace ts
