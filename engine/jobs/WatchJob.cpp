#include "jobs/WatchJob.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "analysis/LayerTraces.h"
#include "analysis/Metrics.h"
#include "core/ConfigJson.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/JsonFields.h"
#include "core/ResultsJson.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/NumpyFiles.h"
#include "exact/Exact.h"
#include "io/FolderWatch.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/ProblemBuild.h"
#include "jobs/RunFolder.h"
#include "jobs/RunTensors.h"
#include "models/ModelFileInfo.h"

namespace ts {

namespace fs = std::filesystem;

namespace {

// A metrics.jsonl line (docs/FORMATS.md), its plain members declared once: `append` writes them and
// read_watch_metrics reads them back, each checked and named in a refusal. The metrics (MetricValue's own
// JSON) and the config follow them.
struct LineHead {
  int64_t step = 0, index = 0;
  std::string snapshot;  ///< relative to the run folder
  double seconds = 0;
  uint64_t seed = 0;
};
template <class V>
void fields(V& v, LineHead& h) {
  v("step", h.step);
  v("index", h.index, integers(0));
  v("snapshot", h.snapshot);
  v("seconds", h.seconds, numbers(0));
  v("seed", h.seed);
}

// A group of `layers` (with --layers).
struct LineLayer {
  std::string name;
  int64_t params = 0;
  double trace = 0;
  std::optional<double> std_error;
  double share = 0;
};
template <class V>
void fields(V& v, LineLayer& l) {
  v("name", l.name);
  v("params", l.params, integers(0));
  v("trace", l.trace, nan_as_null());
  v.nullable("std_error", l.std_error, nan_as_null());
  v("share", l.share, nan_as_null());
}

constexpr size_t kMaxLineItems = 100'000;  // metrics or layers of one line, far beyond any model's

// One snapshot's model at its parameters, its map on the probe batch and (exact runs) its kernel.
struct Loaded {
  int64_t index = -1;
  std::shared_ptr<Model> model;
  std::unique_ptr<TangentMap> J;
  ExactKernel K;
  InputBlockCache blocks;  ///< its exact diagonal blocks Kₙₙ, for every call on this snapshot
};

MetricValue watch_value(const std::string& name, double v) {
  MetricValue m;
  m.name = name;
  m.method = "exact";
  m.value = v;
  return m;
}

// The settings that change the numbers: a metrics file holds one series made with one configuration.
Json series_config(const WatchRequest& q, const ComputeConfig& compute) {
  Json e = to_json(q.estimator);
  e.erase("block");  // test vectors per call: memory, not numbers
  e.erase("record_history");
  Json c = Json::object();
  c["estimator"] = q.exact ? Json("exact") : e;
  // The diagonal blocks Kₙₙ exact from each input's own VJPs where the model allows, the estimators on the
  // rest (docs/MATH.md §5): a series estimated before that ("per-input where separable": tr K alone; or
  // nothing) is another series.
  if (!q.exact) c["trace"] = "diagonal blocks where separable";
  c["layers"] = q.layers;
  c["dtype"] = compute.dtype;
  c["params"] = q.params;
  return c;
}

class RunAnalysis {
 public:
  RunAnalysis(const WatchRequest& q, const std::string& dir, const RunControl& rc)
      : q_(q), dir_(dir), rc_(rc), lock_(dir), compute_(q.compute) {
    run_ = read_run_folder(dir);
    if (compute_.dtype.empty()) {  // the precision the run trained in (its model file records it)
      const std::string recorded = read_model_file_info(run_.model_file).dtype;
      compute_.dtype = recorded == "float32" ? "float32" : "float64";
    }
    config_ = series_config(q, compute_);
    base_ = make_model(run_.model_file, {}, compute_, q.params, "");
    const auto opts = tensor_options(compute_);
    const NpyArray probe = read_npy_file(run_.probe_inputs, compute_.memory_budget, true);
    std::vector<int64_t> one(probe.values.sizes().begin() + (probe.values.dim() > 0 ? 1 : 0),
                             probe.values.sizes().end());
    if (probe.values.dim() < 1 || one != base_->input_shape())
      throw InputError("run '" + dir + "': its probe batch '" + run_.probe_inputs + "' has shape [" +
                       shape_to_string(probe.values.sizes().vec()) + "], not [N," +
                       shape_to_string(base_->input_shape()) + "] as the model takes");
    x_ = to_model_input(probe.values, opts);
    mode_ = parse_jvp(q.jvp);
    read_metrics_file();
  }

  const std::string& dir() const { return dir_; }
  bool finished() const { return run_.finished && pending_ == 0; }

