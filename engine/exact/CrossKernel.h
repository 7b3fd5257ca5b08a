#pragma once
// Kernels between two batches (docs/MATH.md §3): Θ(X₁, X₂) = J₁ J₂ᵀ ∈ R^{d₁×d₂} for the eNTK, and the pNTK's
// Θ̂(X₁, X₂) = (C J₁)(C J₂)ᵀ ∈ R^{N₁×N₂}, exactly, from the two Jacobians.
#include <ATen/ATen.h>

#include <string>

#include "autodiff/TangentMap.h"
#include "core/RunControl.h"

namespace ts {

/// The rows whose inner products make the kernel: J (d × P) for "entk", C J (N × P) for "pntk" /
/// "pntk:single:K" (C sums the logits scaled by 1/√O, or picks one). Checked against `memory_budget` first.
at::Tensor kernel_factor(const TangentMap& J, const std::string& kernel, int64_t memory_budget,
                         const RunControl& rc = {});

/// F₁ F₂ᵀ in float64, by blocks (cancellable).
at::Tensor cross_kernel(const at::Tensor& F1, const at::Tensor& F2, const RunControl& rc = {});

}  // namespace ts
