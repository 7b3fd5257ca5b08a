#include "analysis/BlockLanczos.h"

#include <algorithm>
#include <vector>

#include "core/Errors.h"
#include "core/TorchUtil.h"

namespace ts {

namespace {

// Z − Q(QᵀZ), twice: one pass loses orthogonality once the basis holds converged directions.
at::Tensor project_out(const at::Tensor& Q, at::Tensor Z) {
  if (!Q.defined() || Q.size(1) == 0) return Z;
  for (int pass = 0; pass < 2; ++pass) Z = Z - at::matmul(Q, at::matmul(Q.t(), Z));
  return Z;
}

}  // namespace

int64_t lanczos_basis_cap(int64_t n, const LanczosOptions& o) {
  const int64_t k = std::min(o.top, n);
  const int64_t m = o.max_matvecs > 0 ? o.max_matvecs : std::max<int64_t>(10 * k, 200);
  return std::min(n, std::max(m, k));
}

LanczosEigenpairs block_lanczos(const LinearOperator& A, const LanczosOptions& o, const RunControl& rc) {
  const int64_t n = A.size();
  if (n < 1) throw InputError("block Lanczos: the operator " + A.name() + " is empty");
  if (o.top < 1) throw InputError("block Lanczos: ask for at least one eigenpair");
  const int64_t k = std::min(o.top, n);
  if (o.max_matvecs > 0 && o.max_matvecs < k)
    throw InputError("block Lanczos: a cap of " + std::to_string(o.max_matvecs) +
                     " products (--max-matvecs) cannot give " + std::to_string(k) +
                     " eigenpairs (--top): give at least " + std::to_string(k));
  const int64_t max_m = lanczos_basis_cap(n, o);
  const int64_t b = std::max<int64_t>(1, std::min({o.block, n, max_m}));
  LanczosEigenpairs out;
  out.tol = o.tol > 0 ? o.tol : (A.options().dtype() == at::kFloat ? 1e-5 : 1e-10);

  const at::TensorOptions dev = A.options().dtype(at::kDouble);
  auto gen = make_generator(o.seed);
  // Fresh Gaussian columns outside span(Q), orthonormalised: the start block, and the refill of a block
  // that lost rank (an invariant subspace reached before n).
  auto fresh = [&](const at::Tensor& Q, int64_t cols) {
    at::Tensor Z = project_out(Q, draw_normal(gen, {cols, n}, dev).t());
    return std::get<0>(at::linalg_qr(Z, "reduced"));
  };

  at::Tensor Q, W;  // the basis [n, m] and A Q
  at::Tensor block = fresh(Q, b);
  at::Tensor theta, S;
  while (true) {
    rc.check();
    const at::Tensor Wb = A.apply(block.to(A.options())).to(at::kDouble);
    if (!at::isfinite(Wb).all().item<bool>())
      throw NumericalError("block Lanczos: the products of " + A.name() + " hold NaN or Inf");
    Q = Q.defined() ? at::cat({Q, block}, 1) : block;
    W = W.defined() ? at::cat({W, Wb}, 1) : Wb;
    const int64_t m = Q.size(1);
    out.matvecs = m;
    rc.report(m, max_m, "block Lanczos");

    at::Tensor T = at::matmul(Q.t(), W);
    T = (T + T.t()) / 2;
    auto [values, vectors] = at::linalg_eigh(T);  // ascending
    theta = values.flip(0);
    S = vectors.flip(1);
    if (m >= k) {
      const at::Tensor Sk = S.narrow(1, 0, k), tk = theta.narrow(0, 0, k);
      const at::Tensor R = at::matmul(W, Sk) - at::matmul(Q, Sk) * tk.unsqueeze(0);
      out.residuals = R.norm(2, {0});
      const double scale = std::max(theta.abs().max().item<double>(), 1e-300);
      if (out.residuals.max().item<double>() <= out.tol * scale) out.converged = true;
      if (m >= n) out.converged = true;  // the whole space: Rayleigh–Ritz is an eigendecomposition
    }
    if (out.converged || m >= max_m) break;

    const int64_t next = std::min(b, max_m - m);
    at::Tensor Z = project_out(Q, Wb.narrow(1, 0, std::min(next, Wb.size(1))));
    if (Z.size(1) < next)
      Z = at::cat({Z, project_out(Q, draw_normal(gen, {next - Z.size(1), n}, dev).t())}, 1);
    // Columns that add no new direction (a vanishing projection, or dependence within the block: A of low
    // rank) come out of QR as rounding noise, not orthogonal to Q; fresh Gaussian columns replace them.
    auto [Qz, R] = at::linalg_qr(project_out(Q, Z), "reduced");
    const double wscale = std::max(Wb.norm().item<double>(), 1e-300);
    const at::Tensor diag = R.diagonal().abs().cpu();
    bool refilled = false;
    for (int64_t j = 0; j < Qz.size(1); ++j)
      if (diag[j].item<double>() <= 1e-10 * wscale) {
        Qz.select(1, j).copy_(draw_normal(gen, {n}, dev));
        refilled = true;
      }
    if (refilled) Qz = std::get<0>(at::linalg_qr(project_out(Q, Qz), "reduced"));
    block = std::get<0>(at::linalg_qr(project_out(Q, Qz), "reduced"));
  }
  const at::Tensor Sk = S.narrow(1, 0, k);
  out.values = theta.narrow(0, 0, k).contiguous().cpu();
  out.vectors = at::matmul(Q, Sk).contiguous().cpu();
  if (!out.residuals.defined()) out.residuals = at::zeros({k}, at::kDouble);
  out.residuals = out.residuals.contiguous().cpu();
  return out;
}

}  // namespace ts
