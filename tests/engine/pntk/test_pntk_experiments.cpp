// The pNTK's experiments (docs/MATH.md §6): kernel regression, the width experiment's slope, and the
// loss-Hessian trace.
#include <ATen/ATen.h>

#include <any>
#include <cmath>
#include <string>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/LossHessian.h"
#include "core/Errors.h"
#include "core/SlopeFit.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "jobs/HessianJob.h"
#include "jobs/Jobs.h"
#include "jobs/PntkJob.h"
#include "jobs/PntkWidthJob.h"
#include "models/Model.h"
#include "pntk/Pntk.h"
#include "pntk/PntkCompare.h"
#include "results/ResultJson.h"

using namespace ts;

namespace test_pntk_experiments {
using test::f64;
using test::inputs;

namespace {

at::Tensor dense_entk(const TangentMap& J) {
  const at::Tensor Jm = jacobian(J, int64_t(1) << 30);
  return at::matmul(Jm, Jm.t());
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

const PntkWidthFit& fit_of(const PntkWidthResult& r, const std::string& stage, const std::string& error) {
  for (const auto& f : r.fits)
    if (f.stage == stage && f.error == error && f.min_width == 0) return f;
  throw std::runtime_error("no fit for " + stage + "/" + error);
}

// An object's member names in order, comma-separated.
std::string keys(const Json& j) {
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) out += (out.empty() ? "" : ",") + it.key();
  return out;
}

}  // namespace

class TestPntkExperiments : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // α = Θ⁻¹Y interpolates: both kernels reproduce Y on the training points (no ridge); a ridge does not.
  void kernelRegressionReproducesTargets() {
    auto model = make_model("mlp:in=5,width=40,depth=3,out=3,act=tanh,seed=3", {}, test::config());
    const int64_t n = 9, o = 3;
    TangentMap J(model, inputs(n, 5, 4));
    const at::Tensor K = dense_entk(J);
    const at::Tensor Kp = pntk_from_entk(K, o, PntkVariant{});
    const at::Tensor labels = at::arange(n, at::kLong).remainder(o);
    const at::Tensor Y = at::one_hot(labels, o).to(at::kDouble);
    const PntkErrors e = compare_pntk(K, Kp, Y, 6, 0.1, labels);
    QVERIFY2(e.train_residual < 1e-8, std::to_string(e.train_residual).c_str());
    QVERIFY2(e.train_residual_pntk < 1e-8, std::to_string(e.train_residual_pntk).c_str());
    const at::Tensor fit = kernel_regression(K, K, Y.reshape({n * o, 1}), 0);
    QVERIFY(max_abs(fit.reshape({n, o}) - Y) < 1e-8);
    const at::Tensor ridged =
        kernel_regression(K, K, Y.reshape({n * o, 1}), 0.1 * at::trace(K).item<double>() / (n * o));
    QVERIFY(max_abs(ridged.reshape({n, o}) - Y) > 1e-3);
    // Held-out predictions against an independent solve of the whole system.
    const at::Tensor Kt = K.narrow(0, 0, 18).narrow(1, 0, 18), Kx = K.narrow(0, 18, 9).narrow(1, 0, 18);
    const at::Tensor f =
        at::matmul(Kx, at::linalg_solve(Kt, Y.narrow(0, 0, 6).reshape({18, 1}))).reshape({3, o});
    const at::Tensor Kpt = Kp.narrow(0, 0, 6).narrow(1, 0, 6), Kpx = Kp.narrow(0, 6, 3).narrow(1, 0, 6);
    const at::Tensor fp = at::matmul(Kpx, at::linalg_solve(Kpt, Y.narrow(0, 0, 6)));
    const double expect = (fp - f).norm().item<double>() / f.norm().item<double>();
    QVERIFY2(std::fabs(e.rel_prediction - expect) < 1e-9 * expect,
             (std::to_string(e.rel_prediction) + " vs " + std::to_string(expect)).c_str());
    const at::Tensor kron = at::kron(Kp, at::eye(o, f64()));
    QVERIFY(std::fabs(e.rel_frobenius - (K - kron).norm().item<double>() / K.norm().item<double>()) < 1e-12);
  }

