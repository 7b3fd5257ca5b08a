#pragma once
// The Hessian of the MSE training loss with respect to the selected parameters, as a matrix-free operator
// (docs/MATH.md §6): L(θ) = (1/N) Σₙ ½‖f(xₙ; θ) − yₙ‖², the loss the training code uses for "mse". Its
// Gauss–Newton part is (1/N) JᵀJ, so tr ∇²L ≈ (1/N) tr Θ ≈ (O/N) tr Θ̂ with the sum-of-logits pNTK.
#include <ATen/ATen.h>

#include <memory>

#include "autodiff/LinearOperator.h"
#include "core/RunControl.h"
#include "models/Model.h"

namespace ts {

class LossHessian : public LinearOperator {
 public:
  /// x: the batch [N, input...]; y: targets shaped like the model's output (or [N, O] for flat outputs).
  LossHessian(std::shared_ptr<const Model> model, at::Tensor x, at::Tensor y);
  int64_t size() const override { return p_; }
  /// H V by double backward: one gradient graph, then one backward per column (the HVPs).
  at::Tensor apply(const at::Tensor& V) const override;
  at::TensorOptions options() const override { return model_->options(); }
  AdCost cost() const override { return {hvps_, 0}; }  ///< HVPs, counted as VJPs
  std::string name() const override { return "loss Hessian (MSE)"; }
  double loss() const { return loss_; }
  void set_control(const RunControl* rc) { control_ = rc; }

 private:
  std::shared_ptr<const Model> model_;
  at::Tensor x_, y_;
  int64_t p_ = 0;
  double loss_ = 0;
  mutable int64_t hvps_ = 0;
  const RunControl* control_ = nullptr;
};

}  // namespace ts
