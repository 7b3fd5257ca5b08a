#pragma once
// Kernels between two batches (docs/MATH.md §3): Θ(X₁, X₂) = J₁ J₂ᵀ ∈ R^{d₁×d₂} for the eNTK, and the pNTK's
// Θ̂(X₁, X₂) = (C J₁)(C J₂)ᵀ ∈ R^{N₁×N₂}, exactly, from the two Jacobians.
#include <ATen/ATen.h>

#include <memory>
#include <string>

#include "autodiff/LinearOperator.h"
#include "autodiff/TangentMap.h"
#include "core/RunControl.h"

namespace ts {

/// The rows whose inner products make the kernel: J (d × P) for "entk", C J (N × P) for "pntk" /
/// "pntk:single:K" (C sums the logits scaled by 1/√O, or picks one). Checked against `memory_budget` first.
at::Tensor kernel_factor(const TangentMap& J, const std::string& kernel, int64_t memory_budget,
                         const RunControl& rc = {});

/// F₁ F₂ᵀ in float64, by blocks (cancellable).
at::Tensor cross_kernel(const at::Tensor& F1, const at::Tensor& F2, const RunControl& rc = {});

/// Θ(X₁, X₂) without forming it or either Jacobian: apply V ↦ J₁(J₂ᵀV) (V ∈ R^{d₂×k}, one VJP on X₂ and one
/// JVP on X₁ per column), apply_transpose U ↦ J₂(J₁ᵀU). For the pNTK the rows and columns are the inputs:
/// V ↦ C₁J₁J₂ᵀC₂ᵀV (V ∈ R^{N₂×k}). Both maps must be of one model (the same parameters).
std::unique_ptr<RectOperator> cross_kernel_operator(const TangentMap& J1, const TangentMap& J2,
                                                    const std::string& kernel);

/// Θ(X₁, X₂) V by blocks of `block` columns (cancellable), float64 on V's device.
at::Tensor cross_kernel_apply(const RectOperator& theta, const at::Tensor& V, int64_t block,
                              const RunControl& rc = {});

}  // namespace ts
