#pragma once
// NTK-linearised retraining for look-ahead active learning (docs/MATH.md §7): the model retrained on L⁺ = L ∪
// {(x′, y′)} is approximated by f_lin(x) = f₀(x) + Θ(x, X⁺) Θ(X⁺, X⁺)⁻¹ (Y⁺ − f₀(X⁺)), with one Cholesky
// factor of Θ(X_L, X_L) shared by every candidate x′ (a bordered, Schur-complement update per candidate).
// Pure tensor algebra in float64.
#include <ATen/ATen.h>

#include <utility>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"

namespace ts {

/// The kernel and outputs over a fixed list of items (inputs), of which some are labelled and the rest are
/// the pool. `q` is the kernel's block size per item: q = O for the eNTK (gram is N·O × N·O, item-major), q =
/// 1 for the pNTK, which stands in for Θ̂ ⊗ I_O: the same N×N solve then applies to every output, so residuals
/// are [N, O] there.
struct LinearisedProblem {
  at::Tensor gram;     ///< Θ over the items, [N·q, N·q]
  int64_t q = 1;       ///< 1 (pNTK) or O (eNTK)
  at::Tensor f0;       ///< f at the linearisation point θ_L, [N, O]
  at::Tensor targets;  ///< [N, O] one-hot labels; only rows of labelled items are read
};

struct LookaheadScores {
  at::Tensor norm;    ///< [C] MLMOC A(x′) = Σ_{x∈U} ‖f_ref(x) − f_lin(x)‖₂
  at::Tensor flips;   ///< [C] number of pool points whose argmax differs between f_ref and f_lin
  at::Tensor pseudo;  ///< [C] the pseudo-label y′ = argmax f_ref(x′)
  at::Tensor value;   ///< [C] float64: the requested objective (LookaheadObjective.h)
};

/// Throws InputError naming the option when a look-ahead option is out of range.
void check_lookahead_options(const LookaheadOptions& options);

/// The mode response of the linearised learner's training on one eigenvalue λ of Θ(X, X) over N items and
/// O outputs: ψ(λ) = (1 − φ(λ))/λ with φ the factor by which the training residual's component shrinks, so
/// f_t(x) = f₀(x) + Θ(x, X) ψ(Θ) (Y − f₀(X)). ψ = 1/λ at t = ∞; gradient flow φ = exp(−η t λ/(N·O));
/// heavy-ball momentum m: the damped oscillator g″ = μ′g′ − (λ/(N·O)) g, g′(0) = 0, μ′ = (m − 1)/√η, at
/// time t√η. λ ≤ 0 counts as 0 in the flow (φ = 1, so ψ = 0), as in neural_tangents. `n_outputs` is N·O.
at::Tensor mode_response(const at::Tensor& lambda, const LookaheadOptions& predictor, int64_t n_outputs);

/// The linearised learner on L and the look-ahead for pool candidates. Items are indices into the problem's
/// lists; pool positions are indices into pool().
class Lookahead {
 public:
  /// Factors Θ(X_L, X_L) + (ρ + s)·I by Cholesky, ρ = predictor.ridge · mean diag Θ_LL (the regularisation;
  /// labelled items only, as in the published code), with s = 0, or, when that is not numerically positive
  /// definite, the smallest s = 10^k·1e-12·mean diag that is (k = 0…10; NumericalError beyond); s also
  /// shifts each candidate's Θ(x′, x′). With a finite predictor.time the learner is the gradient flow of
  /// mode_response (an eigendecomposition per candidate) instead. Throws InputError if L is empty.
  Lookahead(LinearisedProblem problem, std::vector<int64_t> labelled, std::vector<int64_t> pool,
            LookaheadOptions predictor = {});

  double shift() const { return shift_; }  ///< the diagonal shift s that was needed (0 if none)
  double ridge() const { return ridge_; }  ///< the absolute regularisation ρ of Θ_LL
  const std::vector<int64_t>& labelled() const { return labelled_; }
  const std::vector<int64_t>& pool() const { return pool_; }

  /// f₀(U): the trained model on the pool, [|U|, O].
  at::Tensor model_pool() const;
  /// The linearised learner trained on L: f₀(U) + Θ(U, X_L) Θ_LL⁻¹ (Y_L − f₀(X_L)), [|U|, O].
  at::Tensor learner_pool() const;

  /// f_lin on U after adding each candidate (pool positions) with the given labels: [C] int64 gives [C, |U|,
  /// O]; [C, K] (K labels per candidate) gives [C, K, |U|, O].
  at::Tensor retrained_pool(const at::Tensor& positions, const at::Tensor& labels) const;

  /// Scores of the candidates at `positions` (all of the pool when undefined) under `objective`
  /// (lookahead_objectives()). The reference f_ref is the trained model f₀ or the linearised learner on L, as
  /// predictor.reference says, and always the learner with `sequential`; y′ = argmax f_ref(x′). The expected
  /// objectives look ahead with every label, weighted by Π_Δ(f_ref(x′)).
  LookaheadScores score(const at::Tensor& positions, bool sequential, const RunControl& rc = {},
                        const std::string& objective = "norm") const;

  /// Moves the pool item at `position` into L with true label `label`: the Cholesky factor grows by one
  /// bordered block (O(|L|²) for the pNTK) instead of being recomputed.
  void add_labelled(int64_t position, int64_t label);

 private:
  at::Tensor rows(const std::vector<int64_t>& items) const;
  at::Tensor rows(const at::Tensor& items) const;
  void refresh();  // α₀, K_UL and the residuals after L changed
  at::Tensor finite_time_pool(const at::Tensor& cand, const at::Tensor& y) const;
  // The candidates' item indices and residuals r′ = y′ − f₀(x′) for labels [C, K], [C, q, K·m].
  std::pair<at::Tensor, at::Tensor> candidate_residuals(const at::Tensor& positions,
                                                        const at::Tensor& labels) const;
  // At t = ∞: W = Θ(U, x′) − Θ(U, L)Θ_LL⁻¹Θ(L, x′) [|U|q, Cq] and the bordered coefficients α_c [C, q, K·m].
  std::pair<at::Tensor, at::Tensor> bordered(const at::Tensor& cand, const at::Tensor& r) const;

  LinearisedProblem p_;
  std::vector<int64_t> labelled_, pool_;
  LookaheadOptions predictor_;
  int64_t outputs_ = 0, m_ = 0;  // O and m = O / q (right-hand sides per row block)
  double shift_ = 0, ridge_ = 0;
  at::Tensor chol_;    // lower Cholesky factor of Θ_LL + s·I, [|L|q, |L|q]
  at::Tensor resid_;   // Y_L − f₀(X_L), [|L|q, m]
  at::Tensor alpha0_;  // (Θ_LL + sI)⁻¹ resid_
  at::Tensor k_ul_;    // Θ(U, L), [|U|q, |L|q]
  at::Tensor delta0_;  // Θ(U, L) α₀, [|U|q, m]
};

/// Reference for tests: f_lin on `eval` items after adding `candidate` with `label` to `labelled`, by one
/// direct solve with Θ(X⁺, X⁺) + s·I + ρ·I on the labelled rows (no factor reuse), [|eval|, O].
at::Tensor direct_retrained(const LinearisedProblem& problem, const std::vector<int64_t>& labelled,
                            int64_t candidate, int64_t label, const std::vector<int64_t>& eval,
                            double shift = 0, double ridge = 0);

}  // namespace ts
