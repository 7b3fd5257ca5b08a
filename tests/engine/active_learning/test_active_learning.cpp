// Look-ahead active learning (docs/MATH.md §7): the bordered update against a direct solve, linearised
// retraining against real gradient descent on a model that is linear in θ, a fixed-seed digits run of every
// strategy, bad configurations, and the command-line entry points.
#include <ATen/ATen.h>

#include <any>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "active_learning/ActiveLearning.h"
#include "active_learning/Lookahead.h"
#include "active_learning/LookaheadKernel.h"
#include "active_learning/QueryStrategies.h"
#include "autodiff/TangentMap.h"
#include "cli/Cli.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "jobs/AlJob.h"
#include "models/Model.h"
#include "pntk/Pntk.h"
#include "results/ResultJson.h"
#include "training/Training.h"

using namespace ts;

namespace test_active_learning {

namespace {

const double kEps = 2.220446049250313e-16;  // float64 unit roundoff ×2

at::Tensor f64() { return at::zeros({0}, at::kDouble); }

// A JSON object's member names in order, comma-separated.
std::string keys(const Json& o) {
  std::string k;
  for (const auto& kv : o.items()) k += (k.empty() ? "" : ",") + kv.key();
  return k;
}

// A random problem: gram = J Jᵀ for J ∈ R^{Nq×P}, P > Nq so Θ is positive definite.
LinearisedProblem random_problem(int64_t n, int64_t q, int64_t o, uint64_t seed) {
  auto gen = make_generator(seed);
  const auto opt = f64().options();
  const at::Tensor J = draw_normal(gen, {n * q, 3 * n * q + 5}, opt);
  LinearisedProblem p;
  p.gram = at::matmul(J, J.t());
  p.q = q;
  p.f0 = draw_normal(gen, {n, o}, opt);
  const at::Tensor labels = at::randint(o, {n}, gen, at::TensorOptions().dtype(at::kLong));
  p.targets = at::one_hot(labels, o).to(at::kDouble);
  return p;
}

double condition(const at::Tensor& K) {
  const at::Tensor e = at::linalg_eigvalsh(K);
  return (e.max() / e.min()).item<double>();
}

at::Tensor rows_of(const std::vector<int64_t>& items, int64_t q) {
  return (at::tensor(at::IntArrayRef(items), at::kLong).unsqueeze(1) * q + at::arange(q, at::kLong))
      .reshape({-1});
}

}  // namespace

class TestActiveLearning : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The bordered (Schur complement) update reusing Θ_LL's factor equals a direct solve with x′ appended, for
  // the pNTK layout (q = 1) and the eNTK's O-wide border (q = O); and the bordered factor growth of
  // add_labelled equals a fresh solve. Backward-stable solves give errors ≲ c·n·κ(Θ⁺)·ε relative to the size
  // of the change.
  void borderedUpdateEqualsDirectSolve() {
    const int64_t n = 14, o = 3;
    for (int64_t q : {int64_t(1), o}) {
      const LinearisedProblem p = random_problem(n, q, o, 10 + uint64_t(q));
      std::vector<int64_t> L{0, 1, 2, 3, 4, 5, 6, 7}, U{8, 9, 10, 11, 12, 13};
      Lookahead lk(p, L, U);
      QCOMPARE(lk.shift(), 0.0);
      for (int64_t pos = 0; pos < int64_t(U.size()); ++pos)
        for (int64_t label = 0; label < o; ++label) {
          const at::Tensor fast =
              lk.retrained_pool(at::tensor({pos}, at::kLong), at::tensor({label}, at::kLong))[0];
          const at::Tensor direct = direct_retrained(p, L, U[size_t(pos)], label, U);
          std::vector<int64_t> plus = L;
          plus.push_back(U[size_t(pos)]);
          const at::Tensor r = rows_of(plus, q);
          const double kappa = condition(p.gram.index_select(0, r).index_select(1, r));
          const double scale = (direct - lk.model_pool()).abs().max().item<double>();
          TS_CHECK_CLOSE((fast - direct).abs().max().item<double>(), 0.0, 0.0,
                         10.0 * double(r.numel()) * kappa * kEps * scale);
          QVERIFY(scale > 1e-3);  // the update really moves the outputs
        }
      // Scores: the norm and flip counts equal those computed from the retrained outputs themselves.
      const LookaheadScores s = lk.score({}, false);
      for (int64_t pos = 0; pos < int64_t(U.size()); ++pos) {
        const at::Tensor f = lk.retrained_pool(at::tensor({pos}, at::kLong), s.pseudo.narrow(0, pos, 1))[0];
        TS_CHECK_CLOSE(s.norm[pos].item<double>(), (f - lk.model_pool()).norm(2, {1}).sum().item<double>(),
                       1e-12, 0.0);
        QCOMPARE(s.flips[pos].item<int64_t>(),
                 (f.argmax(1) != lk.model_pool().argmax(1)).sum().item<int64_t>());
        QCOMPARE(s.pseudo[pos].item<int64_t>(), lk.model_pool()[pos].argmax().item<int64_t>());
      }
      // Sequential: the learner after add_labelled equals kernel regression on L ∪ {x′} solved afresh.
      const int64_t item = U[2];
      lk.add_labelled(2, 1);
      const std::vector<int64_t> rest{8, 9, 11, 12, 13};
      QVERIFY(lk.pool() == rest);
      const at::Tensor direct = direct_retrained(p, L, item, 1, rest);
      std::vector<int64_t> plus = L;
      plus.push_back(item);
      const at::Tensor r = rows_of(plus, q);
      const double kappa = condition(p.gram.index_select(0, r).index_select(1, r));
      TS_CHECK_CLOSE((lk.learner_pool() - direct).abs().max().item<double>(), 0.0, 0.0,
                     10.0 * double(r.numel()) * kappa * kEps * direct.abs().max().item<double>());
    }
  }

