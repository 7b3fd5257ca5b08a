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

/// One parameter group's part of the kernel (analysis/LayerTraces.h; docs/MATH.md §5.4).
struct LayerTrace {
  std::string name;
  int64_t size = 0;  ///< P_g
  double trace = 0;  ///< tr K_g (estimated, or exact)
  std::optional<double> std_error;
  double share = 0;                      ///< tr K_g / tr K
  std::optional<double> exact;           ///< with compare_exact: the exact tr K_g
  std::optional<double> frobenius;       ///< ‖K_g‖_F (exact kernel only)
  std::optional<double> effective_rank;  ///< tr(K_g)²/‖K_g‖_F² (exact kernel only)
  std::optional<double> alignment;       ///< tr(K_g K)/(‖K_g‖_F ‖K‖_F) (exact kernel only)
};

/// Every group's part of the kernel from one run.
struct LayerTraces {
  std::string method;
  std::vector<LayerTrace> layers;
  double total = 0;  ///< Σ_g tr K_g, which is the whole kernel's estimate by the same probes
  std::optional<double> total_std_error;
  std::optional<double> exact_total;
  std::optional<double> frobenius;          ///< ‖K‖_F with the exact kernel
  std::string exact_note;                   ///< why the exact kernel's extras are missing, if they are
  int64_t matvecs = 0, vjps = 0, jvps = 0;  ///< of the estimate (the exact comparison not counted)
  double seconds = 0;
  std::optional<double> exact_seconds;  ///< of the exact comparison
};

}  // namespace ts
