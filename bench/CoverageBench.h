#pragma once
// Calibration of the estimators' error estimates (docs/MATH.md §4, "Error estimates"): over many seeds on a
// suite of real and synthetic kernels, how often the reported ±2σ covers the exact trace. Engine only, no Qt.
#include <iosfwd>
#include <string>
#include <vector>

#include "core/Config.h"
#include "io/Json.h"

namespace ts::bench {

struct CoverageBenchOptions {
  /// Kernels: built-in names (mlp-digits, seed-mlp, cnn-digits, gru-small, transformer, exp-decay,
  /// poly-decay, flat) or "NAME=MODEL@DATA[@INPUT_SHAPE]" for any model and data spec.
  std::vector<std::string> kernels{"mlp-digits",  "seed-mlp",  "cnn-digits", "gru-small",
                                   "transformer", "exp-decay", "poly-decay", "flat"};
  std::vector<std::string> methods{"hutchinson", "hutchpp", "rhutch", "fhutch", "xtrace", "xnystrace"};
  std::vector<int64_t> budgets{16, 64, 256};
  int seeds = 100;
  /// FHutch needs the Jacobian itself as a dense factor; kernels whose J has more entries are skipped for it.
  int64_t max_factor_entries = int64_t(40) << 20;
  std::string fixtures = "build/fixtures";  ///< where the TorchScript transformer fixture lives
  ComputeConfig compute;
};

/// For each kernel, method and budget: the coverage of ±2σ (and of the textbook σ where a method has a
/// calibrated one), mean z² with z = (estimate − tr K)/σ, and the median relative error. The kernel is formed
/// once exactly and the estimators run on it as a dense operator (same estimates as on the matrix-free
/// operator, much faster).
Json run_coverage_bench(const CoverageBenchOptions& options, std::ostream& log);

/// A plain-text table of a report from run_coverage_bench.
std::string format_coverage_bench(const Json& report);

}  // namespace ts::bench
