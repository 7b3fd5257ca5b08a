// Which parameters the NTK is over, on real TorchScript models checked against PyTorch (float64 Jacobians
// over the unique trainable tensors, tests/fixtures/make_fixtures.py): shared (tied) tensors count once,
// frozen ones are left out unless asked for, a fused operator without a forward-mode formula falls back to
// double backward by itself, and a model traced in one precision is refused in the other with a message that
// says why.
#include <ATen/ATen.h>

#include <cstdio>

#include "EngineTestConfig.h"
#include "Reference.h"
#include "TestHarness.h"
#include "autodiff/NtkOperators.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "training/Training.h"

using namespace ts;

namespace test_model_parameters {

namespace {

struct Fixture {
  std::shared_ptr<Model> model;
  at::Tensor x;
  Json ref;
};

Fixture load(const std::string& key, const std::string& dtype = "float64") {
  Fixture f;
  f.ref = test::reference().at(key);
  f.model = load_torchscript(test::fixtures() + "/" + f.ref.at("file").get<std::string>(),
                             test::shape_of(f.ref.at("input_shape")));
  f.model->to(at::TensorOptions()
                  .dtype(dtype == "float32" ? at::kFloat : at::kDouble)
                  .device(parse_device(test::device())));
  f.model->select_parameters("all");
  f.x = test::tensor_of(f.ref.at("x"), test::shape_of(f.ref.at("x_shape")), f.model->options());
  return f;
}

// tr K, ‖K‖_F and K·u of a fixture against PyTorch's kernel, by every product path.
void check_kernel(const Fixture& f, TangentMap& J) {
  QCOMPARE(J.param_size(), static_cast<int64_t>(f.ref.at("P").get<double>()));
  QCOMPARE(J.state_size(), static_cast<int64_t>(f.ref.at("d").get<double>()));
  const double trace = f.ref.at("trace").get<double>();
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "vjp").value, trace, 1e-12, 0.0);
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, trace, 1e-12, 0.0);
  TS_CHECK_CLOSE(exact_kernel(J, int64_t(1) << 30).frobenius(), f.ref.at("fro").get<double>(), 1e-12, 0.0);
  const int64_t d = J.state_size();
  const at::Tensor K = test::tensor_of(f.ref.at("kernel"), {d, d}, J.options());
  auto gen = make_generator(11);
  const at::Tensor u = draw_normal(gen, {d}, J.options());
  const at::Tensor Ku = NtkOperator(J).apply(u.unsqueeze(1)).squeeze(1);
  TS_CHECK_CLOSE((Ku - K.matmul(u)).norm().item<double>(), 0.0, 0.0,
                 1e-11 * K.matmul(u).norm().item<double>());
}

}  // namespace

