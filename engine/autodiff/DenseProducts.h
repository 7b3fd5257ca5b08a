#pragma once
// Explicit VJPs and JVPs of a built-in MLP (a chain of dense layers, models/BuiltinModels.h) for a block of k
// vectors at once, without autograd. Per layer l (input h_l ∈ R^{N×i}, z_l = s_l·h_l W_lᵀ + β_l·b_l,
// output a_l(z_l)) and direction it costs two matrix products whose inner size is the layer's width and whose
// outer size is k·N or k·out: with k = 32 on Hazelden's MLP they are products of 50 × 64 by 64 × 2,048, where
// autograd (and LibTorch's vmap over it) runs k small products per operator and dispatches every operator.
//   JVP, tangents Ẇ_l, ḃ_l of each vector:  ż_l = s_l·(ḣ_l W_lᵀ + h_l Ẇ_lᵀ) + β_l·ḃ_l,  ḣ_{l+1} = a_l'(z_l) ⊙
//   ż_l VJP, cotangent u on the output:          δ_L = a_L'(z_L) ⊙ u,  ∂W_l = s_l·δ_lᵀ h_l,  ∂b_l = β_l·Σ_n
//   δ_l,
//                                            δ_{l−1} = a_{l−1}'(z_{l−1}) ⊙ s_l·δ_l W_l
// The derivatives are autograd's own formulas (relu: 1[z > 0]; tanh: 1 − a²; sigmoid: a(1 − a); erf:
// 2/√π e^{−z²}; exact GELU: Φ(z) + zφ(z)), so the results equal autograd's to rounding (tested in float64).
#include <ATen/ATen.h>

#include <vector>

#include "models/BuiltinModels.h"

namespace ts {

class DenseProducts {
 public:
  /// The primal pass over x [N, ...] (flattened per row) at the layers' parameters: keeps each layer's input
  /// h_l and slope a_l'(z_l).
  DenseProducts(std::vector<DenseLayer> layers, const at::Tensor& x);

  /// f(θ, X) [N, out] from the primal pass (TangentMap checks it against the model's own forward).
  const at::Tensor& output() const { return out_; }
  int64_t param_size() const { return p_; }
  /// Whether `layers` are the tensors this pass was made from, unchanged since (same storage, no in-place
  /// update): a model whose parameters moved needs a new pass.
  bool made_from(const std::vector<DenseLayer>& layers) const;

  /// The rows Jᵀu_j for the rows u_j of U [k, d] (d = N·out, item-major as the state s(θ)), written into
  /// `out` [k, P] (rows in parameter order; a view into the caller's result, so no second copy).
  void vjp_rows(const at::Tensor& U, at::Tensor out) const;
  /// ‖Jᵀu_j‖² for the rows of U: [k], without forming [k, P] (per layer Σ δ_l ⊙ G_l δ_l where N ≤ in_l).
  at::Tensor vjp_sqnorms(const at::Tensor& U) const;
  /// The rows J w_j for the rows w_j of Wt [k, P]: [k, d].
  at::Tensor jvp_rows(const at::Tensor& Wt) const;
  /// The rows K u_j = J(Jᵀu_j) for the rows of U [k, d]: [k, d], fused, without forming Jᵀu_j ∈ R^P. The
  /// backward pass keeps each layer's δ_l; the forward tangent pass then adds the parameter tangents'
  /// contribution h_l Ẇ_lᵀ s_l + β_l ḃ_l = G_l δ_l with G_l = s_l² h_l h_lᵀ + β_l² 11ᵀ (N×N), or through Ẇ_l
  /// where that is cheaper (N > 2·in_l).
  at::Tensor kernel_rows(const at::Tensor& U) const;

 private:
  /// The backward pass without the parameters' gradients: `visit(l, δ_l)` receives z_l's cotangent [N, k,
  /// out_l] (after the slope), from the last layer to the first.
  template <class Visit>
  void deltas(const at::Tensor& U, Visit&& visit) const;

  std::vector<DenseLayer> layers_;
  std::vector<int64_t> versions_;   ///< each layer's weight and bias version counters at the primal pass
  std::vector<at::Tensor> inputs_;  ///< h_l [N, in_l]
  std::vector<at::Tensor> slopes_;  ///< a_l'(z_l) [N, out_l]; undefined for the identity
  std::vector<at::Tensor> grams_;  ///< G_l [N, N] where N ≤ 2·in_l (cheaper than forming Ẇ_l); else undefined
  std::vector<int64_t> offsets_;  ///< where W_l starts in the parameter vector (b_l follows it)
  at::Tensor out_;
  int64_t n_ = 0, p_ = 0;
};

}  // namespace ts
