// The published look-ahead's parts (docs/MATH.md §7): each objective's value and ranking against a direct
// computation from independently retrained outputs, the finite-time predictors against a matrix exponential
// and an ODE integration, the ridge schedule, the learner's one-cycle schedule against PyTorch's OneCycleLR,
// Student-t intervals, and the preset and ablation bench from the command line.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <vector>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "active_learning/ActiveLearning.h"
#include "active_learning/LearningCurve.h"
#include "active_learning/Lookahead.h"
#include "active_learning/LookaheadKernel.h"
#include "active_learning/LookaheadObjective.h"
#include "active_learning/QueryStrategies.h"
#include "active_learning/RankOneScores.h"
#include "cli/Cli.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/StudentT.h"
#include "core/TorchUtil.h"
#include "jobs/AlJob.h"
#include "models/Model.h"
#include "pntk/Pntk.h"
#include "training/Training.h"

using namespace ts;

namespace test_lookahead_objectives {

namespace {

// As test_active_learning: gram = J Jᵀ with more columns than rows, so Θ is positive definite.
LinearisedProblem random_problem(int64_t n, int64_t q, int64_t o, uint64_t seed) {
  auto gen = make_generator(seed);
  const auto opt = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor J = draw_normal(gen, {n * q, 3 * n * q + 5}, opt);
  LinearisedProblem p;
  p.gram = at::matmul(J, J.t());
  p.q = q;
  p.f0 = 0.3 * draw_normal(gen, {n, o}, opt);
  p.targets = at::one_hot(at::randint(o, {n}, gen, at::TensorOptions().dtype(at::kLong)), o).to(at::kDouble);
  return p;
}

// Π_Δ(z) by bisection on λ in Σ max(z_c + λ, 0) = 1: a different algorithm from the sort-based one.
std::vector<double> project(const std::vector<double>& z) {
  double lo = -*std::max_element(z.begin(), z.end()), hi = lo + 1 + 1e-9;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    double s = 0;
    for (double v : z) s += std::max(v + mid, 0.0);
    (s > 1 ? hi : lo) = mid;
  }
  std::vector<double> x;
  for (double v : z) x.push_back(std::max(v + 0.5 * (lo + hi), 0.0));
  return x;
}

std::vector<double> row(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

size_t argmax(const std::vector<double>& v) {
  return size_t(std::max_element(v.begin(), v.end()) - v.begin());
}

// The objective from outputs F [|U|, O] and reference R, with plain loops.
double direct_objective(const std::string& o, const at::Tensor& F, const at::Tensor& R, double T) {
  const int64_t nu = F.size(0);
  double v = 0;
  for (int64_t j = 0; j < nu; ++j) {
    const std::vector<double> f = row(F[j]), r = row(R[j]);
    if (o == "norm") {
      double s = 0;
      for (size_t c = 0; c < f.size(); ++c) s += (f[c] - r[c]) * (f[c] - r[c]);
      v += std::sqrt(s);
    } else if (o == "flips") {
      v += argmax(f) != argmax(r);
    } else if (o == "pseudo-contrastive") {
      v += double(argmax(f) == argmax(r)) / double(nu);
    } else if (o == "pseudo-er") {
      const std::vector<double> p = project(f);
      v += 1 - *std::max_element(p.begin(), p.end());
    } else if (o == "t-softmax") {
      auto s = [&](const std::vector<double>& z) {
        std::vector<double> p = project(z), e;
        if (T == 1) return p;
        double sum = 0;
        for (double x : p) e.push_back(std::exp(std::log(x) / T)), sum += e.back();
        for (double& x : e) x /= sum;
        return e;
      };
      const std::vector<double> a = s(f), b = s(r);
      for (size_t c = 0; c < a.size(); ++c) v += (a[c] - b[c]) * (a[c] - b[c]);
    }
  }
  return o == "t-softmax" ? std::sqrt(v) : v;
}

}  // namespace

class TestLookaheadObjectives : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The sort-based projection equals bisection, lands on the simplex, and leaves points of it unchanged.
  void simplexProjection() {
    auto gen = make_generator(4);
    const at::Tensor z = 2.0 * draw_normal(gen, {200, 10}, at::TensorOptions().dtype(at::kDouble));
    const at::Tensor p = simplex_projection(z);
    for (int64_t i = 0; i < z.size(0); ++i) {
      const std::vector<double> want = project(row(z[i])), got = row(p[i]);
      for (size_t c = 0; c < want.size(); ++c) TS_CHECK_CLOSE(got[c], want[c], 0.0, 1e-12);
    }
    TS_CHECK_CLOSE((p.sum(1) - 1).abs().max().item<double>(), 0.0, 0.0, 1e-14);
    QVERIFY(p.min().item<double>() >= 0);
    TS_CHECK_CLOSE((simplex_projection(p) - p).abs().max().item<double>(), 0.0, 0.0, 1e-15);
  }

