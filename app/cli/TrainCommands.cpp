// tangentscope-cli train / dynamics: train a model, keep snapshots, and (dynamics) the NTK metrics per
// snapshot.
#include <algorithm>
#include <cstdint>
#include <ostream>

#include "CliCommon.h"
#include "core/Errors.h"

namespace ts::cli {

int cmd_train(const Args& a, std::ostream& out, bool metrics) {
  if (!a.has("out"))
    throw InputError("--out DIR is required (history, snapshots and results are written there)");
  DynamicsJob job;
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
    job.probe_n = a.get_int("probe-n", 100, 1, kMaxCount);
    job.metrics.metrics =
        split_list(a.get("metrics", "trace,frobenius,effective_rank,alignment,target_alignment"));
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
  const Json result = run_dynamics_job(job, rc);
  if (a.flag("json")) {
    out << result.dump() << "\n";
    return 0;
  }
  for (const auto& s : result.at("history").items())
    out << "epoch " << s.at("epoch").number() << ": train loss " << fmt(s.at("train_loss").number())
        << ", accuracy " << fmt(s.at("train_accuracy").number()) << "; test loss "
        << fmt(s.at("test_loss").number()) << ", accuracy " << fmt(s.at("test_accuracy").number()) << "\n";
  if (metrics)
    for (const auto& row : result.at("dynamics").items()) {
      out << "epoch " << row.at("epoch").number() << ":";
      for (const auto& m : row.at("metrics").items())
        out << " " << m.at("metric").string() << " " << fmt(m.at("value").number());
      out << "\n";
    }
  out << "wrote " << job.out_dir << "\n";
  return 0;
}

}  // namespace ts::cli
