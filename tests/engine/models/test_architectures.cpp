// Small versions of real architectures (tests/fixtures/make_architecture_fixtures.py): a ResNet with batch
// norm in evaluation mode, a MobileNet-style inverted residual with squeeze-excitation, a transformer encoder
// (whose JVPs fall back to double backward), an LSTM returning every step and a LayerNorm/GELU residual MLP,
// scripted by PyTorch. Every exact value is checked against PyTorch's own, from the full Jacobian in float64:
// the trace by either side, ‖K‖_F, r_eff, the spectrum, the per-layer traces and a parameter subset's kernel.
// Every estimator of the registry is checked on each: its error within its own error bars and shrinking with
// the budget (fixed seeds).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "EngineTestConfig.h"
#include "Reference.h"
#include "TestHarness.h"
#include "analysis/LayerTraces.h"
#include "analysis/Metrics.h"
#include "autodiff/NtkOperators.h"
#include "autodiff/TangentMap.h"
#include "core/Json.h"
#include "estimators/EstimatorRegistry.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "models/Model.h"

using namespace ts;

namespace test_architectures {

namespace {

const std::vector<std::string> kArchitectures{"resnet", "mobilenet", "transformer", "lstm", "resmlp"};
constexpr int64_t kBudget = int64_t(1) << 30;

const Json& architectures() {
  static const Json ref = [] {
    std::ifstream f(test::fixtures() + "/architectures/reference.json");
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_json(ss.str(), "architectures/reference.json");
  }();
  return ref;
}

// An architecture's model file, its parameters selected, on its reference batch, in float64.
struct Problem {
  const Json* ref = nullptr;
  std::shared_ptr<Model> model;
  std::unique_ptr<TangentMap> J;
};

Problem problem(const std::string& name, const std::string& params = "all") {
  // One intra-op thread: on a busy machine (ctest -j, a build) two OpenMP threads spinning in the barriers of
  // these tiny convolutions made the products 40 to 200 times slower.
  at::set_num_threads(1);
  Problem p;
  p.ref = &architectures().at(name);
  const std::vector<int64_t> input = test::shape_of(p.ref->at("input_shape"));
  p.model = load_torchscript(test::fixtures() + "/architectures/" + name + ".pt", input);
  p.model->to(test::f64());
  p.model->select_parameters(params);
  std::vector<int64_t> shape{p.ref->at("N").get<int64_t>()};
  shape.insert(shape.end(), input.begin(), input.end());
  p.J = std::make_unique<TangentMap>(p.model, test::tensor_of(p.ref->at("x"), shape, p.model->options()));
  return p;
}

bool near(double actual, double expected, double rtol, double atol) {
  return std::fabs(actual - expected) <= atol + rtol * std::fabs(expected);
}

// The architecture, the quantity and both values, for a failed check.
std::string mismatch(const std::string& arch, const std::string& what, double actual, double expected) {
  std::ostringstream m;
  m.precision(17);
  m << arch << ": " << what << " = " << actual << ", expected " << expected;
  return m.str();
}

// One estimator as it is run: the registry's entry, and Hutch++ also with the split of Hazelden's code.
struct Variant {
  std::string label;
  EstimatorOptions options;
};

std::vector<Variant> every_estimator() {
  std::vector<Variant> out;
  for (const auto& e : estimator_registry()) {
    EstimatorOptions o;
    o.method = e.name;
    out.push_back({e.name, o});
    if (e.name == "hutchpp") {
      o.split = HutchppSplit::Seed;
      out.push_back({"hutchpp (seed split)", o});
    }
  }
  return out;
}

}  // namespace

class TestArchitectures : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // d, P and the parameter names as PyTorch lists them; tr K by d VJPs and by P JVPs; ‖K‖_F and r_eff, from
  // the exact kernel and through the metrics; every eigenvalue of K. Only the transformer needs the
  // double-backward JVP (the fused encoder layer has no forward-mode formula), and it says so.
  void exactKernelMatchesPyTorch() {
    for (const auto& name : kArchitectures) {
      Problem p = problem(name);
      const Json& r = *p.ref;
      QVERIFY2(p.J->state_size() == r.at("d").get<int64_t>(), name.c_str());
      QVERIFY2(p.J->param_size() == r.at("P").get<int64_t>(), name.c_str());
      QVERIFY2(p.model->parameter_names() == test::strings_of(r.at("param_names")), name.c_str());
      const double trace = r.at("trace").get<double>(), fro = r.at("fro").get<double>();
      const double vjp = exact_trace(*p.J, {}, 64, "vjp").value, jvp = exact_trace(*p.J, {}, 64, "jvp").value;
      QVERIFY2(near(vjp, trace, 1e-10, 0), mismatch(name, "tr K by VJPs", vjp, trace).c_str());
      QVERIFY2(near(jvp, trace, 1e-10, 0), mismatch(name, "tr K by JVPs", jvp, trace).c_str());
      QVERIFY2((p.J->jvp_path() == "double-backward") == (name == "transformer"),
               (name + ": JVPs ran by " + p.J->jvp_path()).c_str());

      const ExactKernel k = exact_kernel(*p.J, kBudget);
      QVERIFY2(near(k.trace(), trace, 1e-10, 0), mismatch(name, "tr K", k.trace(), trace).c_str());
      QVERIFY2(near(k.frobenius(), fro, 1e-10, 0), mismatch(name, "‖K‖_F", k.frobenius(), fro).c_str());
      const double reff = k.trace() * k.trace() / (k.frobenius() * k.frobenius());
      const double want_reff = r.at("effective_rank").get<double>();
      QVERIFY2(near(reff, want_reff, 1e-10, 0), mismatch(name, "r_eff", reff, want_reff).c_str());
      MetricsOptions mo;
      mo.estimator.method = "exact";
      for (const MetricValue& m : compute_metrics(*p.J, nullptr, at::Tensor(), mo)) {
        const double want = m.name == "trace" ? trace : m.name == "frobenius" ? fro : want_reff;
        QVERIFY2(near(m.value, want, 1e-10, 0), mismatch(name, "metric " + m.name, m.value, want).c_str());
      }

      const std::vector<double> want = r.at("eigenvalues").get<std::vector<double>>();
      const at::Tensor ev = k.eigenvalues().contiguous();
      QVERIFY2(ev.numel() == static_cast<int64_t>(want.size()), (name + ": number of eigenvalues").c_str());
      for (size_t i = 0; i < want.size(); ++i)
        QVERIFY2(near(ev[static_cast<int64_t>(i)].item<double>(), want[i], 0, 1e-10 * want.front()),
                 mismatch(name, "eigenvalue " + std::to_string(i), ev[static_cast<int64_t>(i)].item<double>(),
                          want[i])
                     .c_str());
    }
  }

