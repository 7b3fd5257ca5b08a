#pragma once
// Small result structs that cross the engine boundary (UI, CLI, result files). No LibTorch here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts {

/// One metric of a kernel (analysis/Metrics.h; docs/MATH.md §5).
struct MetricValue {
  std::string name;    ///< trace, frobenius, effective_rank, alignment, target_alignment
  std::string method;  ///< the estimator, or "exact"
  double value = 0;
  std::optional<double> std_error;  ///< propagated from the estimators' error estimates (first order)
  std::optional<double> exact;      ///< when compared with the exact value
  std::optional<double> rel_error;
  int64_t matvecs = 0, vjps = 0, jvps = 0;
  double seconds = 0;
};

/// One epoch of training (training/Training.h).
struct EpochStats {
  int epoch = 0;                                                                ///< 0 = before training
  double train_loss = 0, train_accuracy = 0, test_loss = 0, test_accuracy = 0;  ///< NaN where not applicable
  double seconds = 0;  ///< wall time of this epoch's training
};

/// The metrics of one training snapshot's kernel (analysis/Dynamics.h).
struct DynamicsRow {
  int epoch = 0;
  std::vector<MetricValue> values;  ///< alignment is cos(K_t, K₀)
  bool exact_compared = false;      ///< false when the exact kernels did not fit the memory budget
};

}  // namespace ts
