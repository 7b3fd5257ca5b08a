#pragma once
// The loss-Hessian trace for MSE against its pNTK approximation (docs/MATH.md §6). Plain structs, no LibTorch
// and no JSON: ui/ includes this header (results/ResultJson.h writes the result as JSON).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct HessianRequest {
  ProblemSpec problem;    ///< the batch the loss is taken on; labels become one-hot targets
  int64_t probes = 64;    ///< Hutchinson (Rademacher) probes of the true Hessian
  bool exact = false;     ///< also the exact Hessian trace by P HVPs (small models)
  int epochs = 0;         ///< > 0: train (MSE) on the batch and measure again
  TrainOptions training;  ///< loss is forced to mse; epochs from `epochs`
};

/// tr ∇²L at one stage of training, by each route.
struct HessianStage {
  std::string stage;  ///< "init" or "trained"
  int epoch = 0;
  double gauss_newton = 0;  ///< (1/N)·tr Θ, exact
  double gauss_newton_seconds = 0;
  double pntk_approximation = 0;  ///< (O/N)·tr Θ̂, exact
  double pntk_seconds = 0;
  double loss = 0;                  ///< L at this stage
  double hutchinson = 0;            ///< Hutchinson estimate of tr ∇²L
  double hutchinson_std_error = 0;  ///< NaN where the estimator gave none
  int64_t hutchinson_probes = 0;
  double hutchinson_seconds = 0;
  std::optional<double> exact;  ///< with request.exact: Σᵢ eᵢᵀ H eᵢ (P HVPs)
  std::optional<double> exact_seconds;
  std::string reference;                      ///< what the errors are against: "exact" or "hutchinson"
  double rel_error_pntk = 0;                  ///< of pntk_approximation against the reference
  double rel_error_gauss_newton = 0;          ///< of gauss_newton against the reference
  double rel_error_pntk_vs_gauss_newton = 0;  ///< of pntk_approximation against gauss_newton
};

struct HessianResult {
  /// The configuration as run: with epochs > 0, training.loss is "mse" and training.epochs and .seed are set.
  HessianRequest request;
  int64_t N = 0, outputs = 0, params = 0;
  std::string loss = "mse: (1/N) sum_n 0.5 ||f(x_n) - y_n||^2";
  std::vector<HessianStage> stages;  ///< "init", then "trained" when epochs > 0
};

/// tr ∇²L of L = (1/N)Σ½‖f − y‖² (one-hot y) at initialisation and (epochs > 0) after training with MSE: the
/// Hutchinson estimate (with std error), the Gauss–Newton trace (1/N)·tr Θ (exact), the pNTK approximation
/// (O/N)·tr Θ̂, and (exact) Σᵢ eᵢᵀ H eᵢ.
HessianResult run_hessian_job(const HessianRequest& request, const RunControl& rc = {});

}  // namespace ts
