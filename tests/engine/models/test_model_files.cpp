// Model files as users bring them (tests/fixtures/make_export_fixtures.py): made by scripts/export-model,
// whose metadata gives the input shape, the output and the class names; an LSTM scripted straight from
// torch.nn, whose forward is overloaded and returns (output, (h, c)); a model returning a dict; a traced
// model; a classifier with a frozen backbone; a small GPT taking int64 token ids with a bool causal mask; a
// graph network with an int64 edge index; batch normalisation. Exact traces, Frobenius norms and kernel
// entries are checked against PyTorch's autograd in float64.
#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <fstream>
#include <sstream>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/TangentMap.h"
#include "cli/Cli.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "exact/Exact.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "models/ModelFileInfo.h"

using namespace ts;

namespace test_model_files {

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

// The reference batch: float64 inputs, or int64 token ids, as PyTorch drew them.
at::Tensor reference_inputs(const Json& r) {
  std::vector<int64_t> shape{r.at("n").get<int64_t>()};
  for (const auto& s : r.at("input_shape")) shape.push_back(s.get<int64_t>());
  if (r.at("input_dtype") == "int64")
    return at::tensor(r.at("x").get<std::vector<int64_t>>(), at::kLong).reshape(shape);
  return at::tensor(r.at("x").get<std::vector<double>>(), at::kDouble).reshape(shape);
}

// The exact trace, Frobenius norm and some entries of the model's kernel on the reference batch, against
// PyTorch's; in float32 to a relative 1e-5.
void check_against_reference(const std::shared_ptr<Model>& model, const std::string& file,
                             at::ScalarType dtype = at::kDouble) {
  const Json& r = reference().at(file);
  model->to(test::f64().dtype(dtype));
  const double tol = dtype == at::kDouble ? 1e-10 : 1e-5;
  TangentMap J(model, to_model_input(reference_inputs(r), model->options()));
  QCOMPARE(J.state_size(), r.at("d").get<int64_t>());
  QCOMPARE(J.param_size(), r.at("P").get<int64_t>());
  const double trace = r.at("trace").get<double>();
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "vjp").value, trace, tol, 0.0);
  TS_CHECK_CLOSE(exact_trace(J, {}, 64, "jvp").value, trace, tol, 0.0);
  TS_CHECK_CLOSE(exact_kernel(J, int64_t(1) << 30).frobenius(), r.at("fro").get<double>(), tol, 0.0);
  const at::Tensor jac = jacobian(J, int64_t(1) << 30).to(at::kDouble).cpu();
  const at::Tensor K = at::mm(jac, jac.t());
  for (const auto& e : r.at("entries")) {
    const double want = e[2].get<double>();
    TS_CHECK_CLOSE(K[e[0].get<int64_t>()][e[1].get<int64_t>()].item<double>(), want, tol,
                   (dtype == at::kDouble ? 1e-13 : 1e-6) * trace);
  }
}

struct CliRun {
  int code;
  std::string out, err;
};

