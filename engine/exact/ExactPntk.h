#pragma once
// The pNTK computed exactly: the N×N matrix and its trace (docs/MATH.md §6).
#include <ATen/ATen.h>

#include <cstdint>

#include "core/RunControl.h"
#include "pntk/Pntk.h"

namespace ts {

/// The exact N×N pNTK by N VJPs (chunked), after checking N·P + N² values against the memory budget.
at::Tensor exact_pntk(const TangentMap& J, PntkVariant variant, int64_t memory_budget,
                      const RunControl& rc = {});

/// tr Θ̂ = Σₙ ‖J_gᵀ eₙ‖², N VJPs in blocks, no matrix held.
double exact_pntk_trace(const PntkOperator& op, const RunControl& rc = {}, int64_t block = 64);

}  // namespace ts
