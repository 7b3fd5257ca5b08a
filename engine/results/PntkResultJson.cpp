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

namespace {

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
