// VJP/JVP against each other and finite differences; exact-trace identities; TorchScript models against
// independent reference values computed in Python (tests/fixtures/make_fixtures.py).
#include <ATen/ATen.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "EngineTestConfig.h"
#include "Reference.h"
#include "TestHarness.h"
#include "autodiff/NtkOperators.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/TorchUtil.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "models/Model.h"

using namespace ts;

namespace test_autodiff {

namespace {
// The TorchScript fixture of a reference entry, in float64 on the test device.
std::shared_ptr<Model> fixture_model(const Json& r) {
  auto model = load_torchscript(test::fixtures() + "/" + r.at("file").get<std::string>(),
                                test::shape_of(r.at("input_shape")));
  model->to(at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device())));
  return model;
}
}  // namespace

namespace {

at::Tensor batch(const Model& m, int64_t n, uint64_t seed) {
  auto gen = make_generator(seed);
  std::vector<int64_t> s{n};
  s.insert(s.end(), m.input_shape().begin(), m.input_shape().end());
  return draw_normal(gen, s, m.options());
}

const char* kBuiltins[] = {"mlp:in=6,width=9,depth=3,out=4,act=tanh,seed=1",
                           "mlp:in=6,width=9,depth=3,out=4,act=gelu,param=ntk,final_act=erf,seed=2",
                           "mlp:in=6,width=9,depth=2,out=3,act=relu,bias=0,seed=3",
                           "gru:in=3,hidden=5,steps=4,seed=4",
                           "cnn:channels=1,width=3,out=4,act=tanh,seed=5"};

}  // namespace

