#pragma once
// Block products against one vector at a time (docs/PERFORMANCE.md, "Block products on convolutional
// networks"): the cost per vector of VJPs, JVPs and NTK products K u on a TorchScript model when TangentMap
// runs them in blocks of b vectors (LibTorch's vmap with the batching rules of autodiff/) and when it runs
// them one at a time, in rounds that alternate the block sizes. Engine only.
#include <iosfwd>
#include <string>
#include <vector>

#include "BenchCompute.h"
#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct BlockBenchOptions {
  std::string model;                          ///< a TorchScript file (required)
  int64_t n = 4;                              ///< inputs in the batch
  std::vector<int64_t> blocks{1, 8, 16, 32};  ///< block sizes; 1 is one vector at a time
  int64_t vectors = 32;                       ///< products timed per size and kind (a whole number of blocks)
  int rounds = 3;
  ComputeConfig compute = float32_compute();
};

/// Per round and block size: seconds per vector of VJPs (full rows Jᵀu), JVPs and K u, the paths TangentMap
/// took and why it left the block if it did; and per block size the median and range over the rounds.
Json run_block_bench(const BlockBenchOptions& options, std::ostream& log);

std::string format_block_bench(const Json& report);

}  // namespace ts::bench
