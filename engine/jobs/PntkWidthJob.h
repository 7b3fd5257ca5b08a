#pragma once
// The width experiment of Mohamadi, Bae and Sutherland (ICML 2023, Theorems 1–3). Plain structs, no LibTorch
// and no JSON: ui/ includes this header (results/ResultJson.h writes the result as JSON).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "core/SlopeFit.h"

namespace ts {

struct PntkWidthRequest {
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

/// The errors of the pNTK of one model (one width, one seed, one stage) against its eNTK.
struct PntkWidthPoint {
  std::string stage;  ///< "init" or "trained"
  int64_t width = 0;
  uint64_t seed = 0;
  int64_t params = 0;
  double rel_frobenius = 0;         ///< ‖Θ − Θ̂⊗I_O‖_F / ‖Θ‖_F
  double rel_lambda_max = 0;        ///< |λ_max(Θ) − λ_max(Θ̂)| / λ_max(Θ)
  double rel_prediction = 0;        ///< kernel regression on the held-out points, no ridge
  double rel_prediction_ridge = 0;  ///< the same with the ridge
  double heldout_accuracy = 0, heldout_accuracy_pntk = 0;
  double seconds = 0;

  /// The error named `name` (rel_frobenius, rel_lambda_max, rel_prediction, rel_prediction_ridge); NaN for
  /// another name.
  double error(const std::string& name) const {
    if (name == "rel_frobenius") return rel_frobenius;
    if (name == "rel_lambda_max") return rel_lambda_max;
    if (name == "rel_prediction") return rel_prediction;
    if (name == "rel_prediction_ridge") return rel_prediction_ridge;
    return std::numeric_limits<double>::quiet_NaN();
  }
};

/// The log-log fit of one error against width, for one stage: pooled over every model with width ≥
/// min_width (each an independent draw), and the spread of the per-seed slopes.
struct PntkWidthFit {
  std::string stage;                ///< "init" or "trained"
  std::string error;                ///< as PntkWidthPoint::error names it
  int64_t min_width = 0;            ///< 0: every width
  SlopeFit fit;                     ///< log10 error = intercept + slope · log10 width, with a 95% interval
  std::vector<double> seed_slopes;  ///< one per seed (the finite ones)
  // With at least two seed slopes: their mean, standard deviation and the 95% interval of the mean.
  std::optional<double> seed_slope_mean, seed_slope_sd, seed_ci_low, seed_ci_high;
};

/// The live view of a running width experiment: the point just measured and the fits (over every width) of
/// every point so far.
struct PntkWidthUpdate {
  PntkWidthPoint point;
  std::vector<PntkWidthFit> fits;
};

/// The partial-result kind run_pntk_width_job publishes (PartialResult::value holds a PntkWidthUpdate).
inline constexpr const char* kPntkWidthPointKind = "pntk-width-point";

struct PntkWidthResult {
  PntkWidthRequest request;       ///< the full configuration
  std::string batch_description;  ///< the kernel batch drawn from request.data
  int64_t train_n = 0;            ///< training rows used (the trained stage)
  std::vector<PntkWidthPoint> points;
  /// Per stage and error, over every width, then (where request.fit_min_width exceeds the smallest width)
  /// over widths ≥ fit_min_width; a fit needs at least three models.
  std::vector<PntkWidthFit> fits;
  std::vector<std::string> files;  ///< width.csv and width.json, when request.out_dir is set
};

/// For every width and seed, stage "init" (and "trained" if epochs > 0): the errors of the pNTK of a ReLU MLP
/// against its eNTK on one batch, and the log-log slope fits against width per stage and error. Each point is
/// published as it finishes (rc.publish(kPntkWidthPointKind, PntkWidthUpdate) with the fits so far), then the
/// run may be paused or cancelled (rc.pause_point()) before the next model. The output folder is written at
/// the end, all or nothing.
PntkWidthResult run_pntk_width_job(const PntkWidthRequest& request, const RunControl& rc = {});

}  // namespace ts
