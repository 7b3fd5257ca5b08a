#pragma once
// The top eigenpairs of a symmetric operator too large to form (docs/MATH.md §3.1): block Lanczos with full
// reorthogonalisation (Golub and Underwood; Musco and Musco, "Randomized Block Krylov Methods for Stronger
// and Faster Approximate Singular Value Decomposition"). Products come in blocks, so an NTK operator spends
// one forward pass per block of VJPs; only the n × m Krylov basis and its image are held, never an n × n
// matrix.
#include <ATen/ATen.h>

#include <cstdint>

#include "autodiff/LinearOperator.h"
#include "core/RunControl.h"

namespace ts {

struct LanczosOptions {
  int64_t top = 20;         ///< eigenpairs wanted (k)
  int64_t block = 8;        ///< columns per Krylov block (b), products per call of the operator
  int64_t max_matvecs = 0;  ///< largest basis; 0: min(n, max(10 k, 200))
  double tol = 0;  ///< converged when ‖A v − λ v‖ ≤ tol · λ₁ for all k; 0: 1e-10 (float64), 1e-5 (float32)
  uint64_t seed = 0;  ///< the Gaussian start block
};

struct LanczosEigenpairs {
  at::Tensor values;     ///< [k] Ritz values, descending (float64, CPU)
  at::Tensor vectors;    ///< [n, k] Ritz vectors, orthonormal columns (float64, CPU)
  at::Tensor residuals;  ///< [k] ‖A vᵢ − λᵢ vᵢ‖, exactly, from the stored products (float64, CPU)
  int64_t matvecs = 0;   ///< products of A spent (the basis size)
  bool converged = false;
  double tol = 0;  ///< the tolerance in force
};

/// The largest basis block_lanczos may build for an operator of size n: max_matvecs, or min(n, max(10 k,
/// 200)) when it is 0 (never below k, never above n). Callers check its memory (2·n·m doubles) with it.
int64_t lanczos_basis_cap(int64_t n, const LanczosOptions& options);

/// The k largest eigenpairs of the symmetric A (by value; for a PSD A, the dominant ones). The basis grows
/// one block at a time (Q_{j+1} = orth(A Q_j − Σ_{i≤j} Q_i Q_iᵀ A Q_j), twice for stability) until every one
/// of the k Ritz residuals is within tol · λ₁ or the basis reaches max_matvecs (converged = false then; the
/// residuals say how far each pair is). When the Krylov space is exhausted (A of low rank, or n reached),
/// the Ritz pairs are exact up to rounding.
LanczosEigenpairs block_lanczos(const LinearOperator& A, const LanczosOptions& options,
                                const RunControl& rc = {});

}  // namespace ts
