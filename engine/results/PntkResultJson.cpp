// The pNTK jobs' results as JSON (docs/FORMATS.md, "pNTK output"). Members are written in the order, and
// under the conditions, that scripts reading `pntk --json`, `hessian --json` and width.json rely on.
#include "results/ResultJson.h"

#include <limits>

#include "core/Errors.h"
#include "jobs/HessianJob.h"
#include "jobs/PntkJob.h"
#include "jobs/PntkWidthJob.h"

namespace ts {

namespace {

Json to_json(const PntkRegression& g) {
  Json r = Json::object();
  r["n_train"] = g.n_train;
  r["n_heldout"] = g.n_heldout;
  r["rel_prediction_error"] = g.rel_prediction_error;
  r["rel_prediction_error_ridge"] = g.rel_prediction_error_ridge;
  r["ridge"] = g.ridge;
  r["ridge_absolute"] = g.ridge_absolute;
  r["train_residual"] = g.train_residual;
  r["train_residual_pntk"] = g.train_residual_pntk;
  r["heldout_accuracy"] = g.heldout_accuracy;
  r["heldout_accuracy_pntk"] = g.heldout_accuracy_pntk;
  return r;
}

Json to_json(const PntkHeatMap& m) {
  Json j = Json::object();
  j["size"] = m.size;
  j["source_size"] = m.source_size;
  j["values"] = m.values;
  return j;
}

Json to_json(const PntkHeatMaps& h) {
  Json j = Json::object();
  j["pntk"] = to_json(h.pntk);
  if (h.entk) j["entk"] = to_json(*h.entk);
  if (!h.labels.empty()) j["labels"] = h.labels;
  return j;
}

}  // namespace

Json to_json(const PntkWidthPoint& p) {
  Json j = Json::object();
  j["stage"] = p.stage;
  j["width"] = p.width;
  j["seed"] = p.seed;
  j["params"] = p.params;
  j["rel_frobenius"] = p.rel_frobenius;
  j["rel_lambda_max"] = p.rel_lambda_max;
  j["rel_prediction"] = p.rel_prediction;
  j["rel_prediction_ridge"] = p.rel_prediction_ridge;
  j["heldout_accuracy"] = p.heldout_accuracy;
  j["heldout_accuracy_pntk"] = p.heldout_accuracy_pntk;
  j["seconds"] = p.seconds;
  return j;
}

PntkWidthPoint pntk_width_point_of(const Json& j, const std::string& what) {
  const auto number = [&](const char* key) { return json_number(j, key); };
  try {
    PntkWidthPoint p;
    p.stage = j.at("stage").get<std::string>();
    p.width = j.at("width").get<int64_t>();
    p.seed = j.at("seed").get<uint64_t>();
    p.params = j.at("params").get<int64_t>();
    p.rel_frobenius = number("rel_frobenius");
    p.rel_lambda_max = number("rel_lambda_max");
    p.rel_prediction = number("rel_prediction");
    p.rel_prediction_ridge = number("rel_prediction_ridge");
    p.heldout_accuracy = number("heldout_accuracy");
    p.heldout_accuracy_pntk = number("heldout_accuracy_pntk");
    p.seconds = number("seconds");
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": a width point is malformed (" + e.what() + ")");
  }
}