  // Every objective, both kernel layouts and both references: the value equals the direct computation from
  // a fresh solve per candidate (direct_retrained), and the expected objectives weight every label's value by
  // Π_Δ f_ref(x′).
  void objectivesEqualADirectComputation() {
    const int64_t n = 16, o = 3;
    for (int64_t q : {int64_t(1), o})
      for (const char* reference : {"model", "ntk"}) {
        const LinearisedProblem p = random_problem(n, q, o, 20 + uint64_t(q));
        const std::vector<int64_t> L{0, 1, 2, 3, 4, 5, 6}, U{7, 8, 9, 10, 11, 12, 13, 14, 15};
        LookaheadOptions opt;
        opt.reference = reference;
        opt.temperature = 0.5;
        Lookahead lk(p, L, U, opt);
        const at::Tensor R = std::string(reference) == "ntk" ? lk.learner_pool() : lk.model_pool();
        for (const auto& objective : lookahead_objectives()) {
          const LookaheadScores s = lk.score({}, false, {}, objective);
          for (int64_t i = 0; i < int64_t(U.size()); ++i) {
            const int64_t pseudo = R[i].argmax().item<int64_t>();
            QCOMPARE(s.pseudo[i].item<int64_t>(), pseudo);
            double want = 0;
            if (objective_expected(objective)) {
              const std::vector<double> w = project(row(R[i]));
              for (int64_t c = 0; c < o; ++c) {
                const at::Tensor F = direct_retrained(p, L, U[size_t(i)], c, U);
                want += w[size_t(c)] *
                        direct_objective(objective == "eer" ? "pseudo-er" : "pseudo-contrastive", F, R, 1.0);
              }
            } else {
              want = direct_objective(objective, direct_retrained(p, L, U[size_t(i)], pseudo, U), R, 0.5);
            }
            TS_CHECK_CLOSE(s.value[i].item<double>(), want, 1e-9, 1e-12);
          }
        }
      }
  }

  // The strategies' rankings on a small trained model: the k queried positions are the k best by the
  // objective's direction, ties to the lower position, computed here from the same kernel by direct solves.
  void strategiesRankByTheirObjective() {
    ComputeConfig cc;
    cc.dtype = "float64";
    std::shared_ptr<Model> model = make_model("mlp:in=64,width=24,depth=2,out=10", {}, cc);
    const Dataset d = load_data("digits:n=60", model->input_shape(), 0);
    TrainOptions to = default_al_training();
    to.epochs = 5;
    train_model(*model, d.select(at::arange(20, at::kLong)), nullptr, to);
    QueryContext ctx;
    ctx.model = model;
    ctx.x_labelled = d.inputs.narrow(0, 0, 20).to(model->options());
    ctx.y_labelled = d.labels.narrow(0, 0, 20);
    ctx.x_pool = d.inputs.narrow(0, 20, 40).to(model->options());
    ctx.lookahead.ridge = 1e-3;
    const LookaheadKernel kern =
        lookahead_kernel(model, at::cat({ctx.x_labelled, ctx.x_pool}), "pntk", int64_t(1) << 30);
    LinearisedProblem p;
    p.gram = kern.gram;
    p.f0 = model->forward(at::cat({ctx.x_labelled, ctx.x_pool})).detach().to(at::kDouble);
    p.targets = at::zeros_like(p.f0);
    p.targets.narrow(0, 0, 20).copy_(at::one_hot(ctx.y_labelled, 10));
    std::vector<int64_t> L(20), U(40);
    std::iota(L.begin(), L.end(), 0);
    std::iota(U.begin(), U.end(), 20);
    const double ridge = 1e-3 * p.gram.index_select(0, at::arange(20, at::kLong))
                                    .index_select(1, at::arange(20, at::kLong))
                                    .diagonal()
                                    .mean()
                                    .item<double>();
    const at::Tensor R = p.f0.narrow(0, 20, 40);
    for (const auto& strategy : strategy_names()) {
      const std::string objective = strategy_objective(strategy);
      if (objective.empty() || objective_expected(objective) || objective == "flips") continue;
      std::vector<std::pair<double, int64_t>> key;
      for (int64_t i = 0; i < 40; ++i) {
        const at::Tensor F =
            direct_retrained(p, L, U[size_t(i)], R[i].argmax().item<int64_t>(), U, 0.0, ridge);
        const double v = direct_objective(objective, F, R, 1.0);
        key.push_back({objective_ascending(objective) ? v : -v, i});
      }
      std::sort(key.begin(), key.end());  // by value, then position
      const QueryResult q = select_queries(strategy, ctx, 6);
      for (size_t i = 0; i < 6; ++i) {
        // Equal values (agreement counts) tie exactly; others are distinct in these data.
        QVERIFY2(q.positions[i] == key[i].second ||
                     std::abs(std::abs(key[i].first) - std::abs(q.scores[i])) < 1e-9,
                 (strategy + " position " + std::to_string(i)).c_str());
        TS_CHECK_CLOSE(q.scores[i], std::abs(key[i].first), 1e-8, 1e-10);
      }
    }
  }

