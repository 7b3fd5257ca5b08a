// tangentscope-cli train / dynamics: train a model, keep snapshots, and (dynamics) the NTK metrics per
// snapshot.
#include <algorithm>
#include <cstdint>
#include <ostream>

#include "CliCommon.h"
#include "catalog/CommandCatalog.h"
#include "core/Errors.h"
#include "results/ResultJson.h"

namespace ts::cli {

int cmd_train(const Args& a, std::ostream& out, bool metrics) {
  if (!a.has("out"))
    throw InputError("--out DIR is required (history, snapshots and results are written there)");
  DynamicsRequest job;
  job.out_dir = a.get("out");
  job.problem = problem_from(a);
  job.test_data = a.get("test-data");
  job.test_size = a.get_int("test-size", 0, 0, kMaxCount);
  job.train_subset = a.get_int("train-subset", 0, 0, kMaxCount);
  job.test_subset = a.get_int("test-subset", 0, 0, kMaxCount);
  job.standardize = a.flag("standardize");
  job.training =
      training_from(a);  // TrainOptions' defaults: Adam, cross-entropy, 5 epochs, batch 64, lr 1e-3
  for (const int64_t e : int_list(a, "snapshots", "", 0))
    job.training.snapshot_epochs.push_back(static_cast<int>(std::min<int64_t>(e, INT32_MAX)));
  job.track_ntk = metrics;
  if (metrics) {  // train takes none of these (its parser refuses them)
    job.probe_n = a.get_int("probe-n", job.probe_n, 1, kMaxCount);
    // The command catalog's default (every metric; alignment and distance are against K₀), as help states it.
    job.metrics.metrics =
        split_list(a.get("metrics", option_default(find_command("dynamics"), find_option("metrics"))));
    job.metrics.estimator = estimator_from(a);
    if (!a.has("estimator") && a.flag("exact")) job.metrics.estimator.method = "exact";
    job.metrics.compare_exact = a.flag("exact");
  }

  RunControl rc = cli_control();
  int last_epoch = -1;
  rc.progress = [&](const Progress& pr) {
    if (a.flag("json") || pr.stage.rfind("training, epoch ", 0) != 0) return;
    const int epoch = std::stoi(pr.stage.substr(16));
    if (epoch != last_epoch) out << pr.stage << "…\n" << std::flush;
    last_epoch = epoch;
  };
  const DynamicsResult result = run_dynamics_job(job, rc);
  if (a.flag("json")) {
    out << json_text(to_json(result)) << "\n";
    return 0;
  }
  for (const auto& s : result.history)
    out << "epoch " << s.epoch << ": train loss " << fmt(s.train_loss) << ", accuracy "
        << fmt(s.train_accuracy) << "; test loss " << fmt(s.test_loss) << ", accuracy "
        << fmt(s.test_accuracy) << "\n";
  if (metrics)
    for (const auto& row : result.dynamics) {
      out << "epoch " << row.epoch << ":";
      for (const auto& m : row.values) out << " " << m.name << " " << fmt(m.value);
      out << "\n";
    }
  out << "wrote " << job.out_dir << "\n";
  return 0;
}

}  // namespace ts::cli
