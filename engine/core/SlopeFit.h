#pragma once
// Straight-line fits on log-log axes, for error-against-width experiments: slope with a 95% confidence
// interval.
#include <vector>

namespace ts {

struct SlopeFit {
  double slope = 0, intercept = 0;  ///< log10 y = intercept + slope · log10 x
  double std_error = 0;             ///< of the slope (ordinary least squares)
  double ci_low = 0, ci_high = 0;   ///< slope ± t_{0.975, n−2} · std_error
  int points = 0;
};

/// Least squares of log10 y on log10 x over the positive, finite pairs; NaN fields with fewer than 3 such
/// points.
SlopeFit fit_loglog(const std::vector<double>& x, const std::vector<double>& y);

/// Student's t quantile t_{0.975, df}: student_t_quantile(0.975, df) of core/StudentT.h; NaN for df ≤ 0.
double t_quantile_975(int df);

}  // namespace ts