CliRun run_cli(std::vector<std::string> args) {
  if (test::device() != "cpu") {
    args.push_back("--device");
    args.push_back(test::device());
  }
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {code, out.str(), err.str()};
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
    TS_EXPECT_THROW(InputError, TangentMap(h, at::randn({3, 5, 6}, test::f64())), "1.0 [2,3,8]");
    auto bad = load_torchscript(exported("lstm.pt"), {}, "2");
    bad->to(test::f64());
    TS_EXPECT_THROW(InputError, bad->forward(at::randn({3, 5, 6}, test::f64())), "not an index below 2");
  }

  // h of an LSTM of 2 layers is [2, N, 8]: with N = 2 its first axis equals the batch by chance. A second
  // batch of another size shows it is not the batch axis; the message lists every output with its shape.
  // Output 0
  // ([N, 5, 8]) passes at every N, 2 included.
  void outputWhoseFirstAxisIsNotTheBatch() {
    auto h = load_torchscript(exported("lstm.pt"), {}, "1.0");
    h->to(test::f64());
    const at::Tensor x = at::randn({2, 5, 6}, test::f64());
    TS_EXPECT_THROW(InputError, TangentMap(h, x), "the first axis of output 1.0 is not the batch");
    TS_EXPECT_THROW(InputError, TangentMap(h, x), "0 [2,5,8], 1.0 [2,2,8], 1.1 [2,2,8]");
    TS_EXPECT_THROW(InputError, TangentMap(h, x.narrow(0, 0, 1).repeat({2, 1, 1})),
                    "[2,3,8] for a batch of 3");
    auto out = load_torchscript(exported("lstm.pt"), {});
    out->to(test::f64());
    for (int64_t n : {1, 2, 3}) {
      TangentMap J(out, at::randn({n, 5, 6}, test::f64()));
      QCOMPARE(J.state_size(), n * 5 * 8);
    }
    // Through the jobs, as `tangentscope-cli trace --output 1.0` and the app run it.
    TraceRequest job;
    job.problem.model = exported("lstm.pt");
    job.problem.output = "1.0";
    job.problem.data = "random:n=2";
    job.problem.compute = test::config();
    job.estimator.method = "exact";
    TS_EXPECT_THROW(InputError, run_trace_job(job),
                    "Choose with --output a tensor whose first axis is the batch");
  }

  // A classifier fine-tuned on a frozen backbone, exported by the script: the file keeps requires_grad=False
  // on the backbone, so the NTK is the head's by default (PyTorch's exact trace over the trainable
  // parameters), and the whole network's with +frozen. The metadata, `info` and the model say how many train
  // and how many are frozen.
  void frozenBackboneStaysFrozen() {
    auto model = load_torchscript(exported("frozen_backbone.pt"), {});
    QCOMPARE(model->num_parameters(), int64_t(435));
    QCOMPARE(model->num_frozen_parameters(), int64_t(384));
    QCOMPARE(model->num_trainable_parameters(), int64_t(51));
    check_against_reference(model, "frozen_backbone.pt");
    const Json& r = reference().at("frozen_backbone.pt");
    model->select_parameters("all+frozen");
    TangentMap all(model, reference_inputs(r).to(model->options()));
    TS_CHECK_CLOSE(exact_trace(all).value, r.at("trace_all").get<double>(), 1e-10, 0.0);
    QVERIFY(r.at("trace_all").get<double>() > 1.5 * r.at("trace").get<double>());  // the two differ
    const ModelFileInfo info = read_model_file_info(exported("frozen_backbone.pt"));
    QCOMPARE(info.parameters, int64_t(435));
    QCOMPARE(info.trainable_parameters, int64_t(51));
    QCOMPARE(info.frozen_parameters, int64_t(384));
    QVERIFY(reference().at("frozen_backbone.log").get<std::string>().find("51 trainable, 384 frozen") !=
            std::string::npos);
    const CliRun i = run_cli({"info", "--model", exported("frozen_backbone.pt")});
    QCOMPARE(i.code, 0);
    QVERIFY2(i.out.find("P = 51 of 435 parameters (51 trainable, 384 frozen)") != std::string::npos,
             i.out.c_str());
    const CliRun t = run_cli({"trace", "--model", exported("frozen_backbone.pt"), "--data", "random:n=3",
                              "--estimator", "exact", "--json"});
    QCOMPARE(t.code, 0);
    QCOMPARE(parse_json(t.out, "trace").at("params").get<int64_t>(), int64_t(51));
  }

  // A copy (as dynamics, active learning and watch make one per snapshot) keeps the frozen marks: before,
  // its module held detached tensors, every parameter read as frozen, and all 435 were taken.
  void cloneKeepsFrozenParameters() {
    auto model = load_torchscript(exported("frozen_backbone.pt"), {});
    auto copy = model->clone();
    QCOMPARE(copy->num_selected_parameters(), int64_t(51));
    QCOMPARE(copy->num_frozen_parameters(), int64_t(384));
    const Json& r = reference().at("frozen_backbone.pt");
    TangentMap J(copy, reference_inputs(r).to(copy->options()));
    TS_CHECK_CLOSE(exact_trace(J).value, r.at("trace").get<double>(), 1e-10, 0.0);
  }

  // A GPT in miniature takes int64 token ids (exported with --input-dtype int64 --input-range 0,7) and holds
  // a bool causal mask: the mask stays bool in float32 and float64, the ids stay integers, and the kernel
  // equals PyTorch's. The CLI reads an int64 .npy as the ids, unchanged; random data are ids in the recorded
  // range.
  void tinyGptTakesTokenIds() {
    auto model = load_torchscript(exported("tiny_gpt.pt"), {});
    QCOMPARE(model->input_type().dtype, at::kLong);
    QCOMPARE(model->input_type().low, int64_t(0));
    QCOMPARE(model->input_type().high, int64_t(7));
    check_against_reference(model, "tiny_gpt.pt");
    check_against_reference(model, "tiny_gpt.pt", at::kFloat);
    const Json& r = reference().at("tiny_gpt.pt");
    const CliRun t =
        run_cli({"trace", "--model", exported("tiny_gpt.pt"), "--data", "npy:" + exported("tokens.npy"),
                 "--estimator", "exact", "--dtype", "float64", "--json"});
    QVERIFY2(t.code == 0, t.err.c_str());
    TS_CHECK_CLOSE(parse_json(t.out, "trace").at("estimate").get<double>(), r.at("trace").get<double>(),
                   1e-10, 0.0);
    // Random data: token ids in [0, 7); the data set says so.
    const Dataset d = load_data("random:n=50", {4}, 1, int64_t(1) << 30, model->input_type());
    QCOMPARE(d.inputs.scalar_type(), at::kLong);
    QVERIFY(d.inputs.min().item<int64_t>() >= 0 && d.inputs.max().item<int64_t>() <= 6);
    QVERIFY(d.description.find("random int64 in [0, 7)") != std::string::npos);
    const CliRun info = run_cli({"info", "--model", exported("tiny_gpt.pt")});
    QVERIFY2(info.out.find("input [4] int64 in [0, 7) → output [") != std::string::npos, info.out.c_str());
    // Real numbers are not token ids; nor can random ids be drawn without a range, or ids be standardised.
    TS_EXPECT_THROW(InputError,
                    load_data("npy:" + exported("not_tokens.npy"), {4}, 1, 1 << 20, model->input_type()),
                    ".5, not an integer");
    TS_EXPECT_THROW(InputError, load_data("random:n=3", {4}, 1, 1 << 20, InputType{at::kLong}),
                    "records no range");
    TS_EXPECT_THROW(
        InputError,
        load_data("npy:" + exported("tokens.npy") + ",standardize=1", {4}, 1, 1 << 20, model->input_type()),
        "standardize=1");
    // A float model given the same int64 file gets floats, as before.
    const Dataset f = load_data("npy:" + exported("tokens.npy"), {4}, 1, 1 << 20);
    QCOMPARE(f.inputs.scalar_type(), at::kDouble);
  }

  // Integer buffers keep their dtype when the model moves to float32 or float64: a graph network's int64 edge
  // index (index_select/index_add need it), and BatchNorm's num_batches_tracked, as the saved file shows.
  void integerBuffersKeepTheirDtype() {
    check_against_reference(load_torchscript(exported("graph_net.pt"), {}), "graph_net.pt");
    check_against_reference(load_torchscript(exported("graph_net.pt"), {}), "graph_net.pt", at::kFloat);
    auto bn = load_torchscript(exported("batchnorm.pt"), {});
    check_against_reference(bn, "batchnorm.pt", at::kFloat);
    const std::string copy = std::string(TS_TEST_TMP) + "/batchnorm_f32.pt";
    bn->save_torchscript(copy);
    const torch::jit::Module saved = torch::jit::load(copy);
    bool found = false;
    for (const auto& b : saved.named_buffers(true)) {
      if (b.name == "bn.num_batches_tracked") {
        QCOMPARE(b.value.scalar_type(), at::kLong);
        QCOMPARE(b.value.item<int64_t>(), int64_t(3));
        found = true;
      } else {
        QCOMPARE(b.value.scalar_type(), at::kFloat);  // the running statistics follow the run's dtype
      }
    }
    QVERIFY(found);
    check_against_reference(bn, "batchnorm.pt");
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

}  // namespace test_model_files

TS_TEST_MAIN(test_model_files::TestModelFiles, scriptedLstmFromTorchNn, outputWhoseFirstAxisIsNotTheBatch,
             frozenBackboneStaysFrozen, cloneKeepsFrozenParameters, tinyGptTakesTokenIds,
             integerBuffersKeepTheirDtype, dictOutputChosenByMetadata, plainFileNeedsShapeAndOutput,
             tracedModel, jobsReadTheMetadata)
#ifdef TS_HAVE_QT
#include "test_model_files.moc"
#endif
