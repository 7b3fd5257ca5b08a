#include "results/ResultJson.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/Config.h"
#include "core/Errors.h"
#include "core/JsonFields.h"
#include "core/Results.h"
#include "estimators/Estimators.h"
#include "jobs/Jobs.h"

// Each result's JSON is declared once, as a `fields` list (core/JsonFields.h) in the order of
// docs/FORMATS.md; `derived` members are computed from the others when written (relative errors, sums) and
// not read back.

namespace ts {

template <class V>
void fields(V& v, HistoryPoint& p) {
  v("matvecs", p.matvecs);
  v("estimate", p.estimate);
  v("std_error", p.std_error);
  v("seconds", p.seconds);
}

template <class V>
void fields(V& v, TraceEstimate& e) {
  v("estimator", e.method);
  v("estimate", e.estimate);
  v.nullable("std_error", e.std_error);
  v("sample_std_error", e.sample_std_error);
  v("jackknife_std_error", e.jackknife_std_error);
  v("paired_std_error", e.paired_std_error);
  v("matvecs", e.matvecs);
  v("vjps", e.vjps);
  v("jvps", e.jvps);
  v("seconds", e.seconds);
  // The cost model: products and dense algebra apart (planned flops and draws, measured seconds).
  v("product_seconds", e.product_seconds);
  v.derived("dense_seconds", std::max(0.0, e.seconds - e.product_seconds));
  v("dense_flops", e.dense_flops);
  v("random_draws", e.random_draws);
  v.derived("predicted_dense_seconds", predicted_dense_seconds({e.dense_flops, e.random_draws}));
  v.omit_empty("error_method", e.error_method);
  v("converged", e.converged);
  v.omit_empty("note", e.note);
  v.omit_empty("history", e.history);
}

/// How the products ran; written into the result's own object.
template <class V>
void fields(V& v, JvpPath& p) {
  v("jvp_path", p.path);
  v.omit_empty("jvp_fallback", p.fallback);
  v.omit_empty("jvp_choice", p.choice);
  v("vjp_path", p.vjp);
  v("jvp_batching", p.jvp_batching);
  v("kernel_products", p.kernel);
  v("product_batch", p.block);
  v.omit_empty("product_choice", p.block_choice);
  v.omit_empty("batching_fallback", p.batching_fallback);
  v("ranks", p.ranks);
  v("distribute", p.distribute);
}

namespace {

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

}  // namespace

template <class V>
void fields(V& v, TraceResult& r) {
  fields(v, r.estimate);
  v("d", r.d);
  v("params", r.params);
  fields(v, r.jvp);
  v("exact", r.exact);
  if (r.exact) {
    v.nullable("exact_seconds", r.exact_seconds);
    v("exact_method", r.exact_method);
    v.derived("rel_error", relative_error(r.estimate.estimate, *r.exact));
  }
  std::vector<double> estimates, seconds, rels;
  for (const auto& e : r.repeats) {
    estimates.push_back(e.estimate);
    seconds.push_back(e.seconds);
    if (r.exact) rels.push_back(relative_error(e.estimate, *r.exact));
  }
  v.derived("estimates", estimates);
  v.derived("seconds_each", seconds);
  if (!rels.empty()) v.derived("median_rel_error", median(rels));
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("estimator", r.request.estimator);
    c("repeats", r.request.repeats);
    c("blas", r.blas);
  });
}

template <class V>
void fields(V& v, CompareRun& run) {
  fields(v, run.estimate);
  v("rel_error", run.rel_error);
}

template <class V>
void fields(V& v, SweepPoint& s) {
  v("method", s.method);
  v("budget", s.budget);
  v("repeat", s.repeat);
  v("estimate", s.estimate);
  v("rel_error", s.rel_error);
  v("seconds", s.seconds);
}

template <class V>
void fields(V& v, CompareResult& r) {
  v("d", r.d);
  v("params", r.params);
  v.object("model", [&](auto& m) {
    m("kind", r.model.kind);
    m("input_shape", r.model.input_shape);
    m("output_shape", r.model.output_shape);
    m("params_total", r.model.params_total);
    m("params_frozen", r.model.params_frozen);
    m("layers", r.model.layers);
    m("data", r.model.data);
    m.omit_empty("notes", r.model.notes);
  });
  v("exact", r.exact);
  if (r.exact) {
    v.nullable("exact_seconds", r.exact_seconds);
    v("exact_method", r.exact_method);
  }
  v("runs", r.runs);
  v("sweep", r.sweep);
  fields(v, r.jvp);
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("estimator", r.request.estimator);
    c("methods", r.request.methods);
    c("sweep_repeats", r.request.sweep_repeats);
    c("blas", r.blas);
  });
}

template <class V>
void fields(V& v, MetricsResult& r) {
  v("d", r.d);
  v("params", r.params);
  v("metrics", r.metrics);
  fields(v, r.jvp);
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("estimator", r.request.estimator);
    c.omit_if("trace_per_input", r.request.trace_per_input, false);
    c("blas", r.blas);
  });
}

template <class V>
void fields(V& v, SpectrumResult& r) {
  v("d", r.d);
  v("params", r.params);
  v("kernel", r.kernel);
  v("approximate", r.approximate);
  v("trace", r.trace);
  v("frobenius", r.frobenius);
  v("eigenvalues", r.eigenvalues);
  v("seconds", r.seconds);
  v.object("config", [&](auto& c) { c("problem", r.request.problem); });
}

