// Metrics (docs/MATH.md §5) against exact values on small float64 models.
#include <ATen/ATen.h>

#include <map>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "analysis/Metrics.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/Results.h"
#include "core/ResultsJson.h"
#include "core/TorchUtil.h"
#include "exact/Exact.h"
#include "models/Model.h"

using namespace ts;

namespace test_metrics {
using test::inputs;

namespace {

const MetricValue& find(const std::vector<MetricValue>& v, const std::string& name) {
  for (const auto& m : v)
    if (m.name == name) return m;
  throw std::runtime_error("metric missing: " + name);
}

}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void alignmentWithItselfIsOne() {
    auto model = make_model("mlp:in=6,width=12,depth=3,out=3,act=tanh,seed=1", {}, test::config());
    const at::Tensor x = inputs(8, 6, 2);
    TangentMap a(model, x), b(model->clone(), x);
    MetricsOptions o;
    o.metrics = {"alignment"};
    o.estimator.method = "exact";
    TS_CHECK_CLOSE(compute_metrics(a, &b, {}, o)[0].value, 1.0, 1e-12, 0.0);
    o.estimator.method = "hutchpp";
    o.estimator.matvecs = 3 * a.state_size();  // budget ≥ d: exact up to rounding
    TS_CHECK_CLOSE(compute_metrics(a, &b, {}, o)[0].value, 1.0, 1e-9, 0.0);
  }

  // Only the last bias of a one-output MLP: J = 𝟙, K = 𝟙𝟙ᵀ has rank one.
  void effectiveRankOfRankOneKernelIsOne() {
    auto model = make_model("mlp:in=4,width=6,depth=2,out=1,seed=3", {}, test::config(), "b1");
    TangentMap J(model, inputs(9, 4, 4));
    MetricsOptions o;
    o.metrics = {"effective_rank", "trace"};
    o.estimator.method = "exact";
    const auto v = compute_metrics(J, nullptr, {}, o);
    TS_CHECK_CLOSE(find(v, "effective_rank").value, 1.0, 1e-12, 0.0);
    TS_CHECK_CLOSE(find(v, "trace").value, 9.0, 1e-12, 0.0);
  }

  // watch's tr K: each input's own VJPs where the model is separable over its batch and O is within the
  // budget (exact to rounding, in float32 too), the estimator otherwise; the effective rank uses it.
  void traceFromEachInput() {
    for (const std::string dtype : {"float64", "float32"}) {
      ComputeConfig c = test::config();
      c.dtype = dtype;
      auto model = make_model("mlp:in=5,width=10,depth=3,out=3,act=tanh,seed=5", {}, c);
      TangentMap J(model, inputs(7, 5, 7).to(model->options()));
      const double exact = exact_trace(J).value;  // float32: the batch's d VJPs
      const double tol = dtype == "float64" ? 1e-12 : 1e-5;
      MetricsOptions o;
      o.metrics = {"trace", "frobenius", "effective_rank"};
      o.estimator.method = "xnystrace";
      o.estimator.matvecs = 8;
      o.trace_per_input = true;
      const auto v = compute_metrics(J, nullptr, {}, o);
      const MetricValue& tr = find(v, "trace");
      QCOMPARE(tr.method, std::string("per-input"));
      TS_CHECK_CLOSE(tr.value, exact, tol, 0.0);
      QVERIFY(tr.std_error && *tr.std_error > 0 && *tr.std_error < tol * exact);  // a rounding allowance
      QCOMPARE(tr.vjps, J.state_size());
      const double fro = find(v, "frobenius").value;
      TS_CHECK_CLOSE(find(v, "effective_rank").value, tr.value * tr.value / (fro * fro), 1e-12, 0.0);
      // More outputs per input than the budget: the estimator.
      o.estimator.method = "hutchinson";
      o.estimator.matvecs = 2;
      QCOMPARE(find(compute_metrics(J, nullptr, {}, o), "trace").method, std::string("hutchinson"));
      o.trace_per_input = false;
      o.estimator.matvecs = 8;
      QCOMPARE(find(compute_metrics(J, nullptr, {}, o), "trace").method, std::string("hutchinson"));
    }
  }