  // Re-reads the folder and analyses every snapshot not yet in metrics.jsonl, in step order.
  void analyse_pending(WatchResult& out) {
    run_ = read_run_folder(dir_);
    const auto& snaps = run_.snapshots;
    pending_ = 0;
    for (const auto& s : snaps) pending_ += done_.count(s.step) ? 0 : 1;
    int64_t done = 0;
    const int64_t total = pending_;
    for (size_t i = 0; i < snaps.size(); ++i) {
      if (done_.count(snaps[i].step)) continue;
      rc_.report(done, total, run_.name + ": step " + std::to_string(snaps[i].step));
      WatchRow row = analyse(static_cast<int64_t>(i));
      append(row);
      done_.insert(row.step);
      --pending_;
      rc_.publish("watch-row", row);
      out.rows.push_back(std::move(row));
      rc_.report(++done, total, run_.name + ": step " + std::to_string(snaps[i].step));
    }
  }

  int64_t skipped() const { return skipped_; }

 private:
  std::string metrics_path() const { return (fs::path(dir_) / "metrics.jsonl").string(); }

  void read_metrics_file() {
    const std::string path = metrics_path();
    if (!fs::exists(path)) return;
    std::ifstream in(path, std::ios::binary);
    text_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    for (const auto& [line_no, j] : parse_json_lines(text_, "metrics file '" + path + "'")) {
      const std::string where = "metrics file '" + path + "' line " + std::to_string(line_no);
      const JsonField line(j, where);
      LineHead head;
      try {
        read_fields(line, head);
        line.member("config");
      } catch (const InputError& e) {
        throw InputError(std::string(e.what()) + ": remove the file to analyse the run again");
      }
      if (j["config"] != config_)
        throw InputError("metrics file '" + path + "' was made with " + json_text(j["config"]) +
                         ", not with this watch's " + json_text(config_) +
                         ": give the same options, or remove the file to analyse the run again");
      done_.insert(head.step);
      ++skipped_;
    }
    if (!text_.empty() && text_.back() != '\n') text_ += '\n';
  }

  void append(const WatchRow& row) {
    Json j =
        write_fields(LineHead{row.step, row.index, fs::path(row.snapshot).lexically_relative(dir_).string(),
                              row.seconds, row.seed});
    j["metrics"] = json_array(row.metrics);
    if (q_.layers) {
      std::vector<LineLayer> layers;
      for (const auto& l : row.layers) layers.push_back({l.name, l.size, l.trace, l.std_error, l.share});
      j["layers"] = write_value(layers);
    }
    j["config"] = config_;
    text_ += json_text(j) + "\n";
    write_file_atomic(metrics_path(), text_);
  }

  // The snapshot at `index`, reusing the first and the previous one.
  Loaded* load(int64_t index) {
    for (auto* l : {&first_, &previous_, &current_})
      if (l->index == index) return l;
    Loaded l;
    l.index = index;
    const RunSnapshot& s = run_.snapshots[static_cast<size_t>(index)];
    l.model = base_->clone();
    l.model->load_state(read_snapshot(s.file), "snapshot '" + s.file + "'");
    l.J = std::make_unique<TangentMap>(l.model, x_, mode_);
    apply_product_block(*l.J, compute_);
    l.J->set_control(&rc_);
    if (!targets_.defined() && !run_.probe_targets.empty()) {
      std::vector<int64_t> out = l.J->output_shape();
      out.erase(out.begin());
      targets_ = run_targets(run_.probe_targets, out, x_.size(0), compute_.memory_budget);
    }
    if (q_.exact) l.K = exact_kernel(*l.J, compute_.memory_budget / 3, rc_);
    current_ = std::move(l);
    return &current_;
  }

  Loaded take_current() {
    Loaded l = std::move(current_);
    current_ = Loaded{};
    return l;
  }

  WatchRow analyse(int64_t i) {
    detail::Stopwatch sw;
    const RunSnapshot& s = run_.snapshots[static_cast<size_t>(i)];
    WatchRow row;
    row.run = dir_;
    row.step = s.step;
    row.index = i;
    row.snapshot = s.file;
    row.seed = q_.estimator.seed + 1000 * static_cast<uint64_t>(i);
    if (first_.index != 0 && load(0) == &current_) first_ = take_current();
    Loaded* prev = nullptr;
    if (i > 1) {
      if (previous_.index != i - 1 && load(i - 1) == &current_) previous_ = take_current();
      prev = &previous_;
    }
    Loaded* t = load(i);
    row.metrics = q_.exact ? exact_metrics(*t, prev) : estimated_metrics(*t, prev, row.seed);
    if (q_.layers) row.layers = layers(*t, row.seed + 500);
    if (t == &current_) previous_ = take_current();  // the next snapshot's previous
    row.seconds = sw.seconds();
    return row;
  }

