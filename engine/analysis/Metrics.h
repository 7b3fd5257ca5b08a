#pragma once
// Metrics built on traces (docs/MATH.md §5; Hazelden's definitions), by any estimator or exactly.
#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "autodiff/TangentMap.h"
#include "core/Config.h"
#include "core/RunControl.h"
#include "io/Json.h"

namespace ts {

struct MetricValue {
  std::string name;    ///< trace, frobenius, effective_rank, alignment, target_alignment
  std::string method;  ///< the estimator, or "exact"
  double value = 0;
  std::optional<double> std_error;  ///< propagated from the estimators' error estimates (first order)
  std::optional<double> exact;      ///< when compared with the exact value
  std::optional<double> rel_error;
  int64_t matvecs = 0, vjps = 0, jvps = 0;
  double seconds = 0;
};

/// Computes the requested metrics of K_a (and K_b for alignment; `targets` y ∈ R^d for kernel-target
/// alignment).
///   trace = tr K;  frobenius = √tr(K²);  effective_rank = tr(K)²/tr(K²);
///   alignment = tr(K_aK_b)/√(tr K_a² tr K_b²);  target_alignment = yᵀKy/(‖K‖_F ‖y‖²).
/// Each trace is estimated once (with its own seed offset) and shared by the metrics that need it. With
/// XNysTrace, the non-symmetric tr(K_aK_b) is estimated by XTrace.
std::vector<MetricValue> compute_metrics(const TangentMap& a, const TangentMap* b, const at::Tensor& targets,
                                         const MetricsOptions& options, const RunControl& rc = {});

const std::vector<std::string>& metric_names();

/// {metric, method, value, std_error, exact?, rel_error?, matvecs, vjps, jvps, seconds} (docs/FORMATS.md).
Json to_json(const MetricValue& m);

}  // namespace ts
