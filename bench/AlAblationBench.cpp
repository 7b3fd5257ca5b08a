#include "AlAblationBench.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "RunInfo.h"
#include "active_learning/ActiveLearning.h"
#include "active_learning/LearningCurve.h"
#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Numbers.h"
#include "core/StudentT.h"
#include "core/TorchUtil.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "models/Model.h"
#include "results/ResultJson.h"
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

// Trapezoidal mean of accuracy over the label range (active_learning/LearningCurve.h, as the app's table).
double auc(const AlRun& run) {
  std::vector<double> labels, accuracy;
  for (const auto& c : run.cycles) {
    labels.push_back(double(c.labels));
    accuracy.push_back(c.test_accuracy);
  }
  return learning_curve_auc(labels, accuracy);
}

Json interval(const std::vector<double>& v) {
  const MeanInterval m = t_interval(v);
  Json j = Json::object();
  j["mean"] = m.mean;
  j["half_width"] = m.half_width;
  j["n"] = m.n;
  return j;
}

std::string read_text(const std::string& path) {
  reject_special_file(path, "'" + path + "'");
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// One configuration of an earlier run, as --resume reuses it.
struct EarlierRow {
  Json row;                    // its ablation.json entry
  std::vector<double> finals;  // final accuracy per seed, from its curves
  std::string curves;          // its lines of curves.csv
};

// The configurations an earlier run finished, from DIR/ablation.json (or ablation.partial.json, written
// after each configuration) and DIR/curves.csv (or curves.partial.csv). Throws InputError naming the folder
// when its files are missing, unreadable or from another set-up than `base`.
std::map<std::string, EarlierRow> read_earlier_run(const std::string& dir, const Json& base) {
  std::string json = read_text(dir + "/ablation.json"), csv = read_text(dir + "/curves.csv");
  if (json.empty())
    json = read_text(dir + "/ablation.partial.json"), csv = read_text(dir + "/curves.partial.csv");
  if (json.empty() || csv.empty())
    throw InputError("--resume " + dir +
                     ": no ablation.json and curves.csv (nor their .partial versions) there");
  const Json report = parse_json(json, dir + "/ablation.json");
  if (!report.is_object() || !report.contains("config") || !report.contains("configurations") ||
      !report["configurations"].is_array())
    throw InputError("--resume " + dir + ": ablation.json is not an al-ablation report");
  if (report["config"] != base)
    throw InputError("--resume " + dir +
                     ": that run used another set-up (data, model, sizes, seeds or "
                     "learner); its config is " +
                     json_text(report["config"]));
  std::map<std::string, EarlierRow> rows;
  for (size_t i = 0; i < report["configurations"].size(); ++i) {
    const Json& r = report["configurations"][i];
    if (!r.is_object() || !r.contains("key") || !r["key"].is_string())
      throw InputError("--resume " + dir + ": ablation.json: configurations[" + std::to_string(i) +
                       "].key is missing or not a string");
    rows[r["key"].get<std::string>()].row = r;
  }
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);                                                  // header
  std::map<std::string, std::map<int64_t, std::pair<int64_t, double>>> last;  // key → seed → (cycle, acc)
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    double seed = 0, cycle = 0, acc = 0;
    if (f.size() != 9 || !parse_number(f[1], &seed) || !parse_number(f[2], &cycle) ||
        !parse_number(f[4], &acc))
      throw InputError("--resume " + dir + ": curves.csv has a malformed line: " + line);
    const auto it = rows.find(f[0]);
    if (it == rows.end()) continue;
    it->second.curves += line + "\n";
    auto& l = last[f[0]][int64_t(seed)];
    if (int64_t(cycle) >= l.first) l = {int64_t(cycle), acc};
  }
  for (auto& [key, e] : rows)
    for (const auto& [seed, ca] : last[key]) e.finals.push_back(ca.second);  // seeds ascending
  return rows;
}

}  // namespace

AlRequest al_ablation_base(bool own_data) {
  AlRequest base;
  apply_al_preset("published", base);
  base.model = "mlp:in=784,width=32,depth=2,out=10";
  if (!own_data) {
    base.data = "mnist";
    base.test_data = "mnist:split=test";
    base.training.lr = 0.05;
  }
  base.compute.dtype = "float32";
  base.compute.threads = 1;
  return base;
}

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
  std::map<std::string, EarlierRow> earlier;  // --resume: configurations already run, the first folder first
  for (const auto& dir : o.resume)
    for (auto& [key, e] : read_earlier_run(dir, report["config"])) earlier.emplace(key, std::move(e));
  report["train_data"] = train.description;
  report["test_data"] = test.description;
  add_run_info(report);
  std::ostringstream curves;
  curves << "strategy,seed,cycle,labels,test_accuracy,test_loss,seconds,train_seconds,query_seconds\n";
  std::map<std::string, std::vector<double>> aucs, finals;  // per key, per seed (seed order)
  Json rows = Json::array();
  for (const auto& c : configs) {
    if (const auto e = earlier.find(c.key); e != earlier.end()) {
      const Json& r = e->second.row;
      std::vector<double> aucs_seen;
      try {
        aucs_seen = r.at("auc_per_seed").get<std::vector<double>>();
      } catch (const Json::exception&) {
        throw InputError("--resume: configuration '" + c.key +
                         "' of the earlier run has no list of numbers auc_per_seed in its ablation.json");
      }
      if (r["request"] != to_json(c.job) || int(aucs_seen.size()) != o.base.seeds ||
          int(e->second.finals.size()) != o.base.seeds)
        throw InputError(
            "--resume: configuration '" + c.key +
            "' of the earlier run differs from this one (its request, or not every seed finished)");
      aucs[c.key] = aucs_seen;
      finals[c.key] = e->second.finals;
      curves << e->second.curves;
      Json kept = r;
      kept.erase("auc_minus_random");
      kept.erase("auc_minus_margin");
      rows.push_back(kept);
      log << "  " << c.key << ": reused from the earlier run\n" << std::flush;
      continue;
    }
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
    if (out.enabled()) {
      Json so_far = report;
      so_far["configurations"] = rows;
      write_text_file(out.final_path("ablation.partial.json"), json_text(so_far, 1));
      write_text_file(out.final_path("curves.partial.csv"), curves.str());
    }
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
    std::remove(out.final_path("ablation.partial.json").c_str());
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
