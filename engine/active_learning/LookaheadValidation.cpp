#include "active_learning/LookaheadValidation.h"

#include <chrono>
#include <cmath>

#include "active_learning/ActiveLearning.h"
#include "active_learning/Lookahead.h"
#include "active_learning/LookaheadKernel.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "estimators/EstimatorSupport.h"
#include "io/Spec.h"
#include "training/Training.h"

namespace ts {

namespace {

double pearson(const at::Tensor& a_in, const at::Tensor& b_in) {
  const at::Tensor a = a_in.reshape({-1}).to(at::kDouble), b = b_in.reshape({-1}).to(at::kDouble);
  const at::Tensor da = a - a.mean(), db = b - b.mean();
  const double den = (da.norm() * db.norm()).item<double>();
  return den > 0 ? (da * db).sum().item<double>() / den : NAN;
}

at::Tensor ranks(const at::Tensor& v) { return v.argsort().argsort().to(at::kDouble); }

}  // namespace

RetrainValidationResult validate_lookahead(const std::shared_ptr<const Model>& trained,
                                           const Dataset& labelled, const Dataset& pool,
                                           const RetrainValidationOptions& o, const RunControl& rc) {
  const int64_t nl = labelled.size(), nu = pool.size();
  if (nl == 0) throw InputError("look-ahead validation needs a non-empty labelled set");
  if (o.candidates < 1 || o.candidates > nu)
    throw InputError("--candidates must be between 1 and the pool size " + std::to_string(nu) + ", got " +
                     std::to_string(o.candidates));
  const auto opts = trained->options();
  const at::Tensor xl = to_model_input(labelled.inputs, opts), xu = to_model_input(pool.inputs, opts);

  // The look-ahead for every pool candidate, as the MLMOC strategy runs it: kernel, one factor, all scores.
  detail::Stopwatch t0;
  const LookaheadKernel kern = lookahead_kernel(trained, at::cat({xl, xu}), o.kernel, o.memory_budget, rc);
  LinearisedProblem p;
  p.gram = kern.gram;
  p.q = kern.q;
  p.f0 = flat_outputs(*trained, at::cat({xl, xu})).to(kern.gram.device());
  p.targets = at::zeros_like(p.f0);
  p.targets.narrow(0, 0, nl).copy_(at::one_hot(labelled.labels, p.f0.size(1)));
  std::vector<int64_t> li, ui;
  for (int64_t i = 0; i < nl; ++i) li.push_back(i);
  for (int64_t i = 0; i < nu; ++i) ui.push_back(nl + i);
  const Lookahead lk(p, li, ui);
  const LookaheadScores all = lk.score({}, false, rc);
  const double ntk_total = t0.seconds();

  auto gen = make_generator(o.seed);
  const at::Tensor pos = std::get<0>(
      at::randperm(nu, gen, at::TensorOptions().dtype(at::kLong)).narrow(0, 0, o.candidates).sort());
  const at::Tensor pseudo = all.pseudo.index_select(0, pos).cpu();
  const at::Tensor f_u = lk.model_pool();
  const at::Tensor pred = lk.retrained_pool(pos, pseudo) - f_u.unsqueeze(0);  // [C, |U|, O]

  RunControl quiet;
  quiet.cancel = rc.cancel;
  // What adding x′ itself does: both predictions also contain the common part "keep fitting L" (f_L is not at
  // the minimum of the loss on L), which dominates the raw change and is the same for every candidate.
  // Subtracting the linearised learner on L alone, and an SGD retraining on L alone with the same settings,
  // isolates x′'s effect.
  const at::Tensor pred_l = lk.learner_pool() - f_u;
  at::Tensor real_l;
  {
    std::shared_ptr<Model> m = trained->clone();
    train_model(*m, labelled, nullptr, o.retraining, quiet);
    real_l = flat_outputs(*m, xu) - f_u;
  }
  RetrainValidationResult out;
  std::vector<double> s_pred, s_sgd, corr, rel, e_pred, e_sgd, e_corr, e_rel;
  double sgd_total = 0;
  for (int64_t c = 0; c < o.candidates; ++c) {
    rc.check();
    const int64_t j = pos[c].item<int64_t>(), y = pseudo[c].item<int64_t>();
    Dataset plus = labelled;
    plus.inputs = at::cat({labelled.inputs, pool.inputs.narrow(0, j, 1)});
    plus.labels = at::cat({labelled.labels, at::full({1}, y, at::kLong)});
    plus.targets = at::Tensor();
    detail::Stopwatch t1;
    std::shared_ptr<Model> m = trained->clone();  // warm start from θ_L
    train_model(*m, plus, nullptr, o.retraining, quiet);
    const at::Tensor real = flat_outputs(*m, xu) - f_u;
    const double secs = t1.seconds();
    sgd_total += secs;
    const at::Tensor d = pred[c];
    RetrainCandidate r;
    r.pool_position = j;
    r.pseudo_label = y;
    r.score_ntk = d.norm(2, {1}).sum().item<double>();
    r.score_sgd = real.norm(2, {1}).sum().item<double>();
    r.correlation = pearson(d, real);
    r.relative_error = ((d - real).norm() / real.norm().clamp_min(1e-300)).item<double>();
    r.sgd_seconds = secs;
    const at::Tensor ed = d - pred_l, er = real - real_l;
    r.effect_score_ntk = ed.norm(2, {1}).sum().item<double>();
    r.effect_score_sgd = er.norm(2, {1}).sum().item<double>();
    r.effect_correlation = pearson(ed, er);
    r.effect_relative_error = ((ed - er).norm() / er.norm().clamp_min(1e-300)).item<double>();
    e_pred.push_back(r.effect_score_ntk);
    e_sgd.push_back(r.effect_score_sgd);
    e_corr.push_back(r.effect_correlation);
    e_rel.push_back(r.effect_relative_error);
    s_pred.push_back(r.score_ntk);
    s_sgd.push_back(r.score_sgd);
    corr.push_back(r.correlation);
    rel.push_back(r.relative_error);
    out.per_candidate.push_back(r);
    rc.report(c + 1, o.candidates, "SGD retraining per candidate");
  }
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? NAN : s / double(v.size());
  };
  const at::Tensor sp = at::tensor(s_pred, at::kDouble), ss = at::tensor(s_sgd, at::kDouble);
  out.kernel = o.kernel;
  out.labelled = nl;
  out.pool = nu;
  out.candidates = o.candidates;
  out.kernel_shift = lk.shift();
  out.kernel_seconds = kern.seconds;
  out.ntk_seconds_total = ntk_total;
  out.ntk_seconds_per_candidate = ntk_total / double(nu);
  out.sgd_seconds_per_candidate = sgd_total / double(o.candidates);
  out.speedup = (sgd_total / double(o.candidates)) / (ntk_total / double(nu));
  out.mean_change_correlation = mean(corr);
  out.mean_relative_error = mean(rel);
  out.score_correlation = o.candidates > 1 ? pearson(sp, ss) : NAN;
  out.score_rank_correlation = o.candidates > 1 ? pearson(ranks(sp), ranks(ss)) : NAN;
  const at::Tensor ep = at::tensor(e_pred, at::kDouble), es = at::tensor(e_sgd, at::kDouble);
  out.mean_effect_correlation = mean(e_corr);
  out.mean_effect_relative_error = mean(e_rel);
  out.effect_score_correlation = o.candidates > 1 ? pearson(ep, es) : NAN;
  out.effect_score_rank_correlation = o.candidates > 1 ? pearson(ranks(ep), ranks(es)) : NAN;
  out.common_part_relative_size =
      (pred_l.norm() / pred.norm(2, {1, 2}).mean().clamp_min(1e-300)).item<double>();
  out.retraining = o.retraining;
  return out;
}