  // watch's traces with the diagonal blocks Kₙₙ taken exactly from each input's VJPs: the blocks are K's, the
  // off-block operator is K with them removed, a budget that spans d gives every metric exactly, and at a
  // small budget each metric lies within 4 of its error, which is smaller than without the blocks.
  void diagonalBlocksExactOffBlockEstimated() {
    auto m1 = make_model("mlp:in=5,width=24,depth=3,out=4,act=tanh,seed=9", {}, test::config());
    auto m2 = make_model("mlp:in=5,width=24,depth=3,out=4,act=tanh,seed=10", {}, test::config());
    const at::Tensor x = inputs(20, 5, 11);  // d = 80, O = 4
    TangentMap a(m1, x), b(m2, x);
    const at::Tensor Ja = jacobian(a, 1 << 30), Jb = jacobian(b, 1 << 30);
    const at::Tensor Ka = at::matmul(Ja, Ja.t()), Kb = at::matmul(Jb, Jb.t());
    // UᵀKU by the batched pass (autograd under vmap, a Gram per parameter), by the MLP's explicit products,
    // and one vector at a time.
    const at::Tensor U = at::randn({80, 5}, make_generator(2), Ka.options());
    const at::Tensor UKU = at::matmul(U.t(), at::matmul(Ka, U));
    for (const auto& [block, explicit_products] :
         {std::pair{8, false}, std::pair{8, true}, std::pair{1, true}}) {
      a.set_explicit(explicit_products);
      a.set_block(block);
      TS_CHECK_CLOSE((a.vjp_gram(U) - UKU).abs().max().item<double>(), 0.0, 0.0,
                     1e-10 * UKU.abs().max().item<double>());
    }
    a.set_block(8);  // the inputs' maps take blocks of O = 4
    const auto blocks = per_input_blocks(a);
    QVERIFY(blocks);
    QCOMPARE(blocks->products, a.state_size());
    at::Tensor off = Ka.clone();
    for (int64_t n = 0; n < 20; ++n) {
      const at::Tensor own = Ka.narrow(0, 4 * n, 4).narrow(1, 4 * n, 4);
      TS_CHECK_CLOSE((blocks->blocks[n] - own).abs().max().item<double>(), 0.0, 0.0, 1e-12);
      off.narrow(0, 4 * n, 4).narrow(1, 4 * n, 4).zero_();
    }
    NtkOperator K(a);
    const at::Tensor applied = OffBlockOperator(K, blocks->blocks).apply(at::eye(80, Ka.options()));
    TS_CHECK_CLOSE((applied - off).abs().max().item<double>(), 0.0, 0.0, 1e-10);

    const double fro = Ka.norm().item<double>(), trace = Ka.trace().item<double>();
    const double cos = (Ka * Kb).sum().item<double>() / (fro * Kb.norm().item<double>());
    const double dist = (Ka - Kb).norm().item<double>() / Kb.norm().item<double>();
    MetricsOptions o;
    o.metrics = {"trace", "frobenius", "effective_rank", "alignment", "distance"};
    o.estimator.method = "xnystrace";
    o.estimator.matvecs = 3 * 80;  // the sketch spans R^d: exact up to rounding
    o.trace_per_input = true;
    // tr K asked alone: each input's squared gradient norms, exact, and no blocks (their Grams would serve
    // no other trace).
    {
      MetricsOptions t = o;
      t.metrics = {"trace"};
      InputBlockCache none;
      const MetricValue alone = compute_metrics(a, nullptr, {}, t, {}, &none).front();
      QCOMPARE(alone.method, std::string("per-input"));
      TS_CHECK_CLOSE(alone.value, trace, 1e-12, 0.0);
      QCOMPARE(alone.vjps, a.state_size());
      QVERIFY(!none.tried && !none.blocks);
    }
    InputBlockCache ca, cb;
    auto v = compute_metrics(a, &b, {}, o, {}, &ca, &cb);
    QVERIFY(ca.blocks && cb.blocks);  // kept for the next call on these snapshots
    TS_CHECK_CLOSE(find(v, "frobenius").value, fro, 1e-9, 0.0);
    TS_CHECK_CLOSE(find(v, "effective_rank").value, trace * trace / (fro * fro), 1e-9, 0.0);
    TS_CHECK_CLOSE(find(v, "alignment").value, cos, 1e-9, 0.0);
    TS_CHECK_CLOSE(find(v, "distance").value, dist, 1e-7, 0.0);
    // A second call on the same caches uses the blocks kept: no block VJPs are counted again.
    const InputBlocks* kept = ca.blocks.get();
    o.metrics = {"frobenius"};
    const MetricValue again = find(compute_metrics(a, &b, {}, o, {}, &ca, &cb), "frobenius");
    QCOMPARE(ca.blocks.get(), kept);
    QCOMPARE(again.vjps, find(v, "frobenius").vjps);  // the first call counted the blocks in its trace
    TS_CHECK_CLOSE(again.value, fro, 1e-9, 0.0);

    o.metrics = {"frobenius", "effective_rank", "alignment", "distance"};
    o.estimator.matvecs = 16;
    o.estimator.seed = 3;
    const auto with = compute_metrics(a, &b, {}, o);
    const std::map<std::string, double> exact{{"frobenius", fro},
                                              {"effective_rank", trace * trace / (fro * fro)},
                                              {"alignment", cos},
                                              {"distance", dist}};
    for (const auto& [name, value] : exact) {
      const MetricValue& m = find(with, name);
      QVERIFY2(m.std_error && std::fabs(m.value - value) <= 4 * *m.std_error, name.c_str());
    }
  }