  // The MLP's per-layer pNTK equals J_g J_gᵀ from per-item VJPs for each parameterisation, activation and
  // depth; other models and parameter subsets take the general path, and the memory budget follows the path.
  void mlpPntkGramEqualsTheGeneralOne() {
    ComputeConfig cc;
    cc.dtype = "float64";
    const Dataset d = load_data("digits:n=40", {64}, 0);
    for (const char* spec :
         {"mlp:in=64,width=24,depth=2,out=10", "mlp:in=64,width=16,depth=3,out=4,act=tanh,param=ntk",
          "mlp:in=64,width=8,depth=2,out=3,bias=0,final_act=sigmoid", "mlp:in=64,depth=1,out=5,act=gelu"}) {
      std::shared_ptr<Model> model = make_model(spec, {}, cc);
      const at::Tensor x = d.inputs.to(model->options());
      const at::Tensor fast = mlp_pntk_gram(*model, x);
      QVERIFY2(fast.defined(), spec);
      const at::Tensor jg = pntk_jacobian(model, x, PntkVariant{}, int64_t(1) << 30);
      const at::Tensor slow = at::matmul(jg, jg.t());
      TS_CHECK_CLOSE((fast - slow).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * slow.abs().max().item<double>());
    }
    std::shared_ptr<Model> subset = make_model("mlp:in=64,width=8,depth=2,out=3", {}, cc, "w0");
    QVERIFY(!mlp_pntk_gram(*subset, d.inputs.to(subset->options())).defined());
    // The memory budget counts what each path holds: Θ and two N × N products for the MLP, J_g otherwise.
    const int64_t budget = 100 << 10;
    QVERIFY(
        lookahead_kernel(make_model("mlp:in=64,width=24,depth=2,out=10", {}, cc), d.inputs, "pntk", budget)
            .gram.defined());
    TS_EXPECT_THROW(MemoryBudgetError,
                    lookahead_kernel(subset, d.inputs.to(subset->options()), "pntk", budget),
                    "look-ahead pNTK");
    std::shared_ptr<Model> cnn = make_model("cnn:channels=1,width=4,out=10", {1, 8, 8}, cc);
    QVERIFY(!mlp_pntk_gram(*cnn, d.inputs.reshape({40, 1, 8, 8}).to(cnn->options())).defined());
  }

