#pragma once
// The pseudo-NTK's jobs (docs/MATH.md §6; Mohamadi, Bae, Sutherland, ICML 2023): the pNTK against the eNTK on
// one batch, the width experiment and the loss-Hessian trace. Plain structs in, JSON out (with the full
// configuration); no LibTorch in this header.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "io/Json.h"
#include "jobs/Jobs.h"

namespace ts {

struct PntkJob {
  ProblemSpec problem;
  std::string variant = "sum";  ///< "sum" or "single:K"
  bool compare = false;         ///< also build the eNTK and compare
  int64_t heldout = -1;  ///< kernel regression: the last `heldout` points are predicted (−1: a fifth)
  double ridge = 1e-3;   ///< relative ridge for the second regression: λ = ridge · mean diagonal of Θ
  int64_t heatmap = 0;   ///< > 0: both kernels sorted by class, average-pooled to at most this many pixels
};

/// The exact pNTK: {N, outputs, params, variant, trace, frobenius, lambda_max, seconds, bytes, peak_bytes};
/// with `compare` the eNTK's (entk_seconds, entk_bytes, entk_peak_bytes, …) and the errors of Θ̂ ⊗ I_O against
/// it (rel_frobenius_error, rel_lambda_max_error, regression: {rel_prediction_error, …}). When the eNTK is
/// over the memory budget only the traces are compared (tr Θ = Σ‖Jᵀeᵢ‖², no matrix) and `entk_note` says why.
/// peak_bytes: measured resident-memory peak above the start (CPU; −1 where not measurable).
Json run_pntk_job(const PntkJob& job, const RunControl& rc = {});

struct PntkWidthJob {
  std::string data = "digits";  ///< the data set; the batch is a stratified subset of it
  int64_t batch = 40;           ///< N (kernel batch), of which `heldout` are predicted by kernel regression
  int64_t heldout = 10;
  std::vector<int64_t> widths{16, 32, 64, 128, 256, 512, 1024, 2048};
  int64_t depth = 3;               ///< linear layers: depth − 1 hidden ReLU layers of the same width
  int seeds = 3;                   ///< model seeds seed0, seed0 + 1, …
  std::string param = "standard";  ///< standard (fan_in, PyTorch's default init) or ntk
  int epochs = 0;                  ///< > 0: also after this much training ("trained" stage)
  int64_t train_n = 500;           ///< training rows (disjoint from the batch; 0 = all the rest)
  TrainOptions training;           ///< epochs is taken from `epochs`
  double ridge = 1e-3;
  int64_t fit_min_width = 256;  ///< also fit over widths ≥ this (fits carry min_width; 0 = every width)
  ComputeConfig compute;
  std::string out_dir;  ///< if set: width.csv and width.json there
};

/// For every width and seed (and stage "init", then "trained" if epochs > 0): the three errors of the pNTK
/// (rel_frobenius, rel_lambda_max, rel_prediction; plus the ridge one) and the log-log slope fits against
/// width per stage and error. `on_point` receives each point as it finishes, with the fits so far, for a live
/// chart: {point: {...}, fits: [...]}. Result: {points, fits, config, files?}.
Json run_pntk_width_job(const PntkWidthJob& job, const RunControl& rc = {},
                        const std::function<void(const Json&)>& on_point = {});

struct HessianJob {
  ProblemSpec problem;    ///< the batch the loss is taken on; labels become one-hot targets
  int64_t probes = 64;    ///< Hutchinson (Rademacher) probes of the true Hessian
  bool exact = false;     ///< also the exact Hessian trace by P HVPs (small models)
  int epochs = 0;         ///< > 0: train (MSE) on the batch and measure again
  TrainOptions training;  ///< loss is forced to mse; epochs from `epochs`
};

/// tr ∇²L of L = (1/N)Σ½‖f − y‖² at each stage: the Hutchinson estimate (with std error), the Gauss–Newton
/// trace (1/N)·tr Θ (exact), the pNTK approximation (O/N)·tr Θ̂, and (exact) Σᵢ eᵢᵀ H eᵢ. {stages: [...],
/// config}.
Json run_hessian_job(const HessianJob& job, const RunControl& rc = {});

}  // namespace ts
