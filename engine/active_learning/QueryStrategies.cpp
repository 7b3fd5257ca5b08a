#include "active_learning/QueryStrategies.h"

#include <algorithm>
#include <cmath>

#include "active_learning/Lookahead.h"
#include "active_learning/LookaheadKernel.h"
#include "active_learning/LookaheadObjective.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "io/Spec.h"

namespace ts {

namespace {

// Positions of the k largest keys, ties to the lower position, so a ranking is reproducible.
std::vector<int64_t> top_k(const at::Tensor& key, int64_t k) {
  const at::Tensor order =
      std::get<1>(at::sort(key.to(at::kDouble).cpu(), /*stable=*/true, 0, /*descending=*/true));
  std::vector<int64_t> out(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) out[static_cast<size_t>(i)] = order[i].item<int64_t>();
  return out;
}

void take(QueryResult& r, const std::vector<int64_t>& pos, const at::Tensor& score,
          const at::Tensor& pseudo) {
  const at::Tensor s = score.to(at::kDouble).cpu();
  for (int64_t p : pos) {
    r.positions.push_back(p);
    r.scores.push_back(s[p].item<double>());
    r.pseudo_labels.push_back(pseudo.defined() ? pseudo[p].item<int64_t>() : -1);
  }
}

// k-centre greedy (Sener & Savarese): repeatedly the pool point farthest from every centre (L and earlier
// picks).
std::pair<std::vector<int64_t>, std::vector<double>> k_centre(const at::Tensor& fl, const at::Tensor& fu,
                                                              int64_t k, const RunControl& rc) {
  at::Tensor mind = at::cdist(fu, fl).amin(1);
  std::vector<int64_t> pos;
  std::vector<double> score;
  for (int64_t i = 0; i < k; ++i) {
    rc.check();
    const int64_t j = mind.argmax().item<int64_t>();
    pos.push_back(j);
    score.push_back(mind[j].item<double>());
    mind = at::minimum(mind, (fu - fu[j]).norm(2, {1}));
    mind[j].fill_(-1.0);  // chosen: never again
  }
  return {pos, score};
}

// k-means++ seeding (BADGE): the largest embedding first, then each next point with probability ∝ D², its
// squared distance to the nearest chosen point.
std::pair<std::vector<int64_t>, std::vector<double>> kmeanspp(const at::Tensor& g, int64_t k, uint64_t seed,
                                                              const RunControl& rc) {
  auto gen = make_generator(seed);
  const at::Tensor sq = g.pow(2).sum(1);
  int64_t j = sq.argmax().item<int64_t>();
  std::vector<int64_t> pos{j};
  std::vector<double> score{sq[j].item<double>()};
  at::Tensor d2 = (g - g[j]).pow(2).sum(1);
  d2[j].fill_(0.0);
  for (int64_t i = 1; i < k; ++i) {
    rc.check();
    const double total = d2.sum().item<double>();
    if (total > 0 && std::isfinite(total)) {
      j = at::multinomial(d2.cpu(), 1, false, gen).item<int64_t>();
    } else {  // every remaining point coincides with a centre: take the next unchosen one
      j = 0;
      while (std::find(pos.begin(), pos.end(), j) != pos.end()) ++j;
    }
    pos.push_back(j);
    score.push_back(d2[j].item<double>());
    d2 = at::minimum(d2, (g - g[j]).pow(2).sum(1));
    for (int64_t p : pos) d2[p].fill_(0.0);
  }
  return {pos, score};
}

QueryResult mlmoc(const QueryContext& ctx, int64_t k, const std::string& objective, const RunControl& rc) {
  const bool flips = objective == "flips";
  QueryResult r;
  const int64_t nl = ctx.x_labelled.size(0), nu = ctx.x_pool.size(0);
  const at::Tensor x = at::cat({ctx.x_labelled, ctx.x_pool});
  const LookaheadKernel kern = lookahead_kernel(ctx.model, x, ctx.kernel, ctx.memory_budget, rc);
  r.kernel_seconds = kern.seconds;
  LinearisedProblem p;
  p.gram = kern.gram;
  p.q = kern.q;
  p.f0 = flat_outputs(*ctx.model, x).to(kern.gram.device());
  p.targets = at::zeros_like(p.f0);
  p.targets.narrow(0, 0, nl).copy_(at::one_hot(ctx.y_labelled.to(at::kLong), p.f0.size(1)));
  std::vector<int64_t> labelled(static_cast<size_t>(nl)), pool(static_cast<size_t>(nu));
  for (int64_t i = 0; i < nl; ++i) labelled[static_cast<size_t>(i)] = i;
  for (int64_t i = 0; i < nu; ++i) pool[static_cast<size_t>(i)] = nl + i;
  Lookahead lk(p, labelled, pool, ctx.lookahead);
  r.kernel_shift = lk.shift();
  if (lk.shift() > 0) r.note = "Θ(X_L, X_L) needed a diagonal shift of " + std::to_string(lk.shift());
  // The key (higher first): the objective (negated where lower is queried first, ties to the lower position
  // by top_k's stable sort), or the flip count with the norm (scaled into [0, ½]) breaking ties.
  auto key_of = [&](const LookaheadScores& s) {
    if (flips) {
      const double mx = std::max(s.norm.max().item<double>(), 1e-300);
      return s.flips.to(at::kDouble) + 0.5 * s.norm.to(at::kDouble) / mx;
    }
    return objective_ascending(objective) ? -s.value : s.value;
  };
  auto score_of = [&](const LookaheadScores& s) { return s.value; };
  if (!ctx.sequential) {
    const LookaheadScores s = lk.score({}, false, rc, objective);
    take(r, top_k(key_of(s), k), score_of(s), s.pseudo);
    // For the app's gallery: what each chosen point's pseudo-label is predicted to do to the pool's outputs.
    const at::Tensor pos = at::tensor(at::IntArrayRef(r.positions), at::TensorOptions().dtype(at::kLong));
    const at::Tensor change = (lk.retrained_pool(pos, s.pseudo.index_select(0, pos.to(s.pseudo.device()))) -
                               lk.model_pool().unsqueeze(0))
                                  .mean(1)
                                  .to(at::kDouble)
                                  .cpu()
                                  .contiguous();
    for (int64_t i = 0; i < change.size(0); ++i)
      r.predicted_change.emplace_back(change[i].data_ptr<double>(),
                                      change[i].data_ptr<double>() + change.size(1));
    return r;
  }
  if (!ctx.oracle) throw InputError("sequential MLMOC needs an oracle for the labels of queried points");
  // Sequential: the linearised learner absorbs each answer (a bordered factor update) before the next query.
  for (int64_t i = 0; i < k; ++i) {
    const LookaheadScores s = lk.score({}, true, rc, objective);
    const int64_t best = top_k(key_of(s), 1).front();
    const int64_t original = lk.pool()[static_cast<size_t>(best)] - nl;
    r.positions.push_back(original);
    r.scores.push_back(score_of(s)[best].item<double>());
    r.pseudo_labels.push_back(s.pseudo[best].item<int64_t>());
    lk.add_labelled(best, ctx.oracle(original));
  }
  return r;
}

}  // namespace

at::Tensor penultimate_features(const Model& model, const at::Tensor& x, std::string* note) {
  const auto& names = model.parameter_names();
  bool identity_head = false;
  int64_t w = -1;
  if (model.kind() == "mlp") {
    const Spec spec = Spec::parse(model.spec());
    identity_head = spec.get("final_act", "none") == "none";
    for (int64_t i = static_cast<int64_t>(names.size()) - 1; i >= 0 && w < 0; --i)
      if (names[static_cast<size_t>(i)][0] == 'w') w = i;
  } else if (model.kind() == "cnn") {
    identity_head = true;
    w = std::find(names.begin(), names.end(), "fc_w") - names.begin();
  }
  if (!identity_head || w < 0 || model.parameters()[static_cast<size_t>(w)].dim() != 2) {
    if (note)
      *note = "penultimate features are not available for a '" + model.kind() + "' model; using its outputs";
    return flat_outputs(model, x);
  }
  // The last layer is h ↦ hWᵀ + b: with W = I and b = 0 the same forward returns h itself.
  std::vector<at::Tensor> p = model.parameters();
  const int64_t h = p[static_cast<size_t>(w)].size(1);
  p[static_cast<size_t>(w)] = at::eye(h, p[static_cast<size_t>(w)].options());
  const size_t b = static_cast<size_t>(w) + 1;
  if (b < p.size() && names[b][0] != 'w' && p[b].dim() == 1) p[b] = at::zeros({h}, p[b].options());
  at::NoGradGuard no_grad;
  const at::Tensor f = model.forward(p, x);
  return f.reshape({f.size(0), -1}).to(at::kDouble);
}

QueryResult select_queries(const std::string& strategy_in, const QueryContext& ctx, int64_t k,
                           const RunControl& rc) {
  const std::string strategy = canonical_strategy(strategy_in);
  const int64_t nu = ctx.x_pool.defined() ? ctx.x_pool.size(0) : 0;
  if (k < 1) throw InputError("the query batch size must be at least 1, got " + std::to_string(k));
  if (k > nu)
    throw InputError("cannot query " + std::to_string(k) + " points: the pool holds only " +
                     std::to_string(nu));
  const int64_t nl = ctx.x_labelled.defined() ? ctx.x_labelled.size(0) : 0;
  if (strategy_needs_model(strategy) && (!ctx.model || nl == 0))
    throw InputError("strategy '" + strategy +
                     "' needs a model trained on labelled data, but the labelled set is empty"
                     " (give at least one initial label)");
  QueryResult r;
  at::Tensor f, pseudo;
  if (ctx.model) {
    f = flat_outputs(*ctx.model, ctx.x_pool);
    pseudo = f.argmax(1).cpu();
  }
  if (strategy == "random") {
    auto gen = make_generator(ctx.seed);
    const at::Tensor perm = at::randperm(nu, gen, at::TensorOptions().dtype(at::kLong));
    std::vector<int64_t> pos;
    for (int64_t i = 0; i < k; ++i) pos.push_back(perm[i].item<int64_t>());
    take(r, pos, at::full({nu}, NAN, at::kDouble), pseudo);
    return r;
  }
  if (strategy == "entropy" || strategy == "margin" || strategy == "least-confidence") {
    const at::Tensor p = at::softmax(f, 1);
    at::Tensor s;
    if (strategy == "entropy") {
      s = -(p * at::log(p.clamp_min(1e-300))).sum(1);
    } else if (strategy == "margin") {
      const at::Tensor top2 = std::get<0>(p.topk(std::min<int64_t>(2, p.size(1)), 1));
      s = 1.0 - (top2.size(1) > 1 ? top2.select(1, 0) - top2.select(1, 1) : top2.select(1, 0));
    } else {
      s = 1.0 - std::get<0>(p.max(1));
    }
    take(r, top_k(s, k), s, pseudo);
    return r;
  }
  if (strategy == "coreset") {
    const at::Tensor fl = penultimate_features(*ctx.model, ctx.x_labelled, &r.note);
    const at::Tensor fu = penultimate_features(*ctx.model, ctx.x_pool);
    const auto [pos, score] = k_centre(fl, fu, k, rc);
    r.positions = pos;
    r.scores = score;
    for (int64_t p : pos) r.pseudo_labels.push_back(pseudo[p].item<int64_t>());
    return r;
  }
  if (strategy == "badge") {
    const at::Tensor h = penultimate_features(*ctx.model, ctx.x_pool, &r.note);
    const at::Tensor v = ctx.loss == "cross_entropy" ? at::softmax(f, 1) : f;
    const at::Tensor err =
        v - at::one_hot(f.argmax(1), f.size(1)).to(f.options());  // ∂loss/∂f at the pseudo-label
    const at::Tensor h1 = at::cat({h, at::ones({h.size(0), 1}, h.options())}, 1);
    const at::Tensor g = at::einsum("no,nh->noh", {err, h1}).reshape({nu, -1});
    const auto [pos, score] = kmeanspp(g, k, ctx.seed, rc);
    r.positions = pos;
    r.scores = score;
    for (int64_t p : pos) r.pseudo_labels.push_back(pseudo[p].item<int64_t>());
    return r;
  }
  return mlmoc(ctx, k, strategy_objective(strategy), rc);
}

}  // namespace ts
