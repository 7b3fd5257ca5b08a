#include "jobs/DynamicsJob.h"

#include <cmath>
#include <sstream>

#include "analysis/Dynamics.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/Agreement.h"
#include "jobs/DynamicsJson.h"
#include "models/Model.h"
#include "training/Training.h"

namespace ts {

namespace {

// Empty for NaN (no test set, regression accuracy): a spreadsheet reads an empty cell as missing.
std::string dynamics_csv_number(double v) {
  if (!std::isfinite(v)) return "";
  return format_number(v, 10);
}

}  // namespace

DynamicsResult run_dynamics_job(const DynamicsRequest& job, const RunControl& rc) {
  if (job.problem.kernel != "entk")
    throw InputError("dynamics works on the eNTK; --kernel " + job.problem.kernel +
                     " is offered by trace and compare (the pntk command compares the two)");
  OutputFolder out(job.out_dir);  // checked before any work; published together at the end, or not at all
  const ProblemSpec& p = job.problem;
  apply_threads(p.compute);
  std::vector<int64_t> shape;
  if (!p.input_shape.empty()) shape = parse_shape(p.input_shape, "--input-shape");
  auto model = make_model(p.model, shape, p.compute, p.params, p.output);

  const int64_t budget = p.compute.memory_budget;
  Dataset train = load_data(p.data, model->input_shape(), p.compute.seed, budget, model->input_type()), test;
  dist::require_same_problem(train, model.get());  // several ranks: each was given the same
  if (!job.test_data.empty()) {
    test = load_data(job.test_data, model->input_shape(), p.compute.seed, budget, model->input_type());
  } else {
    const int64_t test_n = job.test_size > 0 ? job.test_size : std::max<int64_t>(1, train.size() / 5);
    std::tie(train, test) = train_test_split(train, test_n, p.compute.seed);
  }
  train = subset(train, job.train_subset, p.compute.seed);
  test = subset(test, job.test_subset, p.compute.seed + 1);
  if (job.standardize) {
    const Dataset fit = train;
    train = standardize(train, fit);
    test = standardize(test, fit);
  }
  DynamicsResult result;
  result.request = job;
  result.training = job.training;
  result.training.seed = p.compute.seed;
  result.train_data = train.description;
  result.test_data = test.description;
  const TrainResult r = train_model(*model, train, &test, result.training, rc);
  result.history = r.history;

  if (out.enabled()) {
    std::ostringstream csv;
    csv << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n";
    for (const auto& s : r.history)
      csv << s.epoch << "," << dynamics_csv_number(s.train_loss) << ","
          << dynamics_csv_number(s.train_accuracy) << "," << dynamics_csv_number(s.test_loss) << ","
          << dynamics_csv_number(s.test_accuracy) << "," << dynamics_csv_number(s.seconds) << "\n";
    out.write_text("history.csv", csv.str());
    for (const auto& snap : r.snapshots) {
      auto m = model->clone();
      m->set_parameters(snap.params);
      const std::string name = "snapshot-epoch" + std::to_string(snap.epoch) + ".pt";
      m->save_torchscript(out.path(name));
      result.snapshots.push_back(out.final_path(name));
    }
  }

  if (job.track_ntk) {
    // The probe batch: a fixed, stratified subset of the test data (the same for every snapshot).
    const Dataset probe = subset(test, job.probe_n, p.compute.seed + 2);
    const at::Tensor x = to_model_input(probe.inputs, tensor_options(p.compute));
    at::Tensor y;
    if (probe.labels.defined()) {
      at::NoGradGuard no_grad;
      const int64_t outputs = model->forward(x.narrow(0, 0, 1)).numel();
      if (outputs >= probe.num_classes) y = one_hot_targets(probe, outputs);
    }
    MetricsOptions mo = job.metrics;
    mo.memory_budget = p.compute.memory_budget;
    result.dynamics = ntk_dynamics(*model, r.snapshots, x, y, mo, rc);
    result.probe = probe.description;
    std::ostringstream dcsv;
    dcsv << "epoch,metric,method,value,std_error,exact,rel_error,matvecs,vjps,jvps,seconds\n";
    for (const auto& row : result.dynamics)
      for (const auto& m : row.values)
        dcsv << row.epoch << "," << m.name << "," << m.method << "," << dynamics_csv_number(m.value) << ","
             << (m.std_error ? dynamics_csv_number(*m.std_error) : "") << ","
             << (m.exact ? dynamics_csv_number(*m.exact) : "") << ","
             << (m.rel_error ? dynamics_csv_number(*m.rel_error) : "") << "," << m.matvecs << "," << m.vjps
             << "," << m.jvps << "," << dynamics_csv_number(m.seconds) << "\n";
    if (out.enabled()) out.write_text("dynamics.csv", dcsv.str());
  }
  if (out.enabled()) {
    out.write_text(job.track_ntk ? "dynamics.json" : "train.json", json_text(to_json(result), 2));
    out.commit();
  }
  return result;
}

}  // namespace ts
