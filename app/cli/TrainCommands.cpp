// tangentscope-cli train / dynamics: train a model, keep snapshots, and (dynamics) the NTK metrics per snapshot.
#include <cmath>
#include <ostream>
#include <sstream>

#include "CliCommon.h"
#include "Data.h"
#include "Dynamics.h"
#include "Errors.h"
#include "Model.h"
#include "OutputFiles.h"
#include "Spec.h"
#include "TorchUtil.h"
#include "Training.h"

namespace ts::cli {

namespace {

std::string csv_num(double v) { return std::isfinite(v) ? fmt(v) : ""; }

Json history_json(const std::vector<EpochStats>& h) {
  Json arr = Json::array();
  for (const auto& s : h) {
    Json j = Json::object();
    j["epoch"] = s.epoch;
    j["train_loss"] = s.train_loss;
    j["train_accuracy"] = s.train_accuracy;
    j["test_loss"] = s.test_loss;
    j["test_accuracy"] = s.test_accuracy;
    j["seconds"] = s.seconds;
    arr.push_back(j);
  }
  return arr;
}

}  // namespace

int cmd_train(const Args& a, std::ostream& out, bool metrics) {
  if (!a.has("out")) throw InputError("--out DIR is required (history, snapshots and results are written there)");
  const std::string dir = a.get("out");
  ensure_output_dir(dir);  // fail before any work, not after it
  const ProblemSpec p = problem_from(a);
  apply_threads(p.compute);
  std::vector<int64_t> shape;
  if (!p.input_shape.empty()) shape = parse_shape(p.input_shape, "--input-shape");
  auto model = make_model(p.model, shape, p.compute, p.params);

  // Data: a test set given, or a stratified split of the training data; then optional subsets and standardisation.
  Dataset train = load_data(p.data, model->input_shape(), p.compute.seed), test;
  if (a.has("test-data")) {
    test = load_data(a.get("test-data"), model->input_shape(), p.compute.seed);
  } else {
    const int64_t test_n = a.get_int("test-size", std::max<int64_t>(1, train.size() / 5));
    std::tie(train, test) = train_test_split(train, test_n, p.compute.seed);
  }
  train = subset(train, a.get_int("train-subset", 0), p.compute.seed);
  test = subset(test, a.get_int("test-subset", 0), p.compute.seed + 1);
  if (a.flag("standardize")) {
    const Dataset fit = train;
    train = standardize(train, fit);
    test = standardize(test, fit);
  }

  TrainOptions o;
  o.epochs = static_cast<int>(a.get_int("epochs", 5));
  o.batch_size = a.get_int("batch-size", 64);
  o.lr = a.get_double("lr", 1e-3);
  o.optimizer = a.get("optimizer", "adam");
  o.loss = a.get("loss", "cross_entropy");
  o.momentum = a.get_double("momentum", 0.0);
  o.weight_decay = a.get_double("weight-decay", 0.0);
  o.seed = p.compute.seed;
  for (const auto& e : split_list(a.get("snapshots", ""))) o.snapshot_epochs.push_back(std::stoi(e));

  RunControl rc;
  int last_epoch = -1;
  rc.progress = [&](const Progress& pr) {
    if (a.flag("json") || pr.stage.rfind("training, epoch ", 0) != 0) return;
    const int epoch = std::stoi(pr.stage.substr(16));
    if (epoch != last_epoch) out << pr.stage << "…\n" << std::flush;
    last_epoch = epoch;
  };
  const TrainResult r = train_model(*model, train, &test, o, rc);

  Json config = Json::object();
  config["problem"] = to_json(p);
  config["train_data"] = train.description;
  config["test_data"] = test.description;
  Json tj = Json::object();
  tj["optimizer"] = o.optimizer;
  tj["loss"] = o.loss;
  tj["epochs"] = o.epochs;
  tj["batch_size"] = o.batch_size;
  tj["lr"] = o.lr;
  tj["momentum"] = o.momentum;
  tj["weight_decay"] = o.weight_decay;
  tj["seed"] = o.seed;
  config["training"] = tj;

  std::ostringstream csv;
  csv << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n";
  for (const auto& s : r.history)
    csv << s.epoch << "," << csv_num(s.train_loss) << "," << csv_num(s.train_accuracy) << "," << csv_num(s.test_loss) << ","
        << csv_num(s.test_accuracy) << "," << csv_num(s.seconds) << "\n";
  write_text_file(dir + "/history.csv", csv.str());
  Json files = Json::array();
  for (const auto& snap : r.snapshots) {
    auto m = model->clone();
    m->set_parameters(snap.params);
    const std::string path = dir + "/snapshot-epoch" + std::to_string(snap.epoch) + ".pt";
    m->save_torchscript(path + ".partial");
    if (std::rename((path + ".partial").c_str(), path.c_str()) != 0) throw InputError("cannot write '" + path + "'");
    files.push_back(path);
  }
  Json result = Json::object();
  result["history"] = history_json(r.history);
  result["snapshots"] = files;
  result["config"] = config;

  if (metrics) {
    // The probe batch: a fixed, stratified subset of the test data (the same for every snapshot).
    const Dataset probe = subset(test, a.get_int("probe-n", 100), p.compute.seed + 2);
    const at::Tensor x = probe.inputs.to(tensor_options(p.compute));
    at::Tensor y;
    if (probe.labels.defined()) {
      at::NoGradGuard no_grad;
      const int64_t outputs = model->forward(x.narrow(0, 0, 1)).numel();
      if (outputs >= probe.num_classes) y = one_hot_targets(probe, outputs);
    }
    MetricsOptions mo;
    mo.metrics = split_list(a.get("metrics", "trace,frobenius,effective_rank,alignment,target_alignment"));
    mo.estimator = estimator_from(a);
    if (!a.has("estimator") && a.flag("exact")) mo.estimator.method = "exact";
    mo.compare_exact = a.flag("exact");
    mo.memory_budget = p.compute.memory_budget;
    const auto rows = ntk_dynamics(*model, r.snapshots, x, y, mo, rc);
    std::ostringstream dcsv;
    dcsv << "epoch,metric,method,value,std_error,exact,rel_error,matvecs,vjps,jvps,seconds\n";
    Json arr = Json::array();
    for (const auto& row : rows) {
      Json jr = Json::object();
      jr["epoch"] = row.epoch;
      jr["exact_compared"] = row.exact_compared;
      Json vals = Json::array();
      for (const auto& m : row.values) {
        dcsv << row.epoch << "," << m.name << "," << m.method << "," << fmt(m.value) << ","
             << (m.std_error ? fmt(*m.std_error) : "") << "," << (m.exact ? fmt(*m.exact) : "") << ","
             << (m.rel_error ? fmt(*m.rel_error) : "") << "," << m.matvecs << "," << m.vjps << "," << m.jvps << ","
             << fmt(m.seconds) << "\n";
        vals.push_back(to_json(m));
      }
      jr["metrics"] = vals;
      arr.push_back(jr);
    }
    write_text_file(dir + "/dynamics.csv", dcsv.str());
    result["dynamics"] = arr;
    result["probe"] = probe.description;
    result["config"]["estimator"] = to_json(mo.estimator);
  }
  write_text_file(dir + (metrics ? "/dynamics.json" : "/train.json"), result.dump(2));

  if (a.flag("json")) {
    out << result.dump() << "\n";
    return 0;
  }
  for (const auto& s : r.history)
    out << "epoch " << s.epoch << ": train loss " << fmt(s.train_loss) << ", accuracy " << fmt(s.train_accuracy)
        << "; test loss " << fmt(s.test_loss) << ", accuracy " << fmt(s.test_accuracy) << "\n";
  if (metrics)
    for (const auto& row : result.at("dynamics").items()) {
      out << "epoch " << row.at("epoch").number() << ":";
      for (const auto& m : row.at("metrics").items()) out << " " << m.at("metric").string() << " " << fmt(m.at("value").number());
      out << "\n";
    }
  out << "wrote " << dir << "\n";
  return 0;
}

}  // namespace ts::cli
