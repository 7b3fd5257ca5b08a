// `watch`: the NTK metrics of users' own training runs (run folders written by tangentscope.RunLogger during
// real PyTorch training, tests/fixtures/make_run_fixtures.py) against PyTorch's exact values; resuming, the
// lock, following a run as it grows, and refusals that name the file.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "TestHarness.h"
#include "cli/Cli.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "io/NpyWriter.h"
#include "jobs/RunFolder.h"
#include "jobs/WatchJob.h"

using namespace ts;
namespace fs = std::filesystem;

namespace test_watch {

namespace {

const char* kRuns[] = {"mlp-frozen-bn", "gpt-tokens"};

const Json& reference() {
  static const Json r = [] {
    std::ifstream f(test::fixtures() + "/runs/reference.json");
    std::stringstream s;
    s << f.rdbuf();
    return parse_json(s.str(), "runs/reference.json");
  }();
  return r;
}

// A fresh copy of a fixture run (watch writes into it), optionally without its last snapshots and its
// finished marker.
std::string copy_run(const std::string& name, const std::string& as, int drop_last = 0) {
  const std::string dir = std::string(TS_TEST_TMP) + "/watch/" + as;
  fs::remove_all(dir);
  fs::create_directories(fs::path(dir).parent_path());
  fs::copy(test::fixtures() + "/runs/" + name, dir, fs::copy_options::recursive);
  if (drop_last > 0) {
    fs::remove(dir + "/finished");
    const RunFolder r = read_run_folder(dir);
    for (int i = 0; i < drop_last; ++i) fs::remove(r.snapshots[r.snapshots.size() - 1 - i].file);
  }
  return dir;
}

WatchRequest request(const std::string& dir, bool exact) {
  WatchRequest q;
  q.runs = {dir};
  q.exact = exact;
  q.compute.device = test::device();
  return q;
}

const MetricValue& metric(const WatchRow& row, const std::string& name) {
  for (const auto& m : row.metrics)
    if (m.name == name) return m;
  throw std::runtime_error("no metric " + name + " at step " + std::to_string(row.step));
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

}  // namespace

class TestWatch : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Every metric of every snapshot equals PyTorch's, computed from the dense kernels at training time: a
  // frozen layer stays out of the NTK, batch-norm statistics follow the run, token ids and a tied head work.
  void exactMetricsMatchPyTorch() {
    for (const char* name : kRuns) {
      const std::string dir = copy_run(name, std::string("exact-") + name);
      const WatchResult r = run_watch_job(request(dir, true));
      const Json& ref = reference().at(name);
      QCOMPARE(r.rows.size(), ref.size());
      QCOMPARE(r.finished.size(), size_t(1));
      for (size_t i = 0; i < ref.size(); ++i) {
        QCOMPARE(r.rows[i].step, ref[i].at("step").get<int64_t>());
        for (const auto& [metric_name, value] : ref[i].at("metrics").items()) {
          const MetricValue& m = metric(r.rows[i], metric_name);
          QCOMPARE(m.method, std::string("exact"));
          TS_CHECK_CLOSE(m.value, value.get<double>(), 1e-10, 1e-13);
        }
      }
      QCOMPARE(lines(dir + "/metrics.jsonl").size(), ref.size());
    }
  }

  // Estimated metrics carry error bars that cover PyTorch's value (seeded: the check cannot flake), and
  // ‖K_t − K₀‖_F comes from tr (K_t − K₀)² itself, so a small distance keeps its digits.
  void estimatesCarryTheirBars() {
    const std::string dir = copy_run("gpt-tokens", "estimated");
    WatchRequest q = request(dir, false);
    q.estimator.method = "hutchpp";
    q.estimator.matvecs = 48;  // d = 132
    const WatchResult r = run_watch_job(q);
    const Json& ref = reference().at("gpt-tokens");
    int checked = 0;
    for (size_t i = 1; i < r.rows.size(); ++i)
      for (const char* name : {"trace", "frobenius", "distance_first", "distance_previous"}) {
        const MetricValue& m = metric(r.rows[i], name);
        QVERIFY2(m.std_error && *m.std_error > 0, name);
        const double exact = ref[i].at("metrics").at(name).get<double>();
        QVERIFY2(std::fabs(m.value - exact) <= 4 * *m.std_error,
                 (std::string(name) + " " + std::to_string(m.value) + " vs " + std::to_string(exact) + " ± " +
                  std::to_string(*m.std_error))
                     .c_str());
        ++checked;
      }
    QCOMPARE(checked, 12);
    QCOMPARE(metric(r.rows[0], "distance_first").value, 0.0);  // the first snapshot against itself
  }

