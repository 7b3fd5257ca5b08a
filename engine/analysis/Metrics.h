#pragma once
// Metrics built on traces (docs/MATH.md §5; Hazelden's definitions), by any estimator or exactly.
#include <ATen/ATen.h>
#include "analysis/MetricCatalog.h"

#include <optional>
#include <string>
#include <vector>

#include "autodiff/TangentMap.h"
#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"

namespace ts {

/// Computes the requested metrics of K_a (and K_b for alignment; `targets` y ∈ R^d for kernel-target
/// alignment).
///   trace = tr K;  frobenius = √tr(K²);  effective_rank = tr(K)²/tr(K²);
///   alignment = tr(K_aK_b)/√(tr K_a² tr K_b²);  target_alignment = yᵀKy/(‖K‖_F ‖y‖²).
/// Each trace is estimated once (with its own seed offset) and shared by the metrics that need it. With
/// XNysTrace, the non-symmetric tr(K_aK_b) is estimated by XTrace.
std::vector<MetricValue> compute_metrics(const TangentMap& a, const TangentMap* b, const at::Tensor& targets,
                                         const MetricsOptions& options, const RunControl& rc = {});

}  // namespace ts
