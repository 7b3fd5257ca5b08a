#pragma once
// TangentScope at real size (docs/PERFORMANCE.md): a TorchScript ResNet-18 (scripts/export-model resnet18
// --input-shape 3,32,32 --num-classes 10) on CIFAR-shaped batches, N = 100 (d = 1,000; its Jacobian alone is
// 45 GB in float32) and N = 1,000 (d = 10,000; 447 GB). Trace, Frobenius norm and effective rank to a target
// relative error, their time, the memory each exact method would need, and the exact trace where it finishes
// in reasonable time (beyond that its time is extrapolated from timed VJPs, and labelled so). Engine only.
#include <iosfwd>
#include <string>
#include <vector>

#include "BenchCompute.h"
#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct RealBenchOptions {
  std::string model;  ///< the TorchScript file (required)
  std::vector<int64_t> batches{100, 1000};
  /// XNysTrace by default: this kernel has a low effective rank (r_eff ≈ 21 at d = 1,000), where the sketch
  /// pays for its JVPs; Hutchinson (VJPs only) reached 1.9% at 496 products where XNysTrace reached 0.25% at
  /// 240 (docs/PERFORMANCE.md).
  std::string estimator = "xnystrace";
  /// Adaptive runs stop once every metric's relative standard error is within `target` (Hazelden's "99%
  /// accuracy" is a relative error of 1e-2), or at max_matvecs per trace.
  double target = 0.01;
  int64_t max_matvecs = 240;   ///< per trace, over the adaptive stages 16, 32, 64, 128
  int64_t exact_limit = 1000;  ///< the exact trace runs when d ≤ this; beyond, it is extrapolated
  /// VJPs and JVPs timed for the per-product costs: `repeats` blocks of `block` vectors (the mean and the
  /// best block, like the Python best of 3)
  int64_t repeats = 3;
  int64_t block = 8;  ///< vectors per product call
  ComputeConfig compute = float32_compute();
  int64_t timing_vectors() const { return repeats * block; }
};

/// Runs every batch; progress lines go to `log`. The report holds per batch: d, P, the per-product times
/// (forward, VJP, JVP and its path), the memory an exact Jacobian and kernel would need and the measured
/// peak, each metric with its error estimate, products and time, the exact trace (measured or
/// extrapolated), and, where the model is separable over its batch, the metrics again with tr K from each
/// input's own VJPs (`per_input`: exact to rounding; time and speed-up over the estimate).
Json run_real_bench(const RealBenchOptions& options, std::ostream& log);

std::string format_real_bench(const Json& report);

}  // namespace ts::bench
