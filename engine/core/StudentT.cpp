#include "core/StudentT.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <string>

#include "core/Errors.h"

namespace ts {

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1)) throw InputError("a Student-t quantile needs 0 < p < 1, got " + std::to_string(p));
  if (!(df > 0) || !std::isfinite(df))
    throw InputError("a Student-t quantile needs positive degrees of freedom, got " + std::to_string(df));
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

MeanInterval t_interval(const std::vector<double>& values, double level) {
  if (!(level > 0 && level < 1))
    throw InputError("a confidence level must lie strictly between 0 and 1, got " + std::to_string(level));
  MeanInterval r;
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) sum += v, ++r.n;
  if (r.n == 0) return {NAN, NAN, 0};
  r.mean = sum / r.n;
  if (r.n == 1) return r;
  double ss = 0;
  for (double v : values)
    if (!std::isnan(v)) ss += (v - r.mean) * (v - r.mean);
  const double sd = std::sqrt(ss / (r.n - 1));
  r.half_width = student_t_quantile(0.5 + level / 2, r.n - 1) * sd / std::sqrt(double(r.n));
  return r;
}

}  // namespace ts
