#pragma once
// Quantiles of benchmark samples (medians and quartiles), with linear interpolation between order statistics.
#include <algorithm>
#include <cmath>
#include <vector>

namespace ts::bench {
inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}
}  // namespace ts::bench
