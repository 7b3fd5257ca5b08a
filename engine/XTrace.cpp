// XTrace and XNysTrace, following the reference MATLAB code (eepperly/XTrace: code/xtrace.m and
// code/xnystrace_helper.m) with its "improved" normalised test vectors, for real matrices.
#include "Errors.h"
#include "EstimatorSupport.h"
#include "Estimators.h"
#include "SmallDense.h"

#include <limits>

namespace ts {

namespace {

// When the budget reaches n, the trace is read off A applied to a basis: exact up to rounding.
TraceEstimate exact_by_basis(const LinearOperator& A, TraceEstimate r, const EstimatorOptions& o,
                             const detail::Stopwatch& sw, const AdCost& c0) {
  const int64_t n = A.size();
  const at::Tensor I = at::eye(n, A.options().dtype(at::kDouble));
  r.estimate = at::trace(detail::apply_d(A, I, o.block)).item<double>();
  r.std_error = 0.0;
  r.matvecs = n;
  r.note = "budget ≥ n: trace from A applied to the identity";
  if (o.record_history) r.history.push_back({n, r.estimate, 0.0, sw.seconds()});
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

double machine_eps(const at::TensorOptions& opts) {
  return opts.dtype() == at::kFloat ? std::numeric_limits<float>::epsilon() : std::numeric_limits<double>::epsilon();
}

}  // namespace

TraceEstimate xtrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  using detail::Mat;
  using detail::Vec;
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = "xtrace";
  const int64_t n = A.size(), block = std::max<int64_t>(1, o.block);
  const int64_t k = std::max<int64_t>(2, o.matvecs / 2);
  if (k >= n) return exact_by_basis(A, r, o, sw, c0);
  auto gen = make_generator(o.seed);
  rc.check();
  at::Tensor Om = detail::draw_sphere(gen, n, k, A.options());
  at::Tensor Y = detail::apply_d(A, Om, block);
  rc.report(k, 2 * k, "XTrace sketch");
  auto qr = at::linalg_qr(Y, "reduced");
  const at::Tensor Q = std::get<0>(qr);
  Mat R = detail::to_eigen(std::get<1>(qr));
  Mat W = detail::to_eigen(at::matmul(Q.t(), Om));
  const Mat S = detail::leave_one_out_directions(R);
  // Normalisation of the improved estimator: rescale column j of Ω (and so of Y, R, W).
  Vec scale(k);
  const Vec dSW0 = detail::coldot(S, W);
  for (int64_t j = 0; j < k; ++j) {
    const double wn = W.col(j).squaredNorm();
    const double sn = S.col(j).norm();
    scale(j) = std::sqrt(double(n - k + 1)) / std::sqrt(double(n) - wn + std::pow(std::fabs(dSW0(j)) * sn, 2));
  }
  const at::Tensor scale_t = at::from_blob(scale.data(), {1, k}, at::kDouble).clone().to(Om.device());
  Om = Om * scale_t;
  Y = Y * scale_t;
  for (int64_t j = 0; j < k; ++j) {
    R.col(j) *= scale(j);
    W.col(j) *= scale(j);
  }
  rc.check();
  const at::Tensor Z = detail::apply_d(A, Q, block);
  const Mat H = detail::to_eigen(at::matmul(Q.t(), Z));
  const Mat T = detail::to_eigen(at::matmul(Z.t(), Om));
  const Mat HW = H * W;
  const Vec dSW = detail::coldot(W, S);
  const Vec dSHS = detail::coldot(S, H * S);
  const Vec dOmY = detail::to_eigen_vec(detail::coldot(Om, Y));
  const Vec dWR = detail::coldot(W, R);
  const Vec dTW = detail::coldot(T, W);
  const Vec dWHW = detail::coldot(W, HW);
  const Vec dSRmHW = detail::coldot(S, R - HW);
  const Vec dTmHRS = detail::coldot(T - H.transpose() * W, S);
  const double trH = H.trace();
  std::vector<double> ests(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    ests[j] = trH - dSHS(j) + dOmY(j) - dWR(j) - dTW(j) + dWHW(j) + dSW(j) * dSRmHW(j) + dSW(j) * dSW(j) * dSHS(j) +
              dTmHRS(j) * dSW(j);
  const auto mo = detail::moments(ests);
  r.estimate = mo.mean;
  r.std_error = mo.std_error;
  r.matvecs = 2 * k;
  if (o.record_history) r.history.push_back({2 * k, r.estimate, mo.std_error, sw.seconds()});
  rc.report_estimate(2 * k, 2 * k, "XTrace", r.estimate);
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

TraceEstimate xnystrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  using detail::Mat;
  using detail::Vec;
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = "xnystrace";
  if (!A.is_psd())
    throw InputError("XNysTrace needs a symmetric positive semi-definite operator; " + A.name() +
                     " is not (use xtrace or hutchpp)");
  const int64_t n = A.size(), block = std::max<int64_t>(1, o.block);
  const int64_t m = std::max<int64_t>(2, o.matvecs);
  if (m >= n) return exact_by_basis(A, r, o, sw, c0);
  auto gen = make_generator(o.seed);
  rc.check();
  const at::Tensor Om = detail::draw_sphere(gen, n, m, A.options());
  const at::Tensor Y0 = detail::apply_d(A, Om, block);
  rc.report(m, m, "XNysTrace sketch");

  // Normalisation of the improved estimator depends on Ω only.
  Vec scale(m);
  {
    auto qr = at::linalg_qr(Om, "reduced");
    const Mat RR = detail::to_eigen(std::get<1>(qr));
    const Mat WW = detail::to_eigen(at::matmul(std::get<0>(qr).t(), Om));
    const Mat SS = detail::leave_one_out_directions(RR);
    const Vec d = detail::coldot(SS, WW);
    for (int64_t j = 0; j < m; ++j)
      scale(j) = double(n - m + 1) / (double(n) - WW.col(j).squaredNorm() + std::pow(std::fabs(d(j)) * SS.col(j).norm(), 2));
  }

  // The shift scales with the precision the matvecs were done in (MATH.md §4).
  double nu = o.shift_factor * machine_eps(A.options()) * Y0.norm().item<double>() / std::sqrt(double(n));
  for (int attempt = 0; attempt < 12; ++attempt, nu *= 10) {
    const at::Tensor Y = Y0 + nu * Om;
    auto qr = at::linalg_qr(Y, "reduced");
    const Mat R = detail::to_eigen(std::get<1>(qr));
    Mat H = detail::to_eigen(at::matmul(Om.t(), Y));
    H = (H + H.transpose()).eval() / 2;
    Eigen::LLT<Mat> llt(H);
    if (llt.info() != Eigen::Success) continue;
    const Mat C = llt.matrixU();  // H = CᵀC
    // B = R C⁻¹ (the Nyström approximation is Q B Bᵀ Qᵀ).
    const Mat B = C.transpose().triangularView<Eigen::Lower>().solve(R.transpose()).transpose();
    const Mat W = detail::to_eigen(at::matmul(std::get<0>(qr).t(), Om));
    // S = (B C⁻ᵀ) · diag(H⁻¹)^(−1/2); diag(H⁻¹)_j = ‖row j of C⁻¹‖².
    const Mat Cinv = C.triangularView<Eigen::Upper>().solve(Mat::Identity(m, m));
    Mat S = C.triangularView<Eigen::Upper>().solve(B.transpose()).transpose();
    for (int64_t j = 0; j < m; ++j) S.col(j) /= Cinv.row(j).norm();
    const Vec dSW = detail::coldot(S, W);
    const double bf = B.squaredNorm();
    std::vector<double> ests(static_cast<size_t>(m));
    bool finite = true;
    for (int64_t j = 0; j < m; ++j) {
      ests[j] = bf - S.col(j).squaredNorm() + dSW(j) * dSW(j) * scale(j) - nu * double(n);
      finite = finite && std::isfinite(ests[j]);
    }
    if (!finite) continue;
    if (attempt > 0) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "stability shift enlarged to %.3g after %d failed Cholesky factorisations", nu,
                    attempt);
      r.note = buf;
    }
    const auto mo = detail::moments(ests);
    r.estimate = mo.mean;
    r.std_error = mo.std_error;
    r.matvecs = m;
    if (o.record_history) r.history.push_back({m, r.estimate, mo.std_error, sw.seconds()});
    rc.report_estimate(m, m, "XNysTrace", r.estimate);
    detail::finish(r, c0, A.cost(), sw);
    return r;
  }
  throw NumericalError("XNysTrace: the Nyström core ΩᵀAΩ is not positive definite even with a shift of " +
                       std::to_string(nu) + "; is the operator PSD?");
}

}  // namespace ts
