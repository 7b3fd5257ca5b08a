#pragma once
// The trace job: one estimator (or the exact trace) on one kernel, repeated with consecutive seeds.
#include <optional>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct TraceRequest {
  ProblemSpec problem;
  EstimatorOptions estimator;  ///< method "exact" computes the exact trace
  bool compare_exact = false;
  int repeats = 1;  ///< independent repeats with seeds seed, seed+1, …
};

struct TraceResult {
  TraceRequest request;                ///< the full configuration that produced this result
  std::string blas;                    ///< the BLAS LibTorch ran on
  TraceEstimate estimate;              ///< the first repeat (or the exact trace)
  std::vector<TraceEstimate> repeats;  ///< all repeats
  std::optional<double> exact;
  std::optional<double> exact_seconds;
  std::string exact_method;
  int64_t d = 0, params = 0;
  JvpPath jvp;
};

/// Loads model and data, builds the kernel's operator and runs the estimator. Throws ts::Error subclasses.
TraceResult run_trace_job(const TraceRequest& request, const RunControl& rc = {});

/// |estimate − exact| / |exact|.
double relative_error(double estimate, double exact);

}  // namespace ts