  // The pNTK read off the eNTK (C Θ Cᵀ) equals the pNTK by its own VJPs, for both variants.
  void pntkFromEntkEqualsExactPntk() {
    auto model = make_model("mlp:in=4,width=10,depth=3,out=4,act=gelu,seed=2", {}, test::config());
    TangentMap J(model, inputs(6, 4, 5));
    const at::Tensor K = dense_entk(J);
    for (const char* v : {"sum", "single:1"}) {
      const PntkVariant variant = parse_pntk_variant(v);
      const at::Tensor direct = exact_pntk(J, variant, int64_t(1) << 30);
      QVERIFY2(max_abs(pntk_from_entk(K, 4, variant) - direct) < 1e-10 * max_abs(direct), v);
    }
    // The column-by-column eNTK equals J Jᵀ.
    QVERIFY(max_abs(entk_by_products(J, int64_t(1) << 30, {}, 5) - K) < 1e-10 * max_abs(K));
  }

  // Theorems 1–3 of Mohamadi, Bae and Sutherland (ICML 2023): at initialisation the errors fall like
  // width^(−1/2). Band: −1/2 ± (0.15 + 3·SE), where SE is the standard error of the mean per-seed slope (the
  // seeds' spread) and 0.15 allows for the finite-width bias measured in docs/RESULTS.md (slopes −0.38 to
  // −0.46 between widths 16 and 512). A slope of 0 (no convergence) or −1 fails.
  void widthSlopeAtInitialisation() {
    PntkWidthRequest job;
    job.data = "digits";
    job.batch = 16;
    job.heldout = 4;
    job.widths = {32, 64, 128, 256, 512};
    job.seeds = 4;
    job.compute = test::config();
    int live = 0;
    RunControl rc;
    rc.partial = [&](const PartialResult& p) {
      const auto* u = std::any_cast<PntkWidthUpdate>(&p.value);
      live += p.kind == kPntkWidthPointKind && u && u->point.stage == "init" ? 1 : 0;
    };
    const PntkWidthResult r = run_pntk_width_job(job, rc);
    QCOMPARE(live, 20);
    QCOMPARE(r.points.size(), size_t(20));
    for (const char* error : {"rel_frobenius", "rel_lambda_max"}) {
      const PntkWidthFit& f = fit_of(r, "init", error);
      QVERIFY(f.seed_slope_mean && f.seed_slope_sd);
      const double mean = *f.seed_slope_mean, sd = *f.seed_slope_sd;
      const double band = 0.15 + 3 * sd / std::sqrt(4.0);
      QVERIFY2(std::fabs(mean + 0.5) <= band,
               (std::string(error) + ": slope " + std::to_string(mean) + ", band ±" + std::to_string(band))
                   .c_str());
      QVERIFY(f.fit.ci_low < f.fit.slope && f.fit.slope < f.fit.ci_high);
    }
  }

  void slopeFitIsLeastSquares() {
    const SlopeFit f =
        fit_loglog({10, 100, 1000, 10000}, {2, 0.2 * std::sqrt(10.0), 0.2, 0.02 * std::sqrt(10.0)});
    QVERIFY(std::fabs(f.slope + 0.5) < 1e-12 && f.std_error < 1e-12);
    const SlopeFit g = fit_loglog({1, 2, 4}, {1, 0.5, 0.3});
    QVERIFY(g.ci_low < g.slope && g.slope < g.ci_high);
    QVERIFY(std::isnan(fit_loglog({1, 2}, {1, 2}).slope));
    // Student's t quantiles (Boost.Math through core/StudentT.h): t_{0.975, 40} = 2.0210754, t_{0.975, 3}
    // = 3.1824463.
    QVERIFY(std::fabs(t_quantile_975(40) - 2.0210754) < 1e-6 &&
            std::fabs(t_quantile_975(3) - 3.1824463) < 1e-6);
  }

