#pragma once
// The spectrum of a PSD operator too large to form: eigenvalues of its randomized Nyström approximation.
#include <ATen/ATen.h>

#include "autodiff/LinearOperator.h"
#include "core/RunControl.h"

namespace ts {

/// The `rank` largest eigenvalues (descending, float64 on the CPU) of the Nyström approximation
/// K⟨Ω⟩ = (KΩ)(ΩᵀKΩ)⁺(KΩ)ᵀ with a seeded Gaussian Ω ∈ R^{n×rank}: rank matvecs, no n×n matrix. They approach
/// the top eigenvalues of K from below; the shift ν (as in XNysTrace) is enlarged until ΩᵀKΩ factorises.
at::Tensor nystrom_eigenvalues(const LinearOperator& K, int64_t rank, uint64_t seed,
                               const RunControl& rc = {}, int64_t block = 32);

}  // namespace ts
