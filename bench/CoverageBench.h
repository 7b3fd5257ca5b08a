#pragma once
// Calibration of the estimators' error estimates (docs/MATH.md §4, "Error estimates"): over many seeds on a
// suite of real and synthetic kernels, how often the reported ±2σ covers the exact trace. Engine only, no Qt.
#include <iosfwd>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct CoverageBenchOptions {
  /// Kernels: built-in names (resnet18, squeezenet, transformer, hazelden-mlp, hazelden-gru, mlp-digits,
  /// cnn-digits, gru-small, exp-decay, poly-decay, flat) or "NAME=MODEL@DATA[@INPUT_SHAPE]".
  std::vector<std::string> kernels{"resnet18", "squeezenet", "transformer", "hazelden-mlp", "hazelden-gru"};
  /// Estimators, and "layers" for the per-group bars of `layers` (Hutch++ split by parameter group).
  std::vector<std::string> methods{"hutchinson", "hutchpp",   "rhutch", "fhutch",
                                   "xtrace",     "xnystrace", "layers"};
  /// The app's budget range starts at 8 (Preferences and the estimator form); 96 is its default.
  std::vector<int64_t> budgets{8, 16, 32, 64, 96};
  int seeds = 200;
  int layer_seeds = 40;  ///< the per-layer bars run on the network itself (matrix-free), so fewer seeds
  /// Also each seed's error, its reported error and the textbook, jackknife and paired errors (XTrace,
  /// XNysTrace) in the rows (`per_seed`), for weighing the three anew (docs/MATH.md §4.6).
  bool per_seed = false;
  std::string models = "build/bench-models";  ///< resnet18.pt and squeezenet.pt (scripts/export-model)
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

/// One row of the table: coverage and mean z², marked OUTSIDE when it misses the requirement.
std::string format_row(const Json& row);
/// A plain-text table of a report from run_coverage_bench.
std::string format_coverage_bench(const Json& report);

}  // namespace ts::bench
