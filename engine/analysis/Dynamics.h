#pragma once
// The NTK over training (Hazelden's experiment, docs/MATH.md §5): metrics of K_t at each snapshot θ_t on a
// fixed probe batch.
#include <ATen/ATen.h>

#include <vector>

#include "analysis/Metrics.h"
#include "training/Training.h"

namespace ts {

/// For each snapshot: tr K_t, ‖K_t‖_F, r_eff(K_t), cos(K_t, K₀) and the kernel-target alignment with
/// `targets` (flattened one-hot, or undefined to skip it), by options.estimator; with options.compare_exact
/// the exact values too, where the kernels fit options.memory_budget (else the row says exact_compared =
/// false). Under several ranks each rank computes its share of the snapshots whole (dist::split_items) and
/// every rank returns every row.
std::vector<DynamicsRow> ntk_dynamics(const Model& model, const std::vector<Snapshot>& snapshots,
                                      const at::Tensor& probe, const at::Tensor& targets,
                                      const MetricsOptions& options, const RunControl& rc = {});

}  // namespace ts
