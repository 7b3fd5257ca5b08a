#pragma once
// What a benchmark report says about its own run: when (UTC), from which source (the git commit the binary
// was built from) and on what machine, so a figure in docs/ can be traced without its file name
// (docs/results/bench/README.md). Every `tangentscope-cli bench` report carries these fields.
#include <string>

#include "core/Json.h"

namespace ts::bench {

struct RunInfo {
  std::string date;    ///< UTC, ISO 8601: 2026-12-04T09:15:02Z
  std::string commit;  ///< `git rev-parse --short HEAD` at build time, "-dirty" with local changes; "unknown"
  std::string machine;  ///< the CPU model and the number of CPUs the system shows: "AMD EPYC 7B13, 2 CPUs"
  std::string blas;     ///< core/TorchUtil.h blas_description(): the library and its threads
};

RunInfo run_info();

/// The commit this binary was built from (BuildCommit.cpp), as in RunInfo::commit.
const char* build_commit();

/// Sets "date", "commit", "machine" and "blas" in the report (an object), in that order.
void add_run_info(Json& report);

}  // namespace ts::bench
