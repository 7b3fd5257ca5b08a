#pragma once
// How good is the NTK look-ahead (docs/MATH.md §7)? For a sample of pool candidates, the predicted output
// change f_lin(U) − f_L(U) against the change after really retraining by SGD on L ∪ {(x′, y′)}, warm-started
// from θ_L, and the time of each: the published code reports the approximation over 100× faster than SGD
// retraining.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/AlJob.h"

namespace ts {

// Declared only: the command line reads the results without LibTorch's headers.
class Model;
struct Dataset;

struct RetrainValidationOptions {
  std::string kernel = "pntk";                      ///< entk or pntk
  int64_t candidates = 10;                          ///< pool points retrained by SGD (a seeded sample)
  TrainOptions retraining = default_al_training();  ///< the real retraining on L⁺ (warm start)
  uint64_t seed = 0;
  int64_t memory_budget = int64_t(4) << 30;
};

/// One sampled pool candidate x′ with pseudo-label y′: the look-ahead's predicted change of the pool's
/// outputs against the change after real retraining.
struct RetrainCandidate {
  int64_t pool_position = 0;  ///< row of the pool
  int64_t pseudo_label = 0;   ///< y′ = argmax f_L(x′)
  double score_ntk = 0;       ///< MLMOC score Σ_U‖Δ_pred‖₂
  double score_sgd = 0;       ///< the same of Δ_sgd
  double correlation = 0;     ///< Pearson correlation of Δ_pred and Δ_sgd (NaN if either is constant)
  double relative_error = 0;  ///< ‖Δ_pred − Δ_sgd‖_F/‖Δ_sgd‖_F
  double sgd_seconds = 0;     ///< one real retraining
  // x′'s effect alone: both changes minus the corresponding retraining on L alone.
  double effect_score_ntk = 0, effect_score_sgd = 0, effect_correlation = 0, effect_relative_error = 0;
};

/// The look-ahead against real retraining (validate_lookahead, run_retrain_validation). Correlations across
/// candidates are NaN (null in JSON) with fewer than two candidates.
struct RetrainValidationResult {
  std::string kernel;  ///< entk or pntk
  int64_t labelled = 0, pool = 0, candidates = 0;
  double kernel_shift = 0;               ///< diagonal shift the Cholesky factor needed
  double kernel_seconds = 0;             ///< building the kernel
  double ntk_seconds_total = 0;          ///< the look-ahead for the whole pool (kernel, factor, scores)
  double ntk_seconds_per_candidate = 0;  ///< ntk_seconds_total / pool
  double sgd_seconds_per_candidate = 0;  ///< mean real retraining
  double speedup = 0;                    ///< sgd_seconds_per_candidate / ntk_seconds_per_candidate
  double mean_change_correlation = 0;    ///< mean over candidates
  double mean_relative_error = 0;        ///< mean over candidates
  double score_correlation = 0;          ///< Pearson, of score_ntk and score_sgd across candidates
  double score_rank_correlation = 0;     ///< Spearman, the same
  double mean_effect_correlation = 0;    ///< as above for x′'s effect alone
  double mean_effect_relative_error = 0;
  double effect_score_correlation = 0;
  double effect_score_rank_correlation = 0;
  double common_part_relative_size = 0;  ///< ‖retraining on L alone‖ / mean ‖Δ_pred‖ (both linearised)
  TrainOptions retraining;               ///< the real retraining
  std::vector<RetrainCandidate> per_candidate;
  // Set by run_retrain_validation only.
  std::optional<double> train_seconds;          ///< training on the initial set
  std::optional<double> initial_test_accuracy;  ///< of the model trained on the initial set
  std::optional<AlRequest> request;             ///< the configuration ("config" in JSON)
  std::optional<std::string> blas;              ///< the BLAS LibTorch ran on
};

/// For each sampled candidate x′ with pseudo-label y′ = argmax f_L(x′): Δ_pred = f_lin(U) − f_L(U) and Δ_sgd
/// = f_SGD(U) − f_L(U), their Pearson correlation and relative error ‖Δ_pred − Δ_sgd‖_F/‖Δ_sgd‖_F, and the
/// MLMOC scores Σ_U‖Δ‖₂ of both; across candidates the Pearson and Spearman correlations of the two scores.
/// Times: the look-ahead for the whole pool (kernel, factor, scores) per pool candidate, and one SGD
/// retraining per candidate.
RetrainValidationResult validate_lookahead(const std::shared_ptr<const Model>& trained,
                                           const Dataset& labelled, const Dataset& pool,
                                           const RetrainValidationOptions& options,
                                           const RunControl& rc = {});

/// The job's data and model, trained on its initial set (job.training), with a pool of job.pool_subset
/// unlabelled points (all if 0), then validate_lookahead; sets train_seconds, initial_test_accuracy, request
/// and blas.
RetrainValidationResult run_retrain_validation(const AlRequest& job, const RetrainValidationOptions& options,
                                               const RunControl& rc = {});

}  // namespace ts
