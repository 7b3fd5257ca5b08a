#pragma once
// Whole runs described by plain structs, for the command-line tool and the UI's engine thread. No LibTorch in
// this header: ui/ includes it.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "io/Json.h"

namespace ts {

/// Where the kernel comes from: a model on a batch.
struct ProblemSpec {
  // The default a user gets when choosing nothing: scikit-learn's digits with a built-in MLP.
  std::string model = default_string("problem.model");
  std::string model_b;  ///< second snapshot for alignment (same architecture), optional
  std::string data = default_string("problem.data");
  std::string input_shape;  ///< shape of one input, e.g. "15,10" (required for TorchScript files)
  std::string params = default_string("problem.params");
  std::string jvp = default_string("problem.jvp");  ///< forward or double-backward
  /// The kernel the trace and compare jobs estimate: "entk" (K = JJᵀ, d×d), or the pseudo-NTK "pntk" (sum of
  /// logits, N×N) / "pntk:single:K" (docs/MATH.md §6).
  std::string kernel = default_string("problem.kernel");
  ComputeConfig compute;
};

struct TraceJob {
  ProblemSpec problem;
  EstimatorOptions estimator;  ///< method "exact" computes the exact trace
  bool compare_exact = false;
  int repeats = 1;  ///< independent repeats with seeds seed, seed+1, …
};

struct TraceJobResult {
  TraceEstimate estimate;              ///< the first repeat (or the exact trace)
  std::vector<TraceEstimate> repeats;  ///< all repeats
  std::optional<double> exact;
  std::optional<double> exact_seconds;
  std::string exact_method;
  int64_t d = 0, params = 0;
  std::string jvp_path;      ///< "forward" or "double-backward", as the JVPs ran
  std::string jvp_fallback;  ///< why forward mode was abandoned (names the operator), if it was
  Json config;               ///< the full configuration that produced this result
};

/// Loads model and data, builds the NTK operator and runs the estimator. Throws ts::Error subclasses.
TraceJobResult run_trace_job(const TraceJob& job, const RunControl& rc = {});
Json to_json(const TraceJobResult& r);

struct MetricsJob {
  ProblemSpec problem;
  std::vector<std::string> metrics{"trace", "frobenius", "effective_rank"};
  EstimatorOptions estimator;
  bool compare_exact = false;
};

/// Several estimators on one kernel, for comparison (the app's convergence and speed–accuracy charts).
struct CompareJob {
  ProblemSpec problem;
  std::vector<std::string> methods{"hutchpp", "xnystrace", "hutchinson"};
  EstimatorOptions estimator;  ///< budget, seed and options shared by every method (method is ignored)
  bool exact = true;           ///< compute the exact trace (needed for relative errors)
  /// Speed–accuracy sweep: each method at these budgets (empty: m/8, m/4, m/2, m), `sweep_repeats` seeds
  /// each.
  std::vector<int64_t> sweep_budgets;
  int sweep_repeats = 1;
};

/// {d, params, exact?, exact_seconds?, exact_method?, runs: [estimate JSON with history per method],
///  sweep: [{method, budget, repeat, estimate, rel_error, seconds}], config}. The problem is built once.
Json run_compare_job(const CompareJob& job, const RunControl& rc = {});

/// Metrics results as JSON (one object per metric plus the configuration).
Json run_metrics_job(const MetricsJob& job, const RunControl& rc = {});

/// The exact eigenvalues of K (descending; at most `top`, 0 = all min(d, P)), with tr K and ‖K‖_F, after
/// checking the memory budget.
Json run_spectrum_job(const ProblemSpec& problem, int64_t top, const RunControl& rc = {});

/// Training with snapshots, then (with `track_ntk`) the NTK metrics at each snapshot on a probe batch.
struct DynamicsJob {
  ProblemSpec problem;    ///< data = the training data
  std::string test_data;  ///< empty: a stratified split of the training data of `test_size` rows
  int64_t test_size = 0;  ///< 0: a fifth of the training data
  int64_t train_subset = 0, test_subset = 0;
  bool standardize = false;  ///< fitted on the training part, applied to both
  TrainOptions training;
  bool track_ntk = true;
  MetricsOptions metrics;  ///< the metrics per snapshot (alignment is cos(K_t, K₀))
  int64_t probe_n = 100;   ///< the probe batch: a stratified subset of the test data
  std::string out_dir;  ///< if set: history.csv, snapshot-epochE.pt, (dynamics.csv), train.json/dynamics.json
};

/// {history: [...], snapshots: [files], dynamics?: [{epoch, exact_compared, metrics: [...]}], probe?,
/// config}. Progress comes per mini-batch, then per snapshot; the output folder is checked before any work.
Json run_dynamics_job(const DynamicsJob& job, const RunControl& rc = {});

/// A few samples of a data set for the UI's preview: {description, size, image_shape, classes, samples:
/// [{label, class_name, pixels (row-major, 0…1 for images)}]}; at most `count` samples, the first of a seeded
/// subset.
Json preview_data(const std::string& data_spec, int count, uint64_t seed = 0);

// The pNTK jobs are in PntkJobs.h.

/// Whether this LibTorch has CUDA and sees a GPU.
bool cuda_available();

/// Predicted VJPs and JVPs of one estimate (see planned_cost in Estimators.h), for showing a run's cost
/// first.
std::pair<int64_t, int64_t> planned_ad_cost(const EstimatorOptions& options);

/// Predicted seconds of the dense algebra of one estimate (QR, projections, draws) on a kernel of size d with
/// P parameters, besides its products (see planned_dense_cost in Estimators.h).
double planned_dense_seconds(const EstimatorOptions& options, int64_t d, int64_t params);

/// A summary of the model a problem describes: P, d, layers (for the UI's model panel and `info`).
Json describe_problem(const ProblemSpec& problem);

Json to_json(const ComputeConfig& c);
Json to_json(const TrainOptions& o);
Json to_json(const EstimatorOptions& o);
Json to_json(const ProblemSpec& p);
Json to_json(const TraceEstimate& e);

}  // namespace ts
