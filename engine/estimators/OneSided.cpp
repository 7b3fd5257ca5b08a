#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"

namespace ts {

TraceEstimate one_sided(const RectOperator& B, bool transpose_side, const EstimatorOptions& o,
                        const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = B.cost();
  TraceEstimate r;
  r.method = transpose_side ? "rhutch" : "fhutch";
  const int64_t n = transpose_side ? B.rows() : B.cols();
  const int64_t m = std::max<int64_t>(2, o.matvecs), block = dist::call_block(o.block);
  const int64_t q = std::min<int64_t>(std::max<int64_t>(1, m / 6), n);
  const int64_t t = m - q;
  // ‖B v‖² (or ‖Bᵀv‖²) for each column of V, float64 on the CPU.
  auto sqnorms = [&](const at::Tensor& V) {
    at::Tensor Vc = V.to(B.options());
    at::Tensor s = detail::blocked(Vc, block, 0, [&](const at::Tensor& b) {
      return transpose_side ? B.transpose_sqnorms(b) : B.apply(b).pow(2).sum(0);
    });
    s = s.to(at::kCPU, at::kDouble).contiguous();
    return std::vector<double>(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  };
  auto gen = make_generator(o.seed);
  rc.check();
  // Data-independent basis: orthonormalised random signs (no operator application needed to build it).
  const at::Tensor Q =
      detail::orth(detail::draw_probes(gen, n, q, ProbeDistribution::Rademacher, B.options()));
  double tau_q = 0;
  for (double v : sqnorms(Q)) tau_q += v;
  // The probes are projected in the operator's dtype: its products round them to it anyway, and in float32
  // the two GEMMs over R^n (n = P for FHutch) cost half as much and need no conversions.
  const at::Tensor Qp = Q.to(B.options());
  rc.report_estimate(q, m, r.method + " basis", tau_q);
  std::vector<double> values;
  if (q < n) {
    for (int64_t s = 0; s < t; s += block) {
      rc.check();
      const int64_t k = std::min(block, t - s);
      // Projected in row layout (k×n, as drawn): Tᵀ − (TᵀQ)Qᵀ in one GEMM. With n = P in the millions
      // (FHutch) this is ten times faster than T − Q(QᵀT) on the transposed view.
      const at::Tensor Tr = detail::draw_probes(gen, n, k, ProbeDistribution::Rademacher, B.options()).t();
      const at::Tensor T = at::addmm(Tr, at::matmul(Tr, Qp), Qp.t(), 1, -1).t();
      const auto v = sqnorms(T);
      values.insert(values.end(), v.begin(), v.end());
      rc.report_estimate(q + s + k, m, r.method + " probes", tau_q + detail::moments(values).mean);
    }
  }
  const auto mo = detail::moments(values);
  r.estimate = tau_q + mo.mean;
  r.error_method = "sample std/√(m−q) of the projected probes (independent given Q), × t(0.975, m−q−1)/1.96";
  if (values.size() > 1)
    r.std_error = detail::t_scaled(mo.std_error, static_cast<int64_t>(values.size()));
  else  // one probe has no sample variance: no error bar, rather than ±0
    detail::no_error_estimate(r, "one projected probe", 3);
  r.matvecs = q + static_cast<int64_t>(values.size());
  if (o.record_history) {
    r.history.push_back({q, tau_q, NAN, sw.seconds()});
    detail::running_history(r, values, tau_q, q, sw);
  }
  detail::finish(r, c0, B.cost(), sw);
  return r;
}

}  // namespace ts

namespace ts {

TraceEstimate rhutch(const RectOperator& B, const EstimatorOptions& o, const RunControl& rc) {
  return one_sided(B, true, o, rc);
}

TraceEstimate fhutch(const RectOperator& B, const EstimatorOptions& o, const RunControl& rc) {
  return one_sided(B, false, o, rc);
}

}  // namespace ts