  // With zero residual (targets = the model's own outputs) the loss Hessian is exactly its Gauss–Newton part
  // (1/N) JᵀJ, so every HVP must equal (1/N) Jᵀ(J v); a smooth activation keeps second derivatives of f
  // non-zero.
  void hessianVectorProductsAtZeroResidual() {
    auto model = make_model("mlp:in=3,width=7,depth=3,out=2,act=tanh,seed=4", {}, test::config());
    const at::Tensor x = inputs(5, 3, 6);
    const at::Tensor y = model->forward(x).detach();
    LossHessian H(model, x, y);
    TangentMap J(model, x);
    auto gen = make_generator(1);
    const at::Tensor V = draw_normal(gen, {H.size(), 4}, f64());
    const at::Tensor gn = J.vjp(J.jvp(V)) / 5.0;
    QVERIFY(max_abs(H.apply(V) - gn) < 1e-10 * max_abs(gn));
    // Away from zero residual the Hessian has a second part: the test above could fail.
    LossHessian H2(model, x, y + 1.0);
    QVERIFY(max_abs(H2.apply(V) - gn) > 1e-3 * max_abs(gn));
  }

  // The job's numbers: the exact Hessian trace equals the Gauss–Newton trace (1/N)·tr Θ for a ReLU network (f
  // is linear in each single weight, so the residual part has a zero diagonal); with only the last layer's
  // parameters the pNTK approximation (O/N)·tr Θ̂ is exact; Hutchinson lies within 4 of its standard errors.
  void hessianTraceAgainstGaussNewton() {
    HessianRequest job;
    job.problem.model = "mlp:in=64,width=16,depth=3,out=10,act=relu,seed=1";
    job.problem.data = "digits:n=12";
    job.problem.compute = test::config();
    job.probes = 48;
    job.exact = true;
    const HessianResult r = run_hessian_job(job);
    QCOMPARE(r.stages.size(), size_t(1));
    const HessianStage& s = r.stages.front();
    QVERIFY(s.exact.has_value());
    const double exact = *s.exact, gn = s.gauss_newton;
    QVERIFY2(std::fabs(exact - gn) < 1e-10 * gn,
             (std::to_string(exact) + " vs " + std::to_string(gn)).c_str());
    QVERIFY(std::fabs(s.hutchinson - exact) < 4 * s.hutchinson_std_error);
    QVERIFY(s.rel_error_pntk > 1e-6);  // cross terms: the approximation is not exact in general
    job.problem.params = "w2;b2";
    const HessianStage last = run_hessian_job(job).stages.front();
    QVERIFY(last.exact.has_value());
    QVERIFY(std::fabs(last.pntk_approximation - *last.exact) < 1e-10 * *last.exact);
  }

