#include "analysis/Dynamics.h"

#include "core/Errors.h"

namespace ts {

std::vector<DynamicsRow> ntk_dynamics(const Model& model, const std::vector<Snapshot>& snapshots,
                                      const at::Tensor& probe, const at::Tensor& targets,
                                      const MetricsOptions& options, const RunControl& rc) {
  if (snapshots.empty()) throw InputError("NTK dynamics needs at least one parameter snapshot");
  auto m0 = model.clone();
  m0->set_parameters(snapshots.front().params);
  TangentMap J0(m0, probe);
  J0.set_control(&rc);
  std::vector<DynamicsRow> rows;
  for (size_t t = 0; t < snapshots.size(); ++t) {
    rc.check();
    auto mt = model.clone();
    mt->set_parameters(snapshots[t].params);
    TangentMap Jt(mt, probe);
    Jt.set_control(&rc);
    MetricsOptions o = options;
    o.estimator.seed = options.estimator.seed + 1000 * t;
    std::vector<std::string> names;
    for (const auto& m : options.metrics)
      if (m != "target_alignment" || targets.defined()) names.push_back(m);
    o.metrics = names;
    DynamicsRow row;
    row.epoch = snapshots[t].epoch;
    try {
      row.values = compute_metrics(Jt, &J0, targets, o, rc);
      row.exact_compared = options.compare_exact || options.estimator.method == "exact";
    } catch (const MemoryBudgetError&) {
      if (options.estimator.method == "exact") throw;
      o.compare_exact = false;  // the estimates stand on their own
      row.values = compute_metrics(Jt, &J0, targets, o, rc);
    }
    rows.push_back(std::move(row));
    rc.report(static_cast<int64_t>(t + 1), static_cast<int64_t>(snapshots.size()),
              "NTK metrics per snapshot");
  }
  return rows;
}

}  // namespace ts
