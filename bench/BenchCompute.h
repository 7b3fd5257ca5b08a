#pragma once
// The computation a benchmark runs with unless the command line says otherwise: the defaults of its options
// struct, shown by `bench NAME --help` and docs/CLI.md (BenchmarkCatalog.cpp) and read over by the command
// line.
#include <cstdint>

#include "core/Config.h"

namespace ts::bench {

/// float32, as the published figures these benchmarks are compared with; `threads` 0 is LibTorch's default.
inline ComputeConfig float32_compute(int threads = 0) {
  ComputeConfig c;
  c.dtype = "float32";
  c.threads = threads;
  return c;
}

/// The default computation with a larger memory budget (bytes).
inline ComputeConfig with_memory_budget(int64_t bytes) {
  ComputeConfig c;
  c.memory_budget = bytes;
  return c;
}

}  // namespace ts::bench