  // A duplicated labelled point makes Θ_LL singular: the factor takes a diagonal shift s, records it, and the
  // bordered update still equals the direct solve with the same s.
  void singularKernelGetsARecordedShift() {
    LinearisedProblem p = random_problem(8, 1, 2, 3);
    p.gram.select(0, 1).copy_(p.gram.select(0, 0));
    p.gram.select(1, 1).copy_(p.gram.select(1, 0));  // item 1 duplicates item 0
    const std::vector<int64_t> L{0, 1, 2, 3}, U{4, 5, 6, 7};
    Lookahead lk(p, L, U);
    QVERIFY(lk.shift() > 0);
    const at::Tensor fast = lk.retrained_pool(at::tensor({1}, at::kLong), at::tensor({0}, at::kLong))[0];
    const at::Tensor direct = direct_retrained(p, L, 5, 0, U, lk.shift());
    std::vector<int64_t> plus{0, 1, 2, 3, 5};
    const at::Tensor r = rows_of(plus, 1);
    const at::Tensor K = p.gram.index_select(0, r).index_select(1, r) + lk.shift() * at::eye(5, at::kDouble);
    TS_CHECK_CLOSE((fast - direct).abs().max().item<double>(), 0.0, 0.0,
                   50.0 * condition(K) * kEps * direct.abs().max().item<double>());
  }