namespace {

Json to_json(const PntkWidthFit& f) {
  Json j = Json::object();
  j["stage"] = f.stage;
  j["error"] = f.error;
  j["min_width"] = f.min_width;
  j["slope"] = f.fit.slope;
  j["intercept"] = f.fit.intercept;
  j["std_error"] = f.fit.std_error;
  j["ci_low"] = f.fit.ci_low;
  j["ci_high"] = f.fit.ci_high;
  j["points"] = f.fit.points;
  j["seed_slopes"] = f.seed_slopes;
  if (f.seed_slope_mean) {  // the four come together (two seed slopes or more)
    j["seed_slope_mean"] = *f.seed_slope_mean;
    j["seed_slope_sd"] = json_or_null(f.seed_slope_sd);
    j["seed_ci_low"] = json_or_null(f.seed_ci_low);
    j["seed_ci_high"] = json_or_null(f.seed_ci_high);
  }
  return j;
}

Json fits_json(const std::vector<PntkWidthFit>& fits) {
  Json j = Json::array();
  for (const auto& f : fits) j.push_back(to_json(f));
  return j;
}

Json to_json(const HessianStage& s) {
  Json j = Json::object();
  j["stage"] = s.stage;
  j["epoch"] = s.epoch;
  j["gauss_newton"] = s.gauss_newton;
  j["gauss_newton_seconds"] = s.gauss_newton_seconds;
  j["pntk_approximation"] = s.pntk_approximation;
  j["pntk_seconds"] = s.pntk_seconds;
  j["loss"] = s.loss;
  j["hutchinson"] = s.hutchinson;
  j["hutchinson_std_error"] = s.hutchinson_std_error;
  j["hutchinson_probes"] = s.hutchinson_probes;
  j["hutchinson_seconds"] = s.hutchinson_seconds;
  if (s.exact) {
    j["exact"] = *s.exact;
    j["exact_seconds"] = json_or_null(s.exact_seconds);
  }
  j["reference"] = s.reference;
  j["rel_error_pntk"] = s.rel_error_pntk;
  j["rel_error_gauss_newton"] = s.rel_error_gauss_newton;
  j["rel_error_pntk_vs_gauss_newton"] = s.rel_error_pntk_vs_gauss_newton;
  return j;
}

// Writes `key` only where the value exists: the result's optional members are absent, never null.
template <class T>
void put(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace

Json to_json(const PntkResult& r) {
  Json out = Json::object();
  out["seconds"] = r.seconds;
  out["peak_bytes"] = r.peak_bytes;
  out["N"] = r.N;
  out["outputs"] = r.outputs;
  out["params"] = r.params;
  out["variant"] = r.variant;
  out["trace"] = r.trace;
  out["frobenius"] = r.frobenius;
  out["lambda_max"] = r.lambda_max;
  out["bytes"] = r.bytes;
  out["kernel_bytes"] = r.kernel_bytes;
  if (r.request.compare) {
    put(out, "entk_bytes", r.entk_bytes);
    put(out, "entk_kernel_bytes", r.entk_kernel_bytes);
    if (r.entk_note) {
      // Over the memory budget: the eNTK's exact trace only, timed.
      out["entk_note"] = *r.entk_note;
      put(out, "entk_trace", r.entk_trace);
      put(out, "entk_seconds", r.entk_seconds);
    } else {
      put(out, "entk_seconds", r.entk_seconds);
      put(out, "entk_peak_bytes", r.entk_peak_bytes);
      put(out, "entk_trace", r.entk_trace);
      put(out, "entk_frobenius", r.entk_frobenius);
      // The run notes missing targets before comparing, an empty held-out part after.
      if (!r.has_targets) put(out, "regression_note", r.regression_note);
      put(out, "entk_lambda_max", r.entk_lambda_max);
      put(out, "rel_frobenius_error", r.rel_frobenius_error);
      put(out, "rel_lambda_max_error", r.rel_lambda_max_error);
      if (r.has_targets) put(out, "regression_note", r.regression_note);
      if (r.regression) out["regression"] = to_json(*r.regression);
      put(out, "speedup", r.speedup);
    }
    put(out, "rel_trace_error", r.rel_trace_error);
  }
  if (r.heatmaps) out["heatmaps"] = to_json(*r.heatmaps);
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["variant"] = r.variant;
  cfg["compare"] = r.request.compare;
  cfg["heldout"] = r.request.heldout;
  cfg["ridge"] = r.request.ridge;
  out["config"] = cfg;
  return out;
}

Json to_json(const PntkWidthUpdate& u) {
  Json j = Json::object();
  j["point"] = to_json(u.point);
  j["fits"] = fits_json(u.fits);
  return j;
}

Json to_json(const PntkWidthResult& r) {
  const PntkWidthRequest& q = r.request;
  Json result = Json::object();
  Json pts = Json::array();
  for (const auto& p : r.points) pts.push_back(to_json(p));
  result["points"] = pts;
  result["fits"] = fits_json(r.fits);
  Json cfg = Json::object();
  cfg["data"] = q.data;
  cfg["batch_description"] = r.batch_description;
  cfg["batch"] = q.batch;
  cfg["heldout"] = q.heldout;
  cfg["widths"] = q.widths;
  cfg["depth"] = q.depth;
  cfg["seeds"] = q.seeds;
  cfg["param"] = q.param;
  cfg["activation"] = "relu";
  cfg["epochs"] = q.epochs;
  cfg["train_n"] = r.train_n;
  if (q.epochs > 0) cfg["training"] = to_json(q.training);
  cfg["ridge"] = q.ridge;
  cfg["fit_min_width"] = q.fit_min_width;
  cfg["compute"] = to_json(q.compute);
  result["config"] = cfg;
  if (!r.files.empty()) result["files"] = r.files;
  return result;
}

Json to_json(const HessianResult& r) {
  Json out = Json::object();
  out["N"] = r.N;
  out["outputs"] = r.outputs;
  out["params"] = r.params;
  out["loss"] = r.loss;
  Json stages = Json::array();
  for (const auto& s : r.stages) stages.push_back(to_json(s));
  out["stages"] = stages;
  Json cfg = Json::object();
  cfg["problem"] = to_json(r.request.problem);
  cfg["probes"] = r.request.probes;
  cfg["exact"] = r.request.exact;
  cfg["epochs"] = r.request.epochs;
  if (r.request.epochs > 0) cfg["training"] = to_json(r.request.training);
  out["config"] = cfg;
  return out;
}

}  // namespace ts