  // A restart analyses only new snapshots; the earlier lines stay byte for byte, and a different
  // configuration is refused instead of mixed into one series.
  void resumesAndRefusesAnotherConfiguration() {
    const std::string dir = copy_run("mlp-frozen-bn", "resume", 2);
    QCOMPARE(run_watch_job(request(dir, true)).rows.size(), size_t(2));
    const auto before = lines(dir + "/metrics.jsonl");
    fs::copy(test::fixtures() + "/runs/mlp-frozen-bn/snapshots", dir + "/snapshots",
             fs::copy_options::recursive | fs::copy_options::skip_existing);
    const WatchResult again = run_watch_job(request(dir, true));
    QCOMPARE(again.rows.size(), size_t(2));
    QCOMPARE(again.skipped, int64_t(2));
    QCOMPARE(again.rows[0].step, int64_t(6));
    const auto after = lines(dir + "/metrics.jsonl");
    QCOMPARE(after.size(), size_t(4));
    QCOMPARE(after[0], before[0]);
    QCOMPARE(after[1], before[1]);
    TS_EXPECT_THROW(InputError, run_watch_job(request(dir, false)), "give the same options");
    QCOMPARE(lines(dir + "/metrics.jsonl"), after);
    // A series estimated before the diagonal blocks were taken exactly is another series.
    const std::string old = copy_run("mlp-frozen-bn", "estimated-before-per-input", 2);
    QCOMPARE(run_watch_job(request(old, false)).rows.size(), size_t(2));
    const auto written = lines(old + "/metrics.jsonl");
    {
      std::ofstream out(old + "/metrics.jsonl");
      for (const auto& l : written) {
        Json j = parse_json(l, "a line");
        QCOMPARE(j["config"]["trace"].get<std::string>(), std::string("diagonal blocks where separable"));
        j["config"].erase("trace");
        out << json_text(j) << "\n";
      }
    }
    TS_EXPECT_THROW(InputError, run_watch_job(request(old, false)), "give the same options");
  }

  void secondWatcherIsRefused() {
    const std::string dir = copy_run("mlp-frozen-bn", "locked");
    RunLock held(dir);
    TS_EXPECT_THROW(InputError, run_watch_job(request(dir, true)), "another watcher");
  }

