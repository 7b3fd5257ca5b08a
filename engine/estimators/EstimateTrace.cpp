#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "estimators/ExchangeableSketch.h"

namespace ts {

const std::vector<std::string>& estimator_names() {
  static const std::vector<std::string> names{"hutchinson", "hutchpp", "rhutch",
                                              "fhutch",     "xtrace",  "xnystrace"};
  return names;
}

namespace {

TraceEstimate run_once(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                       const RunControl& rc) {
  const std::string& m = o.method;
  if (m == "hutchinson") return hutchinson(A, o, rc);
  if (m == "hutchpp") return hutch_plus_plus(A, o, rc);
  if (m == "xtrace") return xtrace(A, o, rc);
  if (m == "xnystrace") return xnystrace(A, o, rc);
  if (m == "rhutch" || m == "fhutch") {
    if (!factor)
      throw InputError("estimator '" + m +
                       "' estimates ‖B‖_F² from a factor B and applies to tr K and ‖K‖_F only, not to " +
                       A.name());
    return one_sided(*factor, m == "rhutch", o, rc);
  }
  std::string all;
  for (const auto& n : estimator_names()) all += (all.empty() ? "" : ", ") + n;
  throw InputError("unknown estimator '" + m + "' (choose one of: " + all + ", or exact)");
}

}  // namespace

AdCost planned_cost(const EstimatorOptions& o) {
  const std::string& m = o.method;
  if (m == "hutchinson") return {std::max<int64_t>(1, o.matvecs), 0};
  if (m == "hutchpp") {
    const int64_t b = std::max<int64_t>(3, o.matvecs);
    int64_t sketch = 0, probes = 0;
    if (o.split == HutchppSplit::Seed) {
      sketch = std::max<int64_t>(1, b / 6);
      probes = std::max<int64_t>(1, (b - sketch) / 2);
    } else {
      sketch = std::max<int64_t>(1, b / 3);
      probes = std::max<int64_t>(1, b - 2 * sketch);
    }
    return {2 * sketch + probes, sketch};  // JᵀS, ‖JᵀQ‖², residual probes; J(JᵀS)
  }
  if (m == "rhutch") return {std::max<int64_t>(2, o.matvecs), 0};
  if (m == "fhutch") return {0, std::max<int64_t>(2, o.matvecs)};
  if (m == "xtrace") {
    const int64_t k = std::max<int64_t>(2, o.matvecs / 2);
    return {2 * k, 2 * k};
  }
  if (m == "xnystrace") return {std::max<int64_t>(2, o.matvecs), std::max<int64_t>(2, o.matvecs)};
  throw InputError("unknown estimator '" + m + "'");
}

DenseCost planned_dense_cost(const EstimatorOptions& o, int64_t n_in, int64_t params) {
  const std::string& m = o.method;
  const double n = static_cast<double>(n_in), P = static_cast<double>(params);
  const double b = static_cast<double>(std::max<int64_t>(2, o.matvecs));
  // Householder QR of an n×k block and forming its Q: about 4·n·k² flops; one n×k by k×j product: 2·n·k·j.
  auto qr = [](double rows, double k) { return 4 * rows * k * k; };
  DenseCost c;
  if (m == "hutchinson") {
    c.draws = n * b;
    c.flops = 2 * P * b;  // ‖Jᵀg‖² of each probe
  } else if (m == "hutchpp" || m == "hutchpp-seed") {
    const AdCost ad = planned_cost(o);
    const double s = static_cast<double>(ad.jvps), p = static_cast<double>(ad.vjps) - 2 * s;
    c.draws = n * (s + p);
    c.flops = qr(n, s) + 4 * n * s * p + 2 * P * (s + p);
  } else if (m == "rhutch" || m == "fhutch") {
    const double q = std::max(1.0, std::floor(b / 6)), t = b - q;
    const double space = m == "rhutch" ? n : P, other = m == "rhutch" ? P : n;
    c.draws = space * b;
    c.flops = qr(space, q) + 4 * space * q * t + 2 * other * b;
  } else if (m == "xtrace") {
    const double k = std::max(2.0, std::floor(b / 2)),
                 g = static_cast<double>(detail::jackknife_groups(int64_t(k)));
    c.draws = n * k;
    c.flops = qr(n, k) + 3 * 2 * n * k * k + 2 * n * k + g * 16 * k * k * k + 10 * k * k * k;
  } else if (m == "xnystrace") {
    const double g = static_cast<double>(detail::jackknife_groups(int64_t(b)));
    c.draws = n * b;
    c.flops = 2 * qr(n, b) + 3 * 2 * n * b * b + g * 16 * b * b * b + 10 * b * b * b;
  } else {
    throw InputError("unknown estimator '" + m + "'");
  }
  return c;
}

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
    const int64_t left = o.max_matvecs - total.matvecs;
    const int64_t next = std::min(left, stage.matvecs * 2);
    if (next < std::max<int64_t>(4, stage.matvecs / 2)) {  // a stage too small to improve on this one
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