  // The pNTK through the same estimators as the eNTK (trace job with kernel "pntk"): with a budget of at
  // least N every sketch-based method is exact, and the exact trace is Σₙ‖J_gᵀeₙ‖² = tr of the exact matrix.
  void estimatorsOnThePntk() {
    TraceRequest job;
    job.problem.model = "mlp:in=64,width=24,depth=3,out=10,act=tanh,seed=2";
    job.problem.data = "digits:n=12";
    job.problem.kernel = "pntk";
    job.problem.compute = test::config();
    job.compare_exact = true;
    auto model = make_model(job.problem.model, {}, test::config());
    const double direct =
        at::trace(
            exact_pntk(
                TangentMap(model, load_data(job.problem.data, {64}, 0).inputs.reshape({12, 64}).to(f64())),
                PntkVariant{}, int64_t(1) << 30))
            .item<double>();
    for (const char* m : {"hutchpp", "xtrace", "xnystrace"}) {
      job.estimator.method = m;
      job.estimator.matvecs = 48;
      const TraceResult r = run_trace_job(job);
      QCOMPARE(r.d, int64_t(12));
      QVERIFY(std::fabs(*r.exact - direct) < 1e-10 * direct);
      QVERIFY2(std::fabs(r.estimate.estimate - direct) < 1e-8 * direct, m);
    }
    // One-sided, through the factor C J: RHutch probes the N-side (exact once its budget covers N); FHutch
    // probes the P-side, unbiased, within 4 of its own standard errors.
    job.estimator.method = "rhutch";
    job.estimator.matvecs = 400;
    QVERIFY(std::fabs(run_trace_job(job).estimate.estimate - direct) < 1e-10 * direct);
    job.estimator.method = "fhutch";
    const TraceResult r = run_trace_job(job);
    QVERIFY(r.estimate.std_error.value() > 0);
    QVERIFY(std::fabs(r.estimate.estimate - direct) < 4 * r.estimate.std_error.value());
    job.problem.kernel = "pntk:single:3";
    job.estimator.method = "hutchpp";
    job.estimator.matvecs = 48;
    const double single =
        at::trace(
            exact_pntk(
                TangentMap(model, load_data(job.problem.data, {64}, 0).inputs.reshape({12, 64}).to(f64())),
                parse_pntk_variant("single:3"), int64_t(1) << 30))
            .item<double>();
    QVERIFY(std::fabs(run_trace_job(job).estimate.estimate - single) < 1e-8 * single);
    job.problem.kernel = "ntk2";
    TS_EXPECT_THROW(InputError, run_trace_job(job), "not entk, pntk");
    MetricsRequest metrics;
    metrics.problem = job.problem;
    metrics.problem.kernel = "pntk";
    TS_EXPECT_THROW(InputError, run_metrics_job(metrics), "works on the eNTK");
  }

