#include "jobs/Jobs.h"
#include "core/Numbers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/Dynamics.h"
#include "analysis/Metrics.h"
#include "analysis/Nystrom.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/ProblemBuild.h"
#include "models/Model.h"
#include "pntk/Pntk.h"
#include "training/Training.h"

namespace ts {

namespace {

JvpMode parse_jvp(const std::string& s) {
  if (s == "forward") return JvpMode::Forward;
  if (s == "double-backward" || s == "double_backward") return JvpMode::DoubleBackward;
  throw InputError("JVP mode '" + s + "' is not forward or double-backward");
}

// Which JVP path ran (forward mode falls back to double backward by itself on operators without a formula).
void note_jvp(Json& j, const TangentMap& J) {
  j["jvp_path"] = J.jvp_path();
  if (!J.jvp_fallback().empty()) j["jvp_fallback"] = J.jvp_fallback();
}

// P counts trainable parameters only unless the selection asks for frozen ones; say both.
void note_params(Json& j, const Model& m) {
  j["params_total"] = m.num_parameters();
  j["params_frozen"] = m.num_frozen_parameters();
}

}  // namespace

Problem build_problem(const ProblemSpec& p, bool need_b) {
  apply_threads(p.compute);
  Problem pr;
  std::vector<int64_t> shape;
  if (!p.input_shape.empty()) shape = parse_shape(p.input_shape, "--input-shape");
  if (shape.empty()) {
    // Random data that names its shape also tells a built-in model its input shape.
    const Spec ds = Spec::parse(p.data);
    if (ds.kind() == "random" && ds.has("shape")) shape = ds.get_shape("shape", {});
  }
  pr.model = make_model(p.model, shape, p.compute, p.params);
  pr.data = load_data(p.data, pr.model->input_shape(), p.compute.seed, p.compute.memory_budget);
  const auto opts = tensor_options(p.compute);
  const JvpMode mode = parse_jvp(p.jvp);
  pr.J = std::make_unique<TangentMap>(pr.model, pr.data.inputs.to(opts), mode);
  if (need_b) {
    if (p.model_b.empty()) throw InputError("alignment needs a second snapshot: give --model-b");
    pr.model_b = make_model(p.model_b, pr.model->input_shape(), p.compute, p.params);
    if (pr.model_b->parameter_names() != pr.model->parameter_names())
      throw InputError("--model-b '" + p.model_b + "' does not have the parameters of --model '" + p.model +
                       "'");
    pr.Jb = std::make_unique<TangentMap>(pr.model_b, pr.data.inputs.to(opts), mode);
  }
  return pr;
}

Json to_json(const TrainOptions& to) {
  Json tj = Json::object();
  tj["optimizer"] = to.optimizer;
  tj["loss"] = to.loss;
  tj["epochs"] = to.epochs;
  tj["batch_size"] = to.batch_size;
  tj["lr"] = to.lr;
  tj["momentum"] = to.momentum;
  tj["weight_decay"] = to.weight_decay;
  tj["seed"] = to.seed;
  return tj;
}

Json to_json(const ComputeConfig& c) {
  Json j = Json::object();
  j["device"] = c.device;
  j["dtype"] = c.dtype;
  j["threads"] = c.threads;
  j["seed"] = c.seed;
  j["memory_budget"] = c.memory_budget;
  return j;
}

Json to_json(const EstimatorOptions& o) {
  Json j = Json::object();
  j["method"] = o.method;
  j["matvecs"] = o.matvecs;
  j["probes"] = o.probes == ProbeDistribution::Gaussian ? "gaussian" : "rademacher";
  j["hutchpp_split"] = o.split == HutchppSplit::Seed ? "seed" : "thirds";
  j["tol"] = o.tol;
  j["max_matvecs"] = o.max_matvecs;
  j["seed"] = o.seed;
  j["block"] = o.block;
  return j;
}

Json to_json(const ProblemSpec& p) {
  Json j = Json::object();
  j["model"] = p.model;
  if (!p.model_b.empty()) j["model_b"] = p.model_b;
  j["data"] = p.data;
  j["input_shape"] = p.input_shape;
  j["params"] = p.params;
  j["jvp"] = p.jvp;
  j["kernel"] = p.kernel;
  j["compute"] = to_json(p.compute);
  return j;
}

Json to_json(const TraceEstimate& e) {
  Json j = Json::object();
  j["estimator"] = e.method;
  j["estimate"] = e.estimate;
  j["std_error"] = e.std_error;
  if (e.sample_std_error) j["sample_std_error"] = *e.sample_std_error;
  j["matvecs"] = e.matvecs;
  j["vjps"] = e.vjps;
  j["jvps"] = e.jvps;
  j["seconds"] = e.seconds;
  // The cost model: products and dense algebra apart (planned flops and draws, measured seconds).
  j["product_seconds"] = e.product_seconds;
  j["dense_seconds"] = std::max(0.0, e.seconds - e.product_seconds);
  j["dense_flops"] = e.dense_flops;
  j["random_draws"] = e.random_draws;
  j["predicted_dense_seconds"] = predicted_dense_seconds({e.dense_flops, e.random_draws});
  if (!e.error_method.empty()) j["error_method"] = e.error_method;
  j["converged"] = e.converged;
  if (!e.note.empty()) j["note"] = e.note;
  if (!e.history.empty()) {
    Json h = Json::array();
    for (const auto& p : e.history) {
      Json q = Json::object();
      q["matvecs"] = p.matvecs;
      q["estimate"] = p.estimate;
      q["std_error"] = p.std_error;
      q["seconds"] = p.seconds;
      h.push_back(q);
    }
    j["history"] = h;
  }
  return j;
}

namespace {

// The operator a trace or compare job estimates: the eNTK with J as its factor, or the pNTK with C J.
struct KernelChoice {
  std::unique_ptr<PntkOperator> pntk;
  std::unique_ptr<LinearOperator> K;
  std::unique_ptr<RectOperator> factor;
  int64_t size = 0;
};

KernelChoice choose_kernel(const TangentMap& J, const std::string& kernel) {
  KernelChoice c;
  if (kernel == "entk") {
    c.K = std::make_unique<NtkOperator>(J);
    c.factor = std::make_unique<JacobianOperator>(J);
  } else if (kernel == "pntk" || kernel.rfind("pntk:", 0) == 0) {
    c.pntk =
        std::make_unique<PntkOperator>(J, parse_pntk_variant(kernel == "pntk" ? "sum" : kernel.substr(5)));
    c.factor = std::make_unique<PntkFactor>(*c.pntk, J);
  } else {
    throw InputError("kernel '" + kernel + "' is not entk, pntk or pntk:single:K");
  }
  c.size = c.pntk ? c.pntk->size() : c.K->size();
  return c;
}

const LinearOperator& op(const KernelChoice& c) { return c.pntk ? *c.pntk : *c.K; }

void require_entk(const ProblemSpec& p, const std::string& what) {
  if (p.kernel != "entk")
    throw InputError(what + " works on the eNTK; --kernel " + p.kernel +
                     " is offered by trace and compare (the pntk "
                     "command compares the two)");
}

// The exact trace of the chosen kernel (eNTK: the cheaper side; pNTK: N VJPs).
ExactTrace kernel_exact_trace(const TangentMap& J, const KernelChoice& c, const RunControl& rc) {
  if (!c.pntk) return exact_trace(J, rc);
  const auto t0 = std::chrono::steady_clock::now();
  ExactTrace e;
  e.value = exact_pntk_trace(*c.pntk, rc);
  e.method = "vjp";
  e.products = c.size;
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

}  // namespace

TraceJobResult run_trace_job(const TraceJob& job, const RunControl& rc) {
  if (job.repeats < 1) throw InputError("--repeats must be at least 1");
  Problem pr = build_problem(job.problem, false);
  pr.J->set_control(&rc);
  TraceJobResult res;
  const KernelChoice kc = choose_kernel(*pr.J, job.problem.kernel);
  res.d = kc.size;
  res.params = pr.J->param_size();
  res.config = Json::object();
  res.config["problem"] = to_json(job.problem);
  res.config["estimator"] = to_json(job.estimator);
  res.config["repeats"] = job.repeats;
  res.config["blas"] = blas_description();
  const bool exact_method = job.estimator.method == "exact";
  if (exact_method || job.compare_exact) {
    const ExactTrace e = kernel_exact_trace(*pr.J, kc, rc);
    res.exact = e.value;
    res.exact_seconds = e.seconds;
    res.exact_method = e.method;
  }
  if (exact_method) {
    TraceEstimate t;
    t.method = "exact";
    t.estimate = *res.exact;
    t.seconds = *res.exact_seconds;
    t.matvecs = 0;
    (res.exact_method == "vjp" ? t.vjps : t.jvps) = res.exact_method == "vjp" ? res.d : res.params;
    res.estimate = t;
    res.repeats = {t};
    res.jvp_path = pr.J->jvp_path();
    res.jvp_fallback = pr.J->jvp_fallback();
    return res;
  }
  for (int r = 0; r < job.repeats; ++r) {
    EstimatorOptions o = job.estimator;
    o.seed = job.estimator.seed + static_cast<uint64_t>(r);
    res.repeats.push_back(estimate_trace(op(kc), kc.factor.get(), o, rc));
  }
  res.estimate = res.repeats.front();
  res.jvp_path = pr.J->jvp_path();
  res.jvp_fallback = pr.J->jvp_fallback();
  return res;
}

Json to_json(const TraceJobResult& r) {
  Json j = to_json(r.estimate);
  j["d"] = r.d;
  j["params"] = r.params;
  j["jvp_path"] = r.jvp_path;
  if (!r.jvp_fallback.empty()) j["jvp_fallback"] = r.jvp_fallback;
  if (r.exact) {
    j["exact"] = *r.exact;
    j["exact_seconds"] = r.exact_seconds;
    j["exact_method"] = r.exact_method;
    j["rel_error"] = std::fabs(r.estimate.estimate - *r.exact) / std::max(std::fabs(*r.exact), 1e-300);
  }
  {
    Json est = Json::array(), secs = Json::array(), errs = Json::array();
    std::vector<double> rels;
    for (const auto& e : r.repeats) {
      est.push_back(e.estimate);
      secs.push_back(e.seconds);
      if (r.exact) rels.push_back(std::fabs(e.estimate - *r.exact) / std::max(std::fabs(*r.exact), 1e-300));
    }
    j["estimates"] = est;
    j["seconds_each"] = secs;
    if (r.exact) {
      std::sort(rels.begin(), rels.end());
      const size_t n = rels.size();
      j["median_rel_error"] = n % 2 ? rels[n / 2] : 0.5 * (rels[n / 2 - 1] + rels[n / 2]);
    }
  }
  j["config"] = r.config;
  return j;
}

Json run_compare_job(const CompareJob& job, const RunControl& rc) {
  if (job.methods.empty()) throw InputError("choose at least one estimator to compare");
  Problem pr = build_problem(job.problem, false);
  pr.J->set_control(&rc);
  const KernelChoice kc = choose_kernel(*pr.J, job.problem.kernel);
  Json out = Json::object();
  out["d"] = kc.size;
  out["params"] = pr.J->param_size();
  Json model = Json::object();
  model["kind"] = pr.model->kind();
  model["input_shape"] = shape_to_string(pr.model->input_shape());
  model["output_shape"] = shape_to_string(pr.J->output_shape());
  note_params(model, *pr.model);
  model["layers"] = pr.model->layer_summary();
  model["data"] = pr.data.description;
  out["model"] = model;
  std::optional<double> exact;
  if (job.exact) {
    const ExactTrace e = kernel_exact_trace(*pr.J, kc, rc);
    exact = e.value;
    out["exact"] = e.value;
    out["exact_seconds"] = e.seconds;
    out["exact_method"] = e.method;
  }
  Json runs = Json::array();
  for (const auto& method : job.methods) {
    EstimatorOptions o = job.estimator;
    o.method = method;
    o.record_history = true;
    Json r = to_json(estimate_trace(op(kc), kc.factor.get(), o, rc));
    if (exact)
      r["rel_error"] = std::fabs(r.at("estimate").number() - *exact) / std::max(std::fabs(*exact), 1e-300);
    runs.push_back(r);
  }
  out["runs"] = runs;
  Json sweep = Json::array();
  if (exact) {
    std::vector<int64_t> budgets = job.sweep_budgets;
    if (budgets.empty())
      for (int64_t div : {8, 4, 2, 1}) budgets.push_back(std::max<int64_t>(4, job.estimator.matvecs / div));
    for (const auto& method : job.methods)
      for (int64_t m : budgets)
        for (int r = 0; r < job.sweep_repeats; ++r) {
          EstimatorOptions o = job.estimator;
          o.method = method;
          o.matvecs = m;
          o.seed = job.estimator.seed + 1 + static_cast<uint64_t>(r);
          const TraceEstimate e = estimate_trace(op(kc), kc.factor.get(), o, rc);
          Json p = Json::object();
          p["method"] = e.method;
          p["budget"] = m;
          p["repeat"] = r;
          p["estimate"] = e.estimate;
          p["rel_error"] = std::fabs(e.estimate - *exact) / std::max(std::fabs(*exact), 1e-300);
          p["seconds"] = e.seconds;
          sweep.push_back(p);
        }
  }
  out["sweep"] = sweep;
  note_jvp(out, *pr.J);
  Json cfg = Json::object();
  cfg["problem"] = to_json(job.problem);
  cfg["estimator"] = to_json(job.estimator);
  cfg["methods"] = job.methods;
  cfg["sweep_repeats"] = job.sweep_repeats;
  cfg["blas"] = blas_description();
  out["config"] = cfg;
  return out;
}

Json run_metrics_job(const MetricsJob& job, const RunControl& rc) {
  require_entk(job.problem, "metrics");
  const bool need_b = std::find(job.metrics.begin(), job.metrics.end(), "alignment") != job.metrics.end();
  Problem pr = build_problem(job.problem, need_b);
  pr.J->set_control(&rc);
  if (pr.Jb) pr.Jb->set_control(&rc);
  at::Tensor targets;
  if (std::find(job.metrics.begin(), job.metrics.end(), "target_alignment") != job.metrics.end()) {
    const int64_t outputs = pr.J->state_size() / pr.data.size();
    targets = one_hot_targets(pr.data, outputs);
  }
  MetricsOptions mo;
  mo.metrics = job.metrics;
  mo.estimator = job.estimator;
  mo.compare_exact = job.compare_exact;
  mo.memory_budget = job.problem.compute.memory_budget;
  const auto values = compute_metrics(*pr.J, pr.Jb.get(), targets, mo, rc);
  Json out = Json::object();
  out["d"] = pr.J->state_size();
  out["params"] = pr.J->param_size();
  Json arr = Json::array();
  for (const auto& m : values) arr.push_back(to_json(m));
  out["metrics"] = arr;
  note_jvp(out, *pr.J);
  Json cfg = Json::object();
  cfg["problem"] = to_json(job.problem);
  cfg["estimator"] = to_json(job.estimator);
  cfg["blas"] = blas_description();
  out["config"] = cfg;
  return out;
}

Json run_spectrum_job(const ProblemSpec& p, int64_t top, const RunControl& rc) {
  require_entk(p, "spectrum");
  Problem pr = build_problem(p, false);
  pr.J->set_control(&rc);
  const auto t0 = std::chrono::steady_clock::now();
  Json out = Json::object();
  out["d"] = pr.J->state_size();
  out["params"] = pr.J->param_size();
  at::Tensor ev;
  try {
    const ExactKernel K = exact_kernel(*pr.J, p.compute.memory_budget, rc);
    ev = K.eigenvalues().contiguous();
    out["kernel"] = K.gram ? "Gram matrix JᵀJ (P < d)" : "eNTK JJᵀ";
    out["approximate"] = false;
    out["trace"] = K.trace();
    out["frobenius"] = K.frobenius();
  } catch (const MemoryBudgetError& e) {
    // Too big to form: the top of the spectrum from a Nyström sketch (rank matvecs, no d×d matrix).
    const int64_t rank = std::min<int64_t>(top > 0 ? top : 200, pr.J->state_size());
    NtkOperator K(*pr.J);
    ev = nystrom_eigenvalues(K, rank, p.compute.seed, rc).contiguous();
    out["kernel"] = "Nyström approximation of rank " + std::to_string(rank) + " (" + e.what() + ")";
    out["approximate"] = true;
  }
  const int64_t n = top > 0 ? std::min(top, ev.numel()) : ev.numel();
  out["eigenvalues"] = std::vector<double>(ev.data_ptr<double>(), ev.data_ptr<double>() + n);
  out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Json cfg = Json::object();
  cfg["problem"] = to_json(p);
  out["config"] = cfg;
  return out;
}

namespace {

std::string csv_num(double v) {
  if (!std::isfinite(v)) return "";
  return format_number(v, 10);
}

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

Json run_dynamics_job(const DynamicsJob& job, const RunControl& rc) {
  require_entk(job.problem, "dynamics");
  OutputFolder out(job.out_dir);  // checked before any work; published together at the end, or not at all
  const ProblemSpec& p = job.problem;
  apply_threads(p.compute);
  std::vector<int64_t> shape;
  if (!p.input_shape.empty()) shape = parse_shape(p.input_shape, "--input-shape");
  auto model = make_model(p.model, shape, p.compute, p.params);

  Dataset train = load_data(p.data, model->input_shape(), p.compute.seed), test;
  if (!job.test_data.empty()) {
    test = load_data(job.test_data, model->input_shape(), p.compute.seed);
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
  TrainOptions to = job.training;
  to.seed = p.compute.seed;
  const TrainResult r = train_model(*model, train, &test, to, rc);

  Json config = Json::object();
  config["problem"] = to_json(p);
  config["train_data"] = train.description;
  config["test_data"] = test.description;
  config["training"] = to_json(to);

  Json result = Json::object();
  result["history"] = history_json(r.history);
  Json files = Json::array();
  if (out.enabled()) {
    std::ostringstream csv;
    csv << "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n";
    for (const auto& s : r.history)
      csv << s.epoch << "," << csv_num(s.train_loss) << "," << csv_num(s.train_accuracy) << ","
          << csv_num(s.test_loss) << "," << csv_num(s.test_accuracy) << "," << csv_num(s.seconds) << "\n";
    out.write_text("history.csv", csv.str());
    for (const auto& snap : r.snapshots) {
      auto m = model->clone();
      m->set_parameters(snap.params);
      const std::string name = "snapshot-epoch" + std::to_string(snap.epoch) + ".pt";
      m->save_torchscript(out.path(name));
      files.push_back(out.final_path(name));
    }
  }
  result["snapshots"] = files;

  if (job.track_ntk) {
    // The probe batch: a fixed, stratified subset of the test data (the same for every snapshot).
    const Dataset probe = subset(test, job.probe_n, p.compute.seed + 2);
    const at::Tensor x = probe.inputs.to(tensor_options(p.compute));
    at::Tensor y;
    if (probe.labels.defined()) {
      at::NoGradGuard no_grad;
      const int64_t outputs = model->forward(x.narrow(0, 0, 1)).numel();
      if (outputs >= probe.num_classes) y = one_hot_targets(probe, outputs);
    }
    MetricsOptions mo = job.metrics;
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
        dcsv << row.epoch << "," << m.name << "," << m.method << "," << csv_num(m.value) << ","
             << (m.std_error ? csv_num(*m.std_error) : "") << "," << (m.exact ? csv_num(*m.exact) : "") << ","
             << (m.rel_error ? csv_num(*m.rel_error) : "") << "," << m.matvecs << "," << m.vjps << ","
             << m.jvps << "," << csv_num(m.seconds) << "\n";
        vals.push_back(to_json(m));
      }
      jr["metrics"] = vals;
      arr.push_back(jr);
    }
    if (out.enabled()) out.write_text("dynamics.csv", dcsv.str());
    result["dynamics"] = arr;
    result["probe"] = probe.description;
    config["estimator"] = to_json(mo.estimator);
    config["metrics"] = mo.metrics;
  }
  result["config"] = config;
  if (out.enabled()) {
    out.write_text(job.track_ntk ? "dynamics.json" : "train.json", result.dump(2));
    out.commit();
  }
  return result;
}

Json preview_data(const std::string& data_spec, int count, uint64_t seed) {
  const Dataset all = load_data(data_spec, {}, seed);
  const Dataset d = subset(all, count, seed);
  Json out = Json::object();
  out["description"] = all.description;
  out["size"] = all.size();
  out["image_shape"] = all.image_shape;
  out["classes"] = all.num_classes;
  Json samples = Json::array();
  for (int64_t i = 0; i < std::min<int64_t>(count, d.size()); ++i) {
    Json s = Json::object();
    if (d.labels.defined()) {
      const int64_t label = d.labels[i].item<int64_t>();
      s["label"] = label;
      if (label < static_cast<int64_t>(d.class_names.size()))
        s["class_name"] = d.class_names[static_cast<size_t>(label)];
    }
    const at::Tensor x = d.inputs[i].reshape({-1}).contiguous();
    s["pixels"] = std::vector<double>(x.data_ptr<double>(), x.data_ptr<double>() + x.numel());
    samples.push_back(s);
  }
  out["samples"] = samples;
  return out;
}

bool cuda_available() { return at::hasCUDA(); }

std::pair<int64_t, int64_t> planned_ad_cost(const EstimatorOptions& options) {
  const AdCost c = planned_cost(options);
  return {c.vjps, c.jvps};
}

double planned_dense_seconds(const EstimatorOptions& options, int64_t d, int64_t params) {
  return predicted_dense_seconds(planned_dense_cost(options, d, params));
}

Json describe_problem(const ProblemSpec& p) {
  Problem pr = build_problem(p, false);
  Json j = Json::object();
  j["model"] = p.model;
  j["kind"] = pr.model->kind();
  j["input_shape"] = shape_to_string(pr.model->input_shape());
  j["output_shape"] = shape_to_string(pr.J->output_shape());
  note_params(j, *pr.model);
  j["params"] = pr.J->param_size();
  j["d"] = pr.J->state_size();
  j["data"] = pr.data.description;
  j["layers"] = pr.model->layer_summary();
  j["parameter_names"] = pr.model->parameter_names();
  j["parameters"] = pr.model->parameter_summary();
  j["exact_kernel_bytes"] =
      exact_kernel_bytes(pr.J->state_size(), pr.J->param_size(), pr.model->options().dtype().toScalarType());
  return j;
}

}  // namespace ts