  // Where the inputs' own blocks carry most of ‖K‖_F² (a kernel of high effective rank, like the trained
  // ResNet-18 snapshot of docs/PERFORMANCE.md), the off-block estimate's error is far smaller than the whole
  // kernel's at one budget.
  void diagonalBlocksShrinkTheError() {
    auto model = make_model("mlp:in=40,width=48,depth=2,out=8,act=tanh,bias=0,seed=2", {}, test::config());
    TangentMap J(model, inputs(24, 40, 5));  // d = 192, nearly orthogonal inputs
    const at::Tensor Jm = jacobian(J, 1 << 30);
    const at::Tensor K = at::matmul(Jm, Jm.t());
    const double fro = K.norm().item<double>();
    MetricsOptions o;
    o.metrics = {"frobenius"};
    o.estimator.method = "xnystrace";
    o.estimator.matvecs = 16;
    o.trace_per_input = true;
    const MetricValue with = find(compute_metrics(J, nullptr, {}, o), "frobenius");
    o.trace_per_input = false;
    const MetricValue without = find(compute_metrics(J, nullptr, {}, o), "frobenius");
    QVERIFY(std::fabs(with.value - fro) <= 4 * *with.std_error);
    QVERIFY(*with.std_error < 0.5 * *without.std_error);  // 2.5 against 6.5 when written
  }

  // Exact metrics equal their definitions evaluated on the dense kernels.
  void exactMetricsMatchDefinitions() {
    auto m1 = make_model("mlp:in=5,width=10,depth=3,out=3,act=tanh,seed=5", {}, test::config());
    auto m2 = make_model("mlp:in=5,width=10,depth=3,out=3,act=tanh,seed=6", {}, test::config());
    const at::Tensor x = inputs(7, 5, 7);
    TangentMap a(m1, x), b(m2, x);
    const at::Tensor Ja = jacobian(a, 1 << 30), Jb = jacobian(b, 1 << 30);
    const at::Tensor Ka = at::matmul(Ja, Ja.t()), Kb = at::matmul(Jb, Jb.t());
    auto gen = make_generator(8);
    const at::Tensor y = at::one_hot(at::randint(0, 3, {7}, gen, at::TensorOptions().dtype(at::kLong)), 3)
                             .to(Ka.options())
                             .reshape({-1});
    MetricsOptions o;
    o.metrics = {"trace", "frobenius", "effective_rank", "alignment", "target_alignment"};
    o.estimator.method = "exact";
    const auto v = compute_metrics(a, &b, y, o);
    const double tr = at::trace(Ka).item<double>(), fro = Ka.norm().item<double>();
    TS_CHECK_CLOSE(find(v, "trace").value, tr, 1e-12, 0.0);
    TS_CHECK_CLOSE(find(v, "frobenius").value, fro, 1e-12, 0.0);
    TS_CHECK_CLOSE(find(v, "effective_rank").value, tr * tr / (fro * fro), 1e-12, 0.0);
    TS_CHECK_CLOSE(find(v, "alignment").value,
                   (Ka * Kb).sum().item<double>() / (fro * Kb.norm().item<double>()), 1e-12, 0.0);
    TS_CHECK_CLOSE(find(v, "target_alignment").value,
                   y.dot(at::matmul(Ka, y)).item<double>() / (fro * y.dot(y).item<double>()), 1e-12, 0.0);
  }

