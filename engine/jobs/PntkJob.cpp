// The pNTK against the eNTK on one batch (docs/MATH.md §6; Mohamadi, Bae, Sutherland, ICML 2023).
#include "jobs/PntkJob.h"

#include <algorithm>
#include <cmath>

#include "core/Errors.h"
#include "core/PeakMemory.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "jobs/ProblemBuild.h"
#include "pntk/Pntk.h"
#include "pntk/PntkCompare.h"

namespace ts {

namespace {

// Both kernels sorted by class and average-pooled to at most `side` pixels, for the app's heat maps. The eNTK
// is laid out by output first (O × O blocks of N × N, each sorted by class): its structure Θ ≈ Θ̂ ⊗ I is then
// O bright diagonal blocks, where the sample-major order spread it over every pixel.
PntkHeatMaps heatmaps(const at::Tensor& K, const at::Tensor& Kp, const at::Tensor& labels, int64_t outputs,
                      int64_t side) {
  const int64_t n = Kp.size(0);
  const at::Tensor order =
      labels.defined() ? std::get<1>(labels.sort(/*stable=*/true, 0, false)) : at::arange(n, at::kLong);
  const at::Tensor state_order =
      (order.unsqueeze(0) * outputs + at::arange(outputs, at::kLong).unsqueeze(1)).reshape({-1});
  auto pooled = [&](const at::Tensor& M, const at::Tensor& idx) {
    const at::Tensor sorted = M.index_select(0, idx).index_select(1, idx);
    const int64_t s = std::min<int64_t>(side, sorted.size(0));
    const at::Tensor p =
        at::adaptive_avg_pool2d(sorted.unsqueeze(0).unsqueeze(0), {s, s}).reshape({-1}).contiguous();
    PntkHeatMap m;
    m.size = s;
    m.source_size = sorted.size(0);
    m.values.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    return m;
  };
  PntkHeatMaps h;
  h.pntk = pooled(Kp, order);
  if (K.defined()) h.entk = pooled(K, state_order);
  if (labels.defined()) {
    const at::Tensor l = labels.index_select(0, order).contiguous();
    h.labels.assign(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
  }
  return h;
}

PntkRegression regression(const PntkErrors& e) {
  PntkRegression r;
  r.n_train = e.n_train;
  r.n_heldout = e.n_heldout;
  r.rel_prediction_error = e.rel_prediction;
  r.rel_prediction_error_ridge = e.rel_prediction_ridge;
  r.ridge = e.ridge;
  r.ridge_absolute = e.ridge_absolute;
  r.train_residual = e.train_residual;
  r.train_residual_pntk = e.train_residual_pntk;
  r.heldout_accuracy = e.heldout_accuracy;
  r.heldout_accuracy_pntk = e.heldout_accuracy_pntk;
  return r;
}

}  // namespace

PntkResult run_pntk_job(const PntkRequest& request, const RunControl& rc) {
  const ProblemSpec& p = request.problem;
  Problem pr = build_problem(p, false);
  pr.J->set_control(&rc);
  const PntkVariant variant = parse_pntk_variant(request.variant);
  const int64_t n = pr.J->output_shape().front(), o = pr.J->state_size() / n, params = pr.J->param_size();
  const at::ScalarType dtype = pr.J->options().dtype().toScalarType();
  const int64_t elem = static_cast<int64_t>(c10::elementSize(dtype));
  PntkResult out;
  out.request = request;
  at::Tensor P;
  {
    PeakMemory peak;
    detail::Stopwatch t0;
    P = exact_pntk(*pr.J, variant, p.compute.memory_budget, rc).to(at::kDouble);
    out.seconds = t0.seconds();
    out.peak_bytes = peak.bytes();
  }
  out.N = n;
  out.outputs = o;
  out.params = params;
  out.variant = variant.name();
  out.trace = at::trace(P).item<double>();
  out.frobenius = P.norm().item<double>();
  out.lambda_max = at::linalg_eigvalsh(P).max().item<double>();
  out.bytes = (n * params + n * n) * elem;
  out.kernel_bytes = n * n * elem;
  at::Tensor K;
  if (request.compare) {
    out.entk_bytes = (n * o * params + n * o * n * o) * elem;
    out.entk_kernel_bytes = n * o * n * o * elem;
    try {
      check_memory_budget("the eNTK (d = " + std::to_string(n * o) + ")", 3 * n * o * n * o * int64_t(8),
                          p.compute.memory_budget);
      PeakMemory peak;
      detail::Stopwatch t0;
      const at::Tensor Jm = jacobian(*pr.J, p.compute.memory_budget, rc);
      K = gram_by_blocks(Jm, rc, "eNTK J Jᵀ").to(at::kDouble);
      out.entk_seconds = t0.seconds();
      out.entk_peak_bytes = peak.bytes();
    } catch (const MemoryBudgetError& e) {
      const ExactTrace t = exact_trace(*pr.J, rc);
      out.entk_note = std::string("the eNTK is not built: ") + e.what();
      out.entk_trace = t.value;
      out.entk_seconds = t.seconds;
    }
    if (K.defined()) {
      out.entk_trace = at::trace(K).item<double>();
      out.entk_frobenius = K.norm().item<double>();
      const int64_t heldout = request.heldout < 0 ? n / 5 : request.heldout;
      if (heldout >= n)
        throw InputError("--heldout " + std::to_string(heldout) + " leaves no training point in a batch of " +
                         std::to_string(n));
      at::Tensor Y;
      try {
        Y = target_matrix(pr.data, o);
      } catch (const InputError& e) {
        out.has_targets = false;
        out.regression_note = std::string("no kernel regression: ") + e.what();
      }
      // Without targets the matrix errors still stand; regress on zeros only to reuse one code path.
      const PntkErrors e = compare_pntk(K, P, Y.defined() ? Y : at::zeros({n, o}, at::kDouble), n - heldout,
                                        request.ridge, pr.data.labels);
      out.entk_lambda_max = e.lambda_max;
      out.rel_frobenius_error = e.rel_frobenius;
      out.rel_lambda_max_error = e.rel_lambda_max;
      if (Y.defined() && heldout == 0)
        out.regression_note = "no kernel regression: --heldout 0 keeps no point out";
      else if (Y.defined())
        out.regression = regression(e);
      out.speedup = *out.entk_seconds / out.seconds;
    }
    out.rel_trace_error = std::fabs(*out.entk_trace - double(o) * out.trace) / std::fabs(*out.entk_trace);
  }
  if (request.heatmap > 0) out.heatmaps = heatmaps(K, P, pr.data.labels, o, request.heatmap);
  return out;
}

}  // namespace ts
