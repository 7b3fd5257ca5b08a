// Model files as users bring them (tests/fixtures/make_export_fixtures.py): made by scripts/export-model,
// whose metadata gives the input shape, the output and the class names; an LSTM scripted straight from
// torch.nn, whose forward is overloaded and returns (output, (h, c)); a model returning a dict; a traced
// model. Exact traces and Frobenius norms are checked against PyTorch's autograd in float64.
#include <ATen/ATen.h>

#include <fstream>
#include <sstream>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "exact/Exact.h"
#include "io/Json.h"
#include "jobs/Jobs.h"
#include "models/Model.h"

using namespace ts;

namespace {

std::string exported(const std::string& file) { return test::fixtures() + "/exported/" + file; }

const Json& reference() {
  static const Json ref = [] {
    std::ifstream f(exported("reference.json"));
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_json(ss.str(), "exported/reference.json");
  }();
  return ref;
}

// The exact trace and Frobenius norm of the model's kernel on the reference batch, against PyTorch's.
void check_against_reference(const std::shared_ptr<Model>& model, const std::string& file) {
  const Json& r = reference().at(file);
  std::vector<int64_t> shape{r.at("n").get<int64_t>()};
  for (const auto& s : r.at("input_shape")) shape.push_back(s.get<int64_t>());
  const std::vector<double> xs = r.at("x").get<std::vector<double>>();
  model->to(test::f64());
  const at::Tensor x = at::tensor(xs, at::kDouble).reshape(shape).to(model->options());
  TangentMap J(model, x);
  QCOMPARE(J.state_size(), r.at("d").get<int64_t>());
  QCOMPARE(J.param_size(), r.at("P").get<int64_t>());
  const double trace = r.at("trace").get<double>();
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "vjp").value, trace, 1e-10, 0.0);
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, trace, 1e-10, 0.0);
  TS_CHECK_CLOSE(exact_kernel(J, int64_t(1) << 30).frobenius(), r.at("fro").get<double>(), 1e-10, 0.0);
}

bool has_note(const Model& m, const std::string& part) {
  for (const auto& n : m.file_notes())
    if (n.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

class TestModelFiles : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // torch.jit.script(nn.LSTM(…)) has no method named forward (forward__0 takes a tensor, forward__1 a packed
  // sequence) and returns (output, (h, c)); the file's metadata says output 0 and the input shape.
  void scriptedLstmFromTorchNn() {
    auto model = load_torchscript(exported("lstm.pt"), {});
    QCOMPARE(model->input_shape(), (std::vector<int64_t>{5, 6}));
    QVERIFY(has_note(*model, "forward__0"));
    QVERIFY(has_note(*model, "made by torch.nn:LSTM, scripted"));
    check_against_reference(model, "lstm.pt");
    QVERIFY(has_note(*model, "output 0"));
    // Another element of the tuple by a dotted path: h is [layers, N, hidden], so the batch check refuses it
    // with a message naming the model; an index past the end names the tuple's size.
    auto h = load_torchscript(exported("lstm.pt"), {}, "1.0");
    h->to(test::f64());
    TS_EXPECT_THROW(InputError, TangentMap(h, at::randn({3, 5, 6}, test::f64())), "lstm.pt");
    auto bad = load_torchscript(exported("lstm.pt"), {}, "2");
    bad->to(test::f64());
    TS_EXPECT_THROW(InputError, bad->forward(at::randn({3, 5, 6}, test::f64())), "not an index below 2");
  }

  // A user's model returning a dict: the metadata chooses "logits" and names the classes.
  void dictOutputChosenByMetadata() {
    auto model = load_torchscript(exported("two_heads.pt"), {});
    QCOMPARE(model->class_names(), (std::vector<std::string>{"cat", "dog", "bird"}));
    check_against_reference(model, "two_heads.pt");
    QVERIFY(has_note(*model, "output logits"));
  }

  // The same model saved by plain torch.jit.save: no metadata, so the shape and the output must be given, and
  // the messages say how.
  void plainFileNeedsShapeAndOutput() {
    TS_EXPECT_THROW(InputError, load_torchscript(exported("two_heads_plain.pt"), {}), "--input-shape");
    TS_EXPECT_THROW(InputError, load_torchscript(exported("two_heads_plain.pt"), {}), "scripts/export-model");
    auto no_choice = load_torchscript(exported("two_heads_plain.pt"), {4});
    no_choice->to(test::f64());
    TS_EXPECT_THROW(InputError, no_choice->forward(at::randn({2, 4}, test::f64())), "forward returns a dict");
    auto wrong = load_torchscript(exported("two_heads_plain.pt"), {4}, "nope");
    wrong->to(test::f64());
    TS_EXPECT_THROW(InputError, wrong->forward(at::randn({2, 4}, test::f64())), "keys: logits, aux");
    // The unused head has zero gradient: its parameters are in P, with zero columns of J.
    check_against_reference(load_torchscript(exported("two_heads_plain.pt"), {4}, "aux"),
                            "two_heads_plain.pt");
  }

  void tracedModel() {
    auto model = load_torchscript(exported("traced.pt"), {});
    check_against_reference(model, "traced.pt");
    QVERIFY(reference().at("traced.log").get<std::string>().find("traced") != std::string::npos);
  }

  // Through the jobs as the CLI and the app run them: no --input-shape for an exported file; a snapshot saved
  // from it keeps the metadata; --output on a built-in model is refused.
  void jobsReadTheMetadata() {
    TraceRequest job;
    job.problem.model = exported("lstm.pt");
    job.problem.data = "random:n=3";
    job.problem.compute = test::config();
    job.estimator.method = "exact";
    const TraceResult r = run_trace_job(job);
    QCOMPARE(r.d, int64_t(3 * 5 * 8));
    const ProblemSummary s = describe_problem(job.problem);
    QCOMPARE(s.input_shape, std::string("5,6"));
    QVERIFY(!s.notes.empty());
    auto model = load_torchscript(exported("two_heads.pt"), {});
    const std::string copy = std::string(TS_TEST_TMP) + "/two_heads_copy.pt";
    model->save_torchscript(copy);
    auto back = load_torchscript(copy, {});
    QCOMPARE(back->input_shape(), (std::vector<int64_t>{4}));
    QCOMPARE(back->class_names(), (std::vector<std::string>{"cat", "dog", "bird"}));
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4,width=3,depth=2,out=2", {}, test::config(), "all", "0"),
                    "chooses an output of a TorchScript model");
  }
};

TS_TEST_MAIN(TestModelFiles, scriptedLstmFromTorchNn, dictOutputChosenByMetadata,
             plainFileNeedsShapeAndOutput, tracedModel, jobsReadTheMetadata)
#include "test_model_files.moc"