  // K V by kernel_apply equals the exact kernel's K V, on the first call (a block of VJPs, then JVPs) and on
  // the next: streamed where products go one vector at a time (the convolutions have no batching rule) and
  // JVPs run in forward mode, so that no k × P block is formed; every call counts a VJP and a JVP per vector.
  void kernelProductsMatchExactKernel() {
    for (const auto& name : kArchitectures) {
      Problem p = problem(name);
      p.J->set_block(4);
      const ExactKernel k = exact_kernel(*p.J, kBudget);
      auto gen = make_generator(11);
      const at::Tensor V = draw_normal(gen, {p.J->state_size(), 5}, p.model->options());
      const at::Tensor want = at::matmul(k.matrix, V);
      const double scale = want.abs().max().item<double>();
      for (int call = 0; call < 2; ++call) {
        const int64_t vjps = p.J->vjps(), jvps = p.J->jvps();
        const std::string path = p.J->kernel_path();
        const at::Tensor got = p.J->kernel_apply(V);
        const double err = (got - want).abs().max().item<double>() / scale;
        QVERIFY2(err < 1e-11, (name + " (" + path + "): relative error " + std::to_string(err)).c_str());
        QVERIFY2(p.J->vjps() - vjps == 5 && p.J->jvps() - jvps == 5, (name + ": products counted").c_str());
        const at::Tensor one = p.J->kernel_apply(V.select(1, 2));
        QVERIFY2(((one - want.select(1, 2)).abs().max().item<double>() / scale) < 1e-11, name.c_str());
      }
      const bool one_at_a_time = !p.J->batching_fallback().empty();
      const bool streamed = one_at_a_time && p.J->jvp_path() == "forward";
      QVERIFY2((p.J->kernel_path() == "streamed") == streamed,
               (name + ": K V ran " + p.J->kernel_path() + ", batching fallback '" +
                p.J->batching_fallback() + "', JVPs by " + p.J->jvp_path())
                   .c_str());
      // ResNet's convolutions, batch norm and pooling run batched (autodiff/ConvolutionBatching.cpp and its
      // neighbours): no fallback to one vector at a time.
      if (name == "resnet") QVERIFY2(p.J->batching_fallback().empty(), p.J->batching_fallback().c_str());
    }
  }