  // Finite time: gradient flow equals f₀ + Θ(U,X) Θ⁻¹ (I − exp(−ηtΘ/(N·O))) r by a matrix exponential; a
  // long flow is kernel regression; momentum equals an RK4 integration of the heavy-ball ODE.
  void finiteTimePredictors() {
    const int64_t n = 12, o = 3;
    for (int64_t q : {int64_t(1), o}) {
      const LinearisedProblem p = random_problem(n, q, o, 40 + uint64_t(q));
      const std::vector<int64_t> L{0, 1, 2, 3, 4, 5}, U{6, 7, 8, 9, 10, 11};
      std::vector<int64_t> plus = L;
      plus.push_back(U[2]);
      const int64_t label = 1, m = o / q;
      auto rows = [&](const std::vector<int64_t>& items) {
        return (at::tensor(at::IntArrayRef(items), at::kLong).unsqueeze(1) * q + at::arange(q, at::kLong))
            .reshape({-1});
      };
      const at::Tensor rp = rows(plus), ru = rows(U);
      const at::Tensor K = p.gram.index_select(0, rp).index_select(1, rp),
                       Kup = p.gram.index_select(0, ru).index_select(1, rp);
      at::Tensor y = p.targets.index_select(0, at::tensor(at::IntArrayRef(plus), at::kLong)).clone();
      y[int64_t(plus.size()) - 1].copy_(
          at::one_hot(at::tensor(label, at::kLong), o).to(at::kDouble).reshape({o}));
      const at::Tensor r =
          (y - p.f0.index_select(0, at::tensor(at::IntArrayRef(plus), at::kLong))).reshape({-1, m});
      const double norm = double(plus.size() * o);
      const double lambda_max = at::linalg_eigvalsh(K).max().item<double>();
      LookaheadOptions flow;
      flow.lr = 0.5;
      flow.time = 0.7 * norm / lambda_max / flow.lr;  // the fastest mode at e^{−0.7}: far from converged
      const at::Tensor expm = at::linalg_matrix_exp(-flow.lr * flow.time * K / norm);
      const at::Tensor want =
          p.f0.index_select(0, at::tensor(at::IntArrayRef(U), at::kLong)) +
          at::matmul(Kup, at::linalg_solve(K, at::matmul(at::eye(K.size(0), at::kDouble) - expm, r)))
              .reshape({-1, o});
      Lookahead lk(p, L, U, flow);
      const at::Tensor got =
          lk.retrained_pool(at::tensor({int64_t(2)}, at::kLong), at::tensor({label}, at::kLong))[0];
      TS_CHECK_CLOSE((got - want).abs().max().item<double>(), 0.0, 0.0,
                     1e-9 * want.abs().max().item<double>());
      QVERIFY((got - direct_retrained(p, L, U[2], label, U)).abs().max().item<double>() >
              1e-3);  // not converged
      LookaheadOptions long_flow;
      long_flow.time = 1e6 * norm / at::linalg_eigvalsh(K).min().item<double>();
      Lookahead lk_long(p, L, U, long_flow);
      const at::Tensor inf = direct_retrained(p, L, U[2], label, U);
      TS_CHECK_CLOSE(
          (lk_long.retrained_pool(at::tensor({int64_t(2)}, at::kLong), at::tensor({label}, at::kLong))[0] -
           inf)
              .abs()
              .max()
              .item<double>(),
          0.0, 0.0, 1e-6 * inf.abs().max().item<double>());
      // Momentum: state (g, g′) of the training residual and (h, h′) of the pool outputs, τ = t√η.
      LookaheadOptions mom = flow;
      mom.momentum = 0.8;
      const double tau = mom.time * std::sqrt(mom.lr), mu = (mom.momentum - 1) / std::sqrt(mom.lr);
      const int steps = 20000;
      const double dt = tau / steps;
      at::Tensor g = -r.clone(), gv = at::zeros_like(g);  // f(X) − Y
      at::Tensor h = at::zeros({ru.numel(), m}, at::kDouble), hv = at::zeros_like(h);
      auto acc = [&](const at::Tensor& gg, const at::Tensor& vv, const at::Tensor& kern) {
        return -at::matmul(kern, gg) / norm + mu * vv;
      };
      for (int s = 0; s < steps; ++s) {  // RK4 on the linear system
        const at::Tensor k1g = gv, k1v = acc(g, gv, K), k1h = hv, k1w = acc(g, hv, Kup);
        const at::Tensor g2 = g + 0.5 * dt * k1g, v2 = gv + 0.5 * dt * k1v, w2 = hv + 0.5 * dt * k1w;
        const at::Tensor k2g = v2, k2v = acc(g2, v2, K), k2h = w2, k2w = acc(g2, w2, Kup);
        const at::Tensor g3 = g + 0.5 * dt * k2g, v3 = gv + 0.5 * dt * k2v, w3 = hv + 0.5 * dt * k2w;
        const at::Tensor k3g = v3, k3v = acc(g3, v3, K), k3h = w3, k3w = acc(g3, w3, Kup);
        const at::Tensor g4 = g + dt * k3g, v4 = gv + dt * k3v, w4 = hv + dt * k3w;
        const at::Tensor k4g = v4, k4v = acc(g4, v4, K), k4h = w4, k4w = acc(g4, w4, Kup);
        g = g + dt / 6 * (k1g + 2 * k2g + 2 * k3g + k4g);
        gv = gv + dt / 6 * (k1v + 2 * k2v + 2 * k3v + k4v);
        h = h + dt / 6 * (k1h + 2 * k2h + 2 * k3h + k4h);
        hv = hv + dt / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
      }
      const at::Tensor want_m =
          p.f0.index_select(0, at::tensor(at::IntArrayRef(U), at::kLong)) + h.reshape({-1, o});
      Lookahead lk_m(p, L, U, mom);
      const at::Tensor got_m =
          lk_m.retrained_pool(at::tensor({int64_t(2)}, at::kLong), at::tensor({label}, at::kLong))[0];
      TS_CHECK_CLOSE((got_m - want_m).abs().max().item<double>(), 0.0, 0.0,
                     1e-8 * want_m.abs().max().item<double>());
      QVERIFY((got_m - got).abs().max().item<double>() > 1e-4);  // momentum changes the answer
    }
  }

