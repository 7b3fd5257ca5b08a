#include "Errors.h"
#include "EstimatorSupport.h"
#include "Estimators.h"

namespace ts {

const std::vector<std::string>& estimator_names() {
  static const std::vector<std::string> names{"hutchinson", "hutchpp", "rhutch", "fhutch", "xtrace", "xnystrace"};
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
      throw InputError("estimator '" + m + "' estimates ‖B‖_F² from a factor B and applies to tr K and ‖K‖_F only, not to " +
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

TraceEstimate estimate_trace(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                             const RunControl& rc) {
  if (o.matvecs < 1) throw InputError("the matvec budget must be at least 1, got " + std::to_string(o.matvecs));
  if (o.tol <= 0) return run_once(A, factor, o, rc);
  if (o.max_matvecs < o.matvecs)
    throw InputError("adaptive run: the cap " + std::to_string(o.max_matvecs) + " is below the start budget " +
                     std::to_string(o.matvecs));
  // Adaptive: double the budget until the method's own error estimate meets the tolerance. Each stage draws
  // fresh test vectors (seed + stage) so stages are independent; the reported cost is that of all stages.
  detail::Stopwatch sw;
  TraceEstimate total;
  EstimatorOptions stage = o;
  for (int s = 0;; ++s) {
    stage.seed = o.seed + static_cast<uint64_t>(s);
    TraceEstimate r = run_once(A, factor, stage, rc);
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
    if (stage.matvecs >= o.max_matvecs) {
      total.converged = false;
      total.note = "cap of " + std::to_string(o.max_matvecs) + " matvecs reached before the tolerance";
      break;
    }
    stage.matvecs = std::min(o.max_matvecs, stage.matvecs * 2);
  }
  total.seconds = sw.seconds();
  return total;
}

}  // namespace ts
