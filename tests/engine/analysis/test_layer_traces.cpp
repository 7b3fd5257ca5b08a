// Per-layer traces (docs/MATH.md §5.4): K = Σ_g J_g J_gᵀ, so the groups' traces sum to the total, each equals
// ‖J_g‖_F² of the exact Jacobian, and the estimates split one Hutch++ estimate of tr K exactly.
#include <ATen/ATen.h>

#include <cmath>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "analysis/LayerTraces.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "results/ResultJson.h"

using namespace ts;

namespace test_layer_traces {

namespace {

struct Problem {
  std::shared_ptr<Model> model;
  std::unique_ptr<TangentMap> J;
};

Problem mlp(int64_t n = 12) {
  Problem p;
  p.model = make_model("mlp:in=5,width=16,depth=3,out=3,seed=4", {}, test::config());
  p.J = std::make_unique<TangentMap>(p.model, test::inputs(n, 5, 9));
  return p;
}

}  // namespace

class TestLayerTraces : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Exact: every group's trace is ‖J_g‖_F² of the Jacobian's columns, and they sum to tr K.
  void exactGroupsSumToTheTrace() {
    Problem p = mlp();
    LayerTraceOptions o;
    o.method = "exact";
    o.compare_exact = true;
    const LayerTraces t = layer_traces(*p.J, o);
    QCOMPARE(t.layers.size(), size_t(3));  // three layers (w and b of each), named by kind and shape
    QCOMPARE(t.layers[0].name, std::string("Linear 1 (5→16)"));
    QCOMPARE(t.layers[2].name, std::string("Linear 3 (16→3)"));
    QCOMPARE(t.layers[0].size, int64_t(5 * 16 + 16));
    const at::Tensor Jm = jacobian(*p.J, int64_t(1) << 30);
    int64_t col = 0;
    double total = 0, aligned = 0;
    for (const auto& l : t.layers) {
      const double want = Jm.narrow(1, col, l.size).pow(2).sum().item<double>();
      TS_CHECK_CLOSE(l.trace, want, 1e-12, 0.0);
      TS_CHECK_CLOSE(*l.exact, want, 1e-12, 0.0);
      QVERIFY(*l.effective_rank >= 1.0 - 1e-12 && *l.effective_rank <= double(p.J->state_size()));
      QVERIFY(*l.alignment > 0 && *l.alignment <= 1 + 1e-12);
      aligned += *l.alignment * *l.frobenius;  // Σ_g tr(K_g K)/‖K‖_F = ‖K‖_F
      total += l.trace;
      col += l.size;
    }
    QCOMPARE(col, p.J->param_size());
    TS_CHECK_CLOSE(total, exact_trace(*p.J).value, 1e-12, 0.0);
    TS_CHECK_CLOSE(t.total, total, 1e-12, 0.0);
    TS_CHECK_CLOSE(aligned, *t.frobenius, 1e-10, 0.0);
    double shares = 0;
    for (const auto& l : t.layers) shares += l.share;
    TS_CHECK_CLOSE(shares, 1.0, 1e-12, 0.0);
  }

  // The groups' Hutch++ estimates split the Hutch++ estimate of tr K by the same probes: their sum is it.
  void hutchppSplitsOneEstimate() {
    Problem p = mlp();
    LayerTraceOptions o;
    o.method = "hutchpp";
    o.matvecs = 48;
    o.seed = 5;
    o.block = 8;
    const LayerTraces t = layer_traces(*p.J, o);
    EstimatorOptions e;
    e.method = "hutchpp";
    e.matvecs = 48;
    e.seed = 5;
    e.block = 8;
    const NtkOperator K(*p.J);
    const TraceEstimate whole = estimate_trace(K, nullptr, e);
    TS_CHECK_CLOSE(t.total, whole.estimate, 1e-10, 0.0);
    QCOMPARE(t.matvecs, whole.matvecs);
  }

  // Each group's estimate lies within its error bars of the exact value (fixed seeds: ±4σ, which a correct
  // estimator misses with probability < 1e-4 per group), and the errors shrink with the budget.
  void estimatesWithinTheirErrorsAndShrink() {
    Problem p = mlp(40);
    LayerTraceOptions ex;
    ex.method = "exact";
    const LayerTraces exact = layer_traces(*p.J, ex);
    double err_small = 0, err_big = 0;
    for (const std::string method : {"hutchpp", "hutchinson"})
      for (int64_t m : {24, 384}) {
        LayerTraceOptions o;
        o.method = method;
        o.matvecs = m;
        o.seed = 17;
        const LayerTraces t = layer_traces(*p.J, o);
        for (size_t g = 0; g < t.layers.size(); ++g) {
          const double err = std::fabs(t.layers[g].trace - exact.layers[g].trace);
          QVERIFY2(err <= 4 * *t.layers[g].std_error + 1e-9 * exact.layers[g].trace,
                   (method + " " + t.layers[g].name).c_str());
          (m == 24 ? err_small : err_big) += err / exact.layers[g].trace;
        }
      }
    QVERIFY(err_big < err_small);
  }

  // Groups by name prefix: in the order given, the rest in "(other)"; a prefix that matches nothing is an
  // error naming it. Through the job: the JSON carries every group and the configuration.
  void prefixGroupsAndJob() {
    Problem p = mlp();
    const auto groups = parameter_groups(*p.J, "w0;b2");
    QCOMPARE(groups.size(), size_t(3));
    QCOMPARE(groups[0].name, std::string("w0"));
    QCOMPARE(groups[1].name, std::string("(other)"));  // b0 comes before b2 in the parameters
    QCOMPARE(groups[2].name, std::string("b2"));
    TS_EXPECT_THROW(InputError, parameter_groups(*p.J, "nope"), "no selected parameter starts with 'nope'");
    LayersRequest job;
    job.problem.model = "mlp:in=5,width=16,depth=3,out=3,seed=4";
    job.problem.data = "random:n=12,shape=5";
    job.problem.compute = test::config();
    job.options.method = "exact";
    int partials = 0;
    RunControl rc;
    rc.partial = [&](const PartialResult& r) {
      if (r.kind == "layer-traces" && std::any_cast<LayerTraces>(&r.value)) ++partials;
    };
    const LayersResult r = run_layers_job(job, rc);
    QVERIFY(partials > 0);
    const Json j = to_json(r);
    QCOMPARE(j.at("layers").size(), size_t(3));
    QVERIFY(j.at("layers")[0].contains("share"));
    QCOMPARE(j.at("config").at("estimator").get<std::string>(), std::string("exact"));
    // In float32 too (the sketch is float64, the probes and VJPs float32): the same groups, the same total to
    // float32's precision.
    job.options.method = "hutchpp";
    job.options.matvecs = 24;
    const LayersResult f64 = run_layers_job(job);
    job.problem.compute.dtype = "float32";
    const LayersResult f32 = run_layers_job(job);
    QCOMPARE(f32.traces.layers.size(), f64.traces.layers.size());
    TS_CHECK_CLOSE(f32.traces.total, f64.traces.total, 1e-4, 0.0);
    job.options.method = "xtrace";
    TS_EXPECT_THROW(InputError, run_layers_job(job), "hutchpp, hutchinson or exact");
  }
};

}  // namespace test_layer_traces

TS_TEST_MAIN(test_layer_traces::TestLayerTraces, exactGroupsSumToTheTrace, hutchppSplitsOneEstimate,
             estimatesWithinTheirErrorsAndShrink, prefixGroupsAndJob)
#ifdef TS_HAVE_QT
#include "test_layer_traces.moc"
#endif