  // The relative distance ‖K_a − K_b‖_F / ‖K_b‖_F exactly and estimated from (K_a − K_b)² itself; with it,
  // the alignment may come from polarisation (A + B − D) / (2√(AB)), reported only where its error is the
  // smaller, and still within its bar of the exact value.
  void distanceAndPolarisedAlignment() {
    auto m1 = make_model("mlp:in=5,width=24,depth=3,out=4,act=tanh,seed=9", {}, test::config());
    auto m2 = m1->clone();
    std::vector<at::Tensor> moved;  // a nearby snapshot: 2% of the weights' scale moved
    auto gen = make_generator(21);
    for (const auto& p : m1->parameters())
      moved.push_back(p + 0.02 * p.abs().mean() * at::randn(p.sizes(), gen, p.options()));
    m2->set_parameters(moved);
    const at::Tensor x = inputs(20, 5, 11);  // d = 80
    TangentMap a(m1, x), b(m2, x);
    const at::Tensor Ja = jacobian(a, 1 << 30), Jb = jacobian(b, 1 << 30);
    const at::Tensor Ka = at::matmul(Ja, Ja.t()), Kb = at::matmul(Jb, Jb.t());
    const double dist = (Ka - Kb).norm().item<double>() / Kb.norm().item<double>();
    const double cos = (Ka * Kb).sum().item<double>() / (Ka.norm().item<double>() * Kb.norm().item<double>());
    MetricsOptions o;
    o.metrics = {"alignment", "distance"};
    o.estimator.method = "exact";
    auto v = compute_metrics(a, &b, {}, o);
    TS_CHECK_CLOSE(find(v, "distance").value, dist, 1e-12, 0.0);
    QVERIFY(dist > 1e-3 && dist < 0.2);
    for (const std::string method : {"xnystrace", "hutchpp"}) {
      o.estimator.method = method;
      o.estimator.matvecs = 24;
      o.estimator.seed = 4;
      o.metrics = {"alignment"};
      const MetricValue alone = find(compute_metrics(a, &b, {}, o), "alignment");
      o.metrics = {"alignment", "distance"};
      v = compute_metrics(a, &b, {}, o);
      const MetricValue with = find(v, "alignment"), d = find(v, "distance");
      QVERIFY2(*with.std_error <= *alone.std_error, method.c_str());
      QVERIFY2(std::fabs(with.value - cos) <= 4 * *with.std_error + 1e-12, method.c_str());
      QVERIFY2(std::fabs(d.value - dist) <= 4 * *d.std_error + 1e-12, method.c_str());
    }
  }

  // Every estimated metric agrees with its exact value within 5 of its propagated error.
  void estimatedMetricsWithinError() {
    auto m1 = make_model("mlp:in=5,width=24,depth=3,out=4,act=tanh,seed=9", {}, test::config());
    auto m2 = make_model("mlp:in=5,width=24,depth=3,out=4,act=tanh,seed=10", {}, test::config());
    const at::Tensor x = inputs(20, 5, 11);  // d = 80
    TangentMap a(m1, x), b(m2, x);
    auto gen = make_generator(12);
    const at::Tensor y = at::one_hot(at::randint(0, 4, {20}, gen, at::TensorOptions().dtype(at::kLong)), 4)
                             .to(a.options())
                             .reshape({-1});
    for (const std::string method : {"hutchpp", "xtrace", "hutchinson"}) {
      MetricsOptions o;
      o.metrics = {"trace", "frobenius", "effective_rank", "alignment", "target_alignment"};
      o.estimator.method = method;
      o.estimator.matvecs = 30;
      o.estimator.seed = 3;
      o.compare_exact = true;
      for (const auto& m : compute_metrics(a, &b, y, o)) {
        QVERIFY(m.exact.has_value() && m.std_error.has_value());
        QVERIFY2(std::fabs(m.value - *m.exact) <= 5 * *m.std_error + 1e-9 * std::fabs(*m.exact),
                 (method + " " + m.name + ": " + std::to_string(m.value) + " vs exact " +
                  std::to_string(*m.exact) + " ± " + std::to_string(*m.std_error))
                     .c_str());
      }
    }
    // Hutch++ at 3 products has one residual probe and no error estimate: the metrics built on it have none
    // either (they read ±0 before, with r_eff 2.6× off).
    MetricsOptions few;
    few.metrics = {"trace", "frobenius", "effective_rank"};
    few.estimator.method = "hutchpp";
    few.estimator.matvecs = 3;
    for (const auto& m : compute_metrics(a, nullptr, y, few))
      QVERIFY2(!m.std_error, (m.name + " ± " + std::to_string(m.std_error.value_or(-1))).c_str());
  }

  void exactOverBudgetIsAClearError() {
    auto model = make_model("mlp:in=5,width=30,depth=2,out=4,seed=1", {}, test::config());
    TangentMap J(model, inputs(10, 5, 1));
    MetricsOptions o;
    o.metrics = {"frobenius"};
    o.estimator.method = "exact";
    o.memory_budget = 1024;
    TS_EXPECT_THROW(MemoryBudgetError, compute_metrics(J, nullptr, {}, o), "over the memory budget");
    TS_EXPECT_THROW(MemoryBudgetError, exact_kernel(J, 1024), "memory budget of 1.0 KiB");
  }