  // The default groups are the modules that own parameters (a root parameter in "(model)"), named and sized
  // as PyTorch's module tree has them; each exact tr K_g equals PyTorch's, and they sum to tr K.
  void layerTracesMatchPyTorch() {
    for (const auto& name : kArchitectures) {
      Problem p = problem(name);
      const Json& groups = p.ref->at("groups");
      const double trace = p.ref->at("trace").get<double>();
      LayerTraceOptions o;
      o.method = "exact";
      o.compare_exact = true;
      const LayerTraces t = layer_traces(*p.J, o);
      QVERIFY2(t.layers.size() == groups.size(), (name + ": number of groups").c_str());
      double sum = 0;
      for (size_t g = 0; g < t.layers.size(); ++g) {
        const LayerTrace& l = t.layers[g];
        const Json& want = groups[g];
        QVERIFY2(l.name == want.at("name").get<std::string>(), (name + ": group " + l.name).c_str());
        QVERIFY2(l.size == want.at("size").get<int64_t>(), (name + ": size of " + l.name).c_str());
        const double w = want.at("trace").get<double>();
        QVERIFY2(near(l.trace, w, 1e-10, 1e-14 * trace),
                 mismatch(name, "tr K_" + l.name, l.trace, w).c_str());
        QVERIFY2(l.exact && near(*l.exact, w, 1e-10, 1e-14 * trace),
                 mismatch(name, "exact tr K_" + l.name, l.exact.value_or(NAN), w).c_str());
        sum += l.trace;
      }
      QVERIFY2(near(sum, trace, 1e-10, 0), mismatch(name, "Σ_g tr K_g", sum, trace).c_str());
      QVERIFY2(near(t.total, trace, 1e-10, 0), mismatch(name, "total", t.total, trace).c_str());
      const double fro = p.ref->at("fro").get<double>();
      QVERIFY2(t.frobenius && near(*t.frobenius, fro, 1e-10, 0),
               mismatch(name, "‖K‖_F", t.frobenius.value_or(NAN), fro).c_str());
    }
  }