template <class V>
void fields(V& v, PreviewSample& s) {
  v("label", s.label);
  v.omit_empty("class_name", s.class_name);
  v("pixels", s.pixels);
}

template <class V>
void fields(V& v, DataPreview& p) {
  v("description", p.description);
  v("size", p.size);
  v("image_shape", p.image_shape);
  v("classes", p.classes);
  v("samples", p.samples);
}

template <class V>
void fields(V& v, LayerTrace& l) {
  v("name", l.name);
  v("params", l.size);
  v("trace", l.trace);
  v.nullable("std_error", l.std_error);
  v("share", l.share);
  v("exact", l.exact);
  if (l.exact) v.derived("rel_error", std::fabs(l.trace - *l.exact) / std::max(std::fabs(*l.exact), 1e-300));
  v("frobenius", l.frobenius);
  v("effective_rank", l.effective_rank);
  v("alignment", l.alignment);
}

template <class V>
void fields(V& v, LayerTraces& t) {
  v("method", t.method);
  v("total", t.total);
  v.nullable("total_std_error", t.total_std_error);
  v("exact_total", t.exact_total);
  v("frobenius", t.frobenius);
  v.omit_empty("exact_note", t.exact_note);
  v("layers", t.layers);
  v("matvecs", t.matvecs);
  v("vjps", t.vjps);
  v("jvps", t.jvps);
  v("seconds", t.seconds);
  v("exact_seconds", t.exact_seconds);
}

template <class V>
void fields(V& v, LayersResult& r) {
  v("d", r.d);
  v("params", r.params);
  fields(v, r.traces);
  fields(v, r.jvp);
  LayerTraceOptions& o = r.request.options;
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("estimator", o.method);
    c("matvecs", o.matvecs);
    c.derived("probes", std::string(o.probes == ProbeDistribution::Gaussian ? "gaussian" : "rademacher"));
    c("seed", o.seed);
    c("block", o.block);
    c("groups", o.groups);
    c("exact", o.compare_exact);
    c("blas", r.blas);
  });
}

template <class V>
void fields(V& v, JacobianBlock& b) {
  v("name", b.name);
  v("params", b.params);
  v("trace", b.trace);
  v("file", b.file);
}

template <class V>
void fields(V& v, KernelResult& r) {
  KernelRequest& q = r.request;
  v.derived("kernel", q.problem.kernel);
  v("rows", r.rows);
  v("cols", r.cols);
  v("params", r.params);
  v("trace", r.trace);
  v("frobenius", r.frobenius);
  v.omit_empty("product_shape", r.product_shape);
  if (!r.eigenvalues.empty()) {
    v("eigenvalues", r.eigenvalues);
    v("eig_residuals", r.eig_residuals);
    v("eig_method", r.eig_method);
    if (r.eig_method == "lanczos") {
      v("eig_matvecs", r.eig_matvecs);
      v("eig_converged", r.eig_converged);
      v("eig_tol", r.eig_tol);
    }
  }
  v.omit_empty("blocks", r.blocks);
  v("vjps", r.vjps);
  v("jvps", r.jvps);
  v("seconds", r.seconds);
  v("files", r.files);
  v.object("config", [&](auto& c) {
    c("problem", q.problem);
    c("data_b", q.data_b);
    c.omit_empty("apply", q.apply);
    if (!q.blocks_out.empty()) c("groups", q.groups);
    if (!q.eig_out.empty()) {
      c("eig_top", q.eig_top);
      c("eig_method", q.eig_method);
      c("eig_max_matvecs", q.eig_max_matvecs);
      c("eig_tol", q.eig_tol);
    }
    c("block", q.block);
  });
}

template <class V>
void fields(V& v, ProblemSummary& s) {
  v("model", s.model);
  v("kind", s.kind);
  v("input_shape", s.input_shape);
  v("output_shape", s.output_shape);
  v("input_dtype", s.input_dtype);
  v.omit_empty("input_range", s.input_range);
  v("params_total", s.params_total);
  v.derived("params_trainable", s.params_total - s.params_frozen);
  v("params_frozen", s.params_frozen);
  v("params", s.params);
  v("d", s.d);
  v("data", s.data);
  v("layers", s.layers);
  v("parameter_names", s.parameter_names);
  v("parameters", s.parameters);
  v("exact_kernel_bytes", s.exact_kernel_bytes);
  v.omit_empty("class_names", s.class_names);
  v.omit_empty("notes", s.notes);
}

Json to_json(const TraceEstimate& e) { return write_fields(e); }
Json to_json(const TraceResult& r) { return write_fields(r); }
Json to_json(const CompareResult& r) { return write_fields(r); }
Json to_json(const MetricsResult& r) { return write_fields(r); }
Json to_json(const SpectrumResult& r) { return write_fields(r); }
Json to_json(const DataPreview& p) { return write_fields(p); }
Json to_json(const LayerTraces& t) { return write_fields(t); }
Json to_json(const LayersResult& r) { return write_fields(r); }
Json to_json(const KernelResult& r) { return write_fields(r); }
Json to_json(const ProblemSummary& s) { return write_fields(s); }

}  // namespace ts
