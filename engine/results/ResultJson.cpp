#include "results/ResultJson.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/Config.h"
#include "core/Errors.h"
#include "core/Results.h"
#include "estimators/Estimators.h"
#include "jobs/Jobs.h"

namespace ts {

Json to_json(const TraceEstimate& e) {
  Json j = Json::object();
  j["estimator"] = e.method;
  j["estimate"] = e.estimate;
  j["std_error"] = json_or_null(e.std_error);
  if (e.sample_std_error) j["sample_std_error"] = *e.sample_std_error;
  if (e.jackknife_std_error) j["jackknife_std_error"] = *e.jackknife_std_error;
  if (e.paired_std_error) j["paired_std_error"] = *e.paired_std_error;
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

void note_jvp(Json& j, const JvpPath& p) {
  j["jvp_path"] = p.path;
  if (!p.fallback.empty()) j["jvp_fallback"] = p.fallback;
  if (!p.choice.empty()) j["jvp_choice"] = p.choice;
  j["vjp_path"] = p.vjp;
  j["jvp_batching"] = p.jvp_batching;
  j["kernel_products"] = p.kernel;
  j["product_batch"] = p.block;
  if (!p.batching_fallback.empty()) j["batching_fallback"] = p.batching_fallback;
  j["ranks"] = p.ranks;
  j["distribute"] = p.distribute;
}

}  // namespace

Json to_json(const TraceResult& r) {
  Json j = to_json(r.estimate);
  j["d"] = r.d;
  j["params"] = r.params;
  note_jvp(j, r.jvp);
  if (r.exact) {
    j["exact"] = *r.exact;
    j["exact_seconds"] = json_or_null(r.exact_seconds);
    j["exact_method"] = r.exact_method;
    j["rel_error"] = relative_error(r.estimate.estimate, *r.exact);
  }
  Json est = Json::array(), secs = Json::array();
  std::vector<double> rels;
  for (const auto& e : r.repeats) {
    est.push_back(e.estimate);
    secs.push_back(e.seconds);
    if (r.exact) rels.push_back(relative_error(e.estimate, *r.exact));
  }
  j["estimates"] = est;
  j["seconds_each"] = secs;
  if (r.exact && !rels.empty()) {
    std::sort(rels.begin(), rels.end());
    const size_t n = rels.size();
    j["median_rel_error"] = n % 2 ? rels[n / 2] : 0.5 * (rels[n / 2 - 1] + rels[n / 2]);
  }
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["estimator"] = to_json(r.request.estimator);
  cfg["repeats"] = r.request.repeats;
  cfg["blas"] = r.blas;
  j["config"] = cfg;
  return j;
}

Json to_json(const CompareResult& r) {
  Json out = Json::object();
  out["d"] = r.d;
  out["params"] = r.params;
  Json model = Json::object();
  model["kind"] = r.model.kind;
  model["input_shape"] = r.model.input_shape;
  model["output_shape"] = r.model.output_shape;
  model["params_total"] = r.model.params_total;
  model["params_frozen"] = r.model.params_frozen;
  model["layers"] = r.model.layers;
  model["data"] = r.model.data;
  if (!r.model.notes.empty()) model["notes"] = r.model.notes;
  out["model"] = model;
  if (r.exact) {
    out["exact"] = *r.exact;
    out["exact_seconds"] = json_or_null(r.exact_seconds);
    out["exact_method"] = r.exact_method;
  }
  Json runs = Json::array();
  for (const auto& run : r.runs) {
    Json j = to_json(run.estimate);
    if (run.rel_error) j["rel_error"] = *run.rel_error;
    runs.push_back(j);
  }
  out["runs"] = runs;
  Json sweep = Json::array();
  for (const auto& s : r.sweep) {
    Json p = Json::object();
    p["method"] = s.method;
    p["budget"] = s.budget;
    p["repeat"] = s.repeat;
    p["estimate"] = s.estimate;
    p["rel_error"] = s.rel_error;
    p["seconds"] = s.seconds;
    sweep.push_back(p);
  }
  out["sweep"] = sweep;
  note_jvp(out, r.jvp);
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["estimator"] = to_json(r.request.estimator);
  cfg["methods"] = r.request.methods;
  cfg["sweep_repeats"] = r.request.sweep_repeats;
  cfg["blas"] = r.blas;
  out["config"] = cfg;
  return out;
}

Json to_json(const MetricsResult& r) {
  Json out = Json::object();
  out["d"] = r.d;
  out["params"] = r.params;
  out["metrics"] = json_array(r.metrics);
  note_jvp(out, r.jvp);
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["estimator"] = to_json(r.request.estimator);
  cfg["blas"] = r.blas;
  out["config"] = cfg;
  return out;
}

Json to_json(const SpectrumResult& r) {
  Json out = Json::object();
  out["d"] = r.d;
  out["params"] = r.params;
  out["kernel"] = r.kernel;
  out["approximate"] = r.approximate;
  if (r.trace) out["trace"] = *r.trace;
  if (r.frobenius) out["frobenius"] = *r.frobenius;
  out["eigenvalues"] = r.eigenvalues;
  out["seconds"] = r.seconds;
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  out["config"] = cfg;
  return out;
}

Json to_json(const DataPreview& p) {
  Json out = Json::object();
  out["description"] = p.description;
  out["size"] = p.size;
  out["image_shape"] = p.image_shape;
  out["classes"] = p.classes;
  Json samples = Json::array();
  for (const auto& s : p.samples) {
    Json j = Json::object();
    if (s.label) j["label"] = *s.label;
    if (!s.class_name.empty()) j["class_name"] = s.class_name;
    j["pixels"] = s.pixels;
    samples.push_back(j);
  }
  out["samples"] = samples;
  return out;
}

Json to_json(const LayerTraces& t) {
  Json j = Json::object();
  j["method"] = t.method;
  j["total"] = t.total;
  j["total_std_error"] = json_or_null(t.total_std_error);
  if (t.exact_total) j["exact_total"] = *t.exact_total;
  if (t.frobenius) j["frobenius"] = *t.frobenius;
  if (!t.exact_note.empty()) j["exact_note"] = t.exact_note;
  Json layers = Json::array();
  for (const auto& l : t.layers) {
    Json g = Json::object();
    g["name"] = l.name;
    g["params"] = l.size;
    g["trace"] = l.trace;
    g["std_error"] = json_or_null(l.std_error);
    g["share"] = l.share;
    if (l.exact) {
      g["exact"] = *l.exact;
      g["rel_error"] = std::fabs(l.trace - *l.exact) / std::max(std::fabs(*l.exact), 1e-300);
    }
    if (l.frobenius) g["frobenius"] = *l.frobenius;
    if (l.effective_rank) g["effective_rank"] = *l.effective_rank;
    if (l.alignment) g["alignment"] = *l.alignment;
    layers.push_back(g);
  }
  j["layers"] = layers;
  j["matvecs"] = t.matvecs;
  j["vjps"] = t.vjps;
  j["jvps"] = t.jvps;
  j["seconds"] = t.seconds;
  if (t.exact_seconds) j["exact_seconds"] = *t.exact_seconds;
  return j;
}

Json to_json(const LayersResult& r) {
  Json j = Json::object();
  j["d"] = r.d;
  j["params"] = r.params;
  const Json traces = to_json(r.traces);
  for (const auto& [k, v] : traces.items()) j[k] = v;
  note_jvp(j, r.jvp);
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  const LayerTraceOptions& o = r.request.options;
  cfg["estimator"] = o.method;
  cfg["matvecs"] = o.matvecs;
  cfg["probes"] = o.probes == ProbeDistribution::Gaussian ? "gaussian" : "rademacher";
  cfg["seed"] = o.seed;
  cfg["block"] = o.block;
  cfg["groups"] = o.groups;
  cfg["exact"] = o.compare_exact;
  cfg["blas"] = r.blas;
  j["config"] = cfg;
  return j;
}

Json to_json(const KernelResult& r) {
  Json j = Json::object();
  j["kernel"] = r.request.problem.kernel;
  j["rows"] = r.rows;
  j["cols"] = r.cols;
  j["params"] = r.params;
  if (r.trace) j["trace"] = *r.trace;
  if (r.frobenius) j["frobenius"] = *r.frobenius;
  if (!r.product_shape.empty()) j["product_shape"] = r.product_shape;
  if (!r.eigenvalues.empty()) {
    j["eigenvalues"] = r.eigenvalues;
    j["eig_residuals"] = r.eig_residuals;
    j["eig_method"] = r.eig_method;
    if (r.eig_method == "lanczos") {
      j["eig_matvecs"] = r.eig_matvecs;
      j["eig_converged"] = r.eig_converged;
      j["eig_tol"] = r.eig_tol;
    }
  }
  if (!r.blocks.empty()) {
    Json b = Json::array();
    for (const auto& g : r.blocks)
      b.push_back(Json{{"name", g.name}, {"params", g.params}, {"trace", g.trace}, {"file", g.file}});
    j["blocks"] = b;
  }
  j["vjps"] = r.vjps;
  j["jvps"] = r.jvps;
  j["seconds"] = r.seconds;
  j["files"] = r.files;
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["data_b"] = r.request.data_b;
  if (!r.request.apply.empty()) cfg["apply"] = r.request.apply;
  if (!r.request.blocks_out.empty()) cfg["groups"] = r.request.groups;
  if (!r.request.eig_out.empty()) {
    cfg["eig_top"] = r.request.eig_top;
    cfg["eig_method"] = r.request.eig_method;
    cfg["eig_max_matvecs"] = r.request.eig_max_matvecs;
    cfg["eig_tol"] = r.request.eig_tol;
  }
  cfg["block"] = r.request.block;
  j["config"] = cfg;
  return j;
}

Json to_json(const ProblemSummary& s) {
  Json j = Json::object();
  j["model"] = s.model;
  j["kind"] = s.kind;
  j["input_shape"] = s.input_shape;
  j["output_shape"] = s.output_shape;
  j["input_dtype"] = s.input_dtype;
  if (!s.input_range.empty()) j["input_range"] = s.input_range;
  j["params_total"] = s.params_total;
  j["params_trainable"] = s.params_total - s.params_frozen;
  j["params_frozen"] = s.params_frozen;
  j["params"] = s.params;
  j["d"] = s.d;
  j["data"] = s.data;
  j["layers"] = s.layers;
  j["parameter_names"] = s.parameter_names;
  j["parameters"] = s.parameters;
  j["exact_kernel_bytes"] = s.exact_kernel_bytes;
  if (!s.class_names.empty()) j["class_names"] = s.class_names;
  if (!s.notes.empty()) j["notes"] = s.notes;
  return j;
}

}  // namespace ts