  // f(θ, x) = Wx + b is linear in θ, so its kernel does not move: gradient descent on ½‖f − y‖² over L⁺ from
  // θ_L converges to θ_L + J⁺ᵀ Θ⁺⁻¹ (Y⁺ − f_L(X⁺)), whose outputs are exactly f_lin. After T steps with η =
  // N/λ_max the remaining error on the pool is Θ(U, X⁺) Θ⁺⁻¹ e_T (e_T the training residual), bounded by
  // ‖Θ(U,X⁺)Θ⁺⁻¹‖₂‖e_T‖.
  void linearModelRetrainingIsExact() {
    auto model = make_model("mlp:in=6,depth=1,out=3,seed=4", {}, test::config());
    auto gen = make_generator(5);
    const at::Tensor x = draw_normal(gen, {9, 6}, model->options());
    const std::vector<int64_t> L{0, 1, 2, 3}, U{4, 5, 6, 7, 8};
    const at::Tensor yl = at::tensor({0, 2, 1, 2}, at::kLong);
    for (const char* kernel : {"entk", "pntk"}) {
      const LookaheadKernel k = lookahead_kernel(model, x, kernel, int64_t(1) << 30);
      LinearisedProblem p;
      p.gram = k.gram;
      p.q = k.q;
      {
        at::NoGradGuard ng;
        p.f0 = model->forward(x);
      }
      p.targets = at::zeros_like(p.f0);
      p.targets.narrow(0, 0, 4).copy_(at::one_hot(yl, 3));
      Lookahead lk(p, L, U);
      QCOMPARE(lk.shift(), 0.0);
      const int64_t pos = 1, cand = U[pos];
      const int64_t pseudo = lk.model_pool()[pos].argmax().item<int64_t>();
      const at::Tensor flin =
          lk.retrained_pool(at::tensor({pos}, at::kLong), at::tensor({pseudo}, at::kLong))[0];

      // Θ⁺ for one output (eNTK = (x·x′ + 1) ⊗ I_O here) fixes the step size and the number of steps.
      const at::Tensor xp = at::cat({x.narrow(0, 0, 4), x.narrow(0, cand, 1)});
      const at::Tensor kp = at::matmul(xp, xp.t()) + 1.0;
      const at::Tensor ev = at::linalg_eigvalsh(kp);
      const double lmax = ev.max().item<double>(), lmin = ev.min().item<double>();
      Dataset plus;
      plus.inputs = xp;
      plus.labels = at::cat({yl, at::tensor({pseudo}, at::kLong)});
      plus.num_classes = 3;
      plus.description = "L+";
      TrainOptions o;
      o.optimizer = "sgd";
      o.loss = "mse";
      o.batch_size = 5;
      o.lr = 5.0 / lmax;
      o.epochs = static_cast<int>(std::ceil(std::log(1e-13) / std::log(1.0 - lmin / lmax)));
      auto retrained = model->clone();
      train_model(*retrained, plus, nullptr, o);
      at::NoGradGuard ng;
      const at::Tensor e = retrained->forward(xp) - at::one_hot(plus.labels, 3).to(at::kDouble);
      const at::Tensor xu = x.narrow(0, 4, 5);
      const at::Tensor kux = at::matmul(xu, xp.t()) + 1.0;
      const double amp = at::linalg_matrix_norm(at::matmul(kux, at::inverse(kp)), 2).item<double>();
      const at::Tensor real = retrained->forward(xu);
      const double moved = (real - lk.model_pool()).abs().max().item<double>();
      QVERIFY2(moved > 0.05, "retraining should move the pool outputs");
      // rounding: each of T steps loses ~ε relative to the outputs
      const double tol = amp * e.norm().item<double>() + double(o.epochs) * kEps * 10.0 * moved;
      TS_CHECK_CLOSE((real - flin).abs().max().item<double>(), 0.0, 0.0, tol);
      QVERIFY(tol < 1e-8 * moved * 100);
    }
  }

