#pragma once
// Confidence intervals over seeds: the mean of n independent runs and the half-width of its Student-t
// interval, t_{(1+level)/2, n−1} · s / √n with s the sample standard deviation. The app's bands, the bench
// reports and docs/RESULTS.md all use this one definition.
#include <vector>

namespace ts {

struct MeanInterval {
  double mean = 0;        ///< NaN for no values
  double half_width = 0;  ///< 0 for one value (no spread to estimate); NaN for none
  int n = 0;
};

/// The p-quantile of Student's t distribution with `df` > 0 degrees of freedom (Boost.Math); throws
/// InputError outside 0 < p < 1 or df ≤ 0.
double student_t_quantile(double p, double df);

/// mean ± t_{(1+level)/2, n−1} · s/√n over `values` (NaN values are skipped).
MeanInterval t_interval(const std::vector<double>& values, double level = 0.95);

}  // namespace ts
