#pragma once
// Internal helpers shared by the estimator implementations (not part of the public engine interface).
#include <ATen/ATen.h>
#include "core/Stopwatch.h"

#include <chrono>
#include <cmath>
#include <vector>

#include "autodiff/LinearOperator.h"
#include "core/Config.h"
#include "core/RunControl.h"
#include "core/SlopeFit.h"
#include "core/TorchUtil.h"
#include "dist/Communicator.h"

namespace ts::detail {

/// k probe vectors in R^n as the columns of an [n, k] tensor. Each probe is a contiguous chunk of the
/// generator's stream, so the draws do not depend on how many probes are drawn at once.
inline at::Tensor draw_probes(at::Generator& gen, int64_t n, int64_t k, ProbeDistribution dist,
                              const at::TensorOptions& opts) {
  at::Tensor t = dist == ProbeDistribution::Gaussian ? draw_normal(gen, {k, n}, opts)
                                                     : draw_rademacher(gen, {k, n}, opts);
  return t.t();
}

/// Columns of a Gaussian matrix scaled to norm √n (the "improved" test vectors of XTrace/XNysTrace), float64.
inline at::Tensor draw_sphere(at::Generator& gen, int64_t n, int64_t k, const at::TensorOptions& device) {
  at::Tensor t = draw_normal(gen, {k, n}, device.dtype(at::kDouble)).t();
  return t * (std::sqrt(static_cast<double>(n)) / t.norm(2, {0}, true));
}

/// f applied to blocks of at most `block` columns of V, results concatenated along `dim`.
template <class F>
at::Tensor blocked(const at::Tensor& V, int64_t block, int64_t dim, F&& f) {
  const int64_t k = V.size(1);
  if (k <= block) return f(V);
  std::vector<at::Tensor> parts;
  for (int64_t s = 0; s < k; s += block) parts.push_back(f(V.narrow(1, s, std::min(block, k - s))));
  return at::cat(parts, dim);
}

/// A V, in blocks, with V cast to A's dtype; the result is float64.
inline at::Tensor apply_d(const LinearOperator& A, const at::Tensor& V, int64_t block) {
  return blocked(V.to(A.options()), block, 1, [&](const at::Tensor& b) { return A.apply(b); })
      .to(at::kDouble);
}

/// vᵀAv for each column, float64 on the CPU.
inline std::vector<double> quadratic_forms_d(const LinearOperator& A, const at::Tensor& V, int64_t block) {
  at::Tensor q =
      blocked(V.to(A.options()), block, 0, [&](const at::Tensor& b) { return A.quadratic_forms(b); });
  q = q.to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(q.data_ptr<double>(), q.data_ptr<double>() + q.numel());
}

/// An orthonormal basis of the columns of Y (reduced QR in float64).
inline at::Tensor orth(const at::Tensor& Y) {
  return std::get<0>(at::linalg_qr(Y.to(at::kDouble), "reduced"));
}

/// Column-wise inner products diag(AᵀB), float64.
inline at::Tensor coldot(const at::Tensor& A, const at::Tensor& B) { return (A * B).sum(0); }

struct Moments {
  double mean = 0;
  double std_error = NAN;  ///< sample std / √count
};
inline Moments moments(const std::vector<double>& v, size_t begin = 0) {
  Moments m;
  const size_t n = v.size() - begin;
  if (n == 0) return m;
  double s = 0;
  for (size_t i = begin; i < v.size(); ++i) s += v[i];
  m.mean = s / static_cast<double>(n);
  if (n > 1) {
    double ss = 0;
    for (size_t i = begin; i < v.size(); ++i) ss += (v[i] - m.mean) * (v[i] - m.mean);
    m.std_error = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
  }
  return m;
}

/// An estimate from too few probes for a sample variance: no std_error (never ±0, which reads as exact), and
/// a note saying why and from which budget `r`'s method gives one.
inline void no_error_estimate(TraceEstimate& r, const std::string& why, int64_t from_budget) {
  r.std_error.reset();
  r.error_method = "none: " + why + " has no sample variance";
  r.note += std::string(r.note.empty() ? "" : "; ") + "no error bar: " + why +
            " has no sample variance (a budget of " + std::to_string(from_budget) + " or more gives one)";
}

/// A standard error from `count` independent terms, scaled so that ±2σ is the 95% Student-t interval with
/// count − 1 degrees of freedom (few probes: the plain std/√count under-covers; docs/MATH.md §4.6).
inline double t_scaled(double std_error, int64_t count) {
  if (count < 2 || !std::isfinite(std_error)) return std_error;
  return std_error * t_quantile_975(static_cast<int>(std::min<int64_t>(count - 1, 1 << 20))) /
         1.959963984540054;
}

/// Fills cost and time of a finished estimate.
inline void finish(TraceEstimate& r, const AdCost& before, const AdCost& after, const Stopwatch& sw) {
  r.vjps = after.vjps - before.vjps;
  r.jvps = after.jvps - before.jvps;
  r.product_seconds = after.seconds - before.seconds;
  r.seconds = sw.seconds();
  if (!std::isfinite(r.estimate)) throw NumericalError("the " + r.method + " estimate is not finite");
}

/// Appends running estimates: `values` are per-probe terms, `offset` a constant part, starting at `used`
/// matvecs.
inline void running_history(TraceEstimate& r, const std::vector<double>& values, double offset, int64_t used,
                            const Stopwatch& sw) {
  double s = 0, ss = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    s += values[i];
    ss += values[i] * values[i];
    const double n = static_cast<double>(i + 1);
    const double mean = s / n;
    const double var = i > 0 ? std::max(0.0, (ss - n * mean * mean) / (n - 1)) : NAN;
    r.history.push_back({used + static_cast<int64_t>(i) + 1, offset + mean,
                         t_scaled(std::sqrt(var / n), int64_t(i) + 1), sw.seconds()});
  }
}

}  // namespace ts::detail