  // The look-ahead's pNTK (per-item VJPs on chunks of 3 items) equals exact_pntk (N VJPs over one batch), and
  // its eNTK (chunked Jacobians) equals exact_kernel, for the built-in MLP and CNN.
  void lookaheadKernelsMatchExactKernels() {
    auto gen = make_generator(9);
    for (const char* spec : {"mlp:in=5,width=9,depth=3,out=3,act=tanh,seed=1", "cnn:width=3,out=4,seed=2"}) {
      auto model = make_model(spec, {}, test::config());
      std::vector<int64_t> shape{7};
      for (auto d : model->input_shape()) shape.push_back(d);
      const at::Tensor x = draw_normal(gen, shape, model->options());
      TangentMap J(model, x);
      const at::Tensor ref = exact_pntk(J, parse_pntk_variant("sum"), int64_t(1) << 30);
      const at::Tensor got = pntk_jacobian(model, x, PntkVariant{}, int64_t(1) << 30, {}, 3);
      const at::Tensor gram = at::matmul(got, got.t());
      TS_CHECK_CLOSE((gram - ref).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * ref.abs().max().item<double>());
      const at::Tensor entk = exact_kernel(J, int64_t(1) << 30).matrix;
      const LookaheadKernel k = lookahead_kernel(model, x, "entk", int64_t(1) << 30);
      TS_CHECK_CLOSE((k.gram - entk).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * entk.abs().max().item<double>());
    }
  }

  void penultimateFeaturesOfAnMlp() {
    auto model = make_model("mlp:in=5,width=7,depth=3,out=4,act=tanh,seed=1", {}, test::config());
    auto gen = make_generator(2);
    const at::Tensor x = draw_normal(gen, {6, 5}, model->options());
    const auto& p = model->parameters();
    const at::Tensor h = at::tanh(at::linear(at::tanh(at::linear(x, p[0], p[1])), p[2], p[3]));
    TS_CHECK_CLOSE((penultimate_features(*model, x) - h).abs().max().item<double>(), 0.0, 0.0, 1e-14);
    std::string note;
    auto gru = make_model("gru:in=3,hidden=4,steps=2,seed=0", {}, test::config());
    penultimate_features(*gru, draw_normal(gen, {2, 2, 3}, gru->options()), &note);
    QVERIFY(note.find("outputs") != std::string::npos);
  }

  // Every strategy on a fixed-seed digits run queries distinct, previously unlabelled points, and every cycle
  // has an accuracy; MLMOC's ranking (and the sequential mode's) is the same when run twice.
  void digitsRunEveryStrategy() {
    AlRequest job;
    job.model = "mlp:in=64,width=32,depth=2,out=10,seed=3";
    job.data = "digits:n=300";
    job.test_size = 60;
    job.compute = test::config();
    job.compute.seed = 7;
    job.strategies = strategy_names();
    job.initial = 20;
    job.query = 5;
    job.cycles = 2;
    job.pool_subset = 80;
    job.training.epochs = 10;
    // Every cycle is published as it exists, in order: (strategy, cycle) as the result has them.
    std::vector<std::pair<std::string, int>> published;
    RunControl rc;
    rc.partial = [&](const PartialResult& p) {
      const AlCycle& c = std::any_cast<const AlCycle&>(p.value);  // throws for another type
      published.emplace_back(p.kind + ":" + c.strategy, c.cycle);
    };
    const AlResult r = run_al_job(job, rc);
    QCOMPARE(published.size(), strategy_names().size() * 3);
    size_t k = 0;
    for (const auto& run : r.runs)
      for (const auto& c : run.cycles) {
        QCOMPARE(published[k].first, "al-cycle:" + c.strategy);
        QCOMPARE(published[k].second, c.cycle);
        ++k;
      }
    const auto [train, test] = load_al_data(job, {64});
    const std::vector<int64_t> init = initial_labelled(train, 20, true, 7);
    QCOMPARE(int64_t(init.size()), int64_t(20));
    QCOMPARE(r.runs.size(), strategy_names().size());
    for (const auto& run : r.runs) {
      const std::string s = run.strategy;
      std::set<int64_t> seen(init.begin(), init.end());
      const auto& cycles = run.cycles;
      QCOMPARE(int(cycles.size()), 3);
      for (size_t c = 0; c < cycles.size(); ++c) {
        const AlCycle& row = cycles[c];
        QCOMPARE(row.strategy, s);
        QCOMPARE(row.cycle, int(c));
        const double acc = row.test_accuracy;
        QVERIFY2(acc >= 0 && acc <= 1, s.c_str());
        QVERIFY(std::isfinite(row.test_loss));
        QCOMPARE(row.labels, int64_t(20 + 5 * c));
        QCOMPARE(row.queried.size(), c == 0 ? size_t(0) : size_t(5));
        for (const auto& q : row.queried) {
          const int64_t i = q.index;
          QVERIFY2(i >= 0 && i < train.size(), s.c_str());
          QVERIFY2(seen.insert(i).second,
                   (s + ": point " + std::to_string(i) + " queried twice or labelled").c_str());
          QCOMPARE(q.true_label, train.labels[i].item<int64_t>());
          if (s != "random") QVERIFY2(std::isfinite(q.score), s.c_str());
        }
      }
    }
    for (bool sequential : {false, true}) {
      AlRequest j = job;
      j.sequential = sequential;
      j.cycles = 1;
      for (const char* s : {"mlmoc", "mlmoc-flip"}) {
        const AlRun a = run_al_strategy(j, s, 7, train, test), b = run_al_strategy(j, s, 7, train, test);
        // Everything a query carries (index, score, labels, f_L(x′), predicted change, pixels), exactly.
        const std::string qa = json_text(to_json(a.cycles[1]).at("queried"));
        const std::string qb = json_text(to_json(b.cycles[1]).at("queried"));
        QCOMPARE(qa, qb);
        std::set<int64_t> distinct;
        for (const auto& q : a.cycles[1].queried) distinct.insert(q.index);
        QCOMPARE(distinct.size(), size_t(5));
      }
    }
    // The eNTK look-ahead runs too (a small pool keeps N·O × N·O small).
    AlRequest e = job;
    e.kernel = "entk";
    e.pool_subset = 30;
    e.cycles = 1;
    const AlRun ea = run_al_strategy(e, "mlmoc", 7, train, test);
    QCOMPARE(ea.cycles[1].queried.size(), size_t(5));
  }

