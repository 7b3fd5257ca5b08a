#pragma once
// Reproductions of the trace benchmarks of Hazelden's paper (docs/MATH.md §8): the deep MLP (d = 3,200, P =
// 64,704) and the GRU (d = 48,000, P = 14,592). Engine only, no Qt.
#include <iosfwd>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct SeedBenchOptions {
  std::string workload = "mlp";  ///< "mlp" or "gru"
  std::vector<int64_t> budgets{12, 16, 24, 32, 48, 64, 96, 128, 192, 384, 768};
  std::vector<std::string> methods{"hutchinson", "hutchpp", "hutchpp-seed", "rhutch",
                                   "fhutch",     "xtrace",  "xnystrace"};
  int repeats = 10;
  int64_t baseline_limit = 0;  ///< d-matvec baseline: time only this many matvecs and extrapolate (0 = all d)
  ComputeConfig compute;
  std::string model;  ///< the model spec (hazelden_workload: the workload's)
  std::string data;   ///< the data spec (hazelden_workload: the workload's)
};

/// The options of Hazelden's `workload` ("mlp" or "gru") as published: its model and data, and for the GRU
/// (d = 48,000) a baseline extrapolated from 1% of its matvecs and 5 repeats. Throws InputError for another.
SeedBenchOptions hazelden_workload(const std::string& workload);

/// Runs every method at every budget `repeats` times against the exact trace; writes progress lines to `log`
/// and returns the full report (medians, quartiles, time to 1e-2/1e-3/1e-4, speed-ups against the published
/// d-matvec baseline and against this engine's best exact method).
Json run_seed_bench(const SeedBenchOptions& options, std::ostream& log);

/// A plain-text table of a report from run_seed_bench.
std::string format_seed_bench(const Json& report);

}  // namespace ts::bench
