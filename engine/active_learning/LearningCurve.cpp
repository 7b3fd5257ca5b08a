#include "active_learning/LearningCurve.h"

#include <cmath>
#include <cstddef>

namespace ts {

double learning_curve_auc(const std::vector<double>& labels, const std::vector<double>& accuracy) {
  const size_t n = std::min(labels.size(), accuracy.size());
  if (n == 0) return NAN;
  if (n == 1) return accuracy.front();
  double area = 0;
  for (size_t i = 1; i < n; ++i) area += 0.5 * (accuracy[i] + accuracy[i - 1]) * (labels[i] - labels[i - 1]);
  const double range = labels[n - 1] - labels[0];
  return range > 0 ? area / range : NAN;
}

}  // namespace ts
