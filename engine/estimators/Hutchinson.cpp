#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"

namespace ts {

TraceEstimate hutchinson(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = o.probes == ProbeDistribution::Gaussian ? "hutchinson-gaussian" : "hutchinson";
  const int64_t n = A.size(), m = std::max<int64_t>(1, o.matvecs), block = dist::call_block(o.block);
  auto gen = make_generator(o.seed);
  std::vector<double> values;
  values.reserve(static_cast<size_t>(m));
  for (int64_t s = 0; s < m; s += block) {
    rc.check();
    const int64_t k = std::min(block, m - s);
    const auto q = detail::quadratic_forms_d(A, detail::draw_probes(gen, n, k, o.probes, A.options()), block);
    values.insert(values.end(), q.begin(), q.end());
    rc.report_estimate(s + k, m, "Hutchinson probes", detail::moments(values).mean);
  }
  const auto mo = detail::moments(values);
  r.estimate = mo.mean;
  r.error_method = "sample std/√m of the probes, × t(0.975, m−1)/1.96";
  if (m > 1)
    r.std_error = detail::t_scaled(mo.std_error, m);
  else
    detail::no_error_estimate(r, "one probe", 2);
  r.matvecs = m;
  if (o.record_history) detail::running_history(r, values, 0.0, 0, sw);
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

}  // namespace ts