class TestModelParameters : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // A tensor owned by two modules is one parameter block: P, the names and the kernel match PyTorch's
  // Jacobian over the unique parameters (with two blocks, tr K and ‖K‖_F would be wrong).
  void sharedTensorsCountOnce() {
    for (const char* key : {"tied_autoencoder", "tied_lm"}) {
      const Fixture f = load(key);
      QVERIFY2(f.model->parameter_names() == test::strings_of(f.ref.at("param_names")), key);
      QCOMPARE(f.model->num_parameters(), static_cast<int64_t>(f.ref.at("params_all").get<double>()));
      bool shared = false;
      for (size_t i = 0; i < f.model->parameter_names().size(); ++i)
        shared = shared || !f.model->aliases(i).empty();
      QVERIFY2(shared, key);
      TangentMap J(f.model, f.x);
      check_kernel(f, J);
      J.set_jvp_mode(JvpMode::DoubleBackward);
      TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, f.ref.at("trace").get<double>(), 1e-12, 0.0);
    }
    const Fixture ae = load("tied_autoencoder");
    QCOMPARE(ae.model->aliases(0).at(0), std::string("decoder.weight"));
    // A selection by the second owner's name takes the shared tensor.
    ae.model->select_parameters("decoder");
    QCOMPARE(ae.model->num_selected_parameters(), int64_t(36 + 6));
    bool listed = false;
    for (const auto& line : ae.model->layer_summary())
      listed = listed || line.find("decoder.weight is encoder.weight") != std::string::npos;
    QVERIFY(listed);
  }

  // The NTK is over the parameters that train; frozen ones enter only on request.
  void frozenParametersLeftOut() {
    const Fixture f = load("frozen_mlp");
    QCOMPARE(f.model->num_selected_parameters(), static_cast<int64_t>(f.ref.at("P").get<double>()));  // 21
    QCOMPARE(f.model->num_frozen_parameters(),
             static_cast<int64_t>(f.ref.at("params_frozen").get<double>()));                          // 36
    QCOMPARE(f.model->num_parameters(), static_cast<int64_t>(f.ref.at("params_all").get<double>()));  // 57
    TangentMap J(f.model, f.x);
    check_kernel(f, J);
    TS_EXPECT_THROW(InputError, f.model->select_parameters("fc1"), "matches only frozen parameters");
    f.model->select_parameters("fc1+frozen");
    QCOMPARE(f.model->num_selected_parameters(), int64_t(36));
    f.model->select_parameters("all+frozen");
    QCOMPARE(f.model->num_selected_parameters(), int64_t(57));
    bool noted = false;
    for (const auto& line : f.model->parameter_summary())
      noted = noted || line.find("fc1.weight [6,5] 30 (frozen)") == 0;
    QVERIFY(noted);

    // A file with every parameter frozen (an inference export) says nothing about training: all are taken.
    auto inference = load_torchscript(test::fixtures() + "/inference_mlp.pt", {5});
    QCOMPARE(inference->num_selected_parameters(), inference->num_parameters());
    QCOMPARE(inference->num_frozen_parameters(), int64_t(0));
    QVERIFY(inference->parameter_summary().back().find("inference export") != std::string::npos);

    // Training leaves the frozen parameters as they were and moves the others.
    const Fixture g = load("frozen_mlp");
    Dataset data;
    auto gen = make_generator(3);
    data.inputs = draw_normal(gen, {16, 5}, at::TensorOptions().dtype(at::kDouble));
    data.labels = at::arange(16, at::kLong).remainder(3);
    data.num_classes = 3;
    data.description = "16 random inputs";
    const std::vector<at::Tensor> before = g.model->parameters();
    TrainOptions o;
    o.epochs = 2;
    o.batch_size = 8;
    o.lr = 0.05;
    train_model(*g.model, data, nullptr, o);
    for (size_t i = 0; i < before.size(); ++i) {
      const double moved = (g.model->parameters()[i] - before[i]).abs().max().item<double>();
      QVERIFY2(g.model->trainable(i) ? moved > 0 : moved == 0, g.model->parameter_names()[i].c_str());
    }
    // A saved snapshot keeps the frozen marks (and a tied model its tie).
    const std::string path = std::string(TS_TEST_TMP) + "/frozen_snapshot.pt";
    g.model->save_torchscript(path);
    auto back = load_torchscript(path, {5});
    QCOMPARE(back->num_frozen_parameters(), int64_t(36));
    const Fixture ae = load("tied_autoencoder");
    ae.model->save_torchscript(path);
    auto tied = load_torchscript(path, {6});
    QCOMPARE(tied->num_parameters(), int64_t(48));
    QCOMPARE(tied->aliases(0).size(), size_t(1));
    std::remove(path.c_str());
  }

  // PyTorch's fused eval-mode encoder kernel has no forward-mode formula: the JVPs fall back to double
  // backward by themselves, stay exact, and the result says so, naming the operator and the model.
  void fusedOperatorFallsBackToDoubleBackward() {
    const Fixture f = load("transformer");
    TangentMap J(f.model, f.x);
    QCOMPARE(J.jvp_path(), std::string("forward"));
    check_kernel(f, J);
    QCOMPARE(J.jvp_path(), std::string("double-backward"));
    QVERIFY2(J.jvp_fallback().find("_transformer_encoder_layer_fwd") != std::string::npos,
             J.jvp_fallback().c_str());
    QVERIFY2(J.jvp_fallback().find("transformer.pt") != std::string::npos, J.jvp_fallback().c_str());
    // Remembered per model: a second map on the same model does not try forward mode again.
    TangentMap J2(f.model, f.x);
    auto gen = make_generator(4);
    (void)J2.jvp(draw_normal(gen, {J2.param_size()}, J2.options()));
    QCOMPARE(J2.jvp_path(), std::string("double-backward"));

    // Through a whole job: every estimator that needs JVPs runs, and the JSON names the path.
    TraceRequest job;
    job.problem.model = test::fixtures() + "/transformer.pt";
    job.problem.input_shape = "3,6";
    job.problem.data = "random:n=5";
    job.problem.compute = test::config();
    for (const std::string method : {"hutchpp", "xtrace", "xnystrace", "fhutch"}) {
      job.estimator.method = method;
      job.estimator.matvecs = 12;
      const TraceResult r = run_trace_job(job);
      QCOMPARE(r.jvp.path, std::string("double-backward"));
      QVERIFY2(r.jvp.fallback.find("_transformer_encoder_layer_fwd") != std::string::npos, method.c_str());
    }
  }

  // A model traced in float64 fixed the precision of the tensors it creates (the LSTM's zero states): it runs
  // in float64 and is refused in float32 with the reason and the fix. A scripted model runs in either.
  void exportedPrecision() {
    const Fixture f = load("traced_lstm");
    TangentMap J(f.model, f.x);
    check_kernel(f, J);
    const Fixture g = load("traced_lstm", "float32");
    TS_EXPECT_THROW(InputError, TangentMap(g.model, g.x),
                    "was exported in float64 and does not run in float32");
    TS_EXPECT_THROW(InputError, TangentMap(g.model, g.x), "--dtype float64");
    // A model that is random in evaluation mode has no NTK; NaN in the data is blamed on the data.
    auto random_model = load_torchscript(test::fixtures() + "/random_eval.pt", {5});
    random_model->to(f.model->options());
    TS_EXPECT_THROW(InputError, TangentMap(random_model, at::ones({4, 5}, f.model->options())),
                    "random in evaluation mode");
    at::Tensor bad = f.x.clone();
    bad.view({-1})[3] = NAN;
    TS_EXPECT_THROW(InputError, TangentMap(f.model, bad), "the data is at fault");
    const Fixture s = load("tiny_rnn", "float32");
    TangentMap Js(s.model, s.x);
    TS_CHECK_CLOSE(exact_trace(Js).value, s.ref.at("trace").get<double>(), 1e-5, 0.0);
  }

  // The cost of an estimate counts its dense algebra, not only its products: FHutch's projections and draws
  // live in parameter space and grow with P, the others' with d; the time inside products is measured apart.
  void costModelCountsDenseAlgebra() {
    auto model = make_model("mlp:in=16,width=256,depth=2,out=4,seed=1", {}, test::config());  // P = 5,380
    auto gen = make_generator(2);
    TangentMap J(model, draw_normal(gen, {6, 16}, model->options()));  // d = 24 ≪ P
    NtkOperator K(J);
    JacobianOperator B(J);
    const int64_t d = J.state_size(), P = J.param_size();
    EstimatorOptions o;
    o.matvecs = 24;
    o.method = "fhutch";
    const DenseCost f = planned_dense_cost(o, d, P);
    o.method = "rhutch";
    const DenseCost r = planned_dense_cost(o, d, P);
    QVERIFY(f.draws == double(P) * 24 && r.draws == double(d) * 24);
    QVERIFY(f.flops > 5 * r.flops);
    QVERIFY(planned_dense_cost(o, d, 10 * P).flops > planned_dense_cost(o, d, P).flops);
    for (const std::string method : {"hutchinson", "hutchpp", "rhutch", "fhutch", "xtrace", "xnystrace"}) {
      o.method = method;
      const TraceEstimate e = estimate_trace(K, &B, o);
      QVERIFY2(e.dense_flops == planned_dense_cost(o, d, P).flops, method.c_str());
      QVERIFY2(e.product_seconds > 0 && e.product_seconds <= e.seconds, method.c_str());
      QVERIFY2(predicted_dense_seconds(planned_dense_cost(o, d, P)) > 0, method.c_str());
    }
  }
};

}  // namespace test_model_parameters

TS_TEST_MAIN(test_model_parameters::TestModelParameters, sharedTensorsCountOnce, frozenParametersLeftOut,
             fusedOperatorFallsBackToDoubleBackward, exportedPrecision, costModelCountsDenseAlgebra)
#ifdef TS_HAVE_QT
#include "test_model_parameters.moc"
#endif
