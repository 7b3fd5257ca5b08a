#pragma once
// Strong scaling over ranks (docs/PERFORMANCE.md, "Many processes"): the same estimates and exact trace on 1,
// 2, … ranks of one machine, each rank one thread, with the time and bytes spent in collectives, and a model
// that extrapolates to N ranks from the measured compute and communication. Engine only.
#include <iosfwd>
#include <string>
#include <vector>

#include "BenchCompute.h"
#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct ScalingBenchOptions {
  /// Hazelden's MLP (d = 3,200, P = 64,704) on its data
  std::string model = "mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu";
  std::string data = "random:n=50,shape=100";
  std::vector<std::string> methods{"hutchpp", "xnystrace", "hutchinson"};
  int64_t matvecs = 96;
  int repeats = 3;    ///< medians of this many runs of each estimate
  bool exact = true;  ///< also the exact trace (d products, the most divisible work)
  std::vector<int> ranks{1, 2};
  int rounds = 3;  ///< each rank count measured this many times, alternating; medians over them
  ComputeConfig compute = float32_compute(1);  ///< one thread per rank
};

/// One point: this process's world (run as every rank, under launch). Each estimate runs between barriers;
/// its time is rank 0's, with the collectives' calls, bytes and time (transfer and waiting) on rank 0.
Json run_scaling_point(const ScalingBenchOptions& options, std::ostream& log);

/// The bench: one point per entry of options.ranks, each started as `program launch --nproc R -- bench
/// scaling-point …`; speed-up and efficiency against one rank, and the model for N ranks.
Json run_scaling_bench(const ScalingBenchOptions& options, const std::string& program, std::ostream& log);

std::string format_scaling_bench(const Json& report);

}  // namespace ts::bench
