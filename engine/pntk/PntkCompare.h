#pragma once
// The pNTK against the eNTK on one batch (docs/MATH.md §6): matrix errors and kernel-regression predictions.
// Pure tensor functions, float64 inside; the state order is sample-major (index n·O + k), as the model's
// flattened output.
#include <ATen/ATen.h>

#include "pntk/Pntk.h"

namespace ts {

/// Θ̂ = C Θ Cᵀ from the eNTK Θ ∈ R^{NO×NO}, with C = I_N ⊗ cᵀ (c = 𝟙/√O or e_k): the exact pNTK, no AD.
at::Tensor pntk_from_entk(const at::Tensor& K, int64_t outputs, PntkVariant variant);

/// Kernel regression: α = (K_tt + ridge·I)⁻¹ Y and the predictions K_xt α. K_tt [n, n] is the kernel on the
/// training points, K_xt [m, n] between the points predicted and the training points, Y [n, k]. Solved by
/// Cholesky, by LU when the matrix is not numerically positive definite (ridge 0 on a near-singular kernel).
at::Tensor kernel_regression(const at::Tensor& K_tt, const at::Tensor& K_xt, const at::Tensor& Y,
                             double ridge);

struct PntkErrors {
  double rel_frobenius = 0;    ///< ‖Θ − Θ̂⊗I_O‖_F / ‖Θ‖_F
  double lambda_max = 0;       ///< λ_max(Θ)
  double lambda_max_pntk = 0;  ///< λ_max(Θ̂) = λ_max(Θ̂⊗I_O)
  double rel_lambda_max = 0;   ///< |λ_max(Θ) − λ_max(Θ̂)| / λ_max(Θ)
  // Kernel regression, trained on the first n_train points with targets Y, predicting the other points:
  int64_t n_train = 0, n_heldout = 0;
  double rel_prediction = 0;  ///< ‖f̂_lin − f_lin‖_F / ‖f_lin‖_F on the held-out points, no ridge
  double rel_prediction_ridge = 0;  ///< the same with (Θ + λI)⁻¹ and (Θ̂ + λI)⁻¹
  double ridge = 0;                 ///< relative: λ = ridge · tr Θ_tt / (n_train·O)
  double ridge_absolute = 0;        ///< λ
  double train_residual = 0, train_residual_pntk = 0;  ///< ‖f_lin(X_t) − Y‖_F / ‖Y‖_F (≈ 0 without ridge)
  double heldout_accuracy = 0,
         heldout_accuracy_pntk = 0;  ///< argmax predictions against `labels` (NaN if none)
};

/// All the errors of Θ̂ ⊗ I_O against Θ. Θ [NO, NO], Θ̂ [N, N], Y [N, O] targets (only the first n_train rows
/// are used for fitting); labels [N] or undefined. With n_train = N no held-out error is computed (NaN).
PntkErrors compare_pntk(const at::Tensor& K, const at::Tensor& Kp, const at::Tensor& Y, int64_t n_train,
                        double ridge, const at::Tensor& labels = {});

}  // namespace ts