  // --follow: new snapshots are analysed as they appear, and the job ends when the run is marked finished.
  void followsTheRunUntilFinished() {
    const std::string dir = copy_run("gpt-tokens", "follow", 2);
    CancelToken cancel;
    RunControl rc;
    rc.cancel = &cancel;
    std::atomic<int> seen{0};
    rc.partial = [&](const PartialResult& p) {
      if (p.kind == "watch-row") ++seen;
    };
    WatchRequest q = request(dir, true);
    q.follow = true;
    WatchResult result;
    std::thread job([&] {
      try {
        result = run_watch_job(q, rc);
      } catch (const Cancelled&) {
      }
    });
    auto wait_for = [&](int rows) {
      for (int i = 0; i < 600 && seen < rows; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    };
    wait_for(2);
    QCOMPARE(seen.load(), 2);
    // As the logger writes: a partial file renamed into place, then the finished marker.
    const RunFolder full = read_run_folder(test::fixtures() + "/runs/gpt-tokens");
    for (size_t i = 2; i < full.snapshots.size(); ++i) {
      const std::string to = dir + "/snapshots/" + fs::path(full.snapshots[i].file).filename().string();
      fs::copy_file(full.snapshots[i].file, to + ".partial");
      fs::rename(to + ".partial", to);
    }
    wait_for(4);
    std::ofstream(dir + "/finished") << "{}";
    for (int i = 0; i < 200 && result.finished.empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.cancel();  // ends the job should it still wait (the check below then fails)
    job.join();
    QCOMPARE(result.rows.size(), size_t(4));
    QCOMPARE(result.finished.size(), size_t(1));
  }

  void followStopsOnCancelKeepingRows() {
    const std::string dir = copy_run("mlp-frozen-bn", "cancel", 1);
    CancelToken cancel;
    RunControl rc;
    rc.cancel = &cancel;
    rc.partial = [&](const PartialResult&) {};
    WatchRequest q = request(dir, true);
    q.follow = true;
    std::thread stop([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      cancel.cancel();
    });
    TS_EXPECT_THROW(Cancelled, run_watch_job(q, rc), "");
    stop.join();
    QCOMPARE(lines(dir + "/metrics.jsonl").size(), size_t(3));
  }

  // Damaged or foreign input names the file and the problem; rows already written stay.
  void badRunsNameTheProblem() {
    const std::string not_run = std::string(TS_TEST_TMP) + "/watch/not-a-run";
    fs::create_directories(not_run);
    TS_EXPECT_THROW(InputError, run_watch_job(request(not_run, true)), "has no run.json");

    const std::string cut = copy_run("mlp-frozen-bn", "truncated");
    const RunFolder r = read_run_folder(cut);
    fs::resize_file(r.snapshots[2].file, fs::file_size(r.snapshots[2].file) / 2);
    TS_EXPECT_THROW(InputError, run_watch_job(request(cut, true)), "step-000000000006.pt");
    QCOMPARE(lines(cut + "/metrics.jsonl").size(), size_t(2));

    const std::string foreign = copy_run("mlp-frozen-bn", "foreign");
    const RunFolder gpt = read_run_folder(test::fixtures() + "/runs/gpt-tokens");
    fs::copy_file(gpt.snapshots[1].file, read_run_folder(foreign).snapshots[1].file,
                  fs::copy_options::overwrite_existing);
    TS_EXPECT_THROW(InputError, run_watch_job(request(foreign, true)), "another architecture");

    const std::string newer = copy_run("mlp-frozen-bn", "newer");
    std::ofstream(newer + "/run.json") << R"({"format": "tangentscope-run", "version": 7, "model": "model.pt",
      "probe_inputs": "probe_inputs.npy"})";
    TS_EXPECT_THROW(InputError, run_watch_job(request(newer, true)), "update TangentScope");

    const std::string outside = copy_run("mlp-frozen-bn", "outside");
    std::ofstream(outside + "/run.json") << R"({"format": "tangentscope-run", "version": 1,
      "model": "../../fixtures/tiny_mlp.pt", "probe_inputs": "probe_inputs.npy"})";
    TS_EXPECT_THROW(InputError, run_watch_job(request(outside, true)), "not a file name inside");

