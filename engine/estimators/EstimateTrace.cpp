#include "core/Errors.h"
#include "estimators/EstimatorRegistry.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "estimators/ExchangeableSketch.h"

namespace ts {

namespace {

TraceEstimate run_once(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                       const RunControl& rc) {
  const EstimatorInfo& e = find_estimator(o.method);
  if (e.needs_factor && !factor)
    throw InputError("estimator '" + e.name +
                     "' estimates ‖B‖_F² from a factor B and applies to tr K and ‖K‖_F only, not to " +
                     A.name() + " (use " + e.substitute + ")");
  // A PSD requirement is the estimator's own precondition (xnystrace checks it).
  return e.run(A, factor, o, rc);
}

}  // namespace

double predicted_dense_seconds(const DenseCost& cost) {
  // Measured once, on the shapes the estimators use: a tall QR and a projection of probes (n×q basis, k
  // probes in row layout), and a block of sign draws from the probe generator. Small (about 40 ms, as every
  // CLI run with
  // --json pays it): on P-dimensional work that leaves the caches the rates are lower, which the app corrects
  // with the ratio measured on its previous run.
  static const std::pair<double, double> rates = [] {
    const int64_t n = int64_t(1) << 16, q = 16, k = 32;
    auto gen = make_generator(0);
    const auto dbl = at::TensorOptions().dtype(at::kDouble);
    const at::Tensor S = at::cos(at::arange(n * q, dbl).reshape({n, q}) * 0.37);
    const at::Tensor T = at::sin(at::arange(k * n, dbl).reshape({k, n}) * 0.11);
    detail::Stopwatch sw;
    const at::Tensor Q = detail::orth(S);
    (void)at::addmm(T, at::matmul(T, Q), Q.t(), 1, -1);
    const double flop_rate = (4.0 * n * q * q + 4.0 * n * q * k) / std::max(sw.seconds(), 1e-9);
    detail::Stopwatch sw2;
    (void)draw_rademacher(gen, {int64_t(1) << 20}, dbl);
    const double draw_rate = double(int64_t(1) << 20) / std::max(sw2.seconds(), 1e-9);
    return std::make_pair(flop_rate, draw_rate);
  }();
  return cost.flops / rates.first + cost.draws / rates.second;
}

TraceEstimate estimate_trace(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                             const RunControl& rc) {
  if (o.matvecs < 1)
    throw InputError("the matvec budget must be at least 1, got " + std::to_string(o.matvecs));
  if (!(o.tol >= 0) || !std::isfinite(o.tol))
    throw InputError("the adaptive tolerance (--tol) must be a number ≥ 0 (0 = a fixed budget), got " +
                     std::to_string(o.tol));
  const int64_t params = factor ? factor->cols() : 0;
  if (o.tol <= 0) {
    TraceEstimate r = run_once(A, factor, o, rc);
    const DenseCost dc = planned_dense_cost(o, A.size(), params);
    r.dense_flops = dc.flops;
    r.random_draws = dc.draws;
    const int64_t calibrated = find_estimator(o.method).min_calibrated_budget;
    if (o.matvecs < calibrated && o.matvecs < A.size() && r.std_error && *r.std_error > 0)
      r.note += std::string(r.note.empty() ? "" : "; ") + "error bar not calibrated below a budget of " +
                std::to_string(calibrated) + " products (bench calibration)";
    return r;
  }
  if (o.max_matvecs < o.matvecs)
    throw InputError("adaptive run: the cap " + std::to_string(o.max_matvecs) +
                     " is below the start budget " + std::to_string(o.matvecs));
  // Adaptive: double the budget until the method's own error estimate meets the tolerance. Each stage draws
  // fresh test vectors (seed + stage) so stages are independent; the reported cost is that of all stages, and
  // all stages together never spend more than the cap.
  detail::Stopwatch sw;
  TraceEstimate total;
  EstimatorOptions stage = o;
  for (int s = 0;; ++s) {
    stage.seed = o.seed + static_cast<uint64_t>(s);
    TraceEstimate r = run_once(A, factor, stage, rc);
    const DenseCost dc = planned_dense_cost(stage, A.size(), params);
    total.dense_flops += dc.flops;
    total.random_draws += dc.draws;
    total.product_seconds += r.product_seconds;
    total.error_method = r.error_method;
    total.vjps += r.vjps;
    total.jvps += r.jvps;
    total.matvecs += r.matvecs;
    total.method = r.method;
    total.estimate = r.estimate;
    total.std_error = r.std_error;
    total.note = r.note;
    total.history.push_back({total.matvecs, r.estimate, r.std_error.value_or(NAN), sw.seconds()});
    const double rel = r.std_error ? *r.std_error / std::max(std::fabs(r.estimate), 1e-300) : INFINITY;
    if (rel <= o.tol) {
      total.converged = true;
      break;
    }
    const int64_t left = o.max_matvecs - total.matvecs, doubled = stage.matvecs * 2;
    const int64_t next = std::min(left, doubled);
    // Only the cap cuts a stage short; one it leaves too small to improve on this one ends the run (a small
    // start, m = 1, still doubles).
    if (next < doubled && next < std::max<int64_t>(4, stage.matvecs / 2)) {
      total.converged = false;
      total.note = "cap of " + std::to_string(o.max_matvecs) + " matvecs reached before the tolerance (" +
                   std::to_string(total.matvecs) + " spent)";
      break;
    }
    stage.matvecs = next;
  }
  total.seconds = sw.seconds();
  return total;
}

}  // namespace ts