  // to_json writes the members docs/FORMATS.md lists, in the order scripts have always read them, and only
  // those the run has: the comparison adds the eNTK's, then a regression or a note saying why there is none.
  void pntkResultJsonFields() {
    PntkResult r;
    r.request.compare = true;
    r.request.heldout = 2;
    r.N = 8, r.outputs = 3, r.params = 100, r.variant = "sum";
    r.trace = 2, r.frobenius = 1.5, r.lambda_max = 1, r.seconds = 0.25;
    r.bytes = 6912, r.kernel_bytes = 512, r.peak_bytes = -1;
    r.entk_bytes = 26112, r.entk_kernel_bytes = 4608, r.entk_seconds = 1, r.entk_peak_bytes = 4096;
    r.entk_trace = 6.5, r.entk_frobenius = 4, r.entk_lambda_max = 1.25;
    r.rel_frobenius_error = 0.1, r.rel_lambda_max_error = 0.2;
    r.regression = PntkRegression{};
    r.speedup = 4, r.rel_trace_error = 0.5 / 6.5;
    const std::string head =
        "seconds,peak_bytes,N,outputs,params,variant,trace,frobenius,lambda_max,bytes,kernel_bytes";
    const Json j = to_json(r);
    QVERIFY2(
        keys(j) == head +
                       ",entk_bytes,entk_kernel_bytes,entk_seconds,entk_peak_bytes,entk_trace,entk_frobenius,"
                       "entk_lambda_max,rel_frobenius_error,rel_lambda_max_error,regression,speedup,"
                       "rel_trace_error,config",
        keys(j).c_str());
    QVERIFY2(keys(j.at("regression")) ==
                 "n_train,n_heldout,rel_prediction_error,rel_prediction_error_ridge,ridge,ridge_absolute,"
                 "train_residual,train_residual_pntk,heldout_accuracy,heldout_accuracy_pntk",
             keys(j.at("regression")).c_str());
    QVERIFY2(keys(j.at("config")) == "problem,variant,compare,heldout,ridge", keys(j.at("config")).c_str());
    QCOMPARE(j.at("N").get<int64_t>(), int64_t(8));
    QCOMPARE(j.at("speedup").get<double>(), 4.0);
    QCOMPARE(j.at("config").at("heldout").get<int64_t>(), int64_t(2));
    QCOMPARE(j.at("config").at("problem").at("model").get<std::string>(), r.request.problem.model);
    // No targets: the note comes before the matrix errors; no held-out point: after them.
    r.regression.reset();
    r.regression_note = "no kernel regression: no targets";
    r.has_targets = false;
    QVERIFY2(keys(to_json(r)).find("entk_frobenius,regression_note,entk_lambda_max") != std::string::npos,
             keys(to_json(r)).c_str());
    r.has_targets = true;
    QVERIFY2(keys(to_json(r)).find("rel_lambda_max_error,regression_note,speedup") != std::string::npos,
             keys(to_json(r)).c_str());
    // Over the memory budget: the traces only.
    PntkResult over = r;
    over.entk_note = "the eNTK is not built: over the budget";
    over.entk_peak_bytes.reset(), over.entk_frobenius.reset(), over.entk_lambda_max.reset();
    over.rel_frobenius_error.reset(), over.rel_lambda_max_error.reset(), over.regression_note.reset();
    over.speedup.reset();
    QVERIFY2(
        keys(to_json(over)) ==
            head + ",entk_bytes,entk_kernel_bytes,entk_note,entk_trace,entk_seconds,rel_trace_error,config",
        keys(to_json(over)).c_str());
    // Without the comparison: the pNTK's alone, then the heat map where asked for.
    PntkResult alone;
    alone.variant = "single:1";
    alone.heatmaps = PntkHeatMaps{};
    alone.heatmaps->pntk = PntkHeatMap{2, 8, {1, 0.5, 0.5, 1}};
    const Json a = to_json(alone);
    QVERIFY2(keys(a) == head + ",heatmaps,config", keys(a).c_str());
    QVERIFY2(keys(a.at("heatmaps")) == "pntk", keys(a.at("heatmaps")).c_str());
    QVERIFY2(keys(a.at("heatmaps").at("pntk")) == "size,source_size,values",
             keys(a.at("heatmaps").at("pntk")).c_str());
    QCOMPARE(a.at("heatmaps").at("pntk").at("values").size(), size_t(4));
    QCOMPARE(a.at("config").at("variant").get<std::string>(), std::string("single:1"));
  }

  void badWidthJobs() {
    PntkWidthRequest job;
    job.compute = test::config();
    job.widths = {};
    TS_EXPECT_THROW(InputError, run_pntk_width_job(job), "no widths");
    job.widths = {16};
    job.heldout = 40;
    TS_EXPECT_THROW(InputError, run_pntk_width_job(job), "must exceed the held-out");
    job.heldout = 2;
    job.param = "mup";
    TS_EXPECT_THROW(InputError, run_pntk_width_job(job), "standard or ntk");
    job.param = "standard";
    job.data = "sine:n=50";
    TS_EXPECT_THROW(InputError, run_pntk_width_job(job), "no class labels");
    HessianRequest h;
    h.problem.compute = test::config();
    h.probes = 1;
    TS_EXPECT_THROW(InputError, run_hessian_job(h), "at least 2");
  }
};

}  // namespace test_pntk_experiments

TS_TEST_MAIN(test_pntk_experiments::TestPntkExperiments, kernelRegressionReproducesTargets,
             pntkFromEntkEqualsExactPntk, widthSlopeAtInitialisation, slopeFitIsLeastSquares,
             hessianVectorProductsAtZeroResidual, hessianTraceAgainstGaussNewton, estimatorsOnThePntk,
             pntkResultJsonFields, badWidthJobs)
#ifdef TS_HAVE_QT
#include "test_pntk_experiments.moc"
#endif
