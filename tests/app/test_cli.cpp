// tangentscope-cli's contract, run in-process: JSON fields other tools rely on, exit codes, one-line errors.
#include <clocale>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "CalibrationTally.h"
#include "TestHarness.h"
#include "cli/Cli.h"
#include "core/Json.h"

using namespace ts;

namespace test_cli {

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run_cli(std::vector<std::string> args) {
  if (test::device() != "cpu" && args[0] != "help") {
    args.push_back("--device");
    args.push_back(test::device());
  }
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What is wrong with a bench report's record of its own run (bench/RunInfo.h), or "" when nothing: a UTC date
// within [from, to], a commit (short hash, "-dirty" with local changes, or "unknown"), the CPU and the BLAS.
std::string run_info_problem(const Json& j, const std::string& from, const std::string& to) {
  for (const char* key : {"date", "commit", "machine", "blas"})
    if (!j.contains(key) || !j.at(key).is_string()) return std::string("no string field ") + key;
  const std::string date = j.at("date").get<std::string>();
  if (!std::regex_match(date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")) || date < from || date > to)
    return "date " + date + " is not the UTC time of the run (" + from + " to " + to + ")";
  const std::string commit = j.at("commit").get<std::string>();
  if (!std::regex_match(commit, std::regex("[0-9a-f]{4,40}(-dirty)?|unknown"))) return "commit " + commit;
  const std::string machine = j.at("machine").get<std::string>();
  if (!std::regex_match(machine, std::regex(".+, [0-9]+ CPUs"))) return "machine " + machine;
  if (j.at("blas").get<std::string>().find("threads") == std::string::npos) return "blas";
  return "";
}

const std::string kModel = "mlp:in=6,width=10,depth=3,out=3,act=tanh,seed=2";
const std::string kData = "random:n=8,shape=6,seed=1,classes=3";

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void traceJsonContract() {
    const Run r = run_cli({"trace", "--model", kModel, "--data", kData, "--estimator", "hutchpp", "--matvecs",
                           "12", "--exact", "--json", "--repeats", "3"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    for (const char* key :
         {"estimator", "estimate", "std_error", "matvecs", "vjps", "jvps", "seconds", "d", "params", "exact",
          "rel_error", "estimates", "seconds_each", "median_rel_error", "config"})
      QVERIFY2(j.contains(key), key);
    QCOMPARE(j.at("d").get<double>(), 24.0);
    QCOMPARE(j.at("estimates").size(), size_t(3));
    QCOMPARE(j.at("seconds_each").size(), size_t(3));
    QCOMPARE(j.at("config").at("problem").at("model").get<std::string>(), kModel);
  }

  void exactEstimatorAndNullStdError() {
    const Run r = run_cli({"trace", "--model", kModel, "--data", kData, "--estimator", "exact", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QVERIFY(j.at("std_error").is_null());
    QCOMPARE(j.at("estimator").get<std::string>(), std::string("exact"));
    const Run h = run_cli({"trace", "--model", kModel, "--data", kData, "--estimator", "hutchpp", "--matvecs",
                           "72", "--exact", "--json"});
    TS_CHECK_CLOSE(parse_json(h.out).at("exact").get<double>(), j.at("estimate").get<double>(), 1e-12, 0.0);
  }

  void metricsJson() {
    const Run r =
        run_cli({"metrics", "--model", kModel, "--model-b", "mlp:in=6,width=10,depth=3,out=3,act=tanh,seed=3",
                 "--data", kData, "--metrics", "trace,frobenius,effective_rank,alignment,target_alignment",
                 "--estimator", "xtrace", "--matvecs", "20", "--exact", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("metrics").size(), size_t(5));
    for (const auto& m : j.at("metrics")) QVERIFY(m.contains("exact") && m.contains("rel_error"));
    QVERIFY(!j.at("config").contains("trace_per_input"));
    QCOMPARE(j.at("metrics")[0].at("method").get<std::string>(), std::string("xtrace"));
    // --trace-per-input: tr K from each input's own VJPs, exact (float64) on this separable MLP (O = 3 ≤ m),
    // and the result says so; ‖K‖_F is then estimated off the diagonal blocks, within its error bar.
    const Run p =
        run_cli({"metrics", "--model", kModel, "--data", kData, "--metrics", "trace,frobenius", "--estimator",
                 "xtrace", "--matvecs", "20", "--exact", "--trace-per-input", "--json"});
    QVERIFY2(p.code == 0, p.err.c_str());
    const Json q = parse_json(p.out);
    QVERIFY(q.at("config").at("trace_per_input").get<bool>());
    const Json& tr = q.at("metrics")[0];
    QCOMPARE(tr.at("method").get<std::string>(), std::string("per-input"));
    TS_CHECK_CLOSE(tr.at("value").get<double>(), tr.at("exact").get<double>(), 1e-12, 0.0);
    const Json& fro = q.at("metrics")[1];
    QVERIFY(std::fabs(fro.at("value").get<double>() - fro.at("exact").get<double>()) <=
            4 * fro.at("std_error").get<double>() + 1e-12 * fro.at("exact").get<double>());
  }

  // --version names the program and its version, and exits 0.
  void versionFlag() {
    const Run r = run_cli({"--version"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out == std::string("tangentscope-cli ") + TS_VERSION + "\n", r.out.c_str());
  }

  void errorsAreOneLineAndNonZero() {
    const std::vector<std::vector<std::string>> bad{
        {"trace", "--model", kModel, "--data", kData, "--estimator", "magic"},
        {"trace", "--model", "/no/such/model.pt", "--input-shape", "6", "--data", kData},
        {"trace", "--model", kModel, "--data", "random:n=4,shape=5"},
        {"trace", "--model", kModel, "--data", kData, "--frobnicate", "1"},
        {"trace", "--model", kModel, "--data", kData, "--matvecs", "many"},
        {"metrics", "--model", kModel, "--data", kData, "--metrics", "frobenius", "--estimator", "exact",
         "--memory-budget", "1K"},
        {"launch"}};
    for (const auto& args : bad) {
      const Run r = run_cli(args);
      QVERIFY2(r.code == 1, ("exit code " + std::to_string(r.code) + " for " + args[0]).c_str());
      QVERIFY2(r.err.rfind("tangentscope-cli: error: ", 0) == 0, r.err.c_str());
      QVERIFY2(r.err.find('\n') == r.err.size() - 1, ("not one line: " + r.err).c_str());
      QVERIFY(r.out.empty());
    }
  }

  void infoAndExport() {
    Run r = run_cli({"info", "--model", "gru:in=10,hidden=64,steps=15", "--data", "random:n=50", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    QCOMPARE(parse_json(r.out).at("d").get<double>(), 48000.0);
    const std::string path = std::string(TS_TEST_TMP) + "/cli_export.pt";
    r = run_cli({"export", "--model", kModel, "--out", path});
    QVERIFY2(r.code == 0, r.err.c_str());
    r = run_cli(
        {"trace", "--model", path, "--input-shape", "6", "--data", kData, "--estimator", "exact", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Run b = run_cli({"trace", "--model", kModel, "--data", kData, "--estimator", "exact", "--json"});
    TS_CHECK_CLOSE(parse_json(r.out).at("estimate").get<double>(),
                   parse_json(b.out).at("estimate").get<double>(), 1e-12, 0.0);
  }

  void dynamicsWritesItsFiles() {
    const std::string dir = std::string(TS_TEST_TMP) + "/cli_dynamics";
    const Run r = run_cli({"dynamics", "--model", "mlp:in=2,width=16,depth=2,out=2,act=tanh", "--data",
                           "moons:size=120", "--epochs", "2", "--snapshots", "0,1,2", "--probe-n", "10",
                           "--estimator", "hutchpp", "--matvecs", "12", "--exact", "--out", dir, "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("history").size(), size_t(3));
    QCOMPARE(j.at("dynamics").size(), size_t(3));
    QCOMPARE(j.at("snapshots").size(), size_t(3));
    for (const char* f : {"/history.csv", "/dynamics.csv", "/dynamics.json", "/snapshot-epoch2.pt"})
      QVERIFY2(std::ifstream(dir + f).good(), f);
    // The snapshot loads back as a model.
    const Run t = run_cli({"trace", "--model", dir + "/snapshot-epoch2.pt", "--input-shape", "2", "--data",
                           "moons:size=10", "--estimator", "exact", "--json"});
    QVERIFY2(t.code == 0, t.err.c_str());
    const Run bad = run_cli({"train", "--model", "mlp:in=2,width=4,depth=2,out=2", "--data", "moons", "--out",
                             "/proc/no-such-dir/x"});
    QCOMPARE(bad.code, 1);
    QVERIFY(bad.err.find("output folder") != std::string::npos);
  }

  void compareRunsEveryMethod() {
    const Run r = run_cli({"compare", "--model", kModel, "--data", kData, "--methods",
                           "hutchpp,xnystrace,rhutch", "--matvecs", "16", "--exact", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("runs").size(), size_t(3));
    QCOMPARE(j.at("sweep").size(), size_t(12));  // 3 methods × budgets 4, 4, 8, 16
    for (const auto& run : j.at("runs")) QVERIFY(!run.at("history").empty());
    // The same seed gives the same numbers as a single trace run.
    const Run t = run_cli({"trace", "--model", kModel, "--data", kData, "--estimator", "xnystrace",
                           "--matvecs", "16", "--json"});
    QCOMPARE(j.at("runs")[1].at("estimate").get<double>(), parse_json(t.out).at("estimate").get<double>());
  }

  void pntkCompare() {
    const Run r = run_cli({"pntk", "--model", kModel, "--data", kData, "--compare", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("N").get<double>(), 8.0);
    QVERIFY(j.at("rel_frobenius_error").get<double>() > 0 && j.at("rel_frobenius_error").get<double>() < 1);
    // The reported trace error is that of tr(Θ̂ ⊗ I_O) = O·tr Θ̂ against tr Θ.
    TS_CHECK_CLOSE(j.at("rel_trace_error").get<double>(),
                   std::fabs(j.at("entk_trace").get<double>() - 3 * j.at("trace").get<double>()) /
                       j.at("entk_trace").get<double>(),
                   1e-12, 0.0);
    const Run over = run_cli(
        {"pntk", "--model", kModel, "--data", kData, "--compare", "--memory-budget", "20K", "--json"});
    QVERIFY2(over.code == 0, over.err.c_str());
    QVERIFY(parse_json(over.out).contains("entk_note"));  // the pNTK fits the budget, the eNTK does not
  }

  void spectrumSumsToTrace() {
    const Run r = run_cli({"spectrum", "--model", kModel, "--data", kData, "--top", "0", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    double sum = 0;
    for (const auto& v : j.at("eigenvalues")) sum += v.get<double>();
    QCOMPARE(j.at("eigenvalues").size(), size_t(24));
    TS_CHECK_CLOSE(sum, j.at("trace").get<double>(), 1e-10, 0.0);
    // Over the memory budget: the top of the spectrum from a Nyström sketch, marked as approximate. For a
    // kernel of rank ≤ 24 with a full-rank sketch the Nyström eigenvalues are the exact ones up to the
    // stability shift.
    const Run big = run_cli(
        {"spectrum", "--model", kModel, "--data", kData, "--memory-budget", "4K", "--top", "24", "--json"});
    QVERIFY2(big.code == 0, big.err.c_str());
    const Json a = parse_json(big.out);
    QVERIFY(a.at("approximate").get<bool>());
    for (size_t i = 0; i < 5; ++i)
      TS_CHECK_CLOSE(a.at("eigenvalues")[i].get<double>(), j.at("eigenvalues")[i].get<double>(), 1e-6, 1e-9);
  }

  void benchRunsSmall() {
    const Run r =
        run_cli({"bench", "hazelden-mlp", "--workload-model", "mlp:in=10,width=8,depth=3,out=4,act=relu",
                 "--workload-data", "random:n=6,shape=10", "--budgets", "12,24", "--repeats", "2",
                 "--methods", "hutchpp,xnystrace", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("rows").size(), size_t(4));
    QVERIFY(j.at("summary")[0].contains("to_0.01"));
  }

  // Every bench report records when, from which commit and on what machine it ran, so a file in docs/ needs
  // no date or hash in its name (docs/results/bench/README.md).
  void benchReportsRecordTheirRun() {
    const std::string from = utc_now();
    // seed-mlp: the earlier name of hazelden-mlp, still accepted.
    const std::vector<std::vector<std::string>> benches{
        {"bench", "seed-mlp", "--workload-model", "mlp:in=10,width=8,depth=3,out=4,act=relu",
         "--workload-data", "random:n=6,shape=10", "--budgets", "12", "--repeats", "1", "--methods",
         "hutchinson", "--json"},
        {"bench", "real", "--workload-model", "mlp:in=8,width=16,depth=2,out=3,seed=2", "--batches", "3",
         "--max-matvecs", "16", "--block", "4", "--repeats", "1", "--json"},
        {"bench", "pntk-speed", "--outputs", "3", "--n", "4", "--width", "8", "--workload-data",
         "random:n=4,shape=64", "--repeats", "1", "--json"}};
    for (const auto& args : benches) {
      const Run r = run_cli(args);
      QVERIFY2(r.code == 0, r.err.c_str());
      const std::string problem = run_info_problem(parse_json(r.out), from, utc_now());
      QVERIFY2(problem.empty(), (args[1] + ": " + problem).c_str());
    }
  }

  // bench real on a small model: the exact trace where d is within --baseline-limit (and the estimate within
  // its own ±2σ of it), an extrapolated time beyond, and the memory an exact method would need.
  void benchRealSmall() {
    const Run r = run_cli({"bench", "real", "--workload-model", "mlp:in=8,width=16,depth=2,out=3,seed=2",
                           "--batches", "3,40", "--baseline-limit", "20", "--dtype", "float64", "--estimator",
                           "xnystrace", "--block", "4", "--repeats", "2", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("rows").size(), size_t(2));
    QCOMPARE(j.at("config").at("exact_limit").get<int64_t>(), int64_t(20));
    // Per-product times: the mean of --repeats blocks of --block vectors, and the best block's.
    QCOMPARE(j.at("config").at("timing_vectors").get<int64_t>(), int64_t(8));
    QCOMPARE(j.at("config").at("repeats").get<int64_t>(), int64_t(2));
    for (const auto& row : j.at("rows"))
      for (const char* p : {"vjp", "jvp", "kernel_product"}) {
        const double mean = row.at(std::string("seconds_per_") + p).get<double>();
        const double best = row.at(std::string("best_seconds_per_") + p).get<double>();
        QVERIFY2(best > 0 && best <= mean, p);
      }
    QCOMPARE(j.at("rows")[0].at("kernel_products").get<std::string>(),
             std::string("fused"));  // a built-in MLP
    QCOMPARE(j.at("config").at("seed").get<uint64_t>(), uint64_t(0));
    const Json& small = j.at("rows")[0];
    const Json& big = j.at("rows")[1];
    QCOMPARE(small.at("d").get<int64_t>(), int64_t(9));
    QCOMPARE(big.at("d").get<int64_t>(), int64_t(120));
    QVERIFY(small.at("exact_trace").at("measured").get<bool>());
    QVERIFY(!big.at("exact_trace").at("measured").get<bool>());
    const double P = j.at("params").get<double>();
    QCOMPARE(big.at("jacobian_bytes").get<double>(), 120 * P * 8);
    QCOMPARE(big.at("kernel_bytes").get<double>(), 120.0 * 120 * 8);
    const Json& trace = small.at("metrics")[0];
    QCOMPARE(trace.at("metric").get<std::string>(), std::string("trace"));
    const double exact = small.at("exact_trace").at("value").get<double>();
    QVERIFY(std::fabs(trace.at("value").get<double>() - exact) <=
            std::max(4 * trace.at("rel_std_error").get<double>(), 1e-10) * exact);
    for (const auto& m : big.at("metrics")) QVERIFY(m.at("rel_std_error").get<double>() <= 0.01);
    // The built-in MLP is separable over its batch: the metrics again with tr K per input, exact to rounding.
    const Json& pi = small.at("per_input");
    QCOMPARE(pi.at("metrics")[0].at("method").get<std::string>(), std::string("per-input"));
    TS_CHECK_CLOSE(pi.at("metrics")[0].at("value").get<double>(), exact, 1e-12, 0.0);
    QVERIFY(pi.at("trace_seconds").get<double>() > 0 &&
            pi.at("trace_speedup_over_estimate").get<double>() > 0);
    const Run none = run_cli({"bench", "real"});
    QCOMPARE(none.code, 1);
    QVERIFY2(none.err.find("scripts/export-model resnet18") != std::string::npos, none.err.c_str());
  }

  // kernel --apply, --eig-method lanczos and --blocks-out through the command line.
  void kernelProductsAndLanczos() {
    const std::string tmp = TS_TEST_TMP;
    const Run dense = run_cli({"kernel", "--model", kModel, "--data", kData, "--out", tmp + "/cliK.npy",
                               "--eig-out", tmp + "/cliK-eig", "--top", "3", "--json"});
    QVERIFY2(dense.code == 0, dense.err.c_str());
    const Json d = parse_json(dense.out);
    QCOMPARE(d.at("eig_method").get<std::string>(), std::string("exact"));
    const Run lz = run_cli({"kernel", "--model", kModel, "--data", kData, "--eig-out", tmp + "/cliL-eig",
                            "--top", "3", "--eig-method", "lanczos", "--json"});
    QVERIFY2(lz.code == 0, lz.err.c_str());
    const Json l = parse_json(lz.out);
    QCOMPARE(l.at("eig_method").get<std::string>(), std::string("lanczos"));
    QVERIFY(l.at("eig_converged").get<bool>());
    QVERIFY(!l.contains("frobenius"));  // no kernel formed
    for (size_t i = 0; i < 3; ++i)
      TS_CHECK_CLOSE(l.at("eigenvalues")[i].get<double>(), d.at("eigenvalues")[i].get<double>(), 1e-9, 1e-12);
    // --out with --eig-method lanczos: the kernel formed for --out, the eigenpairs by Lanczos alone (both
    // used to write the eigenpairs, and the second write was refused as a clash of --eig-out with itself).
    const Run both =
        run_cli({"kernel", "--model", kModel, "--data", kData, "--out", tmp + "/cliB.npy", "--eig-out",
                 tmp + "/cliB-eig", "--top", "3", "--eig-method", "lanczos", "--json"});
    QVERIFY2(both.code == 0, both.err.c_str());
    const Json b = parse_json(both.out);
    QCOMPARE(b.at("eig_method").get<std::string>(), std::string("lanczos"));
    QVERIFY(b.contains("frobenius"));  // the kernel was formed for --out
    for (size_t i = 0; i < 3; ++i)
      TS_CHECK_CLOSE(b.at("eigenvalues")[i].get<double>(), d.at("eigenvalues")[i].get<double>(), 1e-9, 1e-12);
    const Run text = run_cli({"kernel", "--model", kModel, "--data", kData, "--eig-out", tmp + "/cliT-eig",
                              "--top", "2", "--eig-method", "lanczos"});
    QVERIFY2(text.out.find("lanczos") != std::string::npos && text.out.find("converged") != std::string::npos,
             text.out.c_str());
    const Run bad = run_cli({"kernel", "--model", kModel, "--data", kData, "--apply", tmp + "/missing.npy",
                             "--out", tmp + "/KV.npy"});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.find("missing.npy") != std::string::npos, bad.err.c_str());
  }

  // Outputs, groups and caps that used to be taken silently: each refused before any work, or honoured.
  void outputsGroupsAndCapsChecked() {
    const std::string tmp = TS_TEST_TMP;
    std::remove((tmp + "/same.npy").c_str());
    const Run same = run_cli({"kernel", "--model", kModel, "--data", kData, "--out", tmp + "/same.npy",
                              "--factor-out", tmp + "/./same.npy"});
    QCOMPARE(same.code, 1);
    QVERIFY2(same.err.find("--out and --factor-out name the same file") != std::string::npos,
             same.err.c_str());
    QVERIFY(!std::ifstream(tmp + "/same.npy"));
    const Run cap = run_cli({"kernel", "--model", kModel, "--data", kData, "--eig-out", tmp + "/cap",
                             "--eig-method", "lanczos", "--max-matvecs", "1"});
    QCOMPARE(cap.code, 1);
    QVERIFY2(cap.err.find("--max-matvecs 1") != std::string::npos, cap.err.c_str());
    const Run two = run_cli({"kernel", "--model", kModel, "--data", kData, "--eig-out", tmp + "/cap", "--top",
                             "2", "--eig-method", "lanczos", "--max-matvecs", "3", "--json"});
    QVERIFY2(two.code == 0, two.err.c_str());
    QVERIFY(parse_json(two.out).at("eig_matvecs").get<int64_t>() <= 3);
    const Run empty = run_cli({"layers", "--model", kModel, "--data", kData, "--groups", ";;"});
    QCOMPARE(empty.code, 1);
    QVERIFY2(empty.err.find("empty item") != std::string::npos, empty.err.c_str());
    // 'w' no longer takes w0 from the longer prefix: w0 is its own group, w1 and w2 are 'w'.
    const Run nested = run_cli(
        {"layers", "--model", kModel, "--data", kData, "--groups", "w;w0", "--estimator", "exact", "--json"});
    QVERIFY2(nested.code == 0, nested.err.c_str());
    std::map<std::string, int64_t> sizes;
    const Json layers = parse_json(nested.out).at("layers");
    for (const auto& l : layers) sizes[l.at("name").get<std::string>()] = l.at("params").get<int64_t>();
    QCOMPARE(sizes["w0"], int64_t(60));
    QCOMPARE(sizes["w"], int64_t(130));
    // A budget past the machine's memory is taken, with a warning.
    const Run budget = run_cli({"info", "--model", kModel, "--memory-budget", "100000G"});
    QVERIFY2(budget.code == 0, budget.err.c_str());
    QVERIFY2(
        budget.err.find("warning: --memory-budget 100000G is more than this machine") != std::string::npos,
        budget.err.c_str());
    // Every message about the second snapshot names --model-b.
    const Run wider =
        run_cli({"metrics", "--model", kModel, "--model-b", "mlp:in=6,width=12,depth=3,out=3,act=tanh,seed=3",
                 "--data", kData, "--metrics", "alignment", "--estimator", "xtrace", "--matvecs", "12"});
    QCOMPARE(wider.code, 1);
    QVERIFY2(
        wider.err.find("--model-b") != std::string::npos && wider.err.find("[12,6]") != std::string::npos,
        wider.err.c_str());
    const Run missing = run_cli({"metrics", "--model", kModel, "--model-b", tmp + "/no-such-model.pt",
                                 "--data", kData, "--metrics", "alignment"});
    QCOMPARE(missing.code, 1);
    QVERIFY2(missing.err.find("--model-b: ") != std::string::npos, missing.err.c_str());
  }

  // The calibration benchmark on a tiny network: one row per method and budget (and per budget for the
  // per-layer bars), coverage and mean z², the textbook, jackknife and paired errors beside the reported one,
  // and the run recorded.
  void benchCalibrationSmall() {
    const std::string from = utc_now();
    const Run r = run_cli({"bench", "calibration", "--kernels",
                           "tiny=mlp:in=4,width=6,depth=2,out=3,seed=1@random:n=6,shape=4", "--seeds", "12",
                           "--layer-seeds", "3", "--budgets", "8", "--methods",
                           "hutchinson,xnystrace,fhutch,layers", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    QCOMPARE(j.at("rows").size(), size_t(4));
    for (const auto& row : j.at("rows")) {
      QVERIFY(row.at("coverage").get<double>() >= 0 && row.at("coverage").get<double>() <= 1);
      QVERIFY(row.at("mean_z2").get<double>() >= 0);
      QCOMPARE(row.at("seeds").get<double>(), row.at("method") == "layers" ? 3.0 : 12.0);
    }
    QVERIFY(j.at("rows")[1].contains("mean_z2_textbook") && j.at("rows")[1].contains("mean_z2_jackknife") &&
            j.at("rows")[1].contains("mean_z2_paired") && j.at("rows")[1].contains("coverage_paired"));
    QVERIFY(j.at("rows")[3].at("groups").get<int>() >= 2);  // one per layer (w0/b0, w1/b1, …)
    QVERIFY(!j.at("rows")[1].contains("per_seed"));
    // --per-seed: each seed's error and its reported error (the row's mean z² recomputed from them), and the
    // three errors it is made of: the reported one lies between the smallest and the largest.
    const Run p = run_cli({"bench", "calibration", "--kernels",
                           "tiny=mlp:in=4,width=6,depth=2,out=3,seed=1@random:n=6,shape=4", "--seeds", "12",
                           "--budgets", "16", "--methods", "xtrace", "--per-seed", "--json"});
    QVERIFY2(p.code == 0, p.err.c_str());
    const Json pj = parse_json(p.out);
    const Json& row = pj.at("rows")[0];
    QCOMPARE(row.at("per_seed").size(), size_t(12));
    double z2 = 0;
    for (const auto& s : row.at("per_seed")) {
      QCOMPARE(s.size(), size_t(5));
      const double sigma = s[1].get<double>(), jack = s[3].get<double>(), paired = s[4].get<double>();
      QVERIFY(sigma >= std::min({s[2].get<double>(), jack, paired}) &&
              sigma <= std::max({s[2].get<double>() * 1.5, jack, paired}));
      z2 += std::pow(s[0].get<double>() / sigma, 2) / 12;
    }
    TS_CHECK_CLOSE(z2, row.at("mean_z2").get<double>(), 1e-9, 0.0);
    const std::string problem = run_info_problem(j, from, utc_now());
    QVERIFY2(problem.empty(), problem.c_str());
    // --dtype float32: the products with K rounded to float32 (the exact trace still K's in float64). At a
    // budget above d = 18 XNysTrace takes the trace off a basis: off by float32 rounding, not float64's, and
    // counted exact to rounding (below float32's epsilon of the trace), not as an estimate with a zero bar.
    const Run f = run_cli({"bench", "calibration", "--kernels",
                           "tiny=mlp:in=4,width=6,depth=2,out=3,seed=1@random:n=6,shape=4", "--seeds", "4",
                           "--budgets", "32", "--methods", "xnystrace", "--dtype", "float32", "--json"});
    QVERIFY2(f.code == 0, f.err.c_str());
    QVERIFY2(f.err.find("products with K in float32") != std::string::npos, f.err.c_str());
    const Json fr = parse_json(f.out).at("rows")[0];
    QVERIFY2(fr.at("median_rel_error").get<double>() > 1e-11, fr.dump().c_str());
    QCOMPARE(fr.at("exact_runs").get<int>(), 4);
    QCOMPARE(fr.at("coverage").get<double>(), 1.0);
    // The networks of the calibration table are exported first; a missing one says how.
    const Run missing =
        run_cli({"bench", "calibration", "--kernels", "resnet18", "--models", "/nonexistent"});
    QCOMPARE(missing.code, 1);
    QVERIFY2(missing.err.find("scripts/export-model resnet18") != std::string::npos, missing.err.c_str());
  }

  // A calibration cell judges each run by what its bar claims, never by the size of its error: a
  // sampling-sized bar enters z² even where the run's error happens to be tiny (the old rule left such runs
  // out as exact, which kept only the unlucky ones and inflated z²), and a rounding-sized bar must meet the
  // tolerance.
  void calibrationJudgesRunsByTheirBar() {
    const double t = 2000;
    bench::CalibrationTally c;
    for (double e : {0.2e-12, -0.4e-12, 0.1e-12, 1.5e-11})  // sampling bars of 10⁻¹¹ of the trace
      c.add(e * t, 1e-11 * t, t);
    QCOMPARE(c.exact, 0);
    QCOMPARE(c.covered, 4);
    TS_CHECK_CLOSE(c.mean_z2(), (0.0004 + 0.0016 + 0.0001 + 2.25) / 4, 1e-12, 0.0);
    c.add(3e-14 * t, 0.0, t);        // budget ≥ n: exact to rounding, covered
    c.add(1e-15 * t, 1e-16 * t, t);  // a captured range: exact to rounding, covered
    c.add(1e-9 * t, 1e-16 * t, t);   // claims rounding, misses the tolerance
    QCOMPARE(c.exact, 3);
    QCOMPARE(c.covered, 6);
    bench::CalibrationTally f{1.2e-7, 1.2e-7};  // float32: a rounding-level bar covers within ±2σ too
    f.add(1.3e-7 * t, 1e-7 * t, t);
    f.add(2.1e-7 * t, 1e-7 * t, t);
    QCOMPARE(f.exact, 2);
    QCOMPARE(f.covered, 1);
    TS_CHECK_CLOSE(c.mean_z2(), (0.0004 + 0.0016 + 0.0001 + 2.25) / 4, 1e-12, 0.0);
    c.add(1e-3 * t, NAN, t);  // no bar: a miss
    QCOMPARE(c.covered, 6);
    QVERIFY(std::isinf(c.mean_z2()));
  }

  // Options are range-checked before any work, with the option and the accepted range in the message.
  void boundsBeforeWork() {
    const std::vector<std::string> base{"trace", "--model",     kModel,      "--data",
                                        kData,   "--estimator", "hutchinson"};
    auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> args = base;
      args.insert(args.end(), extra.begin(), extra.end());
      return run_cli(args);
    };
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--memory-budget", "9223372036854775808"}, "too large"},
        {{"--memory-budget", "16E"}, "is not a size"},
        {{"--memory-budget", "nan"}, "not a positive size"},
        {{"--threads", "1000"}, "--threads must be between 0"},
        {{"--threads", "-4"}, "--threads must be between 0"},
        {{"--repeats", "1000000000"}, "--repeats must be between 1 and 100000"},
        {{"--repeats", "99999999999999999999"}, "out of range"},
        {{"--tol", "nan"}, "--tol"},
        {{"--seed", "18446744073709551616"}, "from 0 to 18446744073709551615"},
        {{"--seed", "-3"}, "from 0 to 18446744073709551615"},
        {{"--matvecs", "1000000000000000000"}, "--matvecs must be between 1 and 10000000"},
        {{"--matvecs", "0"}, "--matvecs must be between 1"},
    };
    for (const auto& [extra, needle] : cases) {
      const Run r = with(extra);
      QVERIFY2(r.code == 1, (extra[0] + " " + extra[1] + " was accepted").c_str());
      QVERIFY2(r.err.find(needle) != std::string::npos, r.err.c_str());
    }
    const Run top = run_cli({"spectrum", "--model", kModel, "--data", kData, "--top", "-1"});
    QVERIFY2(top.code == 1 && top.err.find("--top must be between 0") != std::string::npos, top.err.c_str());
    const Run ridge = run_cli({"pntk", "--model", kModel, "--data", kData, "--compare", "--ridge", "-1"});
    QVERIFY2(ridge.code == 1 && ridge.err.find("--ridge must be a number") != std::string::npos,
             ridge.err.c_str());
    // Messages in the user's terms, naming the option or the mismatch.
    const Run budgets = run_cli(
        {"compare", "--model", kModel, "--data", kData, "--methods", "hutchpp", "--budgets", "12,abc"});
    QVERIFY2(budgets.code == 1 &&
                 budgets.err.find("--budgets: 'abc' is not a positive integer") != std::string::npos,
             budgets.err.c_str());
    const Run outputs = run_cli({"train", "--model", "mlp:in=6,width=5,depth=2,out=1", "--data", kData,
                                 "--epochs", "1", "--out", std::string(TS_TEST_TMP) + "/out_classes"});
    QVERIFY2(outputs.code == 1 && outputs.err.find("needs one output per class (out=3") != std::string::npos,
             outputs.err.c_str());
    // The adaptive cap holds for all stages together.
    const Run capped = with({"--tol", "1e-300", "--matvecs", "96", "--max-matvecs", "200", "--json"});
    QVERIFY2(capped.code == 0, capped.err.c_str());
    QVERIFY(parse_json(capped.out).at("matvecs").get<double>() <= 200);
  }

  // Under a decimal-comma locale (as the desktop app runs) the engine reads and writes the same numbers.
  void numbersIgnoreTheLocale() {
    const std::string csv = std::string(TS_TEST_TMP) + "/locale.csv";
    {
      std::ofstream f(csv);
      for (int i = 0; i < 12; ++i) f << 0.25 * i << "," << 1.5 - 0.125 * i << "," << (i % 3) << "\n";
    }
    const std::vector<std::string> args{"trace",
                                        "--model",
                                        "mlp:in=2,width=5,depth=2,out=3,seed=1",
                                        "--data",
                                        "csv:" + csv + ",label=last",
                                        "--estimator",
                                        "hutchpp",
                                        "--matvecs",
                                        "9",
                                        "--exact",
                                        "--json"};
    const Run c = run_cli(args);
    QVERIFY2(c.code == 0, c.err.c_str());
    const char* de = std::setlocale(LC_ALL, "de_DE.UTF-8");
    QVERIFY2(de != nullptr, "the de_DE.UTF-8 locale is not installed (scripts/deps generates it)");
    QVERIFY(std::string(std::localeconv()->decimal_point) == ",");
    const Run g = run_cli(args);
    std::setlocale(LC_ALL, "C");
    QVERIFY2(g.code == 0, g.err.c_str());
    const Json a = parse_json(c.out), b = parse_json(g.out);
    QCOMPARE(b.at("estimate").get<double>(), a.at("estimate").get<double>());
    QCOMPARE(b.at("exact").get<double>(), a.at("exact").get<double>());
    QVERIFY(a.at("exact").get<double>() > 0);
    QVERIFY(g.out.find("\"estimate\":") != std::string::npos);
  }

  // The command line (CLI11): each command takes its own options; anything else is refused by name, before
  // any work.
  void eachCommandTakesItsOwnOptions() {
    const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
        {{"info", "--model", kModel, "--estimator", "garbage", "--tol", "-1"},
         "info does not take --estimator"},
        {{"trace", "--epochs", "-3", "--lr", "nan", "--out", "/proc/nope"}, "trace does not take --epochs"},
        {{"export", "--matvecs", "-5"}, "export does not take --matvecs"},
        {{"spectrum", "--estimator", "garbage"}, "spectrum does not take --estimator"},
        {{"bench", "hazelden-mlp", "--model", kModel}, "bench hazelden-mlp does not take --model"},
        {{"trace", "--matvecs", "5", "--matvecs", "6"}, "--matvecs was given 2 times ('5', '6')"},
        {{"trace", "--json=3"}, "--json is a flag and takes no value"},
        {{"trace", "--frobnicate", "1"}, "unknown option --frobnicate"},
        {{"trace", "-matvecs", "3"}, "should probably be '--matvecs'"},
        {{"trace", "compare"}, "unexpected argument 'compare'"},
        {{"trace", "--model"}, "--model"},
        {{"bench"}, "bench needs a name"},
        {{"bench", "nope"}, "unknown benchmark 'nope'"},
        {{"launch"}, "launch: --nproc is required"},
        {{"launch", "--nproc", "2", "trace"}, "give the command after --"},
        {{"trace", "--distribute", "rows"}, "--distribute must be products or batch, got 'rows'"},
        {{"pntk", "--distribute", "batch"}, "pntk does not take --distribute"},
        {{"train", "--out", "x", "--snapshots", "1,b"}, "--snapshots: 'b' is not a non-negative integer"},
        {{"train", "--out", "x", "--lr", "0"}, "--lr must be a positive number"},
        {{"train", "--out", "x", "--momentum", "1"}, "--momentum must be at least 0 and below 1"},
        {{"hessian", "--epochs", "-2"}, "--epochs must be between 0 and 1000000"},
        {{"pntk", "--heldout", "-2"}, "--heldout must be between 0 and 1000000000, got -2"},
        {{"bench", "hazelden-gru", "--repeats", "0"}, "--repeats must be between 1 and 100000"},
        {{"dynamics", "--out", "x", "--probe-n", "0"}, "--probe-n must be between 1"},
        {{"train", "--out", "x", "--test-size", "-1"}, "--test-size must be between 0"},
        {{"al", "--out", "x", "--cycles", "0"}, "--cycles must be between 1"},
    };
    for (const auto& [args, needle] : refused) {
      std::ostringstream out, err;
      const int code = cli::run(args, out, err);  // no --device appended: these never reach the engine
      QVERIFY2(code == 1, (args[0] + " " + needle + ": exit " + std::to_string(code)).c_str());
      QVERIFY2(err.str().find(needle) != std::string::npos, err.str().c_str());
      QVERIFY(out.str().empty());
    }
    // No arguments: the usage on standard error, exit 2. Help on standard output, exit 0, per command.
    std::ostringstream out, err;
    QCOMPARE(cli::run({}, out, err), 2);
    QVERIFY(err.str().find("Subcommands:") != std::string::npos && out.str().empty());
    for (const auto& args : {std::vector<std::string>{"trace", "--help"}, {"help", "trace"}}) {
      std::ostringstream o, e;
      QCOMPARE(cli::run(args, o, e), 0);
      QVERIFY2(o.str().find("--estimator NAME") != std::string::npos, o.str().c_str());
      QVERIFY(o.str().find("--epochs") == std::string::npos);  // trace does not train
    }
    std::ostringstream o, e;
    QCOMPARE(cli::run({"bench", "coverage", "--help"}, o, e), 0);
    QVERIFY2(o.str().find("--kernels LIST") != std::string::npos, o.str().c_str());
    // --heldout 0 keeps no point for the regression: said, not printed as NaN.
    const Run h =
        run_cli({"pntk", "--model", kModel, "--data", kData, "--compare", "--heldout", "0", "--json"});
    QVERIFY2(h.code == 0, h.err.c_str());
    QVERIFY(!parse_json(h.out).contains("regression") && parse_json(h.out).contains("regression_note"));
    // The largest seed is reported exactly in the configuration.
    const Run big = run_cli({"trace", "--model", kModel, "--data", kData, "--matvecs", "8", "--seed",
                             "18446744073709551615", "--json"});
    QVERIFY2(big.code == 0, big.err.c_str());
    QCOMPARE(parse_json(big.out).at("config").at("estimator").at("seed").get<uint64_t>(),
             uint64_t(18446744073709551615ull));
    // An option given once with "=" is the same as with a space.
    const Run a = run_cli({"trace", "--model", kModel, "--data", kData, "--matvecs=12", "--json"});
    const Run b = run_cli({"trace", "--model", kModel, "--data", kData, "--matvecs", "12", "--json"});
    QVERIFY2(a.code == 0, a.err.c_str());
    QCOMPARE(parse_json(a.out).at("estimate").get<double>(), parse_json(b.out).at("estimate").get<double>());
  }
};

}  // namespace test_cli

TS_TEST_MAIN(test_cli::TestCli, versionFlag, traceJsonContract, exactEstimatorAndNullStdError, metricsJson,
             errorsAreOneLineAndNonZero, infoAndExport, dynamicsWritesItsFiles, compareRunsEveryMethod,
             pntkCompare, spectrumSumsToTrace, benchRunsSmall, benchRealSmall, kernelProductsAndLanczos,
             benchCalibrationSmall, calibrationJudgesRunsByTheirBar, benchReportsRecordTheirRun,
             numbersIgnoreTheLocale, boundsBeforeWork, eachCommandTakesItsOwnOptions,
             outputsGroupsAndCapsChecked)
#ifdef TS_HAVE_QT
#include "test_cli.moc"
#endif