  // A Aᵀ by row blocks equals the one-call product, reports per block, and stops at a cancel between blocks.
  void gramByBlocksIsCancellable() {
    auto gen = make_generator(3);
    const auto opts = at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device()));
    const at::Tensor A = draw_normal(gen, {300, 40}, opts);
    const at::Tensor ref = at::matmul(A, A.t());
    int reports = 0;
    RunControl rc;
    rc.progress = [&](const Progress&) { ++reports; };
    const at::Tensor K = gram_by_blocks(A, rc, "test", 1e6);  // 64-row blocks
    QCOMPARE(reports, 5);
    QVERIFY(at::allclose(K, ref, 1e-13, 1e-10));
    QVERIFY(at::equal(K, K.t()));
    CancelToken token;
    RunControl cancelling;
    cancelling.cancel = &token;
    cancelling.progress = [&](const Progress&) { token.cancel(); };
    TS_EXPECT_THROW(Cancelled, gram_by_blocks(A, cancelling, "test", 1e6), "");
    const at::Tensor small = draw_normal(gen, {5, 7}, opts);
    QVERIFY(at::allclose(gram_by_blocks(small), at::matmul(small, small.t()), 1e-15, 1e-14));
  }

  void alignmentNeedsSecondSnapshot() {
    auto model = make_model("mlp:in=5,width=8,depth=2,out=2,seed=1", {}, test::config());
    TangentMap J(model, inputs(3, 5, 1));
    MetricsOptions o;
    o.metrics = {"alignment"};
    TS_EXPECT_THROW(InputError, compute_metrics(J, nullptr, {}, o), "second snapshot");
    o.metrics = {"target_alignment"};
    TS_EXPECT_THROW(InputError, compute_metrics(J, nullptr, {}, o), "labelled data");
    o.metrics = {"spectral_gap"};
    TS_EXPECT_THROW(InputError, compute_metrics(J, nullptr, {}, o), "unknown metric");
  }

  // A snapshot's metrics as JSON (the dynamics cache, dynamics.json) read back equal; a damaged member is
  // refused by its path. One member list writes and reads them (core/ResultsJson.cpp).
  void metricValuesRoundTrip() {
    DynamicsRow row;
    row.epoch = 3;
    row.exact_compared = true;
    MetricValue a;
    a.name = "trace";
    a.method = "hutchpp";
    a.value = 12.5;
    a.std_error = 0.25;
    a.exact = 12.0;
    a.rel_error = 0.04;
    a.matvecs = 96;
    a.vjps = 64;
    a.jvps = 32;
    a.seconds = 0.5;
    MetricValue b;
    b.name = "alignment";
    b.method = "exact";
    b.value = std::nan("");
    row.values = {a, b};
    Json j = to_json(row);
    QVERIFY(j.at("metrics").at(1).contains("std_error") && j.at("metrics").at(1).at("std_error").is_null());
    QVERIFY(!j.at("metrics").at(1).contains("exact") && !j.at("metrics").at(1).contains("rel_error"));
    const DynamicsRow back = dynamics_row_of(parse_json(json_text(j)), "cache");
    QCOMPARE(back.epoch, 3);
    QVERIFY(back.exact_compared && back.values.size() == 2);
    QCOMPARE(back.values[0].value, 12.5);
    QVERIFY(back.values[0].std_error && *back.values[0].std_error == 0.25);
    QVERIFY(back.values[0].exact && *back.values[0].exact == 12.0 && back.values[0].rel_error);
    QCOMPARE(back.values[0].matvecs, int64_t(96));
    QVERIFY(std::isnan(back.values[1].value) && !back.values[1].std_error && !back.values[1].exact);
    j["metrics"][0]["value"] = "x";
    TS_EXPECT_THROW(InputError, dynamics_row_of(j, "cache"), "cache: metrics[0].value");
  }
};

}  // namespace test_metrics

TS_TEST_MAIN(test_metrics::TestMetrics, alignmentWithItselfIsOne, effectiveRankOfRankOneKernelIsOne,
             traceFromEachInput, diagonalBlocksExactOffBlockEstimated, diagonalBlocksShrinkTheError,
             exactMetricsMatchDefinitions, estimatedMetricsWithinError, exactOverBudgetIsAClearError,
             alignmentNeedsSecondSnapshot, gramByBlocksIsCancellable, metricValuesRoundTrip,
             distanceAndPolarisedAlignment)
#ifdef TS_HAVE_QT
#include "test_metrics.moc"
#endif