  // The JSON of a result (al.json, al --json; docs/FORMATS.md): its fields in order, with their presence
  // rules, and a seed above 2^63 written and read back with all its digits.
  void resultJsonHasTheDocumentedFields() {
    const uint64_t seed = 18446744073709551557ULL;  // as a double it would round
    AlRequest job;
    job.model = "mlp:in=64,width=8,depth=2,out=10";
    job.data = "digits:n=100";
    job.test_size = 20;
    job.compute = test::config();
    job.compute.seed = seed;
    job.strategies = {"random", "mlmoc"};
    job.initial = 10;
    job.query = 3;
    job.cycles = 1;
    job.seeds = 1;
    job.pool_subset = 20;
    job.training.epochs = 2;
    const AlResult r = run_al_job(job);
    const std::string text = json_text(to_json(r), 1);
    QVERIFY(text.find("18446744073709551557") != std::string::npos);
    const Json j = parse_json(text, "al.json");
    QCOMPARE(keys(j), std::string("config,train_data,test_data,train_size,test_size,seeds,runs"));
    QCOMPARE(keys(j.at("config")),
             std::string("model,data,test_data,test_size,standardize,input_shape,params,compute,strategies,"
                         "initial,stratified,query,cycles,seeds,pool_subset,kernel,sequential,retrain,"
                         "lookahead,training"));
    QCOMPARE(keys(j.at("config").at("lookahead")),
             std::string("reference,time,lr,momentum,ridge,ridge_per_cycle,ridge_start_cycle,temperature"));
    QCOMPARE(keys(j.at("config").at("training")),
             std::string("optimizer,loss,epochs,batch_size,lr,schedule,momentum,weight_decay,seed"));
    QCOMPARE(json_unsigned(j.at("config").at("compute").at("seed"), "seed"), seed);
    QCOMPARE(j.at("seeds").size(), size_t(1));
    QCOMPARE(json_unsigned(j.at("seeds")[0], "seed"), seed);
    QCOMPARE(j.at("train_size").get<int64_t>(), int64_t(80));
    QCOMPARE(j.at("test_size").get<int64_t>(), int64_t(20));
    QCOMPARE(j.at("runs").size(), size_t(2));
    for (size_t s = 0; s < 2; ++s) {
      const Json& run = j.at("runs")[s];
      QCOMPARE(keys(run), std::string("strategy,seed,cycles"));
      QCOMPARE(run.at("strategy").get<std::string>(), job.strategies[s]);
      QCOMPARE(json_unsigned(run.at("seed"), "seed"), seed);
      QCOMPARE(run.at("cycles").size(), size_t(2));
      const std::string row =
          "strategy,seed,cycle,labels,test_accuracy,test_loss,train_seconds,query_seconds,seconds";
      const Json& c0 = run.at("cycles")[0];
      const Json& c1 = run.at("cycles")[1];
      QCOMPARE(keys(c0), row + ",queried,image_shape");  // cycle 0 queries nothing
      QCOMPARE(keys(c1), row + ",kernel_seconds,kernel_shift,note,queried,image_shape");
      QCOMPARE(json_unsigned(c1.at("seed"), "seed"), seed);
      QCOMPARE(json_text(c1.at("image_shape")), std::string("[1,8,8]"));
      QCOMPARE(c1.at("queried").size(), size_t(3));
      const Json& q = c1.at("queried")[0];
      // f_L(x′) with a model; the predicted change from MLMOC only; pixels of image data.
      QCOMPARE(keys(q),
               std::string(s == 0 ? "index,score,true_label,pseudo_label,output,pixels"
                                  : "index,score,true_label,pseudo_label,output,predicted_change,pixels"));
      QCOMPARE(q.at("score").is_null(), s == 0);  // random has no score
      QCOMPARE(q.at("output").size(), size_t(10));
      QCOMPARE(q.at("pixels").size(), size_t(64));
      // The published cycle and al.json's row are the same JSON.
      QCOMPARE(json_text(to_json(r.runs[s].cycles[1])), json_text(c1));
    }

    // 2-D data: the queries' coordinates and the scatter's points [x, y, class]; no pixels.
    AlRequest planar = job;
    planar.model = "mlp:in=2,width=8,depth=2,out=2";
    planar.data = "moons:size=60,noise=0.15";
    planar.test_size = 12;
    planar.strategies = {"margin"};
    planar.initial = 6;
    planar.query = 2;
    planar.pool_subset = 0;
    const Json p = to_json(run_al_job(planar));
    const Json& c1 = p.at("runs")[0].at("cycles")[1];
    QCOMPARE(keys(c1),
             std::string("strategy,seed,cycle,labels,test_accuracy,test_loss,train_seconds,"
                         "query_seconds,seconds,kernel_seconds,kernel_shift,note,queried,points2d"));
    QCOMPARE(keys(p.at("runs")[0].at("cycles")[0]).find("points2d"), std::string::npos);
    QCOMPARE(keys(c1.at("queried")[0]), std::string("index,score,true_label,pseudo_label,output,x"));
    QCOMPARE(c1.at("queried")[0].at("x").size(), size_t(2));
    QCOMPARE(keys(c1.at("points2d")), std::string("labelled,pool"));
    QCOMPARE(c1.at("points2d").at("labelled").size(), size_t(6));  // labelled before the cycle's queries
    QCOMPARE(c1.at("points2d").at("pool").size(), size_t(48 - 6));
    const Json& point = c1.at("points2d").at("pool")[0];
    QCOMPARE(point.size(), size_t(3));
    QVERIFY(point[2].is_number_integer());

    // --initial 0 is said so in the configuration.
    AlRequest cold = job;
    cold.initial = 0;
    cold.strategies = {"random"};
    QVERIFY(to_json(cold).contains("cold_start"));
  }