  // The one-pass scores of the pNTK at t = ∞ equal the tensor path's on the formed outputs F = f₀ + (δ₀ + w
  // a): counts exactly (ties included: one candidate leaves F = f₀ + δ₀, whose rows hold repeated maxima),
  // the rest to rounding, for K = 1 and for every label.
  void rankOneScoresEqualTheTensorPath() {
    auto gen = make_generator(31);
    const auto dopt = at::TensorOptions().dtype(at::kDouble);
    const int64_t c = 7, nu = 50, o = 4;
    at::Tensor f0 = draw_normal(gen, {nu, o}, dopt), d0 = 0.3 * draw_normal(gen, {nu, o}, dopt);
    f0.narrow(0, 0, 10).select(1, 1).copy_(f0.narrow(0, 0, 10).select(1, 2));  // repeated entries
    d0.narrow(0, 0, 10).zero_();
    at::Tensor w = draw_normal(gen, {c, nu}, dopt);
    w[0].zero_();
    const at::Tensor ref = f0 + 0.2 * draw_normal(gen, {nu, o}, dopt);
    const at::Tensor ref_arg = argmax_last(ref);
    const at::Tensor pseudo = at::tensor(std::vector<int64_t>{1, 0, 3, 2, 1, 1, 0}, at::kLong);
    const at::Tensor weights = simplex_projection(draw_normal(gen, {c, o}, dopt));
    for (const auto& objective : lookahead_objectives()) {
      const bool expected = objective_expected(objective);
      const at::Tensor labels =
          expected ? at::arange(o, at::kLong).unsqueeze(0).expand({c, o}).contiguous() : pseudo.unsqueeze(1);
      const int64_t nk = labels.size(1);
      const at::Tensor a = draw_normal(gen, {c, nk, o}, dopt);
      // F[c, k, i, :] as Lookahead::retrained_pool forms it.
      const at::Tensor F = f0.reshape({1, 1, nu, o}) +
                           (d0.reshape({1, 1, nu, o}) + w.reshape({c, 1, nu, 1}) * a.reshape({c, nk, 1, o}));
      const RankOneResult got =
          rank_one_scores(objective, RankOneTerms{f0, d0, w, a}, ref, ref_arg, labels, pseudo, weights, 0.7);
      at::Tensor flin = F.select(1, 0);
      at::Tensor want;
      if (expected) {
        flin = F.gather(1, pseudo.view({c, 1, 1, 1}).expand({c, 1, nu, o})).squeeze(1);
        want = expected_objective_values(objective, F, ref, weights);
      } else {
        want = objective_values(objective, flin, ref, 0.7);
      }
      QVERIFY(at::equal(got.flips, (argmax_last(flin) != ref_arg.unsqueeze(0)).sum(1)));
      TS_CHECK_CLOSE((got.norm - norm_last(flin - ref.unsqueeze(0)).sum(1)).abs().max().item<double>(), 0.0,
                     0.0, 1e-12);
      for (int64_t i = 0; i < c; ++i)
        TS_CHECK_CLOSE(got.value[i].item<double>(), want[i].item<double>(), 1e-13, 1e-14);
      if (objective == "pseudo-contrastive" || objective == "expected-contrastive" || objective == "flips")
        QVERIFY(at::equal(got.value, want));
    }
    TS_EXPECT_THROW(InputError,
                    rank_one_scores("t-softmax", RankOneTerms{f0, d0, w, w.unsqueeze(1).narrow(2, 0, o)}, ref,
                                    ref_arg, pseudo.unsqueeze(1), pseudo, at::Tensor(), 0.0),
                    "temperature");
  }

