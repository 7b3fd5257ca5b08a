#pragma once
// The kernel the look-ahead needs (docs/MATH.md §6–7): Θ over the labelled set and the pool of the current
// trained model, as one dense Gram matrix. The pNTK is J_g J_gᵀ from N per-item VJPs; the eNTK is J Jᵀ from
// the full Jacobian.
#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "core/RunControl.h"
#include "models/Model.h"
#include "pntk/Pntk.h"

namespace ts {

struct LookaheadKernel {
  at::Tensor gram;     ///< float64 on the model's device: [N, N] (pNTK) or [N·O, N·O] item-major (eNTK)
  int64_t q = 1;       ///< block size per item: 1 (pNTK) or O (eNTK)
  std::string kernel;  ///< "pntk" or "entk"
  double seconds = 0;  ///< wall time of the VJPs and the product
};

/// J_g = (I_N ⊗ cᵀ) J ∈ R^{N×P}, the pNTK's per-item gradients (c = 𝟙/√O for the sum of logits), over chunks
/// of `chunk` items, one VJP per item over its chunk's forward pass (measured here 10× faster than one
/// backward pass through per-item parameter replicas). Checks N·P values against the budget.
at::Tensor pntk_jacobian(const std::shared_ptr<const Model>& model, const at::Tensor& x, PntkVariant variant,
                         int64_t memory_budget, const RunControl& rc = {}, int64_t chunk = 64);

/// The sum-of-logits pNTK of a built-in MLP over all its parameters without forming J_g: each linear layer's
/// per-item gradient is the outer product δ_l h_lᵀ (δ_l = ∂g/∂z_l, h_l the layer's input), so
/// Θ̂ = Σ_l (Δ_l Δ_lᵀ) ⊙ (s_l² H_l H_lᵀ + β_l²) with s_l, β_l the parameterisation's scales: N²(in + out) work
/// per layer instead of N²·in·out. One forward and one backward pass over x. Undefined when the model is not
/// a built-in MLP with every parameter selected, under several ranks, or when its forward differs from this
/// one's (checked).
at::Tensor mlp_pntk_gram(const Model& model, const at::Tensor& x, const RunControl& rc = {});

/// Θ over the inputs `x` for `kernel` "pntk" (sum of logits, Θ̂ = J_g J_gᵀ) or "entk" (Θ = J Jᵀ, O× more
/// rows). Throws MemoryBudgetError naming the sizes when the Jacobian and Gram matrix exceed the budget.
/// The pNTK of a built-in MLP goes through mlp_pntk_gram.
LookaheadKernel lookahead_kernel(const std::shared_ptr<const Model>& model, const at::Tensor& x,
                                 const std::string& kernel, int64_t memory_budget, const RunControl& rc = {});

}  // namespace ts
