#pragma once
// The NTK and the operators built from it (docs/MATH.md §2 and §5): K = J Jᵀ, the factor J, K², and K₁K₂.
#include "autodiff/LinearOperator.h"
#include "autodiff/TangentMap.h"

namespace ts {

/// The Jacobian J ∈ R^{d×P} as a rectangular operator: apply = JVP, apply_transpose = VJP.
/// RHutch estimates ‖J‖_F² = tr K from VJPs only, FHutch from JVPs only.
class JacobianOperator : public RectOperator {
 public:
  explicit JacobianOperator(const TangentMap& J) : J_(J) {}
  int64_t rows() const override { return J_.state_size(); }
  int64_t cols() const override { return J_.param_size(); }
  at::Tensor apply(const at::Tensor& W) const override { return J_.jvp(W); }
  at::Tensor apply_transpose(const at::Tensor& U) const override { return J_.vjp(U); }
  at::Tensor transpose_sqnorms(const at::Tensor& U) const override { return J_.vjp_sqnorms(U); }
  at::TensorOptions options() const override { return J_.options(); }
  AdCost cost() const override { return J_.cost(); }
  std::string name() const override { return "J"; }

 private:
  const TangentMap& J_;
};

/// The eNTK K = J Jᵀ ∈ R^{d×d}: K u = J(Jᵀu) is one VJP and one JVP; uᵀKu = ‖Jᵀu‖² is one VJP.
class NtkOperator : public LinearOperator {
 public:
  explicit NtkOperator(const TangentMap& J) : J_(J) {}
  int64_t size() const override { return J_.state_size(); }
  at::Tensor apply(const at::Tensor& V) const override { return J_.kernel_apply(V); }
  at::Tensor quadratic_forms(const at::Tensor& V) const override { return J_.vjp_sqnorms(V); }
  bool is_psd() const override { return true; }
  at::TensorOptions options() const override { return J_.options(); }
  AdCost cost() const override { return J_.cost(); }
  std::string name() const override { return "K"; }
  const TangentMap& jacobian() const { return J_; }

 private:
  const TangentMap& J_;
};

/// The Gram matrix G = JᵀJ ∈ R^{P×P}: same trace and non-zero eigenvalues as K; wᵀGw = ‖Jw‖² is one JVP.
class GramOperator : public LinearOperator {
 public:
  explicit GramOperator(const TangentMap& J) : J_(J) {}
  int64_t size() const override { return J_.param_size(); }
  at::Tensor apply(const at::Tensor& W) const override { return J_.gram_apply(W); }
  at::Tensor quadratic_forms(const at::Tensor& W) const override { return J_.jvp(W).pow(2).sum(0); }
  bool is_psd() const override { return true; }
  at::TensorOptions options() const override { return J_.options(); }
  AdCost cost() const override { return J_.cost(); }
  std::string name() const override { return "G = JᵀJ"; }

 private:
  const TangentMap& J_;
};

/// A² for a symmetric A (K² for the Frobenius norm: tr K² = ‖K‖_F²); vᵀA²v = ‖Av‖².
class SquaredOperator : public LinearOperator {
 public:
  explicit SquaredOperator(const LinearOperator& A) : A_(A) {}
  int64_t size() const override { return A_.size(); }
  at::Tensor apply(const at::Tensor& V) const override { return A_.apply(A_.apply(V)); }
  at::Tensor quadratic_forms(const at::Tensor& V) const override { return A_.apply(V).pow(2).sum(0); }
  bool is_psd() const override { return true; }
  at::TensorOptions options() const override { return A_.options(); }
  AdCost cost() const override { return A_.cost(); }
  std::string name() const override { return A_.name() + "²"; }

 private:
  const LinearOperator& A_;
};

/// A₁A₂ for symmetric A₁, A₂ of one size (K₁K₂ for the alignment); vᵀA₁A₂v = ⟨A₁v, A₂v⟩.
/// Not symmetric: XNysTrace does not apply.
class ProductOperator : public LinearOperator {
 public:
  ProductOperator(const LinearOperator& A1, const LinearOperator& A2) : A1_(A1), A2_(A2) {}
  int64_t size() const override { return A1_.size(); }
  at::Tensor apply(const at::Tensor& V) const override { return A1_.apply(A2_.apply(V)); }
  at::Tensor quadratic_forms(const at::Tensor& V) const override {
    return (A1_.apply(V) * A2_.apply(V)).sum(0);
  }
  at::TensorOptions options() const override { return A1_.options(); }
  AdCost cost() const override {
    const AdCost a = A1_.cost(), b = A2_.cost();
    return {a.vjps + b.vjps, a.jvps + b.jvps, a.seconds + b.seconds};
  }
  std::string name() const override { return A1_.name() + "₁" + A2_.name() + "₂"; }

 private:
  const LinearOperator& A1_;
  const LinearOperator& A2_;
};

/// A₁ − A₂ for symmetric A₁, A₂ of one size (K_t − K_s for the kernel's distance between two snapshots):
/// symmetric but indefinite, so only its square, ‖(A₁ − A₂)v‖², is handed to the estimators.
class DifferenceOperator : public LinearOperator {
 public:
  DifferenceOperator(const LinearOperator& A1, const LinearOperator& A2) : A1_(A1), A2_(A2) {}
  int64_t size() const override { return A1_.size(); }
  at::Tensor apply(const at::Tensor& V) const override { return A1_.apply(V) - A2_.apply(V); }
  at::TensorOptions options() const override { return A1_.options(); }
  AdCost cost() const override {
    const AdCost a = A1_.cost(), b = A2_.cost();
    return {a.vjps + b.vjps, a.jvps + b.jvps, a.seconds + b.seconds};
  }
  std::string name() const override { return A1_.name() + "₁ − " + A2_.name() + "₂"; }

 private:
  const LinearOperator& A1_;
  const LinearOperator& A2_;
};

/// A − blockdiag(B) for a symmetric A on states of N inputs × O outputs (index n·O + o) and its N diagonal
/// O × O blocks B [N, O, O] (K without its diagonal blocks Kₙₙ, which per_input_blocks gives exactly):
/// symmetric, indefinite, its blocks on the diagonal zero. One product of A per apply.
class OffBlockOperator : public LinearOperator {
 public:
  OffBlockOperator(const LinearOperator& A, at::Tensor blocks) : A_(A), B_(std::move(blocks)) {}
  int64_t size() const override { return A_.size(); }
  at::Tensor apply(const at::Tensor& V) const override {
    const int64_t n = B_.size(0), o = B_.size(1), k = V.dim() == 1 ? 1 : V.size(1);
    const at::Tensor D = at::bmm(B_, V.reshape({n, o, k})).reshape(V.sizes());
    return A_.apply(V) - D;
  }
  at::TensorOptions options() const override { return A_.options(); }
  AdCost cost() const override { return A_.cost(); }
  std::string name() const override { return A_.name() + " − blockdiag"; }

 private:
  const LinearOperator& A_;
  at::Tensor B_;
};

}  // namespace ts
