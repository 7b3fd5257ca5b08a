#pragma once
// The compare job: several estimators on one kernel, with their convergence histories and a speed–accuracy
// sweep against the exact trace (the app's Convergence and Speed–accuracy charts).
#include <optional>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"
#include "jobs/ProblemSummary.h"

namespace ts {

struct CompareRequest {
  ProblemSpec problem;
  std::vector<std::string> methods{"hutchpp", "xnystrace", "hutchinson"};
  EstimatorOptions estimator;  ///< budget, seed and options shared by every method (method is ignored)
  bool exact = true;           ///< compute the exact trace (needed for relative errors)
  /// Speed–accuracy sweep: each method at these budgets (empty: m/8, m/4, m/2, m), `sweep_repeats` seeds
  /// each.
  std::vector<int64_t> sweep_budgets;
  int sweep_repeats = 1;
};

/// One method at the full budget, with its running estimate (history).
struct CompareRun {
  TraceEstimate estimate;
  std::optional<double> rel_error;  ///< against the exact trace, when computed
};

/// One point of the speed–accuracy sweep.
struct SweepPoint {
  std::string method;
  int64_t budget = 0;
  int repeat = 0;
  double estimate = 0, rel_error = 0, seconds = 0;
};

struct CompareResult {
  CompareRequest request;
  std::string blas;
  int64_t d = 0, params = 0;
  ProblemSummary model;  ///< without parameter names and summary (describe_problem gives those)
  std::optional<double> exact, exact_seconds;
  std::string exact_method;
  std::vector<CompareRun> runs;   ///< one per method, in request order
  std::vector<SweepPoint> sweep;  ///< empty without the exact trace
  JvpPath jvp;
};

/// The problem is built once; every method and sweep point runs on the same operator. With the exact trace,
/// the estimates come first and are published ("compare-estimates", a CompareResult without the exact value,
/// errors and sweep), then the exact trace, then the sweep.
CompareResult run_compare_job(const CompareRequest& request, const RunControl& rc = {});

}  // namespace ts