RetrainValidationResult run_retrain_validation(const AlRequest& job, const RetrainValidationOptions& options,
                                               const RunControl& rc) {
  validate_al_job(job);
  apply_threads(job.compute);
  std::vector<int64_t> shape;
  if (!job.input_shape.empty()) shape = parse_shape(job.input_shape, "--input-shape");
  std::shared_ptr<Model> model = make_model(job.model, shape, job.compute, job.params, job.output);
  const auto [train, test] = load_al_data(job, model->input_shape(), model->input_type());
  const std::vector<int64_t> l = initial_labelled(train, job.initial, job.stratified, job.compute.seed);
  if (l.empty()) throw InputError("look-ahead validation needs --initial of at least 1");
  std::vector<int64_t> rest;
  size_t k = 0;
  for (int64_t i = 0; i < train.size(); ++i) {
    if (k < l.size() && l[k] == i)
      ++k;
    else
      rest.push_back(i);
  }
  auto gen = make_generator(job.compute.seed + 1);
  at::Tensor u = at::tensor(at::IntArrayRef(rest), at::TensorOptions().dtype(at::kLong));
  if (job.pool_subset > 0 && job.pool_subset < u.numel())
    u = std::get<0>(
        u.index_select(0, at::randperm(u.numel(), gen, u.options()).narrow(0, 0, job.pool_subset)).sort());
  const Dataset labelled = train.select(at::tensor(at::IntArrayRef(l), u.options())), pool = train.select(u);
  TrainOptions to = job.training;
  to.seed = job.compute.seed;
  RunControl quiet;
  quiet.cancel = rc.cancel;
  detail::Stopwatch t0;
  train_model(*model, labelled, nullptr, to, quiet);
  const double train_s = t0.seconds();
  RetrainValidationOptions o = options;
  o.kernel = job.kernel;
  o.memory_budget = job.compute.memory_budget;
  RetrainValidationResult out = validate_lookahead(model, labelled, pool, o, rc);
  out.train_seconds = train_s;
  out.initial_test_accuracy = evaluate(*model, test, to.loss).second;
  out.request = job;
  out.blas = blas_description();
  return out;
}

}  // namespace ts
