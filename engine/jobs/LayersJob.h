#pragma once
// The layers job: where in the network the kernel lives. tr K_g for every parameter group g with its error,
// its share of tr K, and (exact where affordable) ‖K_g‖_F, r_eff(K_g) and the alignment of K_g with K
// (docs/MATH.md §5.4).
#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct LayersRequest {
  ProblemSpec problem;
  LayerTraceOptions options;  ///< memory_budget is taken from problem.compute
};

struct LayersResult {
  LayersRequest request;
  std::string blas;
  int64_t d = 0, params = 0;
  LayerTraces traces;
  JvpPath jvp;
};

/// The groups' traces sum to the estimate of tr K by the same probes. Partial results: "layer-traces"
/// (LayerTraces), every group's running estimate after each block of probes.
LayersResult run_layers_job(const LayersRequest& request, const RunControl& rc = {});

}  // namespace ts