  // The NTK over a parameter subset (name prefixes): its size, trace (both sides) and ‖K‖_F.
  void parameterSubsetMatchesPyTorch() {
    for (const auto& name : kArchitectures) {
      const Json& s = architectures().at(name).at("subset");
      Problem p = problem(name, s.at("params").get<std::string>());
      QVERIFY2(p.J->param_size() == s.at("P").get<int64_t>(), (name + ": subset size").c_str());
      const double trace = s.at("trace").get<double>(), fro = s.at("fro").get<double>();
      const double vjp = exact_trace(*p.J, {}, 64, "vjp").value, jvp = exact_trace(*p.J, {}, 64, "jvp").value;
      QVERIFY2(near(vjp, trace, 1e-10, 0), mismatch(name, "subset tr K by VJPs", vjp, trace).c_str());
      QVERIFY2(near(jvp, trace, 1e-10, 0), mismatch(name, "subset tr K by JVPs", jvp, trace).c_str());
      const double f = exact_kernel(*p.J, kBudget).frobenius();
      QVERIFY2(near(f, fro, 1e-10, 0), mismatch(name, "subset ‖K‖_F", f, fro).c_str());
    }
  }

  // Every estimator of the registry on every architecture, 8 fixed seeds at a small and a large budget (both
  // below d, so none is exact). At a budget the estimator calls calibrated (min_calibrated_budget: 32 for
  // Hutch++ and XTrace, 16 for XNysTrace, 8 for the others) each estimate lies within 6 of its own standard
  // errors: the residual quadratic forms of Hutch++ are skewed on these kernels, so its sample error runs
  // small (4.7σ was seen). Below it the bars are not promised (XTrace at m = 8 missed by 7σ here). The mean
  // error and the mean error estimate at the large budget are both below 0.75 × those at the small one (1/2
  // for Hutchinson's 1/√m; seen: ≤ 0.58).
  void everyEstimatorConverges() {
    const int seeds = 8;
    for (const auto& name : kArchitectures) {
      Problem p = problem(name);
      const double trace = p.ref->at("trace").get<double>();
      const NtkOperator K(*p.J);
      const JacobianOperator B(*p.J);
      for (const Variant& v : every_estimator()) {
        const int64_t budgets[2] = {8, 32};
        const int64_t calibrated = min_calibrated_budget({v.options.method});
        QVERIFY2(budgets[1] < p.J->state_size(), name.c_str());
        double mean_error[2] = {0, 0}, mean_sigma[2] = {0, 0};
        for (int b = 0; b < 2; ++b)
          for (int s = 0; s < seeds; ++s) {
            EstimatorOptions o = v.options;
            o.matvecs = budgets[b];
            o.seed = static_cast<uint64_t>(100 + s);
            const TraceEstimate e = estimate_trace(K, &B, o);
            const std::string what = name + ", " + v.label + ", m = " + std::to_string(o.matvecs) +
                                     ", seed " + std::to_string(o.seed);
            QVERIFY2(e.std_error && std::isfinite(*e.std_error), (what + ": no error estimate").c_str());
            const double err = std::fabs(e.estimate - trace);
            QVERIFY2(
                budgets[b] < calibrated || err <= 6 * *e.std_error + 1e-10 * trace,
                (what + ": error " + std::to_string(err) + " > 6 × " + std::to_string(*e.std_error)).c_str());
            mean_error[b] += err / seeds;
            mean_sigma[b] += *e.std_error / seeds;
          }
        const std::string what = name + ", " + v.label + ": at m = " + std::to_string(budgets[1]) + " vs " +
                                 std::to_string(budgets[0]) + ", mean ";
        QVERIFY2(mean_error[1] < 0.75 * mean_error[0],
                 (what + "error " + std::to_string(mean_error[1]) + " vs " + std::to_string(mean_error[0]))
                     .c_str());
        QVERIFY2(mean_sigma[1] < 0.75 * mean_sigma[0],
                 (what + "error estimate " + std::to_string(mean_sigma[1]) + " vs " +
                  std::to_string(mean_sigma[0]))
                     .c_str());
      }
    }
  }
};

}  // namespace test_architectures

TS_TEST_MAIN(test_architectures::TestArchitectures, exactKernelMatchesPyTorch, kernelProductsMatchExactKernel,
             layerTracesMatchPyTorch, parameterSubsetMatchesPyTorch, everyEstimatorConverges)
#ifdef TS_HAVE_QT
#include "test_architectures.moc"
#endif
