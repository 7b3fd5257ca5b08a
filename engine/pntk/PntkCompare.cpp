#include "pntk/PntkCompare.h"

#include <cmath>
#include <limits>

#include "core/Errors.h"

namespace ts {

at::Tensor pntk_from_entk(const at::Tensor& K, int64_t outputs, PntkVariant variant) {
  const int64_t n = K.size(0) / outputs;
  if (K.dim() != 2 || K.size(0) != K.size(1) || n * outputs != K.size(0))
    throw InputError("pNTK from eNTK: the eNTK is not square with a multiple of " + std::to_string(outputs) +
                     " rows");
  const at::Tensor k4 = K.reshape({n, outputs, n, outputs});
  if (!variant.sum) return k4.select(3, variant.logit).select(1, variant.logit).clone();
  return k4.sum({1, 3}) / static_cast<double>(outputs);
}

at::Tensor kernel_regression(const at::Tensor& K_tt, const at::Tensor& K_xt, const at::Tensor& Y,
                             double ridge) {
  const at::Tensor A =
      K_tt.to(at::kDouble) + ridge * at::eye(K_tt.size(0), K_tt.options().dtype(at::kDouble));
  const at::Tensor y = Y.to(at::kDouble);
  auto [L, info] = at::linalg_cholesky_ex(A);
  at::Tensor alpha = info.item<int64_t>() == 0 ? at::cholesky_solve(y, L) : at::linalg_solve(A, y);
  return at::matmul(K_xt.to(at::kDouble), alpha);
}

namespace {

double rel(const at::Tensor& a, const at::Tensor& b) {
  const double nb = b.norm().item<double>();
  return nb > 0 ? (a - b).norm().item<double>() / nb : std::numeric_limits<double>::quiet_NaN();
}

double accuracy(const at::Tensor& pred, const at::Tensor& labels) {
  if (!labels.defined() || pred.size(0) == 0) return std::numeric_limits<double>::quiet_NaN();
  return pred.argmax(1).eq(labels.to(at::kLong)).to(at::kDouble).mean().item<double>();
}

}  // namespace

PntkErrors compare_pntk(const at::Tensor& K_in, const at::Tensor& Kp_in, const at::Tensor& Y_in,
                        int64_t n_train, double ridge, const at::Tensor& labels) {
  const at::Tensor K = K_in.to(at::kDouble), Kp = Kp_in.to(at::kDouble), Y = Y_in.to(at::kDouble);
  const int64_t n = Kp.size(0), o = Y.size(1);
  if (K.size(0) != n * o)
    throw InputError("pNTK comparison: the eNTK is not (N·O)×(N·O) for the pNTK's N and Y's O");
  if (n_train <= 0 || n_train > n)
    throw InputError("pNTK comparison: the training part must hold 1…N points");
  PntkErrors e;
  const at::Tensor eye = at::eye(o, Kp.options());
  const at::Tensor kron = at::einsum("nm,kl->nkml", {Kp, eye}).reshape({n * o, n * o});
  e.rel_frobenius = rel(kron, K);
  e.lambda_max = at::linalg_eigvalsh(K).max().item<double>();
  e.lambda_max_pntk = at::linalg_eigvalsh(Kp).max().item<double>();
  e.rel_lambda_max = std::fabs(e.lambda_max - e.lambda_max_pntk) / e.lambda_max;

  // eNTK regression works on vec(Y) (sample-major, like the state); the pNTK one solves the O columns at
  // once.
  const int64_t t = n_train, h = n - n_train, to = t * o;
  e.n_train = t;
  e.n_heldout = h;
  e.ridge = ridge;
  const at::Tensor Yt = Y.narrow(0, 0, t);
  const at::Tensor Kt = K.narrow(0, 0, to).narrow(1, 0, to), Kpt = Kp.narrow(0, 0, t).narrow(1, 0, t);
  e.train_residual = rel(kernel_regression(Kt, Kt, Yt.reshape({to, 1}), 0).reshape({t, o}), Yt);
  e.train_residual_pntk = rel(kernel_regression(Kpt, Kpt, Yt, 0), Yt);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  e.rel_prediction = e.rel_prediction_ridge = e.heldout_accuracy = e.heldout_accuracy_pntk = nan;
  if (h == 0) return e;
  const at::Tensor Kx = K.narrow(0, to, h * o).narrow(1, 0, to), Kpx = Kp.narrow(0, t, h).narrow(1, 0, t);
  const at::Tensor f = kernel_regression(Kt, Kx, Yt.reshape({to, 1}), 0).reshape({h, o});
  const at::Tensor fp = kernel_regression(Kpt, Kpx, Yt, 0);
  e.rel_prediction = rel(fp, f);
  // The ridge is relative to the eNTK's mean diagonal, so one setting means the same at every width and
  // scale.
  e.ridge_absolute = ridge * at::trace(Kt).item<double>() / static_cast<double>(to);
  e.rel_prediction_ridge =
      rel(kernel_regression(Kpt, Kpx, Yt, e.ridge_absolute),
          kernel_regression(Kt, Kx, Yt.reshape({to, 1}), e.ridge_absolute).reshape({h, o}));
  const at::Tensor lh = labels.defined() ? labels.narrow(0, t, h) : at::Tensor();
  e.heldout_accuracy = accuracy(f, lh);
  e.heldout_accuracy_pntk = accuracy(fp, lh);
  return e;
}

}  // namespace ts
