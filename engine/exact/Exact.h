#pragma once
// Exact values (docs/MATH.md §3): the ground truth every estimator is tested against.
#include <ATen/ATen.h>

#include <limits>
#include <optional>
#include <string>

#include "autodiff/LinearOperator.h"
#include "autodiff/TangentMap.h"
#include "core/Numbers.h"  // format_bytes
#include "core/RunControl.h"

namespace ts {

struct ExactTrace {
  double value = 0;
  /// "vjp" (Σ‖Jᵀeᵢ‖², d VJPs over the batch), "vjp-per-input" (the same d VJPs, each on its input alone: a
  /// model separable over its batch), "jvp" (Σ‖Jeⱼ‖², P JVPs) or "ntk-matvec" (Σ eᵢᵀKeᵢ)
  std::string method;
  int64_t products = 0;
  double seconds = 0;
};

/// tr A = Σᵢ eᵢᵀAeᵢ by the quadratic forms of the n unit vectors, in blocks (for K = JJᵀ: d VJPs, ‖Jᵀeᵢ‖²;
/// for the pNTK: N VJPs). The one exact trace of an operator that every caller uses.
double exact_operator_trace(const LinearOperator& A, const RunControl& rc = {}, int64_t block = 64,
                            const std::string& stage = "exact trace");

/// tr K by the cheaper side: d VJPs or P JVPs (`side` "auto", "vjp" or "jvp"); no matrix is held. On the VJP
/// side a model separable over its batch takes each input's VJPs on that input alone (per_input_trace).
ExactTrace exact_trace(const TangentMap& J, const RunControl& rc = {}, int64_t block = 64,
                       const std::string& side = "auto");

/// tr K = Σₙ tr Kₙₙ by each input's O VJPs on a batch of that input alone: exact, and about N times fewer
/// flops than d VJPs over the batch. Only for a model whose outputs for an input depend on that input alone,
/// which it checks (the first and last inputs' outputs alone against the batch's), in float64; nothing
/// otherwise (batch statistics, a model that takes no batch of one, several ranks, float32). With
/// `any_precision` float32 is taken too: a batch of one may take other kernels, whose rounding differs from
/// the batch's (ResNet-18: 3·10⁻⁵ of tr K), so callers use it as a value to rounding, not as the exact trace.
std::optional<ExactTrace> per_input_trace(const TangentMap& J, const RunControl& rc = {}, int64_t block = 64,
                                          bool any_precision = false);

/// The diagonal blocks Kₙₙ = JₙJₙᵀ of K (N × O × O; O = d/N outputs per input, state index n·O + o), each
/// from its input's O VJPs on a batch of that input alone, under per_input_trace's conditions (nothing
/// otherwise). tr K = Σₙ tr Kₙₙ, and ‖K‖_F² = Σₙ ‖Kₙₙ‖_F² + ‖K − blockdiag(Kₙₙ)‖_F²: the estimators then
/// need only the off-block part (docs/MATH.md §5).
struct InputBlocks {
  at::Tensor blocks;  ///< [N, O, O] in the map's dtype and device
  int64_t products = 0;
  double seconds = 0;
};
/// Nothing either when one input's O gradients (O·P numbers, held together for their Gram) would exceed
/// `memory_budget` bytes.
std::optional<InputBlocks> per_input_blocks(const TangentMap& J, const RunControl& rc = {},
                                            bool any_precision = false,
                                            int64_t memory_budget = std::numeric_limits<int64_t>::max());

/// Hazelden's exact baseline: Σ eᵢᵀ(K eᵢ) with d NTK matvecs. With 0 < limit < d only the first `limit` basis
/// vectors are applied; `value` is then the partial sum and `seconds` is extrapolated to all d (labelled so).
struct MatvecBaseline {
  double value = 0;
  bool complete = false;
  int64_t timed = 0;         ///< matvecs actually run
  double timed_seconds = 0;  ///< their wall time
  double seconds = 0;        ///< for all d matvecs (measured or extrapolated)
};
MatvecBaseline matvec_baseline(const LinearOperator& K, int64_t limit = 0, const RunControl& rc = {},
                               int64_t block = 64);

/// Bytes that J (d×P) plus the smaller kernel (K, d×d, or G = JᵀJ, P×P) and its eigen-decomposition need.
int64_t exact_kernel_bytes(int64_t d, int64_t P, at::ScalarType dtype);
/// Throws MemoryBudgetError naming `what` and both sizes when bytes > budget.
void check_memory_budget(const std::string& what, int64_t bytes, int64_t budget);

/// J ∈ R^{d×P}, chunked, by the cheaper of d VJPs and P JVPs; checks the budget first.
at::Tensor jacobian(const TangentMap& J, int64_t memory_budget, const RunControl& rc = {},
                    int64_t block = 64);

/// A Aᵀ (n×n) for A ∈ R^{n×m}, by blocks of at least 64 rows and about `block_flops` each: the cancel token
/// is checked and progress reported between blocks, so a kernel that takes minutes to multiply out can be
/// cancelled within a second or so. The result is made exactly symmetric.
at::Tensor gram_by_blocks(const at::Tensor& A, const RunControl& rc = {},
                          const std::string& stage = "kernel J Jᵀ", double block_flops = 5e9);

/// The exact eNTK K = J Jᵀ (d×d) or, when P < d, the Gram matrix G = JᵀJ (P×P): same trace, Frobenius norm
/// and non-zero eigenvalues.
struct ExactKernel {
  at::Tensor matrix;
  at::Tensor jac;     ///< J, kept for products with a second kernel
  bool gram = false;  ///< true: matrix is G (P×P)
  double trace() const;
  double frobenius() const;
  /// Non-zero-padded eigenvalues of K in descending order (min(d, P) of them), float64.
  at::Tensor eigenvalues() const;
};
ExactKernel exact_kernel(const TangentMap& J, int64_t memory_budget, const RunControl& rc = {},
                         int64_t block = 64);

/// tr(K₁K₂) = ‖J₁ᵀJ₂‖_F² (P×P) or Σ K₁∘K₂ (d×d), whichever is smaller.
double exact_trace_product(const ExactKernel& a, const ExactKernel& b);
/// ‖K_a − K_b‖_F: from the difference of the two d×d kernels, or where they are held as Gram matrices
/// (P < d) from ‖K_a‖_F² + ‖K_b‖_F² − 2 tr(K_aK_b).
double exact_difference_frobenius(const ExactKernel& a, const ExactKernel& b);

}  // namespace ts

namespace ts {

/// The eNTK K = J Jᵀ (d×d) column block by column block, K[:, B] = J (Jᵀ E_B): d VJPs and d JVPs, holding
/// only K and one block of Jᵀ (P×block), so wide models whose Jacobian would not fit still give their kernel.
at::Tensor entk_by_products(const TangentMap& J, int64_t memory_budget, const RunControl& rc = {},
                            int64_t block = 32);

}  // namespace ts
