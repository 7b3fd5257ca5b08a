// Training and the NTK over training.
#include <ATen/ATen.h>

#include <cstdio>
#include <fstream>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "analysis/Dynamics.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "io/OutputFiles.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "training/Training.h"

#include <filesystem>

using namespace ts;

namespace test_training {

namespace {}  // namespace

class TestTraining : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // A fixed seed and a fixed number of epochs on the real digits: the loss falls and accuracy rises.
  void trainingReducesLossOnDigits() {
    if (!std::ifstream(data_dir() + "/sklearn/digits.csv.gz") && std::getenv("TS_ALLOW_MISSING_DATA"))
      QSKIP("digits not fetched on this machine");
    auto model = make_model("mlp:in=64,width=64,depth=2,out=10,seed=1", {}, test::config());
    const auto [train, test] = train_test_split(load_data("digits", model->input_shape(), 0), 300, 0);
    TrainOptions o;
    o.epochs = 3;
    o.lr = 3e-3;
    o.batch_size = 32;
    o.seed = 5;
    const TrainResult r = train_model(*model, train, &test, o);
    QCOMPARE(r.history.size(), size_t(4));
    QVERIFY(r.history.back().train_loss < 0.5 * r.history.front().train_loss);
    QVERIFY2(r.history.back().test_accuracy > 0.85, std::to_string(r.history.back().test_accuracy).c_str());
    QCOMPARE(r.snapshots.size(), size_t(2));
    QCOMPARE(r.snapshots.back().epoch, 3);
    // Same seed, same numbers.
    auto again = make_model("mlp:in=64,width=64,depth=2,out=10,seed=1", {}, test::config());
    const TrainResult r2 = train_model(*again, train, &test, o);
    QCOMPARE(r2.history.back().train_loss, r.history.back().train_loss);
  }

  void sgdWithMseOnSine() {
    auto model = make_model("mlp:in=1,width=32,depth=2,out=1,act=tanh,seed=2", {}, test::config());
    const Dataset d = make_sine(200, 0.0, 3);
    TrainOptions o;
    o.optimizer = "sgd";
    o.momentum = 0.9;
    o.loss = "mse";
    o.lr = 0.05;
    o.epochs = 20;
    o.batch_size = 20;
    const TrainResult r = train_model(*model, d, nullptr, o);
    QVERIFY(std::isnan(r.history.back().train_accuracy));
    QVERIFY2(r.history.back().train_loss < 0.2 * r.history.front().train_loss, "SGD did not fit the sine");
  }

  // A TorchScript model trains like a built-in one and saves back with identical outputs.
  void torchscriptTrainsAndSaves() {
    auto model = load_torchscript(test::fixtures() + "/tiny_mlp.pt", {5});
    model->to(at::TensorOptions().dtype(at::kDouble).device(parse_device(test::device())));
    const Dataset d = make_blobs(120, 3, 5, 1.0, 3.0, 1);
    TrainOptions o;
    o.epochs = 10;
    o.lr = 1e-2;
    o.batch_size = 16;
    const TrainResult r = train_model(*model, d, nullptr, o);
    QVERIFY(r.history.back().train_loss < r.history.front().train_loss);
    const std::string path = std::string(TS_TEST_TMP) + "/trained_tiny.pt";
    model->save_torchscript(path);
    auto back = load_torchscript(path, {5});
    back->to(model->options());
    const at::Tensor x = d.inputs.narrow(0, 0, 8).to(model->options());
    QCOMPARE((model->forward(x) - back->forward(x)).abs().max().item<double>(), 0.0);
    QVERIFY((back->forward(x) -
             load_torchscript(test::fixtures() + "/tiny_mlp.pt", {5})->forward(x.cpu()).to(x.device()))
                .abs()
                .max()
                .item<double>() > 1e-3);  // really the trained weights
    std::remove(path.c_str());
  }

  void badTrainingOptions() {
    auto model = make_model("mlp:in=2,width=4,depth=2,out=2", {}, test::config());
    const Dataset d = make_moons(20, 0.1, 0);
    TrainOptions o;
    o.optimizer = "rmsprop";
    TS_EXPECT_THROW(InputError, train_model(*model, d, nullptr, o), "optimizer 'rmsprop'");
    o = TrainOptions();
    o.snapshot_epochs = {7};
    o.epochs = 2;
    TS_EXPECT_THROW(InputError, train_model(*model, d, nullptr, o), "snapshot epoch 7");
    o = TrainOptions();
    o.lr = 1e8;
    o.loss = "mse";
    o.optimizer = "sgd";
    o.epochs = 10;
    o.batch_size = 2;
    auto tanh_model = make_model("mlp:in=2,width=4,depth=2,out=2,act=tanh", {}, test::config());
    TS_EXPECT_THROW(NumericalError, train_model(*tanh_model, d, nullptr, o), "lower the learning rate");
    TS_EXPECT_THROW(InputError, train_model(*model, make_sine(10, 0, 0), nullptr, TrainOptions()),
                    "takes [2]");
    auto one_input = make_model("mlp:in=1,width=4,depth=2,out=2", {}, test::config());
    TS_EXPECT_THROW(InputError, train_model(*one_input, make_sine(10, 0, 0), nullptr, TrainOptions()),
                    "cross-entropy needs labelled data");
  }

