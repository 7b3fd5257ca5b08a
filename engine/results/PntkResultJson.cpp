// The pNTK jobs' results as JSON (docs/FORMATS.md, "pNTK output"), declared once as `fields` lists
// (core/JsonFields.h). Members are written in the order, and under the conditions, that scripts reading
// `pntk --json` and `hessian --json` rely on.
#include "results/ResultJson.h"

#include "core/Errors.h"
#include "core/JsonFields.h"
#include "jobs/HessianJob.h"
#include "jobs/PntkJob.h"

namespace ts {

template <class V>
void fields(V& v, PntkRegression& g) {
  v("n_train", g.n_train);
  v("n_heldout", g.n_heldout);
  v("rel_prediction_error", g.rel_prediction_error);
  v("rel_prediction_error_ridge", g.rel_prediction_error_ridge);
  v("ridge", g.ridge);
  v("ridge_absolute", g.ridge_absolute);
  v("train_residual", g.train_residual);
  v("train_residual_pntk", g.train_residual_pntk);
  v("heldout_accuracy", g.heldout_accuracy);
  v("heldout_accuracy_pntk", g.heldout_accuracy_pntk);
}

template <class V>
void fields(V& v, PntkHeatMap& m) {
  v("size", m.size);
  v("source_size", m.source_size);
  v("values", m.values);
}

template <class V>
void fields(V& v, PntkHeatMaps& h) {
  v("pntk", h.pntk);
  v("entk", h.entk);
  v.omit_empty("labels", h.labels);
}

template <class V>
void fields(V& v, HessianStage& s) {
  v("stage", s.stage);
  v("epoch", s.epoch);
  v("gauss_newton", s.gauss_newton);
  v("gauss_newton_seconds", s.gauss_newton_seconds);
  v("pntk_approximation", s.pntk_approximation);
  v("pntk_seconds", s.pntk_seconds);
  v("loss", s.loss);
  v("hutchinson", s.hutchinson);
  v("hutchinson_std_error", s.hutchinson_std_error);
  v("hutchinson_probes", s.hutchinson_probes);
  v("hutchinson_seconds", s.hutchinson_seconds);
  v("exact", s.exact);
  if (s.exact) v.nullable("exact_seconds", s.exact_seconds);
  v("reference", s.reference);
  v("rel_error_pntk", s.rel_error_pntk);
  v("rel_error_gauss_newton", s.rel_error_gauss_newton);
  v("rel_error_pntk_vs_gauss_newton", s.rel_error_pntk_vs_gauss_newton);
}

// The result's optional members are absent, never null.
template <class V>
void fields(V& v, PntkResult& r) {
  v("seconds", r.seconds);
  v("peak_bytes", r.peak_bytes);
  v("N", r.N);
  v("outputs", r.outputs);
  v("params", r.params);
  v("variant", r.variant);
  v("trace", r.trace);
  v("frobenius", r.frobenius);
  v("lambda_max", r.lambda_max);
  v("bytes", r.bytes);
  v("kernel_bytes", r.kernel_bytes);
  if (r.request.compare) {
    v("entk_bytes", r.entk_bytes);
    v("entk_kernel_bytes", r.entk_kernel_bytes);
    v("entk_note", r.entk_note);
    if (r.entk_note) {  // over the memory budget: the eNTK's exact trace only, timed
      v("entk_trace", r.entk_trace);
      v("entk_seconds", r.entk_seconds);
    } else {
      v("entk_seconds", r.entk_seconds);
      v("entk_peak_bytes", r.entk_peak_bytes);
      v("entk_trace", r.entk_trace);
      v("entk_frobenius", r.entk_frobenius);
      // The run notes missing targets before comparing, an empty held-out part after.
      if (!r.has_targets) v("regression_note", r.regression_note);
      v("entk_lambda_max", r.entk_lambda_max);
      v("rel_frobenius_error", r.rel_frobenius_error);
      v("rel_lambda_max_error", r.rel_lambda_max_error);
      if (r.has_targets) v("regression_note", r.regression_note);
      v("regression", r.regression);
      v("speedup", r.speedup);
    }
    v("rel_trace_error", r.rel_trace_error);
  }
  v("heatmaps", r.heatmaps);
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c.derived("variant", r.variant);
    c("compare", r.request.compare);
    c("heldout", r.request.heldout);
    c("ridge", r.request.ridge);
  });
}

template <class V>
void fields(V& v, HessianResult& r) {
  v("N", r.N);
  v("outputs", r.outputs);
  v("params", r.params);
  v("loss", r.loss);
  v("stages", r.stages);
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("probes", r.request.probes);
    c("exact", r.request.exact);
    c("epochs", r.request.epochs);
    if (r.request.epochs > 0) c("training", r.request.training);
  });
}

Json to_json(const PntkResult& r) { return write_fields(r); }
Json to_json(const HessianResult& r) { return write_fields(r); }

}  // namespace ts