  // The ridge regularises the labelled items only, grows per cycle as the published code's, and the bordered
  // update with it equals a direct solve.
  void ridgeSchedule() {
    LookaheadOptions o;
    o.ridge = 1e-5;
    o.ridge_per_cycle = 1e-5;
    o.ridge_start_cycle = 6;
    QCOMPARE(lookahead_ridge(o, 5), 0.0);
    QCOMPARE(lookahead_ridge(o, 6), 1e-5);
    TS_CHECK_CLOSE(lookahead_ridge(o, 10), 5e-5, 1e-15, 0.0);
    const LinearisedProblem p = random_problem(10, 1, 3, 7);
    const std::vector<int64_t> L{0, 1, 2, 3, 4}, U{5, 6, 7, 8, 9};
    LookaheadOptions big;
    big.ridge = 0.3;
    Lookahead lk(p, L, U, big);
    TS_CHECK_CLOSE(lk.ridge(),
                   0.3 * p.gram.index_select(0, at::arange(5, at::kLong))
                             .index_select(1, at::arange(5, at::kLong))
                             .diagonal()
                             .mean()
                             .item<double>(),
                   1e-14, 0.0);
    const at::Tensor got =
        lk.retrained_pool(at::tensor({int64_t(1)}, at::kLong), at::tensor({int64_t(2)}, at::kLong))[0];
    const at::Tensor want = direct_retrained(p, L, 6, 2, U, 0.0, lk.ridge());
    TS_CHECK_CLOSE((got - want).abs().max().item<double>(), 0.0, 0.0, 1e-10);
    QVERIFY((want - direct_retrained(p, L, 6, 2, U)).abs().max().item<double>() > 1e-3);
  }

  // PyTorch 1.13's OneCycleLR(SGD, max_lr=1.25, total_steps=20) gave these learning rates and momenta.
  void oneCycleMatchesPyTorch() {
    const double lr[] = {0.050000000000000044,
                         0.16458980337503148,
                         0.46458980337503153,
                         0.8354101966249684,
                         1.1354101966249683,
                         1.25,
                         1.2343300077938593,
                         1.1881057900168421,
                         1.1136452219638124,
                         1.014682067437204,
                         0.896178752239126,
                         0.7640775274203616,
                         0.6250025,
                         0.4859274725796384,
                         0.35382624776087396,
                         0.2353229325627962,
                         0.13635977803618754,
                         0.06189920998315786,
                         0.015674992206140693,
                         5e-06};
    const double mom[] = {0.95,
                          0.9404508497187474,
                          0.9154508497187474,
                          0.8845491502812526,
                          0.8595491502812526,
                          0.85,
                          0.8512536043909088,
                          0.854951556604879,
                          0.8609084258765984,
                          0.8688255099070633,
                          0.878305813044122,
                          0.8888739533021842,
                          0.8999999999999999,
                          0.9111260466978157,
                          0.9216941869558779,
                          0.9311744900929366,
                          0.9390915741234015,
                          0.945048443395121,
                          0.9487463956090911,
                          0.95};
    for (int s = 0; s < 20; ++s) {
      const OneCycleStep st = one_cycle(1.25, s, 20);
      TS_CHECK_CLOSE(st.lr, lr[s], 1e-12, 1e-15);
      TS_CHECK_CLOSE(st.momentum, mom[s], 1e-12, 0.0);
    }
    // The learner with the published optimiser trains (SGD, momentum, weight decay, one-cycle, mse_mean).
    ComputeConfig cc;
    cc.dtype = "float64";
    auto model = make_model("mlp:in=64,width=32,depth=2,out=10", {}, cc);
    const Dataset d = load_data("digits:n=200", model->input_shape(), 0);
    TrainOptions t;
    t.loss = "mse_mean";
    t.optimizer = "sgd";
    t.momentum = 0.9;
    t.weight_decay = 1e-4;
    t.schedule = "one-cycle";
    t.lr = 0.5;
    t.epochs = 20;
    t.batch_size = 32;
    const TrainResult r = train_model(*model, d, nullptr, t);
    QVERIFY(r.history.back().train_loss < 0.5 * r.history.front().train_loss);
    QVERIFY(r.history.back().train_accuracy > 0.6);
    t.schedule = "cosine";
    TS_EXPECT_THROW(InputError, train_model(*model, d, nullptr, t), "schedule 'cosine'");
  }

