#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"

namespace ts {

HutchppBudget hutchpp_budget(const EstimatorOptions& o) {
  const int64_t m = std::max<int64_t>(3, o.matvecs);
  HutchppBudget b;
  if (o.split == HutchppSplit::Seed) {
    b.sketch = std::max<int64_t>(1, m / 6);
    b.probes = std::max<int64_t>(1, (m - b.sketch) / 2);
  } else {
    b.sketch = std::max<int64_t>(1, m / 3);
    b.probes = std::max<int64_t>(1, m - 2 * b.sketch);
  }
  return b;
}

TraceEstimate hutch_plus_plus(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = o.split == HutchppSplit::Seed ? "hutchpp-seed" : "hutchpp";
  const int64_t n = A.size(), m = std::max<int64_t>(3, o.matvecs), block = dist::call_block(o.block);
  const auto [sketch, probes] = hutchpp_budget(o);
  auto gen = make_generator(o.seed);
  rc.check();
  // Low-rank part: Q = orth(A S), exact trace of QᵀAQ by quadratic forms.
  const at::Tensor S = detail::draw_probes(gen, n, sketch, o.probes, A.options());
  const at::Tensor Q = detail::orth(detail::apply_d(A, S, block));
  rc.report(sketch, m, "Hutch++ sketch");
  const auto qq = detail::quadratic_forms_d(A, Q, block);
  double low_rank = 0;
  for (double v : qq) low_rank += v;
  rc.report_estimate(sketch + Q.size(1), m, "Hutch++ low-rank part", low_rank);
  // Residual part: Hutchinson on (I − QQᵀ)A(I − QQᵀ).
  std::vector<double> values;
  for (int64_t s = 0; s < probes; s += block) {
    rc.check();
    const int64_t k = std::min(block, probes - s);
    const at::Tensor Gr = detail::draw_probes(gen, n, k, o.probes, A.options()).to(at::kDouble).t();
    const at::Tensor G =
        at::addmm(Gr, at::matmul(Gr, Q), Q.t(), 1, -1).t();  // row layout, as in OneSided.cpp
    const auto q = detail::quadratic_forms_d(A, G, block);
    values.insert(values.end(), q.begin(), q.end());
    rc.report_estimate(sketch + Q.size(1) + s + k, m, "Hutch++ residual probes",
                       low_rank + detail::moments(values).mean);
  }
  const auto mo = detail::moments(values);
  r.estimate = low_rank + mo.mean;
  r.error_method = "sample std/√s of the residual probes (independent given Q), × t(0.975, s−1)/1.96";
  if (probes > 1)
    r.std_error = detail::t_scaled(mo.std_error, probes);
  else  // one probe has no sample variance: no error bar, rather than ±0
    detail::no_error_estimate(r, "one residual probe", o.split == HutchppSplit::Seed ? 5 : 4);
  r.matvecs = sketch + Q.size(1) + probes;
  if (o.record_history) {
    r.history.push_back({sketch + Q.size(1), low_rank, NAN, sw.seconds()});
    detail::running_history(r, values, low_rank, sketch + Q.size(1), sw);
  }
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

}  // namespace ts
