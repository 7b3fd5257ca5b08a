#include "core/SlopeFit.h"

#include <cmath>
#include <limits>

#include "core/StudentT.h"

namespace ts {

double t_quantile_975(int df) {
  if (df <= 0) return std::numeric_limits<double>::quiet_NaN();
  return student_t_quantile(0.975, df);  // the one Student-t of the code base (core/StudentT.h)
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
