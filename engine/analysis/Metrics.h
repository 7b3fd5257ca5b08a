#pragma once
// Metrics built on traces (docs/MATH.md §5; Hazelden's definitions), by any estimator or exactly.
#include <ATen/ATen.h>
#include "analysis/MetricCatalog.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autodiff/TangentMap.h"
#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"

namespace ts {

struct InputBlocks;

/// A snapshot's exact diagonal blocks Kₙₙ, computed at the first call that needs them and kept (a watch
/// analyses each snapshot against the first and the previous one).
struct InputBlockCache {
  std::shared_ptr<const InputBlocks> blocks;  ///< null: not separable, O > m, too large, or not yet computed
  bool tried = false;
  bool counted = false;  ///< their VJPs and time are in a metric already
};

/// Computes the requested metrics of K_a (and K_b for alignment; `targets` y ∈ R^d for kernel-target
/// alignment).
///   trace = tr K;  frobenius = √tr(K²);  effective_rank = tr(K)²/tr(K²);
///   alignment = tr(K_aK_b)/√(tr K_a² tr K_b²);  target_alignment = yᵀKy/(‖K‖_F ‖y‖²).
/// Each trace is estimated once (with its own seed offset) and shared by the metrics that need it. With
/// XNysTrace, the non-symmetric tr(K_aK_b) is estimated by XTrace.
///
/// With options.trace_per_input, where the model is separable over its batch and O ≤ m, the diagonal blocks
/// Kₙₙ are taken exactly from each input's VJPs (exact/Exact.h per_input_blocks): tr K = Σₙ tr Kₙₙ, and every
/// tr(K_aK_b)-like trace is Σₙ ⟨(K_a)ₙₙ, (K_b)ₙₙ⟩ plus an estimate over the off-block parts alone, so that
/// only those carry a sampling error (docs/MATH.md §5). `blocks_a`, `blocks_b` keep a snapshot's blocks
/// between calls (null: computed for this call).
std::vector<MetricValue> compute_metrics(const TangentMap& a, const TangentMap* b, const at::Tensor& targets,
                                         const MetricsOptions& options, const RunControl& rc = {},
                                         InputBlockCache* blocks_a = nullptr,
                                         InputBlockCache* blocks_b = nullptr);

}  // namespace ts
