// The loss-Hessian trace for MSE (docs/MATH.md §6): the pNTK approximation against the true trace by HVPs.
#include <chrono>
#include <cmath>

#include "autodiff/LossHessian.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "jobs/PntkJobs.h"
#include "jobs/ProblemBuild.h"
#include "pntk/Pntk.h"
#include "training/Training.h"

namespace ts {

namespace {

double rel(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

}  // namespace

Json run_hessian_job(const HessianJob& job, const RunControl& rc) {
  if (job.probes < 2)
    throw InputError(
        "Hessian trace: --matvecs (the Hutchinson probes) must be at least 2 (the error estimate needs two), "
        "got " +
        std::to_string(job.probes));
  if (job.epochs < 0) throw InputError("Hessian trace: --epochs must not be negative");
  Problem pr = build_problem(job.problem, false);
  const int64_t n = pr.J->output_shape().front(), o = pr.J->state_size() / n;
  at::Tensor Y;
  try {
    Y = target_matrix(pr.data, o);
  } catch (const InputError& e) {
    throw InputError(std::string("Hessian trace (MSE loss): ") + e.what());
  }
  if (job.exact && pr.J->param_size() > 20000)
    throw InputError("Hessian trace: the exact trace needs P = " + std::to_string(pr.J->param_size()) +
                     " HVPs; it is offered up to 20,000 parameters");
  const at::Tensor x = pr.J->inputs();

  Json stages = Json::array();
  auto measure = [&](const std::string& stage, int epoch) {
    TangentMap J(pr.model, x);
    J.set_control(&rc);
    Json s = Json::object();
    s["stage"] = stage;
    s["epoch"] = epoch;
    detail::Stopwatch t0;
    const ExactTrace gn = exact_trace(J, rc);
    s["gauss_newton"] = gn.value / double(n);
    s["gauss_newton_seconds"] = t0.seconds();
    t0 = detail::Stopwatch();
    const double tr = exact_pntk_trace(PntkOperator(J, PntkVariant{}), rc);
    s["pntk_approximation"] = double(o) * tr / double(n);
    s["pntk_seconds"] = t0.seconds();

    LossHessian H(pr.model, x, Y);
    H.set_control(&rc);
    s["loss"] = H.loss();
    EstimatorOptions eo;
    eo.method = "hutchinson";
    eo.matvecs = job.probes;
    eo.seed = job.problem.compute.seed;
    eo.block = 16;
    const TraceEstimate h = hutchinson(H, eo, rc);
    s["hutchinson"] = h.estimate;
    s["hutchinson_std_error"] = h.std_error.value_or(std::nan(""));
    s["hutchinson_probes"] = h.matvecs;
    s["hutchinson_seconds"] = h.seconds;
    if (job.exact) {
      t0 = detail::Stopwatch();
      s["exact"] = matvec_baseline(H, 0, rc, 16).value;
      s["exact_seconds"] = t0.seconds();
    }
    const double truth = job.exact ? s.at("exact").number() : h.estimate;
    s["reference"] = job.exact ? "exact" : "hutchinson";
    s["rel_error_pntk"] = rel(s.at("pntk_approximation").number(), truth);
    s["rel_error_gauss_newton"] = rel(s.at("gauss_newton").number(), truth);
    s["rel_error_pntk_vs_gauss_newton"] =
        rel(s.at("pntk_approximation").number(), s.at("gauss_newton").number());
    stages.push_back(s);
  };

  measure("init", 0);
  TrainOptions to = job.training;
  if (job.epochs > 0) {
    to.loss = "mse";
    to.epochs = job.epochs;
    to.seed = job.problem.compute.seed;
    train_model(*pr.model, pr.data, nullptr, to, rc);
    measure("trained", job.epochs);
  }
  Json out = Json::object();
  out["N"] = n;
  out["outputs"] = o;
  out["params"] = pr.J->param_size();
  out["loss"] = "mse: (1/N) sum_n 0.5 ||f(x_n) - y_n||^2";
  out["stages"] = stages;
  Json cfg = Json::object();
  cfg["problem"] = to_json(job.problem);
  cfg["probes"] = job.probes;
  cfg["exact"] = job.exact;
  cfg["epochs"] = job.epochs;
  if (job.epochs > 0) cfg["training"] = to_json(to);
  out["config"] = cfg;
  return out;
}

}  // namespace ts
