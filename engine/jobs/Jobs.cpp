#include "jobs/Jobs.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "analysis/LayerTraces.h"
#include "analysis/MetricCatalog.h"
#include "analysis/Metrics.h"
#include "analysis/Nystrom.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "dist/Communicator.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "io/Spec.h"
#include "jobs/Agreement.h"
#include "jobs/ProblemBuild.h"
#include "models/Model.h"
#include "pntk/Pntk.h"

namespace ts {

JvpMode parse_jvp(const std::string& s) {
  if (s == "forward") return JvpMode::Forward;
  if (s == "double-backward" || s == "double_backward") return JvpMode::DoubleBackward;
  if (s == "auto") return JvpMode::Auto;
  throw InputError("JVP mode '" + s + "' is not forward, double-backward or auto");
}

int64_t product_block(const TangentMap& J, const ComputeConfig& c) {
  if (c.product_batch >= 0) return c.product_batch;
  // A block multiplies the activations' gradients and tangents as well as the P-vectors: counted too.
  return TangentMap::block_for_budget(J.param_size(), J.state_size(), c.memory_budget,
                                      J.state().element_size(), J.activation_bytes());
}

void apply_product_block(TangentMap& J, const ComputeConfig& c) {
  if (c.product_batch >= 0)
    J.set_block(c.product_batch);
  else
    J.set_block_measured(product_block(J, c));
}

namespace {

// This rank's rows of the batch (dist::share): a copy, so the rest can be freed with the data set.
at::Tensor batch_share(const at::Tensor& inputs) {
  const dist::Share s = dist::share(inputs.size(0), dist::world().rank(), dist::world().size());
  if (s.count == 0)
    throw InputError("--distribute batch: " + std::to_string(inputs.size(0)) +
                     " inputs cannot be shared by " + std::to_string(dist::world().size()) +
                     " ranks (each needs at least one)");
  return inputs.narrow(0, s.begin, s.count).clone();
}

// Which JVP path ran (forward mode falls back to double backward by itself on operators without a formula).
JvpPath jvp_path(const TangentMap& J) {
  JvpPath p;
  p.path = J.jvp_path();
  p.fallback = J.jvp_fallback();
  p.choice = J.jvp_choice();
  p.vjp = J.vjp_path();
  p.jvp_batching = J.jvp_mode() == JvpMode::Forward ? J.jvp_batching() : "per-vector";
  p.kernel = J.kernel_path();
  p.block = J.block();
  p.block_choice = J.block_choice();
  p.batching_fallback = J.batching_fallback();
  p.ranks = J.ranks();
  p.distribute = J.batch_split() ? "batch" : "products";
  return p;
}

// The model as loaded. P counts trainable parameters only unless the selection asks for frozen ones; say
// both.
ProblemSummary summarize(const ProblemSpec& p, const Problem& pr) {
  ProblemSummary s;
  s.model = p.model;
  s.kind = pr.model->kind();
  s.input_shape = shape_to_string(pr.model->input_shape());
  s.output_shape = shape_to_string(pr.J->output_shape());
  const InputType& in = pr.model->input_type();
  s.input_dtype = in.name();
  if (in.has_range()) s.input_range = {in.low, in.high};
  s.params_total = pr.model->num_parameters();
  s.params_frozen = pr.model->num_frozen_parameters();
  s.params = pr.J->param_size();
  s.d = pr.J->state_size();
  s.data = pr.data.description;
  s.layers = pr.model->layer_summary();
  s.class_names = pr.model->class_names();
  s.notes = pr.model->file_notes();
  return s;
}

// The second snapshot of an alignment must be the same network: the same parameter names, in the same order,
// of the same shapes. The message names the first difference.
void check_same_architecture(const Model& a, const std::string& spec_a, const Model& b,
                             const std::string& spec_b) {
  const std::string fix = ": the two snapshots must be of one architecture";
  const auto& na = a.parameter_names();
  const auto& nb = b.parameter_names();
  const size_t n = std::min(na.size(), nb.size());
  for (size_t i = 0; i < n; ++i) {
    if (na[i] != nb[i])
      throw InputError("--model-b '" + spec_b + "' does not have the parameters of --model '" + spec_a +
                       "': parameter " + std::to_string(i + 1) + " is '" + nb[i] + "' there but '" + na[i] +
                       "' in --model" + fix);
    const auto sa = a.parameters()[i].sizes().vec(), sb = b.parameters()[i].sizes().vec();
    if (sa != sb)
      throw InputError("--model-b '" + spec_b + "': parameter '" + na[i] + "' has shape [" +
                       shape_to_string(sb) + "] there but [" + shape_to_string(sa) + "] in --model '" +
                       spec_a + "'" + fix);
  }
  if (na.size() != nb.size())
    throw InputError("--model-b '" + spec_b + "' has " + std::to_string(nb.size()) +
                     " parameter tensors, --model '" + spec_a + "' " + std::to_string(na.size()) +
                     " (the first extra one: '" + (na.size() > nb.size() ? na[n] : nb[n]) + "')" + fix);
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
  pr.model = make_model(p.model, shape, p.compute, p.params, p.output);
  pr.data = load_data(p.data, pr.model->input_shape(), p.compute.seed, p.compute.memory_budget,
                      pr.model->input_type());
  dist::require_same_problem(pr.data, pr.model.get());  // several ranks: each was given the same
  const auto opts = tensor_options(p.compute);
  const JvpMode mode = parse_jvp(p.jvp);
  if (p.compute.distribute != "products" && p.compute.distribute != "batch")
    throw InputError("--distribute '" + p.compute.distribute + "' is not products or batch");
  // Split the batch over the ranks: each holds its share of the inputs' rows (its part of J).
  const bool split = p.compute.distribute == "batch" && dist::world().size() > 1;
  const at::Tensor x = split ? batch_share(pr.data.inputs) : pr.data.inputs;
  pr.J = std::make_unique<TangentMap>(pr.model, to_model_input(x, opts), mode);
  if (split) pr.J->split_batch();
  apply_product_block(*pr.J, p.compute);
  if (need_b) {
    if (p.model_b.empty())
      throw InputError(
          "alignment and distance compare two snapshots of the model: give the second as --model-b");
    // Every message about the second snapshot says it is --model-b's.
    try {
      pr.model_b = make_model(p.model_b, pr.model->input_shape(), p.compute, p.params, p.output);
    } catch (const InputError& e) {
      throw InputError("--model-b: " + std::string(e.what()));
    }
    check_same_architecture(*pr.model, p.model, *pr.model_b, p.model_b);
    try {
      pr.Jb = std::make_unique<TangentMap>(pr.model_b, to_model_input(x, opts), mode);
    } catch (const InputError& e) {
      throw InputError("--model-b: " + std::string(e.what()));
    }
    if (split) pr.Jb->split_batch();
    pr.Jb->set_block(pr.J->block());
  }
  return pr;
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

TraceResult run_trace_job(const TraceRequest& job, const RunControl& rc) {
  if (job.repeats < 1) throw InputError("--repeats must be at least 1");
  Problem pr = build_problem(job.problem, false);
  pr.J->set_control(&rc);
  TraceResult res;
  res.request = job;
  res.blas = blas_description();
  const KernelChoice kc = choose_kernel(*pr.J, job.problem.kernel);
  res.d = kc.size;
  res.params = pr.J->param_size();
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
    const bool vjps = res.exact_method.rfind("vjp", 0) == 0;  // "vjp" or "vjp-per-input": d VJPs either way
    (vjps ? t.vjps : t.jvps) = vjps ? res.d : res.params;
    res.estimate = t;
    res.repeats = {t};
    res.jvp = jvp_path(*pr.J);
    return res;
  }
  for (int r = 0; r < job.repeats; ++r) {
    EstimatorOptions o = job.estimator;
    o.seed = job.estimator.seed + static_cast<uint64_t>(r);
    res.repeats.push_back(estimate_trace(op(kc), kc.factor.get(), o, rc));
  }
  res.estimate = res.repeats.front();
  res.jvp = jvp_path(*pr.J);
  return res;
}

double relative_error(double estimate, double exact) {
  return std::fabs(estimate - exact) / std::max(std::fabs(exact), 1e-300);
}

CompareResult run_compare_job(const CompareRequest& job, const RunControl& rc) {
  if (job.methods.empty()) throw InputError("choose at least one estimator to compare");
  Problem pr = build_problem(job.problem, false);
  pr.J->set_control(&rc);
  const KernelChoice kc = choose_kernel(*pr.J, job.problem.kernel);
  CompareResult out;
  out.request = job;
  out.blas = blas_description();
  out.d = kc.size;
  out.params = pr.J->param_size();
  out.model = summarize(job.problem, pr);
  // The estimates first, published as soon as they exist: the exact trace (often far slower) follows in the
  // same run, so a display shows the estimates at once and the exact value arriving.
  for (const auto& method : job.methods) {
    EstimatorOptions o = job.estimator;
    o.method = method;
    o.record_history = true;
    CompareRun run;
    run.estimate = estimate_trace(op(kc), kc.factor.get(), o, rc);
    out.runs.push_back(std::move(run));
  }
  if (job.exact) {
    out.jvp = jvp_path(*pr.J);
    rc.publish("compare-estimates", out);
    const ExactTrace e = kernel_exact_trace(*pr.J, kc, rc);
    out.exact = e.value;
    out.exact_seconds = e.seconds;
    out.exact_method = e.method;
    for (auto& run : out.runs) run.rel_error = relative_error(run.estimate.estimate, *out.exact);
  }
  if (out.exact) {
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
          out.sweep.push_back(
              {e.method, m, r, e.estimate, relative_error(e.estimate, *out.exact), e.seconds});
        }
  }
  out.jvp = jvp_path(*pr.J);
  return out;
}

MetricsResult run_metrics_job(const MetricsRequest& job, const RunControl& rc) {
  require_entk(job.problem, "metrics");
  bool need_b = false;  // the metrics against a second snapshot (MetricCatalog: alignment, distance)
  for (const auto& m : job.metrics) need_b = need_b || find_metric(m).needs_second_kernel;
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
  mo.trace_per_input = job.trace_per_input;
  mo.memory_budget = job.problem.compute.memory_budget;
  MetricsResult out;
  out.request = job;
  out.blas = blas_description();
  out.metrics = compute_metrics(*pr.J, pr.Jb.get(), targets, mo, rc);
  out.d = pr.J->state_size();
  out.params = pr.J->param_size();
  out.jvp = jvp_path(*pr.J);
  return out;
}

LayersResult run_layers_job(const LayersRequest& request, const RunControl& rc) {
  require_entk(request.problem, "layers");
  Problem pr = build_problem(request.problem, false);
  pr.J->set_control(&rc);
  LayersResult out;
  out.request = request;
  out.blas = blas_description();
  out.d = pr.J->state_size();
  out.params = pr.J->param_size();
  LayerTraceOptions o = request.options;
  o.memory_budget = request.problem.compute.memory_budget;
  out.traces = layer_traces(*pr.J, o, rc);
  out.jvp = jvp_path(*pr.J);
  return out;
}

SpectrumResult run_spectrum_job(const SpectrumRequest& request, const RunControl& rc) {
  const ProblemSpec& p = request.problem;
  const int64_t top = request.top;
  require_entk(p, "spectrum");
  Problem pr = build_problem(p, false);
  pr.J->set_control(&rc);
  detail::Stopwatch t0;
  SpectrumResult out;
  out.request = request;
  out.d = pr.J->state_size();
  out.params = pr.J->param_size();
  at::Tensor ev;
  try {
    const ExactKernel K = exact_kernel(*pr.J, p.compute.memory_budget, rc);
    ev = K.eigenvalues().contiguous();
    out.kernel = K.gram ? "Gram matrix JᵀJ (P < d)" : "eNTK JJᵀ";
    out.trace = K.trace();
    out.frobenius = K.frobenius();
  } catch (const MemoryBudgetError& e) {
    // Too big to form: the top of the spectrum from a Nyström sketch (rank matvecs, no d×d matrix).
    const int64_t rank = std::min<int64_t>(top > 0 ? top : 200, pr.J->state_size());
    NtkOperator K(*pr.J);
    ev = nystrom_eigenvalues(K, rank, p.compute.seed, rc).contiguous();
    out.kernel = "Nyström approximation of rank " + std::to_string(rank) + " (" + e.what() + ")";
    out.approximate = true;
  }
  const int64_t n = top > 0 ? std::min(top, ev.numel()) : ev.numel();
  out.eigenvalues.assign(ev.data_ptr<double>(), ev.data_ptr<double>() + n);
  out.seconds = t0.seconds();
  return out;
}

DataPreview preview_data(const std::string& data_spec, int count, uint64_t seed) {
  const Dataset all = load_data(data_spec, {}, seed);
  const Dataset d = subset(all, count, seed);
  DataPreview out;
  out.description = all.description;
  out.size = all.size();
  out.image_shape = all.image_shape;
  out.classes = all.num_classes;
  for (int64_t i = 0; i < std::min<int64_t>(count, d.size()); ++i) {
    PreviewSample s;
    if (d.labels.defined()) {
      const int64_t label = d.labels[i].item<int64_t>();
      s.label = label;
      if (label < static_cast<int64_t>(d.class_names.size()))
        s.class_name = d.class_names[static_cast<size_t>(label)];
    }
    const at::Tensor x = d.inputs[i].reshape({-1}).contiguous();
    s.pixels.assign(x.data_ptr<double>(), x.data_ptr<double>() + x.numel());
    out.samples.push_back(std::move(s));
  }
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

double predicted_dense_seconds_of(const TraceEstimate& e) {
  return predicted_dense_seconds({e.dense_flops, e.random_draws});
}

ProblemSummary describe_problem(const ProblemSpec& p) {
  Problem pr = build_problem(p, false);
  ProblemSummary s = summarize(p, pr);
  s.parameter_names = pr.model->parameter_names();
  s.parameters = pr.model->parameter_summary();
  s.exact_kernel_bytes =
      exact_kernel_bytes(pr.J->state_size(), pr.J->param_size(), pr.model->options().dtype().toScalarType());
  return s;
}

}  // namespace ts