  void badConfigurations() {
    AlRequest job;
    job.model = "mlp:in=64,width=16,depth=2,out=10";
    job.data = "digits:n=100";
    job.compute = test::config();
    job.training.epochs = 1;
    job.strategies = {"entropy"};
    AlRequest j = job;
    j.pool_subset = 10;
    j.query = 20;
    TS_EXPECT_THROW(InputError, run_al_job(j), "more than the pool holds");
    j = job;
    j.initial = 50;
    j.query = 20;
    j.cycles = 2;  // 80 training points − 50 − 20 leaves 10 for the second cycle
    TS_EXPECT_THROW(InputError, run_al_job(j), "more than the pool holds");
    j = job;
    j.initial = 0;
    TS_EXPECT_THROW(InputError, run_al_job(j), "needs a model trained");
    j.strategies = {"random"};
    j.cycles = 1;
    QCOMPARE(run_al_job(j).runs.size(), size_t(1));  // random needs no model
    j = job;
    j.strategies = {"entropy", "bald"};
    TS_EXPECT_THROW(InputError, run_al_job(j), "unknown active-learning strategy 'bald'");
    j = job;
    j.kernel = "ntk";
    TS_EXPECT_THROW(InputError, run_al_job(j), "--kernel");
    QueryContext ctx;
    ctx.x_pool = at::zeros({3, 64}, at::kDouble);
    TS_EXPECT_THROW(InputError, select_queries("random", ctx, 4, {}), "pool holds only 3");
    TS_EXPECT_THROW(InputError, select_queries("margin", ctx, 2, {}), "needs a model trained");
  }