  // cos(K₀, K₀) = 1 at the first snapshot; on a small float64 model every estimated metric agrees with its
  // exact value within 5 of its error estimate.
  void dynamicsAgreesWithExact() {
    auto model = make_model("mlp:in=2,width=32,depth=3,out=2,act=tanh,seed=4", {}, test::config());
    const Dataset d = make_moons(200, 0.1, 2);
    TrainOptions o;
    o.epochs = 4;
    o.lr = 1e-2;
    o.snapshot_epochs = {0, 2, 4};
    const TrainResult r = train_model(*model, d, nullptr, o);
    const Dataset probe = subset(d, 24, 1);
    const at::Tensor x = probe.inputs.to(model->options()),
                     y = one_hot_targets(probe, 2).to(model->options());
    MetricsOptions mo;
    mo.metrics = {"trace", "frobenius", "effective_rank", "alignment", "target_alignment"};
    mo.estimator.method = "hutchpp";
    mo.estimator.matvecs = 24;
    mo.compare_exact = true;
    const auto rows = ntk_dynamics(*model, r.snapshots, x, y, mo);
    QCOMPARE(rows.size(), size_t(3));
    for (const auto& row : rows) {
      QVERIFY(row.exact_compared);
      for (const auto& m : row.values) {
        if (row.epoch == 0 && m.name == "alignment") TS_CHECK_CLOSE(*m.exact, 1.0, 1e-12, 0.0);
        QVERIFY2(std::fabs(m.value - *m.exact) <= 5 * m.std_error.value_or(0) + 1e-9 * std::fabs(*m.exact),
                 (m.name + " at epoch " + std::to_string(row.epoch)).c_str());
      }
    }
    // Training moves the kernel: the alignment with K₀ drops below 1.
    double last_alignment = 1;
    for (const auto& m : rows.back().values)
      if (m.name == "alignment") last_alignment = *m.exact;
    QVERIFY(last_alignment < 0.9999);
  }

  // A run's files appear together or not at all: a failed or cancelled run leaves the earlier results (and
  // the user's own files) as they were and no staging folder; a new run replaces the earlier run's whole set.
  void outputsPublishedTogether() {
    namespace fs = std::filesystem;
    const std::string dir = std::string(TS_TEST_TMP) + "/published";
    fs::remove_all(dir);
    auto read = [](const std::string& path) {
      std::ifstream f(path);
      return std::string(std::istreambuf_iterator<char>(f), {});
    };
    {
      OutputFolder a(dir);
      a.write_text("a.txt", "first a");
      a.write_text("b.txt", "first b");
      a.commit();
    }
    std::ofstream(dir + "/mine.txt") << "the user's";
    {
      OutputFolder failed(dir);
      failed.write_text("a.txt", "half a");
    }  // no commit: as if the run had thrown
    QCOMPARE(read(dir + "/a.txt"), std::string("first a"));
    {
      OutputFolder c(dir);
      c.write_text("a.txt", "second a");
      c.write_text("c.txt", "second c");
      c.commit();
    }
    QCOMPARE(read(dir + "/a.txt"), std::string("second a"));
    QVERIFY(!fs::exists(dir + "/b.txt"));  // the earlier run's file this run does not write
    QCOMPARE(read(dir + "/mine.txt"), std::string("the user's"));
    for (const auto& e : fs::directory_iterator(dir))
      QVERIFY2(e.path().filename().string().rfind(".tangentscope-staging", 0) != 0,
               "a staging folder was left");

    // A dynamics run cancelled after its training: the earlier run's files stay, nothing new appears.
    DynamicsRequest job;
    job.problem.model = "mlp:in=64,width=16,depth=2,out=10,seed=1";
    job.problem.data = "digits:n=120";
    job.problem.compute = test::config();
    job.training.epochs = 2;
    job.track_ntk = false;
    job.out_dir = dir + "/run";
    (void)run_dynamics_job(job);
    const std::string before = read(job.out_dir + "/train.json");
    QVERIFY(!before.empty());
    job.training.epochs = 3;
    job.track_ntk = true;
    CancelToken token;
    RunControl rc;
    rc.cancel = &token;
    rc.progress = [&](const Progress& p) {
      if (p.stage.rfind("training, epoch 3", 0) == 0) token.cancel();
    };
    TS_EXPECT_THROW(Cancelled, run_dynamics_job(job, rc), "");
    QCOMPARE(read(job.out_dir + "/train.json"), before);
    QVERIFY(!fs::exists(job.out_dir + "/dynamics.json"));
    QVERIFY(!fs::exists(job.out_dir + "/snapshot-epoch3.pt"));
    for (const auto& e : fs::directory_iterator(job.out_dir))
      QVERIFY2(e.path().filename().string().rfind(".tangentscope-staging", 0) != 0,
               "a staging folder was left");
  }
};

}  // namespace test_training

TS_TEST_MAIN(test_training::TestTraining, trainingReducesLossOnDigits, sgdWithMseOnSine,
             torchscriptTrainsAndSaves, badTrainingOptions, dynamicsAgreesWithExact, outputsPublishedTogether)
#ifdef TS_HAVE_QT
#include "test_training.moc"
#endif
