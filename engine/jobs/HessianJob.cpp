// The loss-Hessian trace for MSE (docs/MATH.md §6): the pNTK approximation against the true trace by HVPs.
#include "jobs/HessianJob.h"

#include <chrono>
#include <cmath>

#include "autodiff/LossHessian.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "jobs/ProblemBuild.h"
#include "pntk/Pntk.h"
#include "training/Training.h"

namespace ts {

namespace {

double relative_difference(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

}  // namespace

HessianResult run_hessian_job(const HessianRequest& request, const RunControl& rc) {
  if (request.probes < 2)
    throw InputError(
        "Hessian trace: --matvecs (the Hutchinson probes) must be at least 2 (the error estimate needs two), "
        "got " +
        std::to_string(request.probes));
  if (request.epochs < 0) throw InputError("Hessian trace: --epochs must not be negative");
  Problem pr = build_problem(request.problem, false);
  const int64_t n = pr.J->output_shape().front(), o = pr.J->state_size() / n;
  at::Tensor Y;
  try {
    Y = target_matrix(pr.data, o);
  } catch (const InputError& e) {
    throw InputError(std::string("Hessian trace (MSE loss): ") + e.what());
  }
  if (request.exact && pr.J->param_size() > 20000)
    throw InputError("Hessian trace: the exact trace needs P = " + std::to_string(pr.J->param_size()) +
                     " HVPs; it is offered up to 20,000 parameters");
  if (pr.J->batch_split())
    throw InputError(
        "Hessian trace: --distribute batch is not offered (the loss Hessian is computed whole on "
        "every rank); use --distribute products");
  const at::Tensor x = pr.J->inputs();

  HessianResult out;
  auto measure = [&](const std::string& stage, int epoch) {
    TangentMap J(pr.model, x);
    J.set_control(&rc);
    HessianStage s;
    s.stage = stage;
    s.epoch = epoch;
    detail::Stopwatch t0;
    const ExactTrace gn = exact_trace(J, rc);
    s.gauss_newton = gn.value / double(n);
    s.gauss_newton_seconds = t0.seconds();
    t0 = detail::Stopwatch();
    const double tr = exact_pntk_trace(PntkOperator(J, PntkVariant{}), rc);
    s.pntk_approximation = double(o) * tr / double(n);
    s.pntk_seconds = t0.seconds();

    LossHessian H(pr.model, x, Y);
    H.set_control(&rc);
    s.loss = H.loss();
    EstimatorOptions eo;
    eo.method = "hutchinson";
    eo.matvecs = request.probes;
    eo.seed = request.problem.compute.seed;
    eo.block = 16;
    const TraceEstimate h = hutchinson(H, eo, rc);
    s.hutchinson = h.estimate;
    s.hutchinson_std_error = h.std_error.value_or(std::nan(""));
    s.hutchinson_probes = h.matvecs;
    s.hutchinson_seconds = h.seconds;
    if (request.exact) {
      t0 = detail::Stopwatch();
      s.exact = matvec_baseline(H, 0, rc, 16).value;
      s.exact_seconds = t0.seconds();
    }
    const double truth = request.exact ? *s.exact : h.estimate;
    s.reference = request.exact ? "exact" : "hutchinson";
    s.rel_error_pntk = relative_difference(s.pntk_approximation, truth);
    s.rel_error_gauss_newton = relative_difference(s.gauss_newton, truth);
    s.rel_error_pntk_vs_gauss_newton = relative_difference(s.pntk_approximation, s.gauss_newton);
    out.stages.push_back(s);
  };

  measure("init", 0);
  TrainOptions to = request.training;
  if (request.epochs > 0) {
    to.loss = "mse";
    to.epochs = request.epochs;
    to.seed = request.problem.compute.seed;
    train_model(*pr.model, pr.data, nullptr, to, rc);
    measure("trained", request.epochs);
  }
  out.request = request;
  out.request.training = to;  // as run
  out.N = n;
  out.outputs = o;
  out.params = pr.J->param_size();
  return out;
}

}  // namespace ts
