#pragma once
// Bridges between small float64 tensors (k×k, k = number of test vectors) and Eigen, where the exchangeable
// estimators do their triangular solves and Cholesky factorisations on the CPU in double precision.
#include <ATen/ATen.h>
#include <Eigen/Dense>

namespace ts::detail {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

inline Mat to_eigen(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU, at::kDouble).contiguous();
  return Eigen::Map<const Mat>(c.data_ptr<double>(), c.size(0), c.size(1));
}

inline Vec to_eigen_vec(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU, at::kDouble).contiguous();
  return Eigen::Map<const Vec>(c.data_ptr<double>(), c.numel());
}

/// diag(AᵀB) of two equally sized matrices.
inline Vec coldot(const Mat& A, const Mat& B) { return A.cwiseProduct(B).colwise().sum().transpose(); }

/// Rows of M scaled to unit norm.
inline Mat normalize_rows(const Mat& M) {
  Mat out = M;
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    const double nrm = out.row(i).norm();
    if (nrm > 0) out.row(i) /= nrm;
  }
  return out;
}

/// S = normalize_rows(I − triu(R,1)·R⁻¹)ᵀ: column i spans the direction removed from range(Y) when column i
/// of Y is left out (the down-dating of XTrace, reference code's cnormr(eye − triu(R,1)/R)').
inline Mat leave_one_out_directions(const Mat& R) {
  const Eigen::Index k = R.rows();
  Mat upper = R.triangularView<Eigen::StrictlyUpper>();
  // X = triu(R,1) R⁻¹  ⇔  Rᵀ Xᵀ = triu(R,1)ᵀ.
  Mat Xt = R.transpose().triangularView<Eigen::Lower>().solve(upper.transpose());
  Mat M = Mat::Identity(k, k) - Xt.transpose();
  return normalize_rows(M).transpose();
}

}  // namespace ts::detail
