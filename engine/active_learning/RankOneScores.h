#pragma once
// Look-ahead scores for the pNTK at t = ∞ (docs/MATH.md §7) without forming the look-ahead outputs. There,
// adding candidate c with label k moves every pool output along one direction:
//   F_{ck}(x_i) = f₀(x_i) + (δ₀(x_i) + w_{ic} a_{ck}),
// δ₀ = Θ(U, L) α₀ the learner's correction, w_{ic} = Θ(x_i, x′_c) − Θ(x_i, L) Θ_LL⁻¹ Θ(L, x′_c) and a_{ck}
// the bordered solve's new coefficient. The tensor path materialises F as [C, K, |U|, O] and makes about ten
// passes over it; this makes one pass per candidate and label over the pool, in float64 on the CPU. The
// values are those of objective_values and expected_objective_values to rounding (the same F, bit for bit,
// with sums taken in another order): counts are identical.

#include <ATen/ATen.h>

#include <string>

namespace ts {

struct RankOneTerms {
  at::Tensor f0;      ///< f₀(U), [|U|, O]
  at::Tensor delta0;  ///< δ₀(U), [|U|, O]
  at::Tensor w;       ///< [C, |U|]: w_{ic}, one row per candidate
  at::Tensor a;       ///< [C, K, O]: a_{ck}
};

struct RankOneResult {
  at::Tensor norm;   ///< [C] Σ_U ‖F_{c,y′} − R‖₂ with the pseudo-label y′
  at::Tensor flips;  ///< [C] int64 #{x ∈ U: argmax F_{c,y′} ≠ argmax R}
  at::Tensor value;  ///< [C] float64: the objective (LookaheadObjective.h)
};

/// The scores of C candidates under `objective` (lookahead_objectives()), against the reference R = `ref`
/// [|U|, O] with `ref_arg` = argmax_last(R). `labels` [C, K] names the label of each a_{ck}; `pseudo` [C] is
/// y′. K = 1 (the pseudo-label) for the plain objectives; the expected ones take K = O labels weighted by
/// `weights` [C, O] = Π_Δ(R(x′)). CPU float64 inputs only (LookaheadObjective.h has the general path).
RankOneResult rank_one_scores(const std::string& objective, const RankOneTerms& terms, const at::Tensor& ref,
                              const at::Tensor& ref_arg, const at::Tensor& labels, const at::Tensor& pseudo,
                              const at::Tensor& weights, double temperature);

}  // namespace ts
