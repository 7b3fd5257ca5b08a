#pragma once
// The summary of an active-learning curve that the app's table and the ablation report both give.
#include <vector>

namespace ts {

/// The area under the accuracy curve divided by its label range: the trapezoidal mean of `accuracy` over
/// `labels` (increasing). One point: its accuracy; none, or a zero range: NaN.
double learning_curve_auc(const std::vector<double>& labels, const std::vector<double>& accuracy);

}  // namespace ts
