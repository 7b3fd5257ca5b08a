#pragma once
// How good is the NTK look-ahead (docs/MATH.md §7)? For a sample of pool candidates, the predicted output
// change f_lin(U) − f_L(U) against the change after really retraining by SGD on L ∪ {(x′, y′)}, warm-started
// from θ_L, and the time of each: the published code reports the approximation over 100× faster than SGD
// retraining.
#include <ATen/ATen.h>

#include <memory>

#include "data/Data.h"
#include "jobs/AlJob.h"
#include "models/Model.h"

namespace ts {

struct RetrainValidationOptions {
  std::string kernel = "pntk";                      ///< entk or pntk
  int64_t candidates = 10;                          ///< pool points retrained by SGD (a seeded sample)
  TrainOptions retraining = default_al_training();  ///< the real retraining on L⁺ (warm start)
  uint64_t seed = 0;
  int64_t memory_budget = int64_t(4) << 30;
};

/// For each sampled candidate x′ with pseudo-label y′ = argmax f_L(x′): Δ_pred = f_lin(U) − f_L(U) and Δ_sgd
/// = f_SGD(U) − f_L(U), their Pearson correlation and relative error ‖Δ_pred − Δ_sgd‖_F/‖Δ_sgd‖_F, and the
/// MLMOC scores Σ_U‖Δ‖₂ of both; across candidates the Pearson and Spearman correlations of the two scores.
/// Times: the look-ahead for the whole pool (kernel, factor, scores) per pool candidate, and one SGD
/// retraining per candidate.
Json validate_lookahead(const std::shared_ptr<const Model>& trained, const Dataset& labelled,
                        const Dataset& pool, const RetrainValidationOptions& options,
                        const RunControl& rc = {});

/// The job's data and model, trained on its initial set (job.training), with a pool of job.pool_subset
/// unlabelled points (all if 0), then validate_lookahead. Adds {config, train_seconds,
/// initial_test_accuracy}.
Json run_retrain_validation(const AlJob& job, const RetrainValidationOptions& options,
                            const RunControl& rc = {});

}  // namespace ts