  // Student-t quantiles against the closed-form CDFs (tan(π(p − ½)) for one degree of freedom; the odd and
  // even finite sums for 5 and 30, inverted by bisection in Python), and the interval of a known sample.
  // The curve summary of the app's table and of the ablation report: the trapezoidal mean accuracy.
  void learningCurveAuc() {
    // 0.5 → 0.7 over 10 labels, then 0.7 → 0.9 over 30: (6 + 24) / 40 = 0.75.
    QVERIFY(std::fabs(learning_curve_auc({10, 20, 50}, {0.5, 0.7, 0.9}) - 0.75) < 1e-15);
    QCOMPARE(learning_curve_auc({10}, {0.4}), 0.4);
    QVERIFY(std::isnan(learning_curve_auc({}, {})));
    QVERIFY(std::isnan(learning_curve_auc({5, 5}, {0.1, 0.2})));
  }

  void studentTIntervals() {
    TS_CHECK_CLOSE(student_t_quantile(0.975, 1), 12.706204736174696, 1e-12, 0.0);
    TS_CHECK_CLOSE(student_t_quantile(0.975, 5), 2.570581835636314, 1e-12, 0.0);
    TS_CHECK_CLOSE(student_t_quantile(0.975, 30), 2.0422724563012378, 1e-12, 0.0);
    const MeanInterval m = t_interval({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, NAN});
    QCOMPARE(m.n, 6);
    TS_CHECK_CLOSE(m.mean, 3.5, 1e-15, 0.0);
    TS_CHECK_CLOSE(m.half_width, 2.570581835636314 * std::sqrt(3.5) / std::sqrt(6.0), 1e-12, 0.0);
    QCOMPARE(t_interval({2.0}).half_width, 0.0);
    QVERIFY(std::isnan(t_interval({}).mean));
    TS_EXPECT_THROW(InputError, student_t_quantile(1.0, 3), "0 < p < 1");
  }