    // A damaged metrics file names its line and the member, and says how to start again.
    const std::string damaged = copy_run("mlp-frozen-bn", "damaged-metrics");
    (void)run_watch_job(request(damaged, true));
    std::vector<std::string> rows = lines(damaged + "/metrics.jsonl");
    QVERIFY(rows.size() >= 2);
    for (const auto& [member, value, message] :
         {std::tuple<const char*, Json, const char*>{"step", "zero", "line 1: step must be an integer"},
          {"seconds", -1.0, "line 1: seconds must be a number ≥ 0, got -1"},
          {"metrics", 5, "line 1: metrics must be an array"}}) {
      Json first = parse_json(rows[0], "line 1");
      first[member] = value;
      std::ofstream(damaged + "/metrics.jsonl") << json_text(first) << "\n" << rows[1] << "\n";
      TS_EXPECT_THROW(InputError, read_watch_metrics(damaged), message);
      TS_EXPECT_THROW(InputError, read_watch_metrics(damaged), "remove the file to analyse the run again");
    }
  }

  // A run with no snapshot yet analyses nothing (and --follow waits for one); a snapshot still being written
  // (the logger's .partial file) is not read; a probe batch of the wrong shape names its file; a run folder
  // removed while followed ends the watch with its name, the rows written before kept.
  void incompleteRunsAreHandled() {
    const std::string empty = copy_run("mlp-frozen-bn", "no-snapshots");
    fs::remove_all(empty + "/snapshots");
    QCOMPARE(run_watch_job(request(empty, true)).rows.size(), size_t(0));

    const std::string writing = copy_run("mlp-frozen-bn", "writing", 1);
    const RunFolder full = read_run_folder(test::fixtures() + "/runs/mlp-frozen-bn");
    const std::string last = fs::path(full.snapshots.back().file).filename().string();
    std::ofstream(writing + "/snapshots/" + last + ".partial") << "PK half a zip";
    QCOMPARE(run_watch_job(request(writing, true)).rows.size(), size_t(3));

    const std::string shape = copy_run("mlp-frozen-bn", "probe-shape");
    write_npy(shape + "/probe_inputs.npy", at::zeros({6, 5}, at::kDouble));  // the model takes 4 values
    TS_EXPECT_THROW(InputError, run_watch_job(request(shape, true)), "probe_inputs.npy");

    const std::string gone = copy_run("mlp-frozen-bn", "removed", 1);
    CancelToken cancel;
    RunControl rc;
    rc.cancel = &cancel;
    std::atomic<int> rows{0};
    rc.partial = [&](const PartialResult&) { ++rows; };
    WatchRequest q = request(gone, true);
    q.follow = true;
    std::string error;
    std::thread job([&] {
      try {
        run_watch_job(q, rc);
      } catch (const InputError& e) {
        error = e.what();
      } catch (const Cancelled&) {
        error = "cancelled";
      }
    });
    for (int i = 0; i < 600 && rows < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fs::remove_all(gone);
    for (int i = 0; i < 100 && error.empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.cancel();
    job.join();
    // Named by its folder: "does not exist", or, when the removal is caught halfway, a file of it that "is
    // missing" or "cannot be read", or the folder that "has no run.json" left.
    const bool named = error.find("/removed") != std::string::npos;
    const bool said = error.find("does not exist") != std::string::npos ||
                      error.find("is missing") != std::string::npos ||
                      error.find("cannot be read") != std::string::npos ||
                      error.find("has no run.json") != std::string::npos;
    QVERIFY2(named && said, error.c_str());
  }

  // The command line: a line per snapshot as it is analysed, JSON lines with --json, a clear error without
  // a folder.
  void commandLine() {
    const std::string dir = copy_run("mlp-frozen-bn", "cli");
    std::ostringstream out, err;
    QCOMPARE(cli::run({"watch", dir, "--exact", "--json"}, out, err), 0);
    std::istringstream rows(out.str());
    int n = 0;
    for (std::string l; std::getline(rows, l); ++n)
      QCOMPARE(parse_json(l, "watch --json").at("run").get<std::string>(), dir);
    QCOMPARE(n, 4);
    std::ostringstream out2, err2;
    QCOMPARE(cli::run({"watch", dir, "--exact"}, out2, err2), 0);
    QVERIFY2(out2.str().find("4 analysed earlier (kept)") != std::string::npos, out2.str().c_str());
    std::ostringstream out3, err3;
    QCOMPARE(cli::run({"watch"}, out3, err3), 1);
    QVERIFY2(err3.str().find("RUN_DIR is required") != std::string::npos, err3.str().c_str());
  }
};

}  // namespace test_watch

TS_TEST_MAIN(test_watch::TestWatch, exactMetricsMatchPyTorch, estimatesCarryTheirBars,
             resumesAndRefusesAnotherConfiguration, secondWatcherIsRefused, followsTheRunUntilFinished,
             followStopsOnCancelKeepingRows, badRunsNameTheProblem, incompleteRunsAreHandled, commandLine)
#ifdef TS_HAVE_QT
#include "test_watch.moc"
#endif
