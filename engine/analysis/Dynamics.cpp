#include "analysis/Dynamics.h"

#include <memory>

#include "core/Errors.h"
#include "core/ResultsJson.h"
#include "dist/Communicator.h"

namespace ts {

std::vector<DynamicsRow> ntk_dynamics(const Model& model, const std::vector<Snapshot>& snapshots,
                                      const at::Tensor& probe, const at::Tensor& targets,
                                      const MetricsOptions& options, const RunControl& rc) {
  if (snapshots.empty()) throw InputError("NTK dynamics needs at least one parameter snapshot");
  // Made on first use, so that under several ranks each rank's map of K₀ is its own (dist::LocalWork).
  std::unique_ptr<TangentMap> J0;
  std::vector<DynamicsRow> rows;
  const int64_t n = static_cast<int64_t>(snapshots.size());
  // Snapshots are independent given K₀: several ranks divide them (dist::split_items), each computing its
  // snapshots' metrics whole. Every row passes through its JSON text, so one process gives the same numbers.
  dist::split_items(
      n,
      [&](int64_t i) {
        rc.check();
        const size_t t = static_cast<size_t>(i);
        if (!J0) {
          auto m0 = model.clone();
          m0->set_parameters(snapshots.front().params);
          J0 = std::make_unique<TangentMap>(m0, probe);
          J0->set_control(&rc);
        }
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
          row.values = compute_metrics(Jt, J0.get(), targets, o, rc);
          row.exact_compared = options.compare_exact || options.estimator.method == "exact";
        } catch (const MemoryBudgetError&) {
          if (options.estimator.method == "exact") throw;
          o.compare_exact = false;  // the estimates stand on their own
          row.values = compute_metrics(Jt, J0.get(), targets, o, rc);
        }
        return json_text(to_json(row));
      },
      [&](int64_t i, const std::string& text) {
        rows.push_back(dynamics_row_of(parse_json(text, "the NTK metrics of a snapshot"),
                                       "the NTK metrics of a snapshot"));
        rc.report(i + 1, n, "NTK metrics per snapshot");
      });
  return rows;
}

}  // namespace ts