  // `al --preset published` records the preset and the look-ahead; bench al-ablation runs chosen
  // configurations and writes its table; bad options name themselves.
  void presetAndAblationFromTheCommandLine() {
    std::ostringstream out, err;
    const std::string dir = std::string(TS_TEST_TMP) + "/al-preset";
    QCOMPARE(cli::run({"al",
                       "--preset",
                       "published",
                       "--model",
                       "mlp:in=64,width=16,depth=2,out=10",
                       "--data",
                       "digits:n=300",
                       "--initial",
                       "20",
                       "--query",
                       "5",
                       "--cycles",
                       "2",
                       "--seeds",
                       "1",
                       "--pool-subset",
                       "60",
                       "--epochs",
                       "3",
                       "--strategy",
                       "random,mlmoc-pseudo-contrastive",
                       "--out",
                       dir},
                      out, err),
             0);
    std::ifstream js(dir + "/al.json");
    std::stringstream text;
    text << js.rdbuf();
    const Json j = parse_json(text.str());
    const Json& config = j.at("config");
    QCOMPARE(config.at("preset").get<std::string>(), std::string("published"));
    QCOMPARE(config.at("training").at("schedule").get<std::string>(), std::string("one-cycle"));
    QCOMPARE(config.at("training").at("epochs").get<int>(), 3);  // the option overrides the preset
    QCOMPARE(config.at("lookahead").at("time").get<std::string>(), std::string("inf"));
    QCOMPARE(config.at("retrain").get<std::string>(), std::string("warm"));
    std::ostringstream bench;
    const std::string bdir = std::string(TS_TEST_TMP) + "/al-ablation";
    QCOMPARE(cli::run({"bench",         "al-ablation",
                       "--model",       "mlp:in=64,width=16,depth=2,out=10",
                       "--data",        "digits:n=300",
                       "--initial",     "20",
                       "--query",       "5",
                       "--cycles",      "2",
                       "--seeds",       "2",
                       "--pool-subset", "60",
                       "--epochs",      "3",
                       "--configs",     "random,pc,pc-flow",
                       "--out",         bdir},
                      bench, err),
             0);
    QVERIFY2(bench.str().find("| pc-flow | mlmoc-pseudo-contrastive | 2 |") != std::string::npos,
             bench.str().c_str());
    std::ifstream curves(bdir + "/curves.csv");
    std::string line;
    int n = 0;
    while (std::getline(curves, line)) ++n;
    QCOMPARE(n, 1 + 3 * 2 * 3);
    QVERIFY(!std::ifstream(bdir + "/curves.partial.csv"));  // the progress files go once the run is published
    QVERIFY(!std::ifstream(bdir + "/ablation.partial.json"));
    // --resume reuses the finished configurations of the same set-up and runs the rest; the paired
    // differences are recomputed over the combined rows.
    const std::vector<std::string> small{"--model",       "mlp:in=64,width=16,depth=2,out=10",
                                         "--data",        "digits:n=300",
                                         "--initial",     "20",
                                         "--query",       "5",
                                         "--cycles",      "2",
                                         "--pool-subset", "60",
                                         "--epochs",      "3"};
    auto bench_args = [&](std::vector<std::string> extra) {
      std::vector<std::string> a{"bench", "al-ablation"};
      a.insert(a.end(), small.begin(), small.end());
      a.insert(a.end(), extra.begin(), extra.end());
      return a;
    };
    const std::string rdir = std::string(TS_TEST_TMP) + "/al-ablation-resumed";
    err.str("");
    std::ostringstream resumed;
    QCOMPARE(cli::run(bench_args(
                          {"--seeds", "2", "--configs", "margin,pc,random", "--resume", bdir, "--out", rdir}),
                      resumed, err),
             0);
    QVERIFY2(resumed.str().find("pc: reused from the earlier run") != std::string::npos,
             resumed.str().c_str());
    QVERIFY2(resumed.str().find("margin, seed 1") != std::string::npos, resumed.str().c_str());
    auto report = [](const std::string& d) {
      std::ifstream f(d + "/ablation.json");
      std::stringstream t;
      t << f.rdbuf();
      return parse_json(t.str());
    };
    const Json first = report(bdir), second = report(rdir);
    QCOMPARE(second["configurations"][1]["auc_per_seed"], first["configurations"][1]["auc_per_seed"]);  // pc
    QCOMPARE(second["configurations"][1]["final_accuracy"], first["configurations"][1]["final_accuracy"]);
    QVERIFY(second["configurations"][1].contains("auc_minus_margin"));
    QVERIFY(!first["configurations"][1].contains("auc_minus_margin"));
    std::ifstream rcurves(rdir + "/curves.csv");
    n = 0;
    while (std::getline(rcurves, line)) ++n;
    QCOMPARE(n, 1 + 3 * 2 * 3);
    err.str("");
    QCOMPARE(cli::run(bench_args({"--seeds", "3", "--configs", "pc", "--resume", bdir, "--out", rdir + "-3"}),
                      resumed, err),
             1);
    QVERIFY2(err.str().find("another set-up") != std::string::npos, err.str().c_str());
    err.str("");
    QCOMPARE(cli::run(bench_args({"--seeds", "2", "--resume", rdir + "-nowhere", "--out", rdir + "-3"}),
                      resumed, err),
             1);
    QVERIFY2(err.str().find("no ablation.json") != std::string::npos, err.str().c_str());
    err.str("");
    QCOMPARE(cli::run({"bench", "al-ablation", "--configs", "nope"}, bench, err), 1);
    QVERIFY2(err.str().find("unknown ablation configuration 'nope'") != std::string::npos, err.str().c_str());
    err.str("");
    QCOMPARE(cli::run({"al", "--preset", "paper", "--out", dir}, out, err), 1);
    // The parser refuses it, with the presets of the engine (al_presets()).
    QVERIFY2(err.str().find("--preset must be published, got 'paper'") != std::string::npos,
             err.str().c_str());
    err.str("");
    QCOMPARE(cli::run({"al", "--reference", "truth", "--out", dir}, out, err), 1);
    QVERIFY2(err.str().find("--reference") != std::string::npos, err.str().c_str());
  }
};

}  // namespace test_lookahead_objectives

TS_TEST_MAIN(test_lookahead_objectives::TestLookaheadObjectives, simplexProjection,
             objectivesEqualADirectComputation, strategiesRankByTheirObjective,
             mlpPntkGramEqualsTheGeneralOne, finiteTimePredictors, rankOneScoresEqualTheTensorPath,
             ridgeSchedule, oneCycleMatchesPyTorch, learningCurveAuc, studentTIntervals,
             presetAndAblationFromTheCommandLine)
#ifdef TS_HAVE_QT
#include "test_lookahead_objectives.moc"
#endif
