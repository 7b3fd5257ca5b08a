#pragma once
// The pseudo-NTK (docs/MATH.md §6; Mohamadi, Bae, Sutherland, ICML 2023): a scalar per input, g_n = c·f(x_n)
// with c = 𝟙/√O (sum of logits) or c = e_k (single logit k), so Θ̂ = J_g J_gᵀ ∈ R^{N×N} with J_g = (I_N ⊗ cᵀ)
// J: N VJPs instead of N·O.
#include <ATen/ATen.h>

#include <string>

#include "autodiff/LinearOperator.h"
#include "autodiff/TangentMap.h"
#include "core/RunControl.h"

namespace ts {

struct PntkVariant {
  bool sum = true;  ///< sum of logits (scaled by 1/√O); false: single logit `logit`
  int64_t logit = 0;
  std::string name() const { return sum ? "sum" : "single:" + std::to_string(logit); }
};
/// "sum" or "single:K".
PntkVariant parse_pntk_variant(const std::string& text);

/// Θ̂ as a matrix-free operator on R^N: Θ̂v = C J Jᵀ Cᵀ v (one VJP and one JVP), vᵀΘ̂v = ‖JᵀCᵀv‖² (one VJP).
class PntkOperator : public LinearOperator {
 public:
  PntkOperator(const TangentMap& J, PntkVariant variant);
  int64_t size() const override { return n_; }
  at::Tensor apply(const at::Tensor& V) const override;
  at::Tensor quadratic_forms(const at::Tensor& V) const override;
  bool is_psd() const override { return true; }
  at::TensorOptions options() const override { return J_.options(); }
  AdCost cost() const override { return J_.cost(); }
  std::string name() const override { return "pNTK(" + variant_.name() + ")"; }

  /// Cᵀ V: [N, k] → [N·O, k] (state-space vectors).
  at::Tensor lift(const at::Tensor& V) const;
  /// C U: [N·O, k] → [N, k].
  at::Tensor reduce(const at::Tensor& U) const;

 private:
  const TangentMap& J_;
  PntkVariant variant_;
  int64_t n_ = 0, outputs_ = 0;
};

}  // namespace ts

namespace ts {

/// The factor B = C J ∈ R^{N×P} of the pNTK (Θ̂ = B Bᵀ), for the one-sided estimators: B W = C(J W) (JVPs),
/// Bᵀ U = Jᵀ(Cᵀ U) (VJPs).
class PntkFactor : public RectOperator {
 public:
  explicit PntkFactor(const PntkOperator& op, const TangentMap& J) : op_(op), J_(J) {}
  int64_t rows() const override { return op_.size(); }
  int64_t cols() const override { return J_.param_size(); }
  at::Tensor apply(const at::Tensor& W) const override { return op_.reduce(J_.jvp(W)); }
  at::Tensor apply_transpose(const at::Tensor& U) const override { return J_.vjp(op_.lift(U)); }
  at::Tensor transpose_sqnorms(const at::Tensor& U) const override { return J_.vjp_sqnorms(op_.lift(U)); }
  at::TensorOptions options() const override { return J_.options(); }
  AdCost cost() const override { return J_.cost(); }
  std::string name() const override { return "C J"; }

 private:
  const PntkOperator& op_;
  const TangentMap& J_;
};

// The exact pNTK and its trace: exact/ExactPntk.h.

}  // namespace ts