class TestAutodiff : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // JVP by forward mode = double backward = central finite differences; VJP is its adjoint.
  void jvpModesAgreeWithFiniteDifferences() {
    for (const char* spec : kBuiltins) {
      std::vector<int64_t> shape =
          std::string(spec).rfind("cnn", 0) == 0 ? std::vector<int64_t>{1, 6, 6} : std::vector<int64_t>{};
      auto model = make_model(spec, shape, test::config());
      const at::Tensor x = batch(*model, 3, 11);
      TangentMap J(model, x);
      auto gen = make_generator(12);
      const at::Tensor w = draw_normal(gen, {J.param_size()}, J.options());
      const at::Tensor u = draw_normal(gen, {J.state_size()}, J.options());
      const at::Tensor jf = J.jvp_forward(w), jd = J.jvp_double_backward(w);
      TS_CHECK_CLOSE((jf - jd).norm().item<double>(), 0.0, 0.0, 1e-12 * jf.norm().item<double>());
      // f(θ + hw) − f(θ − hw) over 2h
      const double h = 1e-6;
      std::vector<at::Tensor> plus = model->parameters(), minus = model->parameters();
      int64_t off = 0;
      for (auto i : model->selected()) {
        auto& p = plus[static_cast<size_t>(i)];
        const at::Tensor wi = w.narrow(0, off, p.numel()).view(p.sizes());
        minus[static_cast<size_t>(i)] = p - h * wi;
        p = p + h * wi;
        off += p.numel();
      }
      const at::Tensor fd = (model->forward(plus, x) - model->forward(minus, x)).reshape({-1}) / (2 * h);
      TS_CHECK_CLOSE((jf - fd).norm().item<double>(), 0.0, 0.0, 1e-6 * jf.norm().item<double>());
      // ⟨u, Jw⟩ = ⟨Jᵀu, w⟩
      TS_CHECK_CLOSE(u.dot(jf).item<double>(), J.vjp(u).dot(w).item<double>(), 1e-12, 1e-14);
      QCOMPARE(J.jvps(), int64_t(2));
      QCOMPARE(J.vjps(), int64_t(1));
      // A block of JVPs through the replicated model equals one-at-a-time JVPs.
      const at::Tensor Wb = draw_normal(gen, {J.param_size(), 11}, J.options());
      J.set_block(1);  // the replicated path, not block products
      J.set_replicas(4);
      QVERIFY(J.batched());
      const at::Tensor batched = J.jvp_forward(Wb);
      J.set_replicas(1);
      const at::Tensor single = J.jvp_forward(Wb);
      TS_CHECK_CLOSE((batched - single).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * single.abs().max().item<double>());
    }
  }

  // Block products (one batched backward over a block of cotangents, one forward pass with a block of
  // tangents) equal one vector at a time, blocks of 4 over 11 vectors (a partial last block), on the built-in
  // models and the TorchScript fixtures; a model whose forward cannot run batched (a TorchScript RNN's
  // _unsafe_view has no batching rule in LibTorch's vmap) goes one vector at a time and says why.
  void blockProductsEqualOneAtATime() {
    std::vector<std::shared_ptr<Model>> models;
    for (const char* spec : kBuiltins) {
      std::vector<int64_t> shape =
          std::string(spec).rfind("cnn", 0) == 0 ? std::vector<int64_t>{1, 6, 6} : std::vector<int64_t>{};
      models.push_back(make_model(spec, shape, test::config()));
    }
    const Json ref = test::reference();
    for (const char* key : {"tiny_mlp", "tiny_conv", "tiny_rnn"}) {
      const Json& r = ref.at(key);
      auto m = load_torchscript(test::fixtures() + "/" + r.at("file").get<std::string>(),
                                test::shape_of(r.at("input_shape")));
      m->to(at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device())));
      models.push_back(std::move(m));
    }
    int batched_models = 0;
    for (const auto& model : models) {
      TangentMap J(model, batch(*model, 3, 21));
      J.set_explicit(
          false);  // LibTorch's vmap here; explicitMlpProductsEqualAutograd tests the MLPs' own path
      auto gen = make_generator(22);
      const at::Tensor U = draw_normal(gen, {J.state_size(), 11}, J.options());
      const at::Tensor W = draw_normal(gen, {J.param_size(), 11}, J.options());
      J.set_block(1);
      const at::Tensor v1 = J.vjp(U), q1 = J.vjp_sqnorms(U), j1 = J.jvp(W);
      QCOMPARE(J.vjp_path(), std::string("per-vector"));
      J.set_block(4);
      const int64_t vjps = J.vjps(), jvps = J.jvps();
      const at::Tensor v4 = J.vjp(U), q4 = J.vjp_sqnorms(U), j4 = J.jvp(W);
      QCOMPARE(J.vjps() - vjps, int64_t(22));
      QCOMPARE(J.jvps() - jvps, int64_t(11));
      const auto rel = [](const at::Tensor& a, const at::Tensor& b) {
        return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item<double>();
      };
      QVERIFY2(rel(v4, v1) < 1e-12, model->spec().c_str());
      QVERIFY2(rel(q4, q1) < 1e-12, model->spec().c_str());
      QVERIFY2(rel(j4, j1) < 1e-12, model->spec().c_str());
      if (J.vjp_path() == "batched") {
        ++batched_models;
        QVERIFY(J.batching_fallback().empty());
      } else {
        QVERIFY2(J.batching_fallback().find("batching rule for") != std::string::npos ||
                     J.batching_fallback().find("failed") != std::string::npos,
                 J.batching_fallback().c_str());
      }
      std::printf("  %s: VJPs %s, JVPs %s%s%s\n", model->spec().c_str(), J.vjp_path().c_str(),
                  J.jvp_batching().c_str(), J.batching_fallback().empty() ? "" : "; ",
                  J.batching_fallback().c_str());
    }
    QVERIFY(batched_models >= 7);  // the MLPs, the GRU, the CNN and the TorchScript MLP and convolution
    // The GRU runs batched through the rules TangentMap registers (tanh_backward; sigmoid_backward has one),
    // the CNN through the convolution rules (autodiff/ConvolutionBatching.cpp); the TorchScript RNN's forward
    // uses an operator without a rule (_unsafe_view): one vector at a time, and the reason.
    const auto gru = make_model("gru:in=3,hidden=5,steps=4,seed=4", {}, test::config());
    TangentMap G(gru, batch(*gru, 3, 23));
    G.set_block(4);
    auto gen = make_generator(24);
    (void)G.vjp(draw_normal(gen, {G.state_size(), 5}, G.options()));
    QCOMPARE(G.vjp_path(), std::string("batched"));
    const auto cnn = make_model("cnn:channels=1,width=3,out=4,act=tanh,seed=5", {1, 6, 6}, test::config());
    TangentMap C(cnn, batch(*cnn, 3, 25));
    C.set_block(4);
    (void)C.vjp(draw_normal(gen, {C.state_size(), 5}, C.options()));
    (void)C.jvp(draw_normal(gen, {C.param_size(), 5}, C.options()));
    QCOMPARE(C.vjp_path(), std::string("batched"));
    QCOMPARE(C.jvp_batching(), std::string("batched"));
    QVERIFY2(C.batching_fallback().empty(), C.batching_fallback().c_str());
    // The block follows the memory budget (4 (P + d) numbers per vector) and the 1 GiB the allocator keeps
    // (2 (P + d) per vector), 1 to 32.
    QCOMPARE(TangentMap::block_for_budget(1000, 24, int64_t(8) * 4 * 1024 * 10, 8), int64_t(10));
    QCOMPARE(TangentMap::block_for_budget(11000000, 40, int64_t(1) << 30, 4), int64_t(6));
    QCOMPARE(TangentMap::block_for_budget(11000000, 40, int64_t(4) << 30, 4), int64_t(12));  // ResNet-18
    // The activations count too: 1000 + 24 numbers and 24,576 bytes of activations a vector.
    QCOMPARE(TangentMap::block_for_budget(1000, 24, int64_t(8) * 4 * 1024 * 10, 8, 24576), int64_t(5));
    // Counted from one forward pass: linear in the batch; on the CNN (width 3 on 6×6 inputs, float64) at
    // least its first convolution's output, 3 × 6 × 6 numbers an input.
    const auto conv_model =
        make_model("cnn:channels=1,width=3,out=4,act=tanh,seed=5", {1, 6, 6}, test::config());
    const int64_t a3 = TangentMap(conv_model, batch(*conv_model, 3, 26)).activation_bytes();
    const int64_t a6 = TangentMap(conv_model, batch(*conv_model, 6, 26)).activation_bytes();
    QVERIFY2(a3 >= 3 * 3 * 6 * 6 * 8 && a6 == 2 * a3,
             (std::to_string(a3) + ", " + std::to_string(a6)).c_str());
    QCOMPARE(TangentMap::block_for_budget(100, 10, int64_t(1) << 40, 8), int64_t(32));
    QCOMPARE(TangentMap::block_for_budget(int64_t(1) << 40, 10, 1024, 8), int64_t(1));
  }

  // Built-in MLPs compute their block products explicitly (autodiff/DenseProducts.h): the same numbers as
  // autograd one vector at a time for every activation, without bias, in the NTK parameterisation, with a
  // partial last block, and again after the parameters move (new tensors, or an in-place step).
  void explicitMlpProductsEqualAutograd() {
    const auto rel = [](const at::Tensor& a, const at::Tensor& b) {
      return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item<double>();
    };
    const char* specs[] = {
        "mlp:in=5,width=7,depth=3,out=4,act=relu,seed=1",
        "mlp:in=5,width=7,depth=3,out=4,act=tanh,final_act=sigmoid,seed=2",
        "mlp:in=5,width=6,depth=2,out=3,act=gelu,final_act=relu,param=ntk,w_std=1.3,b_std=0.2,seed=3",
        "mlp:in=5,width=6,depth=4,out=3,act=erf,bias=false,seed=4",
        "mlp:in=5,width=6,depth=1,out=3,act=sigmoid,final_act=tanh,seed=5",
    };
    for (const char* spec : specs) {
      auto model = make_model(spec, {}, test::config());
      TangentMap J(model, batch(*model, 6, 31));
      auto gen = make_generator(32);
      const at::Tensor U = draw_normal(gen, {J.state_size(), 9}, J.options());
      const at::Tensor W = draw_normal(gen, {J.param_size(), 9}, J.options());
      J.set_block(1);  // autograd, one vector at a time
      const at::Tensor v1 = J.vjp(U), q1 = J.vjp_sqnorms(U), j1 = J.jvp(W);
      QCOMPARE(J.vjp_path(), std::string("per-vector"));
      J.set_block(4);
      QCOMPARE(J.vjp_path(), std::string("explicit"));
      QCOMPARE(J.jvp_batching(), std::string("explicit"));
      const int64_t vjps = J.vjps(), jvps = J.jvps();
      const at::Tensor v4 = J.vjp(U), q4 = J.vjp_sqnorms(U), j4 = J.jvp(W);
      QCOMPARE(J.vjps() - vjps, int64_t(18));
      QCOMPARE(J.jvps() - jvps, int64_t(9));
      QVERIFY2(rel(v4, v1) < 1e-13, spec);
      QVERIFY2(rel(q4, q1) < 1e-13, spec);
      QVERIFY2(rel(j4, j1) < 1e-13, spec);
      QVERIFY2(rel(J.vjp(U.select(1, 2)), v1.select(1, 2)) < 1e-13, spec);
      QVERIFY2(rel(J.jvp(W.select(1, 2)), j1.select(1, 2)) < 1e-13, spec);
      // A contiguous vector is the caller's: the products must not scale it in place.
      const at::Tensor u = U.select(1, 3).contiguous(), u0 = u.clone();
      J.vjp(u);
      J.vjp_sqnorms(u);
      J.kernel_apply(u);
      QVERIFY2(at::equal(u, u0), spec);
      // K V fused (δ_l kept, G_l δ_l or Ẇ_l) against a VJP and a JVP by autograd, at a batch where the first
      // layer goes through Ẇ (N > 2·in) and the others through the N×N Gram, and at one where all use G.
      for (int64_t n : {6, 12}) {
        TangentMap M(model, batch(*model, n, 36 + n));
        const at::Tensor V = draw_normal(gen, {M.state_size(), 9}, M.options());
        M.set_block(1);
        QCOMPARE(M.kernel_path(), std::string("vjp-then-jvp"));
        const at::Tensor k1 = M.kernel_apply(V);
        M.set_block(4);
        QCOMPARE(M.kernel_path(), std::string("fused"));
        const int64_t before = M.vjps();
        QVERIFY2(rel(M.kernel_apply(V), k1) < 1e-13, spec);
        QCOMPARE(M.vjps() - before, int64_t(9));
        QVERIFY2(rel(M.kernel_apply(V.select(1, 4)), k1.select(1, 4)) < 1e-13, spec);
        M.set_jvp_mode(JvpMode::DoubleBackward);
        QCOMPARE(M.kernel_path(), std::string("vjp-then-jvp"));
      }
    }
    auto model = make_model(specs[1], {}, test::config());
    TangentMap J(model, batch(*model, 6, 33));
    J.set_block(4);
    auto gen = make_generator(34);
    const at::Tensor W = draw_normal(gen, {J.param_size(), 5}, J.options());
    const at::Tensor before = J.jvp(W);
    std::vector<at::Tensor> moved = model->parameters();
    for (auto& p : moved) p = p * 1.5;
    model->set_parameters(moved);
    const at::Tensor after = J.jvp(W);
    J.set_explicit(false);
    QCOMPARE(J.vjp_path(), std::string("batched"));
    QVERIFY(rel(after, J.jvp(W)) < 1e-13);
    QVERIFY(rel(after, before) > 1e-3);
    at::Tensor w0 = model->parameters()[0];
    w0.mul_(0.5);  // in place: the same storage, a new version
    J.set_explicit(true);
    const at::Tensor stepped = J.jvp(W);
    J.set_explicit(false);
    QVERIFY(rel(stepped, J.jvp(W)) < 1e-13);
    QVERIFY(rel(stepped, after) > 1e-3);
    // Over a subset of the parameters, autograd.
    model->select_parameters("w1");
    TangentMap S(model, batch(*model, 6, 35));
    S.set_block(4);
    QCOMPARE(S.vjp_path(), std::string("batched"));
  }

  // tr K = Σ‖Jᵀeᵢ‖² = Σ‖Jeⱼ‖² = ‖J‖_F² = trace of the exact eNTK = Σ eᵢᵀKeᵢ.
  void exactTraceIdentities() {
    auto model = make_model("mlp:in=5,width=7,depth=3,out=3,act=tanh,seed=3", {}, test::config());
    TangentMap J(model, batch(*model, 4, 1));
    const double by_vjp = exact_trace(J, {}, 5, "vjp").value;
    const double by_jvp = exact_trace(J, {}, 16, "jvp").value;
    const at::Tensor jac = jacobian(J, int64_t(1) << 30);
    const ExactKernel K = exact_kernel(J, int64_t(1) << 30);
    NtkOperator Kop(J);
    TS_CHECK_CLOSE(by_jvp, by_vjp, 1e-12, 0.0);
    TS_CHECK_CLOSE(jac.pow(2).sum().item<double>(), by_vjp, 1e-12, 0.0);
    TS_CHECK_CLOSE(K.trace(), by_vjp, 1e-12, 0.0);
    TS_CHECK_CLOSE(matvec_baseline(Kop).value, by_vjp, 1e-12, 0.0);
    QVERIFY(!K.gram);  // d = 12 < P
    TS_CHECK_CLOSE(K.eigenvalues().sum().item<double>(), by_vjp, 1e-10, 0.0);
    TS_CHECK_CLOSE(K.frobenius(), K.eigenvalues().pow(2).sum().sqrt().item<double>(), 1e-10, 0.0);
  }

  // The TorchScript fixtures reproduce Python's outputs, exact NTK traces and Frobenius norms.
  void torchscriptFixturesMatchPython() {
    const Json ref = test::reference();
    for (const char* key : {"tiny_mlp", "tiny_mlp_fc2", "tiny_conv", "tiny_rnn"}) {
      const Json& r = ref.at(key);
      auto model = fixture_model(r);
      if (r.contains("param_prefix")) model->select_parameters(r.at("param_prefix").get<std::string>());
      QCOMPARE(model->num_selected_parameters(), static_cast<int64_t>(r.at("P").get<double>()));
      const at::Tensor x = test::tensor_of(r.at("x"), test::shape_of(r.at("x_shape")), model->options());
      TangentMap J(model, x);
      QCOMPARE(J.state_size(), static_cast<int64_t>(r.at("d").get<double>()));
      const at::Tensor out = test::tensor_of(r.at("output"), {J.state_size()}, model->options());
      TS_CHECK_CLOSE((J.state() - out).abs().max().item<double>(), 0.0, 0.0, 1e-12);
      const double trace = r.at("trace").get<double>();
      TS_CHECK_CLOSE(exact_trace(J, {}, 64, "vjp").value, trace, 1e-10, 0.0);
      // Forward-mode JVPs through the module (for the GRU this exercises the _flat_weights swap).
      TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, trace, 1e-10, 0.0);
      J.set_jvp_mode(JvpMode::DoubleBackward);
      TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, trace, 1e-10, 0.0);
      TS_CHECK_CLOSE(exact_kernel(J, int64_t(1) << 30).frobenius(), r.at("fro").get<double>(), 1e-10, 0.0);
    }
  }

  // The exact trace of a model separable over its batch takes each input's VJPs on that input alone
  // (Σₙ tr Kₙₙ), equal to the whole batch's; a model that mixes its batch (minus the batch mean) is found out
  // and takes the whole batch's VJPs, still equal to PyTorch's trace.
  void exactTracePerInput() {
    const Json ref = test::reference();
    for (const char* key : {"tiny_mlp", "tiny_conv", "tiny_rnn", "batch_centered"}) {
      const Json& r = ref.at(key);
      auto model = fixture_model(r);
      const at::Tensor x = test::tensor_of(r.at("x"), test::shape_of(r.at("x_shape")), model->options());
      TangentMap J(model, x);
      const double trace = r.at("trace").get<double>();
      const std::optional<ExactTrace> per_input = per_input_trace(J);
      const ExactTrace t = exact_trace(J);
      TS_CHECK_CLOSE(t.value, trace, 1e-12, 0.0);
      TS_CHECK_CLOSE(exact_operator_trace(NtkOperator(J)), trace, 1e-12, 0.0);  // the whole batch's VJPs
      if (std::string(key) == "batch_centered") {
        QVERIFY(!per_input);
        QCOMPARE(t.method, std::string("vjp"));
      } else {
        QVERIFY2(per_input, key);
        TS_CHECK_CLOSE(per_input->value, trace, 1e-12, 0.0);
        QCOMPARE(t.method, std::string("vjp-per-input"));
        QCOMPARE(t.products, J.state_size());
      }
    }
  }

  // A LibTorch 1.13 trap: with the optimizing executor the tangent goes missing from the second call on.
  void torchscriptForwardModeThreeCalls() {
    auto model = load_torchscript(test::fixtures() + "/tiny_mlp.pt", {5});
    model->to(at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device())));
    TangentMap J(model, batch(*model, 4, 2));
    auto gen = make_generator(3);
    const at::Tensor w = draw_normal(gen, {J.param_size()}, J.options());
    const at::Tensor ref = J.jvp_double_backward(w);
    QVERIFY(ref.norm().item<double>() > 0);
    for (int call = 0; call < 3; ++call)
      TS_CHECK_CLOSE((J.jvp_forward(w) - ref).norm().item<double>(), 0.0, 0.0, 1e-12);
  }

  // Every built-in model exports to TorchScript and loads back with identical outputs and kernel.
  void builtinExportRoundTrip() {
    for (const char* spec : kBuiltins) {
      std::vector<int64_t> shape =
          std::string(spec).rfind("cnn", 0) == 0 ? std::vector<int64_t>{1, 6, 6} : std::vector<int64_t>{};
      auto model = make_model(spec, shape, test::config());
      const std::string path = std::string(TS_TEST_TMP) + "/roundtrip.pt";
      model->save_torchscript(path);
      auto back = load_torchscript(path, model->input_shape());
      back->to(model->options());
      QVERIFY(back->parameter_names() == model->parameter_names());
      const at::Tensor x = batch(*model, 3, 5);
      const double diff = (model->forward(x) - back->forward(x)).abs().max().item<double>();
      QVERIFY2(diff <= 1e-14, (std::string(spec) + ": outputs differ by " + std::to_string(diff)).c_str());
      TangentMap Ja(model, x), Jb(back, x);
      TS_CHECK_CLOSE(exact_trace(Jb).value, exact_trace(Ja).value, 1e-12, 0.0);
      std::remove(path.c_str());
    }
  }

  // The seed workloads have the published sizes.
  void seedWorkloadSizes() {
    auto mlp =
        make_model("mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,seed=0", {}, test::config());
    QCOMPARE(mlp->num_selected_parameters(), int64_t(64704));
    auto gru = make_model("gru:in=10,hidden=64,steps=15,seed=0", {}, test::config());
    QCOMPARE(gru->num_selected_parameters(), int64_t(14592));
    TangentMap J(gru, batch(*gru, 50, 0));
    QCOMPARE(J.state_size(), int64_t(48000));
  }

  // On a real NTK every estimator is within its own error of the exact trace, and exact at budget ≥ d.
  void estimatorsOnNtk() {
    auto model = make_model("mlp:in=8,width=16,depth=3,out=4,act=tanh,seed=7", {}, test::config());
    TangentMap J(model, batch(*model, 10, 3));  // d = 40
    NtkOperator K(J);
    JacobianOperator B(J);
    const double exact = exact_trace(J).value;
    for (const std::string method : {"hutchinson", "hutchpp", "rhutch", "fhutch", "xtrace", "xnystrace"}) {
      EstimatorOptions o;
      o.method = method;
      o.matvecs = 24;
      o.seed = 5;
      const TraceEstimate e = estimate_trace(K, &B, o);
      QVERIFY2(std::fabs(e.estimate - exact) <= 5 * e.std_error.value_or(0) + 1e-9 * exact, method.c_str());
      QVERIFY2(e.vjps + e.jvps > 0, "no AD cost counted");
      const AdCost planned = planned_cost(o);  // the app shows this before a run
      QVERIFY2(planned.vjps == e.vjps && planned.jvps == e.jvps,
               (method + ": planned cost differs from the spent").c_str());
      if (method == "rhutch") QCOMPARE(e.jvps, int64_t(0));
      if (method == "fhutch") QCOMPARE(e.vjps, int64_t(0));
      if (method == "hutchinson") QCOMPARE(e.jvps, int64_t(0));
    }
    for (const auto& [method, m] :
         std::vector<std::pair<std::string, int64_t>>{{"hutchpp", 120}, {"xtrace", 80}, {"xnystrace", 40}}) {
      EstimatorOptions o;
      o.method = method;
      o.matvecs = m;
      TS_CHECK_CLOSE(estimate_trace(K, &B, o).estimate, exact, 1e-10, 0.0);
    }
  }

  // --jvp auto: the first JVPs on a model time forward mode against double backward and keep the faster for
  // the model. Whichever wins, the numbers are the JVPs', the timing runs are not counted, the choice and
  // both times are reported, and a later map on the same model reuses the choice without timing again.
  void autoJvpKeepsTheFasterPath() {
    const Json ref = test::reference();
    const Json& r = ref.at("tiny_conv");
    std::vector<std::shared_ptr<Model>> models{
        make_model("mlp:in=6,width=9,depth=3,out=4,act=tanh,seed=1", {}, test::config()),
        load_torchscript(test::fixtures() + "/" + r.at("file").get<std::string>(),
                         test::shape_of(r.at("input_shape")))};
    models[1]->to(at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device())));
    for (const auto& model : models) {
      const at::Tensor x = batch(*model, 3, 5);
      TangentMap reference(model, x, JvpMode::Forward), J(model, x, JvpMode::Auto);
      QCOMPARE(J.jvp_path(), std::string("auto"));
      auto gen = make_generator(7);
      const at::Tensor W = draw_normal(gen, {J.param_size(), 6}, J.options());
      const at::Tensor want = reference.jvp(W), got = J.jvp(W);
      QVERIFY2(((got - want).abs().max() / want.abs().max()).item<double>() < 1e-12, model->spec().c_str());
      QCOMPARE(J.jvps(), int64_t(6));
      QVERIFY2(J.jvp_path() == "forward" || J.jvp_path() == "double-backward", J.jvp_path().c_str());
      QCOMPARE(J.jvp_path(), model->jvp_choice());
      QVERIFY2(J.jvp_choice().rfind(J.jvp_path() + " (timed per JVP", 0) == 0, J.jvp_choice().c_str());
      QVERIFY2(J.jvp_choice().find("double backward") != std::string::npos, J.jvp_choice().c_str());
      const std::string note = J.jvp_choice();
      TangentMap again(model, x, JvpMode::Auto);
      const at::Tensor once = again.jvp(W.narrow(1, 0, 1));
      QCOMPARE(again.jvp_path(), model->jvp_choice());
      QCOMPARE(again.jvp_choice(), note);
      QCOMPARE(again.jvps(), int64_t(1));
      QVERIFY(((once - want.narrow(1, 0, 1)).abs().max() / want.abs().max()).item<double>() < 1e-12);
    }
  }

  void parameterSubset() {
    auto model = make_model("mlp:in=4,width=5,depth=2,out=3,seed=1", {}, test::config(), "w1;b1");
    QCOMPARE(model->num_selected_parameters(), int64_t(5 * 3 + 3));
    TS_EXPECT_THROW(InputError, model->select_parameters("conv"), "matches no parameter");
  }

  // set_block_measured: a full block warms up, the next is timed, then two vectors one at a time; the choice
  // is the model's, said with its timings, and every product along the way equals one vector at a time.
  void measuredBlockChoice() {
    const Json ref_json = test::reference();
    const Json& r = ref_json.at("tiny_conv");
    const auto rel = [](const at::Tensor& a, const at::Tensor& b) {
      return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item<double>();
    };
    for (const char* product : {"VJP", "K u"}) {
      auto model = fixture_model(r);
      const at::Tensor x = batch(*model, 3, 21);
      TangentMap ref(model, x), J(model, x);
      ref.set_block(1);  // as given: not measured, and the model's choice does not touch it
      J.set_block_measured(3);
      auto gen = make_generator(5);
      const at::Tensor U = draw_normal(gen, {J.state_size(), 7}, J.options());
      const bool vjp = std::string(product) == "VJP";
      const at::Tensor expected = vjp ? ref.vjp_sqnorms(U) : ref.kernel_apply(U);
      // 7 vectors: a block of 3 warms up, the next is timed; one vector is left, too few for the two one at
      // a time, which the next call's first two are.
      const std::vector<int> stages{2, 3};
      for (int stage : stages) {
        const int64_t vjps = J.vjps(), jvps = J.jvps();
        const at::Tensor got = vjp ? J.vjp_sqnorms(U) : J.kernel_apply(U);
        // Every column once, whatever the parts the measurement cut the call into.
        QCOMPARE(J.vjps() - vjps, int64_t(7));
        QCOMPARE(J.jvps() - jvps, int64_t(vjp ? 0 : 7));
        QVERIFY2(rel(got, expected) < 1e-12, product);
        QCOMPARE(model->block_choice().stage, stage);
        QCOMPARE(J.block_choice().empty(), stage < 3);
      }
      QVERIFY2(J.block_choice().find(std::string("timed per ") + product) != std::string::npos,
               J.block_choice().c_str());
      QCOMPARE(model->block_choice().block, int64_t(3));
      QVERIFY(model->block_choice().block_seconds > 0);
      TangentMap again(model, x);  // the choice is the model's: a new map has it without measuring
      again.set_block_measured(3);
      QCOMPARE(again.block_choice(), J.block_choice());
    }
    // The rule, with the block's timing set by hand: one at a time only when 1.5× faster per vector.
    for (const double block_seconds : {1e3, 1e-9}) {
      auto model = fixture_model(r);
      const at::Tensor x = batch(*model, 3, 21);
      TangentMap ref(model, x), J(model, x);
      ref.set_block(1);
      J.set_block_measured(3);
      Model::BlockChoice& c = model->block_choice();
      c.stage = 2;
      c.product = "VJP";
      c.block = 3;
      c.block_seconds = block_seconds;
      auto gen = make_generator(6);
      const at::Tensor U = draw_normal(gen, {J.state_size(), 5}, J.options());
      QVERIFY(rel(J.vjp(U), ref.vjp(U)) < 1e-12);
      const bool slow_blocks = block_seconds > 1;
      QCOMPARE(c.one_at_a_time, slow_blocks);
      QCOMPARE(J.vjp_path(), std::string(slow_blocks ? "per-vector" : "batched"));
      QVERIFY2(J.block_choice().rfind(slow_blocks ? "one at a time" : "blocks of 3", 0) == 0,
               J.block_choice().c_str());
      QVERIFY(rel(J.vjp(U), ref.vjp(U)) < 1e-12);
    }
  }
};

}  // namespace test_autodiff

TS_TEST_MAIN(test_autodiff::TestAutodiff, jvpModesAgreeWithFiniteDifferences, blockProductsEqualOneAtATime,
             explicitMlpProductsEqualAutograd, exactTraceIdentities, torchscriptFixturesMatchPython,
             exactTracePerInput, torchscriptForwardModeThreeCalls, builtinExportRoundTrip, seedWorkloadSizes,
             estimatorsOnNtk, parameterSubset, autoJvpKeepsTheFasterPath, measuredBlockChoice)
#ifdef TS_HAVE_QT
#include "test_autodiff.moc"
#endif
