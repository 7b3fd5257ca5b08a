#include "core/SlopeFit.h"

#include <cmath>
#include <limits>

namespace ts {

double t_quantile_975(int df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 0) return std::numeric_limits<double>::quiet_NaN();
  if (df <= 30) return table[df - 1];
  // Cornish–Fisher expansion around z = 1.959964; error < 1e-4 for df > 30.
  const double z = 1.959964, n = df;
  return z + (z * z * z + z) / (4 * n) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

SlopeFit fit_loglog(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> lx, ly;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (x[i] > 0 && y[i] > 0 && std::isfinite(x[i]) && std::isfinite(y[i])) {
      lx.push_back(std::log10(x[i]));
      ly.push_back(std::log10(y[i]));
    }
  SlopeFit f;
  f.points = static_cast<int>(lx.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (f.points < 3) {
    f.slope = f.intercept = f.std_error = f.ci_low = f.ci_high = nan;
    return f;
  }
  const double n = f.points;
  double mx = 0, my = 0;
  for (int i = 0; i < f.points; ++i) mx += lx[i] / n, my += ly[i] / n;
  double sxx = 0, sxy = 0;
  for (int i = 0; i < f.points; ++i) sxx += (lx[i] - mx) * (lx[i] - mx), sxy += (lx[i] - mx) * (ly[i] - my);
  if (sxx <= 0) {  // one x value only: no slope
    f.slope = f.intercept = f.std_error = f.ci_low = f.ci_high = nan;
    return f;
  }
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  double rss = 0;
  for (int i = 0; i < f.points; ++i) {
    const double r = ly[i] - f.intercept - f.slope * lx[i];
    rss += r * r;
  }
  f.std_error = std::sqrt(rss / (n - 2) / sxx);
  const double t = t_quantile_975(f.points - 2);
  f.ci_low = f.slope - t * f.std_error;
  f.ci_high = f.slope + t * f.std_error;
  return f;
}

}  // namespace ts
