#pragma once
// The tally of one calibration cell (bench calibration): coverage of ±2σ and mean z² = (error/σ)² over runs.
#include <algorithm>
#include <cmath>
#include <limits>

#include "estimators/Estimators.h"

namespace ts::bench {

/// Float64 products' rounding tolerance for runs exact to rounding: 10⁻¹¹ of the trace. With float32
/// products the bench takes float32's machine epsilon, 1.2·10⁻⁷.
inline constexpr double kExactToRoundingFloat64 = 1e-11;

/// A run is judged by what its bar claims. A bar below `rounding_level` of the trace (rounding_level_bar of
/// the products' machine epsilon, Estimators.h: the budget reached n, or the test vectors captured the
/// kernel's numerical range) claims the error is rounding: the run is exact to rounding, covered when its
/// error is within ±2σ or below `exact_tol` of the trace (with float32 products a bar at the rounding level
/// can cover an error a little past that tolerance), and left out of z², which rounding has no variance to
/// match. Every other run enters coverage and z² whatever its error. Selecting on the error instead, as this
/// bench did before 2026-12-08, keeps only the runs that happened to land far out: on Hazelden's MLP at
/// m = 512 the 22 XTrace runs past a 10⁻¹¹ cut had mean z² 3.6, all 200 runs 0.78.
struct CalibrationTally {
  double exact_tol = kExactToRoundingFloat64;
  double rounding_level = rounding_level_bar(std::numeric_limits<double>::epsilon());
  int runs = 0, covered = 0, exact = 0;
  double z2 = 0;

  void add(double err, double sigma, double exact_value) {
    ++runs;
    if (sigma < rounding_level * std::fabs(exact_value)) {
      ++exact;
      if (std::fabs(err) <= std::max(2 * sigma, exact_tol * std::fabs(exact_value))) ++covered;
      return;
    }
    if (std::fabs(err) <= 2 * sigma) ++covered;
    z2 += sigma > 0 ? err * err / (sigma * sigma) : INFINITY;  // NaN (no bar) counts as a miss
  }
  double coverage() const { return runs > 0 ? double(covered) / runs : NAN; }
  /// Over the runs not exact to rounding; 0 when every run is.
  double mean_z2() const { return runs > exact ? z2 / double(runs - exact) : 0.0; }
};

}  // namespace ts::bench