  std::vector<MetricValue> estimated_metrics(Loaded& t, Loaded* prev, uint64_t seed) {
    MetricsOptions o;
    o.estimator = q_.estimator;
    o.estimator.seed = seed;
    o.memory_budget = compute_.memory_budget;
    o.metrics = {"trace", "frobenius", "effective_rank"};
    o.trace_per_input = true;  // a snapshot's tr K to rounding, where each input's VJPs are cheap enough
    if (targets_.defined()) o.metrics.push_back("target_alignment");
    const bool later = t.index > 0;
    if (later) o.metrics.insert(o.metrics.end(), {"alignment", "distance"});
    std::vector<MetricValue> m =
        compute_metrics(*t.J, later ? first_.J.get() : nullptr, targets_, o, rc_, &t.blocks, &first_.blocks);
    return with_references(std::move(m), t, prev, o);
  }

  // alignment/distance against K_0 become *_first; against the previous snapshot *_previous (the first one's
  // values again when the previous is the first).
  std::vector<MetricValue> with_references(std::vector<MetricValue> m, Loaded& t, Loaded* prev,
                                           MetricsOptions o) {
    std::vector<MetricValue> out, against_first;
    for (auto& v : m) {
      if (v.name == "alignment" || v.name == "distance") {
        v.name += "_first";
        against_first.push_back(v);
      }
      out.push_back(v);
    }
    if (t.index == 0) {
      out.push_back(watch_value("alignment_first", 1.0));
      out.push_back(watch_value("distance_first", 0.0));
      return out;
    }
    std::vector<MetricValue> previous;
    if (!prev) {
      previous = against_first;
    } else {
      o.metrics = {"alignment", "distance"};
      o.estimator.seed += 500;
      previous = compute_metrics(*t.J, prev->J.get(), targets_, o, rc_, &t.blocks, &prev->blocks);
    }
    for (auto& v : previous) {
      const auto cut = v.name.find("_first");
      if (cut != std::string::npos) v.name.erase(cut);
      v.name += "_previous";
      out.push_back(v);
    }
    return out;
  }

  std::vector<MetricValue> exact_metrics(Loaded& t, Loaded* prev) {
    const double tr = t.K.trace(), fro = t.K.frobenius();
    std::vector<MetricValue> m{watch_value("trace", tr), watch_value("frobenius", fro),
                               watch_value("effective_rank", tr * tr / (fro * fro))};
    if (targets_.defined()) {
      const at::Tensor y = targets_.to(t.J->options());
      const double yKy = t.J->vjp_sqnorms(y.unsqueeze(1)).item<double>();
      m.push_back(watch_value("target_alignment", yKy / (fro * y.pow(2).sum().item<double>())));
    }
    auto against = [&](const Loaded& s, const std::string& suffix) {
      const double fs = s.K.frobenius();
      m.push_back(watch_value("alignment" + suffix, exact_trace_product(t.K, s.K) / (fro * fs)));
      m.push_back(watch_value("distance" + suffix, exact_difference_frobenius(t.K, s.K) / fs));
    };
    if (t.index == 0) {
      m.push_back(watch_value("alignment_first", 1.0));
      m.push_back(watch_value("distance_first", 0.0));
      return m;
    }
    against(first_, "_first");
    against(prev ? *prev : first_, "_previous");
    return m;
  }

  std::vector<LayerTrace> layers(Loaded& t, uint64_t seed) {
    LayerTraceOptions o;
    o.method = q_.exact ? "exact" : q_.estimator.method == "hutchinson" ? "hutchinson" : "hutchpp";
    o.matvecs = std::max<int64_t>(3, q_.estimator.matvecs);
    o.seed = seed;
    o.memory_budget = compute_.memory_budget;
    return layer_traces(*t.J, o, rc_).layers;
  }

