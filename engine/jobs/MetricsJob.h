#pragma once
// The metrics job: tr K, ‖K‖_F, r_eff(K), the alignment of two snapshots' kernels and the kernel-target
// alignment (docs/MATH.md §5), by one estimator or exactly.
#include <vector>

#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct MetricsRequest {
  ProblemSpec problem;
  std::vector<std::string> metrics{"trace", "frobenius", "effective_rank"};
  EstimatorOptions estimator;
  bool compare_exact = false;
  /// MetricsOptions::trace_per_input: tr K exact to rounding from each input's own VJPs, the other traces
  /// estimated off the diagonal blocks, where the model is separable over its batch and O ≤ m.
  bool trace_per_input = false;
};

struct MetricsResult {
  MetricsRequest request;
  std::string blas;
  int64_t d = 0, params = 0;
  std::vector<MetricValue> metrics;  ///< in request order
  JvpPath jvp;
};

MetricsResult run_metrics_job(const MetricsRequest& request, const RunControl& rc = {});

}  // namespace ts
