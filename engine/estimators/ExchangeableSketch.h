#pragma once
// Internal to XTrace and XNysTrace (docs/MATH.md §4): what is left of the products with A once the
// n-dimensional algebra is done, as small k×k matrices in float64. The leave-one-out estimates are computed
// from a sketch, and the sketch of a subset of the test vectors follows from the full one without new
// products (one k×k QR), which is what the jackknife error estimate needs.
#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "autodiff/LinearOperator.h"
#include "core/SmallDense.h"

namespace ts::detail {

/// XTrace with test vectors Ω (n×k): Y = AΩ = QR, Z = AQ; W = QᵀΩ, H = QᵀZ, T = ZᵀΩ, omega_y = diag(ΩᵀY).
struct XTraceSketch {
  int64_t n = 0;
  Mat R, W, H, T;
  Vec omega_y;
  /// The k leave-one-out estimates of the improved (normalised) XTrace; their mean is the estimate.
  std::vector<double> estimates() const;
  /// The sketch of the test vectors `keep` (column indices).
  XTraceSketch subset(const std::vector<int64_t>& keep) const;
};
XTraceSketch make_xtrace_sketch(const LinearOperator& A, const at::Tensor& Om, int64_t block);

/// XNysTrace with test vectors Ω (n×m) and shift ν: Y = AΩ + νΩ = QR; W = QᵀΩ, H = ΩᵀY, omega_r = R of Ω's
/// QR.
struct XNysTraceSketch {
  int64_t n = 0;
  double nu = 0;
  Mat R, W, H, omega_r;
  /// The m leave-one-out estimates, or nothing when ΩᵀY is not numerically positive definite.
  std::optional<std::vector<double>> estimates() const;
  XNysTraceSketch subset(const std::vector<int64_t>& keep) const;
};
/// `Y0` = AΩ (without the shift).
XNysTraceSketch make_xnystrace_sketch(const at::Tensor& Om, const at::Tensor& Y0, double nu);
/// The same with `omega_r`, the R factor of Ω's QR, already known; nothing when ΩᵀY has no Cholesky factor
/// (found before the n×m QR).
std::optional<XNysTraceSketch> try_xnystrace_sketch(const at::Tensor& Om, const at::Tensor& Y0, double nu,
                                                    const Mat& omega_r);

/// Groups of the delete-a-group jackknife for k test vectors (0: too few, the sample error is kept).
int64_t jackknife_groups(int64_t k);
/// Two estimates of the error of t̄, the mean of the k leave-one-out estimates tᵢ (docs/MATH.md §4.6). Test
/// vector j is in group j mod g; t̄₍₋G₎ is the estimate without group G.
struct ExchangeableErrors {
  /// The delete-a-group jackknife standard error: √((g−1)/g · Σ_G (t̄₍₋G₎ − mean_G t̄₍₋G₎)²).
  double jackknife = 0;
  /// The paired estimate of Var t̄: the sample variance of the tᵢ plus their between-group covariances, each
  /// product of two groups' deviations corrected by the same product with each group's tᵢ recomputed without
  /// the other group. It recovers most of the covariance the sample variance misses, but it is noisy: it can
  /// be negative.
  double paired_variance = 0;
};
/// `t`: the sketch's estimates(), already computed by the caller.
std::optional<ExchangeableErrors> exchangeable_errors(const XTraceSketch& s, const std::vector<double>& t);
std::optional<ExchangeableErrors> exchangeable_errors(const XNysTraceSketch& s, const std::vector<double>& t);

}  // namespace ts::detail
