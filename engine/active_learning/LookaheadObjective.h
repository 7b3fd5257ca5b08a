#pragma once
// What a look-ahead scores (docs/MATH.md §7): given the linearised model's pool outputs F_i after adding
// candidate i with its pseudo-label, and the reference outputs R, one number per candidate. The published
// objectives follow Mohamadi, Bae and Sutherland's code (ntk-lookahead-active-learning).
#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace ts {

/// norm, flips, pseudo-contrastive, expected-contrastive, t-softmax, pseudo-er, eer.
const std::vector<std::string>& lookahead_objectives();
/// True where the smallest value is queried first (the agreement and risk objectives).
bool objective_ascending(const std::string& objective);
/// True for the objectives that look ahead with every label, weighted by p̂ = Π_Δ(f_ref(x′)).
bool objective_expected(const std::string& objective);

/// argmax over the last dimension (the first maximum, as at::argmax), by one elementwise pass per entry of
/// that dimension: LibTorch's reductions over a short last dimension cost several times more here.
at::Tensor argmax_last(const at::Tensor& x);
/// ‖·‖₂ over the last dimension, by one matrix–vector product.
at::Tensor norm_last(const at::Tensor& x);

/// Π_Δ(z): the Euclidean projection of each row (last dimension) onto the probability simplex (Duchi et
/// al.'s sort-based algorithm, as the published code's project_into_probability_simplex).
at::Tensor simplex_projection(const at::Tensor& z);

/// The objective of candidates with look-ahead outputs `flin` [C, |U|, O] against the reference `ref`
/// [|U|, O], [C] float64:
///  norm Σ_U ‖F − R‖₂; flips #{x ∈ U: argmax F ≠ argmax R};
///  pseudo-contrastive (1/|U|) #{x ∈ U: argmax F = argmax R} (queried smallest first);
///  t-softmax ‖S(F) − S(R)‖_F with S(z) = softmax(log Π_Δ(z) / T) row-wise (S = Π_Δ at T = 1);
///  pseudo-er Σ_U (1 − max_c Π_Δ(F)_c) (smallest first).
/// `flin_argmax`, if given, is argmax_last(flin), computed once by the caller.
at::Tensor objective_values(const std::string& objective, const at::Tensor& flin, const at::Tensor& ref,
                            double temperature = 1.0, const at::Tensor& flin_argmax = {});

/// The expected objectives from look-aheads with every label, `flin` [C, O, |U|, O] (label c in the second
/// place), weights p̂ [C, O]: expected-contrastive Σ_c p̂_c · pseudo-contrastive(F_c); eer Σ_c p̂_c ·
/// pseudo-er(F_c). Both queried smallest first.
at::Tensor expected_objective_values(const std::string& objective, const at::Tensor& flin,
                                     const at::Tensor& ref, const at::Tensor& weights);

}  // namespace ts
