#pragma once
// Matrix-free operators over torch tensors (the operator concept of the Spectra library,
// docs/ARCHITECTURE.md). Estimators are written once against these two interfaces.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace ts {

/// VJPs and JVPs spent so far (cumulative, for the cost of a run).
struct AdCost {
  int64_t vjps = 0;
  int64_t jvps = 0;
  double seconds = 0;  ///< wall time spent inside those products (the rest of a run is dense algebra)
};

/// A square operator A ∈ R^{n×n}.
class LinearOperator {
 public:
  virtual ~LinearOperator() = default;
  virtual int64_t size() const = 0;
  /// A V for V ∈ R^{n×k}.
  virtual at::Tensor apply(const at::Tensor& V) const = 0;
  /// vⱼᵀ A vⱼ for each column of V; operators with a factorisation override this with something cheaper
  /// (for the NTK, vᵀKv = ‖Jᵀv‖², one VJP and no JVP).
  virtual at::Tensor quadratic_forms(const at::Tensor& V) const { return (V * apply(V)).sum(0); }
  /// True when A is symmetric positive semi-definite (XNysTrace needs this).
  virtual bool is_psd() const { return false; }
  virtual at::TensorOptions options() const = 0;
  virtual AdCost cost() const { return {}; }
  virtual std::string name() const = 0;
};

/// A rectangular operator B ∈ R^{rows×cols} with its transpose, for one-sided estimators of ‖B‖_F².
class RectOperator {
 public:
  virtual ~RectOperator() = default;
  virtual int64_t rows() const = 0;
  virtual int64_t cols() const = 0;
  /// B W for W ∈ R^{cols×k}.
  virtual at::Tensor apply(const at::Tensor& W) const = 0;
  /// Bᵀ U for U ∈ R^{rows×k}.
  virtual at::Tensor apply_transpose(const at::Tensor& U) const = 0;
  /// ‖Bᵀuⱼ‖² per column (override when it can be done without keeping BᵀU).
  virtual at::Tensor transpose_sqnorms(const at::Tensor& U) const { return apply_transpose(U).pow(2).sum(0); }
  virtual at::TensorOptions options() const = 0;
  virtual AdCost cost() const { return {}; }
  virtual std::string name() const = 0;
};

/// A dense matrix as an operator: the test operator with a known spectrum.
class DenseOperator : public LinearOperator {
 public:
  explicit DenseOperator(at::Tensor A, bool psd = false) : A_(std::move(A)), psd_(psd) {}
  int64_t size() const override { return A_.size(0); }
  at::Tensor apply(const at::Tensor& V) const override { return at::matmul(A_, V.to(A_.options())); }
  bool is_psd() const override { return psd_; }
  at::TensorOptions options() const override { return A_.options(); }
  std::string name() const override { return "dense"; }
  const at::Tensor& matrix() const { return A_; }

 private:
  at::Tensor A_;
  bool psd_;
};

/// A dense rectangular matrix as a RectOperator.
class DenseRectOperator : public RectOperator {
 public:
  explicit DenseRectOperator(at::Tensor B) : B_(std::move(B)) {}
  int64_t rows() const override { return B_.size(0); }
  int64_t cols() const override { return B_.size(1); }
  at::Tensor apply(const at::Tensor& W) const override { return at::matmul(B_, W.to(B_.options())); }
  at::Tensor apply_transpose(const at::Tensor& U) const override {
    return at::matmul(B_.t(), U.to(B_.options()));
  }
  at::TensorOptions options() const override { return B_.options(); }
  std::string name() const override { return "dense"; }

 private:
  at::Tensor B_;
};

/// A symmetric square operator seen as a factor B = A, so that ‖B‖_F² = tr(AᵀA) = tr(A²).
class SymmetricAsRect : public RectOperator {
 public:
  explicit SymmetricAsRect(const LinearOperator& A) : A_(A) {}
  int64_t rows() const override { return A_.size(); }
  int64_t cols() const override { return A_.size(); }
  at::Tensor apply(const at::Tensor& W) const override { return A_.apply(W); }
  at::Tensor apply_transpose(const at::Tensor& U) const override { return A_.apply(U); }
  at::TensorOptions options() const override { return A_.options(); }
  AdCost cost() const override { return A_.cost(); }
  std::string name() const override { return A_.name(); }

 private:
  const LinearOperator& A_;
};

}  // namespace ts