  const WatchRequest& q_;
  std::string dir_;
  const RunControl& rc_;
  RunLock lock_;
  ComputeConfig compute_;  ///< the request's, with the run's own dtype when it names none
  Json config_;
  RunFolder run_;
  std::shared_ptr<Model> base_;
  at::Tensor x_, targets_;
  JvpMode mode_ = JvpMode::Forward;
  std::string text_;  // metrics.jsonl as written
  std::set<int64_t> done_;
  int64_t skipped_ = 0, pending_ = 0;
  Loaded first_, previous_, current_;
};

}  // namespace

const std::vector<WatchMetric>& watch_metrics() {
  static const std::vector<WatchMetric> m{
      {"trace", "tr K", "tr K"},
      {"frobenius", "‖K‖_F", "‖K‖_F"},
      {"effective_rank", "r_eff(K)", "r_eff(K)"},
      {"target_alignment", "yᵀKy / (‖K‖_F ‖y‖²)", "alignment to y"},
      {"alignment_first", "cos(K_t, K₀)", "cos(K_t, K₀)"},
      {"distance_first", "‖K_t − K₀‖_F / ‖K₀‖_F", "distance to K₀"},
      {"alignment_previous", "cos(K_t, K_previous)", "cos(K_t, K_prev)"},
      {"distance_previous", "‖K_t − K_previous‖_F / ‖K_previous‖_F", "distance to K_prev"}};
  return m;
}

WatchSeries read_watch_metrics(const std::string& dir) {
  WatchSeries out;
  const std::string path = (fs::path(dir) / "metrics.jsonl").string();
  if (!fs::exists(path)) return out;
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& [line_no, j] : parse_json_lines(text, "metrics file '" + path + "'")) {
    const std::string where = "metrics file '" + path + "' line " + std::to_string(line_no);
    try {
      const JsonField line(j, where);
      LineHead head;
      read_fields(line, head);
      WatchRow row;
      row.run = dir;
      row.step = head.step;
      row.index = head.index;
      row.snapshot = (fs::path(dir) / head.snapshot).string();
      row.seconds = head.seconds;
      row.seed = head.seed;
      const JsonField metrics = line.member("metrics");
      const size_t n = metrics.expect_array(kMaxLineItems);
      for (size_t i = 0; i < n; ++i)
        row.metrics.push_back(
            metric_value_of(metrics.item(i).json(), where + ": metrics[" + std::to_string(i) + "]"));
      if (const Json* layers = line.find("layers"); layers && !layers->is_null()) {
        std::vector<LineLayer> read;
        read_value(JsonField(*layers, line, "layers"), read, at_most(kMaxLineItems));
        for (auto& l : read) {
          LayerTrace t;
          t.name = std::move(l.name);
          t.size = l.params;
          t.trace = l.trace;
          t.std_error = l.std_error;
          t.share = l.share;
          row.layers.push_back(std::move(t));
        }
      }
      if (out.rows.empty()) {
        const JsonField c = line.member("config");
        c.expect_object();
        const JsonField estimator = c.member("estimator");
        out.exact = estimator.json().is_string();
        if (!out.exact) {
          estimator.expect_object();
          out.method = estimator.member("method").string();
          out.matvecs = estimator.member("matvecs").integer<int64_t>(integers(1, INT32_MAX));
        }
        out.layers = c.member("layers").boolean();
      }
      out.rows.push_back(std::move(row));
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + ": remove the file to analyse the run again");
    } catch (const Json::exception& e) {
      throw InputError(where + " is not a watch result (" + std::string(e.what()) +
                       "): remove the file to analyse the run again");
    }
  }
  return out;
}

std::string export_snapshot_model(const std::string& dir, int64_t step, const std::string& out_path,
                                  const ComputeConfig& compute) {
  const RunFolder run = read_run_folder(dir);
  const auto it = std::find_if(run.snapshots.begin(), run.snapshots.end(),
                               [&](const RunSnapshot& s) { return s.step == step; });
  if (it == run.snapshots.end())
    throw InputError("run '" + dir + "' has no snapshot at step " + std::to_string(step));
  auto model = make_model(run.model_file, {}, compute, "all", "");
  model->load_state(read_snapshot(it->file), "snapshot '" + it->file + "'");
  model->save_torchscript(out_path);
  return "npy:" + run.probe_inputs;
}

WatchResult run_watch_job(const WatchRequest& q, const RunControl& rc) {
  if (q.runs.empty()) throw InputError("watch needs at least one run folder");
  apply_threads(q.compute);
  std::vector<std::unique_ptr<RunAnalysis>> runs;
  for (const auto& dir : q.runs) runs.push_back(std::make_unique<RunAnalysis>(q, dir, rc));
  WatchResult out;
  for (const auto& r : runs) out.skipped += r->skipped();
  FolderWatch events;
  while (true) {
    // Watched before each scan, so that a snapshot written during the scan still wakes the wait below.
    for (const auto& r : runs) {
      events.add(r->dir());
      events.add((fs::path(r->dir()) / "snapshots").string());
    }
    bool all_finished = true;
    for (const auto& r : runs) {
      r->analyse_pending(out);
      all_finished = all_finished && r->finished();
    }
    if (!q.follow || all_finished) break;
    while (!events.wait(250)) rc.check();
    rc.check();
  }
  for (const auto& r : runs)
    if (r->finished()) out.finished.push_back(r->dir());
  return out;
}

}  // namespace ts
