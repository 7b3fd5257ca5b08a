#include "AlAblationBench.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>

#include "active_learning/ActiveLearning.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/StudentT.h"
#include "core/TorchUtil.h"
#include "io/OutputFiles.h"
#include "io/ResultJson.h"
#include "io/Spec.h"
#include "models/Model.h"
#include "training/Training.h"

namespace ts::bench {

namespace {

// The mean learning rate of the learner's one-cycle schedule over one training run of `steps` steps.
double mean_lr(const TrainOptions& t, int64_t steps) {
  if (t.schedule != "one-cycle") return t.lr;
  double sum = 0;
  for (int64_t s = 0; s < steps; ++s) sum += one_cycle(t.lr, s, steps).lr;
  return sum / double(std::max<int64_t>(steps, 1));
}

// Trapezoidal mean of accuracy over the label range: the area under the curve divided by its width.
double auc(const AlRun& run) {
  const auto& c = run.cycles;
  if (c.size() < 2) return c.empty() ? NAN : c.front().test_accuracy;
  double area = 0;
  for (size_t i = 1; i < c.size(); ++i)
    area += 0.5 * (c[i].test_accuracy + c[i - 1].test_accuracy) * double(c[i].labels - c[i - 1].labels);
  return area / double(c.back().labels - c.front().labels);
}

Json interval(const std::vector<double>& v) {
  const MeanInterval m = t_interval(v);
  Json j = Json::object();
  j["mean"] = m.mean;
  j["half_width"] = m.half_width;
  j["n"] = m.n;
  return j;
}

}  // namespace

std::vector<AlAblationConfig> al_ablation_configs(const AlRequest& base) {
  std::vector<AlAblationConfig> out;
  auto add = [&](std::string key, std::string description, std::string strategy, AlRequest job) {
    job.strategies = {strategy};
    out.push_back({std::move(key), std::move(description), std::move(strategy), std::move(job)});
  };
  for (const char* s : {"random", "entropy", "margin", "badge"})
    add(s, "baseline, published learner", s, base);
  add("pc", "the published default: pseudo-contrastive objective", "mlmoc-pseudo-contrastive", base);
  add("ec", "expected-contrastive objective (every label, weighted by Π_Δ f)", "mlmoc-expected-contrastive",
      base);
  add("tsoftmax", "t-softmax objective (T = " + format_number(base.lookahead.temperature) + ")",
      "mlmoc-t-softmax", base);
  add("per", "pseudo expected-risk objective", "mlmoc-pseudo-er", base);
  add("eer", "expected-risk objective (every label)", "mlmoc-eer", base);
  add("norm", "our earlier default: the norm objective", "mlmoc", base);
  add("flip", "flip count, ties broken by the norm", "mlmoc-flip", base);
  AlRequest j = base;
  j.lookahead.reference = "ntk";
  add("pc-ntk-ref", "pseudo-contrastive against the NTK learner's predictions (the config's intent)",
      "mlmoc-pseudo-contrastive", j);
  j = base;
  j.lookahead.ridge = j.lookahead.ridge_per_cycle = 0;
  add("pc-no-ridge", "pseudo-contrastive without the diagonal regularisation", "mlmoc-pseudo-contrastive", j);
  // A finite-time learner matched to the network's own training in its first cycle: as many steps as SGD
  // takes, at the schedule's mean rate; ×2 because MSELoss's gradient is twice that of ½·mean, and ÷(1 − m)
  // for momentum's effective rate (the flow without momentum) or m itself (the flow with it).
  const TrainOptions& t = base.training;
  const int64_t steps =
      int64_t(t.epochs) * std::max<int64_t>(1, (base.initial + t.batch_size - 1) / t.batch_size);
  const double rate = (t.loss == "mse_mean" ? 2.0 : 1.0) * mean_lr(t, steps);
  const double m = t.optimizer == "sgd" ? t.momentum : 0.0;
  j = base;
  j.lookahead.time = double(steps);
  j.lookahead.lr = rate / (1 - m);
  add("pc-flow",
      "pseudo-contrastive, gradient flow for the learner's first-cycle steps (t = " + std::to_string(steps) +
          ", η = " + format_number(j.lookahead.lr, 3) + ")",
      "mlmoc-pseudo-contrastive", j);
  if (m > 0) {
    j = base;
    j.lookahead.time = double(steps);
    j.lookahead.lr = rate;
    j.lookahead.momentum = m;
    add("pc-momentum", "pseudo-contrastive, the same flow with momentum " + format_number(m),
        "mlmoc-pseudo-contrastive", j);
  }
  AlRequest adam = base;
  adam.training = default_al_training();
  adam.retrain = "scratch";
  for (const char* s : {"random", "margin"})
    add(std::string(s) + "-adam", "baseline, our earlier learner (Adam, ½‖f − y‖², retrained from scratch)",
        s, adam);
  add("pc-adam", "pseudo-contrastive, our earlier learner", "mlmoc-pseudo-contrastive", adam);
  return out;
}

Json run_al_ablation(const AlAblationOptions& o, std::ostream& log) {
  validate_al_job(o.base);
  OutputFolder out(o.out_dir);  // checked before any work
  apply_threads(o.base.compute);
  std::vector<AlAblationConfig> configs = al_ablation_configs(o.base);
  if (!o.keys.empty()) {
    std::vector<AlAblationConfig> chosen;
    for (const auto& k : o.keys) {
      const auto it = std::find_if(configs.begin(), configs.end(), [&](const auto& c) { return c.key == k; });
      if (it == configs.end()) {
        std::string list;
        for (const auto& c : configs) list += (list.empty() ? "" : ", ") + c.key;
        throw InputError("unknown ablation configuration '" + k + "' (" + list + ")");
      }
      chosen.push_back(*it);
    }
    configs = chosen;
  }
  std::vector<int64_t> shape;
  if (!o.base.input_shape.empty()) shape = parse_shape(o.base.input_shape, "--input-shape");
  const auto probe = make_model(o.base.model, shape, o.base.compute, o.base.params, o.base.output);
  const auto [train, test] = load_al_data(o.base, probe->input_shape());
  log << "al-ablation: " << train.description << " (" << train.size() << " training points), test "
      << test.description << " (" << test.size() << "), " << configs.size() << " configurations × "
      << o.base.seeds << " seeds × " << o.base.cycles << " cycles\n"
      << std::flush;

  Json report = Json::object();
  report["benchmark"] = "al-ablation";
  report["config"] = to_json(o.base);
  report["train_data"] = train.description;
  report["test_data"] = test.description;
  report["blas"] = blas_description();
  std::ostringstream curves;
  curves << "strategy,seed,cycle,labels,test_accuracy,test_loss,seconds,train_seconds,query_seconds\n";
  std::map<std::string, std::vector<double>> aucs, finals;  // per key, per seed (seed order)
  Json rows = Json::array();
  for (const auto& c : configs) {
    std::vector<double> seconds;
    for (int s = 0; s < o.base.seeds; ++s) {
      const uint64_t seed = o.base.compute.seed + uint64_t(s);
      const AlRun run = run_al_strategy(c.job, c.strategy, seed, train, test);
      aucs[c.key].push_back(auc(run));
      finals[c.key].push_back(run.cycles.back().test_accuracy);
      for (const auto& row : run.cycles) {
        if (row.cycle > 0) seconds.push_back(row.seconds);
        curves << c.key << "," << seed << "," << row.cycle << "," << row.labels << ","
               << format_number(row.test_accuracy, 10) << "," << format_number(row.test_loss, 10) << ","
               << format_number(row.seconds, 6) << "," << format_number(row.train_seconds, 6) << ","
               << format_number(row.query_seconds, 6) << "\n";
      }
      log << "  " << c.key << ", seed " << seed << ": AUC " << format_fixed(aucs[c.key].back(), 4)
          << ", final accuracy " << format_fixed(finals[c.key].back(), 4) << "\n"
          << std::flush;
    }
    double mean_s = 0;
    for (double v : seconds) mean_s += v / double(seconds.size());
    Json r = Json::object();
    r["key"] = c.key;
    r["strategy"] = c.strategy;
    r["description"] = c.description;
    r["request"] = to_json(c.job);
    r["auc"] = interval(aucs[c.key]);
    r["final_accuracy"] = interval(finals[c.key]);
    r["auc_per_seed"] = aucs[c.key];
    r["seconds_per_cycle"] = mean_s;
    rows.push_back(r);
    // A long run interrupted keeps what it finished: the curves so far, replaced after each configuration
    // and removed once the run's files are published.
    if (out.enabled()) write_text_file(out.final_path("curves.partial.csv"), curves.str());
  }
  // Paired differences: the same seed gives every configuration the same initial set and test split.
  for (auto& r : rows)
    for (const char* other : {"random", "margin"}) {
      const auto it = aucs.find(other);
      if (it == aucs.end() || r["key"] == other) continue;
      const auto& mine = aucs[r["key"].get<std::string>()];
      std::vector<double> d;
      for (size_t i = 0; i < std::min(mine.size(), it->second.size()); ++i)
        d.push_back(mine[i] - it->second[i]);
      r[std::string("auc_minus_") + other] = interval(d);
    }
  report["configurations"] = rows;
  if (out.enabled()) {
    out.write_text("ablation.json", json_text(report, 1));
    out.write_text("curves.csv", curves.str());
    out.commit();
    std::remove(out.final_path("curves.partial.csv").c_str());
  }
  return report;
}

std::string format_al_ablation(const Json& report) {
  auto ci = [](const Json& j) {
    if (!j.is_object()) return std::string("–");
    const double h = j["half_width"].is_number() ? j["half_width"].get<double>() : NAN;
    return format_fixed(j["mean"].get<double>(), 3) + " ± " + (std::isfinite(h) ? format_fixed(h, 3) : "–");
  };
  std::ostringstream s;
  s << "| configuration | strategy | seeds | AUC, 95% t-interval | AUC − random (paired) | AUC − margin "
       "(paired) "
       "| final accuracy | s per cycle |\n"
       "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& r : report["configurations"]) {
    s << "| " << r["key"].get<std::string>() << " | " << r["strategy"].get<std::string>() << " | "
      << r["auc"]["n"].get<int>() << " | " << ci(r["auc"]) << " | "
      << (r.contains("auc_minus_random") ? ci(r["auc_minus_random"]) : "–") << " | "
      << (r.contains("auc_minus_margin") ? ci(r["auc_minus_margin"]) : "–") << " | "
      << ci(r["final_accuracy"]) << " | " << format_number(r["seconds_per_cycle"].get<double>(), 3) << " |\n";
  }
  return s.str();
}

}  // namespace ts::bench
