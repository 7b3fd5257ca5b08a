#pragma once
// The benchmarks of tangentscope-cli (bench NAME): each one's summary, the options it takes and its defaults,
// read from the benchmark's own options struct, so a default is written once (in bench/*.h) and shown by
// `bench NAME --help`, docs/CLI.md and read by the command line alike. A benchmark shows no default where it
// states none (catalog/CommandCatalog.h, CommandInfo::benchmark).
#include <vector>

#include "catalog/CommandCatalog.h"

namespace ts::bench {

/// The benchmarks, in the order help lists them.
const std::vector<CommandInfo>& benchmark_catalog();

}  // namespace ts::bench