  void commandLine() {
    const std::string dir = std::string(TS_TEST_TMP) + "/al-cli";
    std::ostringstream out, err;
    const int rc = cli::run({"al",
                             "--model",
                             "mlp:in=64,width=16,depth=2,out=10",
                             "--data",
                             "digits:n=150",
                             "--strategy",
                             "random,mlmoc",
                             "--initial",
                             "10",
                             "--query",
                             "4",
                             "--cycles",
                             "2",
                             "--seeds",
                             "2",
                             "--pool-subset",
                             "40",
                             "--epochs",
                             "5",
                             "--out",
                             dir},
                            out, err);
    QVERIFY2(rc == 0, err.str().c_str());
    std::ifstream curves(dir + "/curves.csv"), queries(dir + "/queries.csv"), js(dir + "/al.json");
    QVERIFY(curves && queries && js);
    std::string line;
    int n = 0;
    while (std::getline(curves, line)) ++n;
    QCOMPARE(n, 1 + 2 * 2 * 3);  // header + strategies × seeds × (cycles + 1)
    n = 0;
    while (std::getline(queries, line)) ++n;
    QCOMPARE(n, 1 + 2 * 2 * 2 * 4);
    std::stringstream text;
    text << js.rdbuf();
    QCOMPARE(parse_json(text.str()).at("runs").size(), size_t(4));
    err.str("");
    QCOMPARE(cli::run({"al", "--out", "/proc/no-such-dir/al"}, out, err), 1);
    QVERIFY2(err.str().find("/proc/no-such-dir/al") != std::string::npos, err.str().c_str());
    std::ostringstream bench;
    QCOMPARE(cli::run({"bench", "al-retrain", "--model", "mlp:in=64,width=16,depth=2,out=10", "--data",
                       "digits:n=150", "--initial", "20", "--pool-subset", "30", "--candidates", "3",
                       "--retrain-epochs", "3", "--epochs", "5"},
                      bench, err),
             0);
    QVERIFY2(bench.str().find("speed-up") != std::string::npos, bench.str().c_str());
  }
};

}  // namespace test_active_learning

TS_TEST_MAIN(test_active_learning::TestActiveLearning, borderedUpdateEqualsDirectSolve,
             singularKernelGetsARecordedShift, linearModelRetrainingIsExact,
             lookaheadKernelsMatchExactKernels, penultimateFeaturesOfAnMlp, digitsRunEveryStrategy,
             resultJsonHasTheDocumentedFields, badConfigurations, commandLine)
#ifdef TS_HAVE_QT
#include "test_active_learning.moc"
#endif
