#pragma once
// The options of the pNTK benchmarks (bench pntk-width, bench pntk-speed), whose runs are the pNTK jobs
// themselves (jobs/PntkWidthJob.h, jobs/PntkJob.h) driven by the command line. Their defaults are here once:
// `bench NAME --help`, docs/CLI.md (BenchmarkCatalog.cpp) and the command line read them.
#include <cstdint>
#include <string>
#include <vector>

#include "BenchCompute.h"
#include "jobs/PntkWidthJob.h"

namespace ts::bench {

/// The width experiment of Mohamadi, Bae and Sutherland's paper: the pNTK's errors against width, once per
/// parameterisation.
struct PntkWidthBenchOptions {
  PntkWidthRequest job = [] {
    PntkWidthRequest r;
    r.compute = with_memory_budget(int64_t(8) << 30);  // the eNTK of the widest models
    r.training.loss = "cross_entropy";
    r.training.epochs = 0;
    return r;
  }();
  std::vector<std::string> params{"standard", "ntk"};
  /// Epochs of the trained stage, for the standard parameterisation as in the paper (NTK is the contrast at
  /// init, untrained).
  int epochs = 3;
};

/// pNTK against eNTK, time and memory, on an MLP of `width` with each output count.
struct PntkSpeedBenchOptions {
  int64_t n = 50;  ///< digits:n=N unless a workload data spec is given
  int64_t width = 128;
  std::vector<int64_t> outputs{10, 100};
  int64_t repeats = 3;
  ComputeConfig compute = with_memory_budget(int64_t(12) << 30);  ///< both kernels are built
  std::string model;  ///< empty: mlp:in=64,width=W,depth=3,out=O,seed=0 for each output count O
  std::string data;   ///< empty: digits:n=N
};

}  // namespace ts::bench
