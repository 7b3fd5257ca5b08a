// tangentscope-cli as several ranks (launch, or the torchrun environment set by hand): every way of dividing
// a run gives the numbers of one process, rank 0 alone prints and writes, and a rank that dies or hangs ends
// the run on every rank with a clear error and no output file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "TestHarness.h"
#include "core/Json.h"
#include "dist/Communicator.h"

extern char** environ;  // the process environment (POSIX), at global scope

namespace test_distributed {

using namespace ts;

namespace {

struct Run {
  int code = -1;
  std::string out, err;
  double seconds = 0;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A child process of the CLI with extra environment variables, its output in files.
struct Child {
  pid_t pid = -1;
  std::string out, err;
};

Child spawn(const std::vector<std::string>& args, const std::vector<std::string>& env_extra,
            const std::string& tag, const std::string& cwd = "") {
  Child c;
  c.out = std::string(TS_TEST_TMP) + "/dist-" + tag + ".out";
  c.err = std::string(TS_TEST_TMP) + "/dist-" + tag + ".err";
  std::vector<std::string> argv{TS_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const std::string key = kv.substr(0, kv.find('='));
    if (key != "RANK" && key != "WORLD_SIZE" && key != "MASTER_ADDR" && key != "MASTER_PORT" &&
        key != "TS_DIST_TIMEOUT")
      env.push_back(kv);
  }
  env.push_back("OMP_NUM_THREADS=1");
  env.insert(env.end(), env_extra.begin(), env_extra.end());
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, c.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, c.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  const int rc = posix_spawn(&c.pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return c;
}

// Waits up to `limit` seconds; a child still running then is killed and reported with code -1.
Run finish(const Child& c, double limit = 600) {
  const auto t0 = std::chrono::steady_clock::now();
  Run r;
  int st = 0;
  for (;;) {
    if (::waitpid(c.pid, &st, WNOHANG) == c.pid) {
      r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.seconds > limit) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = slurp(c.out);
  r.err = slurp(c.err);
  return r;
}

Run cli(const std::vector<std::string>& args, int nproc = 1) {
  static int n = 0;
  std::vector<std::string> a;
  if (nproc > 1) a = {"launch", "--nproc", std::to_string(nproc), "--timeout", "60", "--"};
  a.insert(a.end(), args.begin(), args.end());
  return finish(spawn(a, {}, std::to_string(++n)));
}

Json json_of(const Run& r) {
  if (r.code != 0) throw std::runtime_error("exit " + std::to_string(r.code) + ": " + r.err);
  return parse_json(r.out);
}

void close_rel(double a, double b, double tol, const std::string& what) {
  const double scale = std::max(std::fabs(a), std::fabs(b));
  if (std::fabs(a - b) > tol * scale + 1e-300)
    throw std::runtime_error(what + ": " + std::to_string(a) + " against " + std::to_string(b));
}

const std::vector<std::string> kProblem{"--model", "mlp:in=6,width=12,depth=3,out=3,act=tanh,seed=2",
                                        "--data",  "random:n=7,shape=6,seed=1,classes=3",
                                        "--dtype", "float64",
                                        "--seed",  "5"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

// A TCP port on 127.0.0.1 that was free a moment ago; with `keep`, a socket listening on it (another
// program holding the port: it accepts connections and never answers).
int free_port(int* keep = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || (keep && ::listen(fd, 16) != 0))
    throw std::runtime_error("no free TCP port");
  if (keep)
    *keep = fd;
  else
    ::close(fd);
  return ntohs(a.sin_port);
}

// Whether something listens on 127.0.0.1:port (rank 0 opened its rendezvous).
bool listening(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> rank_env(int rank, int size, int port, int timeout) {
  return {"RANK=" + std::to_string(rank), "WORLD_SIZE=" + std::to_string(size), "MASTER_ADDR=127.0.0.1",
          "MASTER_PORT=" + std::to_string(port), "TS_DIST_TIMEOUT=" + std::to_string(timeout)};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
}

void skip_without_gloo() {
  if (!dist::has_gloo()) QSKIP("this build has no Gloo (libgloo-dev): one process only");
}

}  // namespace

class TestDistributed : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Every estimator (compare runs them all), the exact trace and the matvec counts at 1, 2 and 3 ranks, with
  // each rank computing its share of every block of products. Blocks of 5 over 21 vectors leave uneven
  // shares.
  void everyEstimatorEqualsOneProcess() {
    skip_without_gloo();
    const auto args =
        with({"compare"}, with(kProblem, {"--methods", "hutchinson,hutchpp,xtrace,xnystrace,rhutch,fhutch",
                                          "--matvecs", "21", "--block", "5", "--exact", "--json"}));
    const Json one = json_of(cli(args));
    QVERIFY(one.at("runs").size() >= 6);
    for (int n : {2, 3}) {
      const Json many = json_of(cli(args, n));
      close_rel(many.at("exact").get<double>(), one.at("exact").get<double>(), 1e-12, "exact trace");
      QCOMPARE(many.at("runs").size(), one.at("runs").size());
      for (size_t i = 0; i < one.at("runs").size(); ++i) {
        const Json& a = one.at("runs")[i];
        const Json& b = many.at("runs")[i];
        const std::string m = a.at("estimator").get<std::string>();
        QCOMPARE(b.at("estimator").get<std::string>(), m);
        close_rel(b.at("estimate").get<double>(), a.at("estimate").get<double>(), 1e-12, m + " estimate");
        if (!a.at("std_error").is_null())
          close_rel(b.at("std_error").get<double>(), a.at("std_error").get<double>(), 1e-9, m + " std error");
        QCOMPARE(b.at("vjps").get<int64_t>(), a.at("vjps").get<int64_t>());
        QCOMPARE(b.at("jvps").get<int64_t>(), a.at("jvps").get<int64_t>());
      }
    }
  }

  // The batch divided over the ranks (7 inputs over 2 and 3): trace, Frobenius norm, effective rank and the
  // alignment of two snapshots, and the exact trace, as one process gives them.
  void batchSplitEqualsOneProcess() {
    skip_without_gloo();
    const auto metrics =
        with({"metrics"}, with(kProblem, {"--model-b", "mlp:in=6,width=12,depth=3,out=3,act=tanh,seed=3",
                                          "--metrics", "trace,frobenius,effective_rank,alignment",
                                          "--estimator", "hutchpp", "--matvecs", "18", "--exact", "--json"}));
    const auto trace =
        with({"trace"}, with(kProblem, {"--estimator", "xnystrace", "--matvecs", "12", "--exact", "--json"}));
    const Json m1 = json_of(cli(metrics)), t1 = json_of(cli(trace));
    for (int n : {2, 3}) {
      const Json t = json_of(cli(with(trace, {"--distribute", "batch"}), n));
      QCOMPARE(t.at("ranks").get<int>(), n);
      QCOMPARE(t.at("distribute").get<std::string>(), std::string("batch"));
      QCOMPARE(t.at("d").get<int64_t>(), t1.at("d").get<int64_t>());
      close_rel(t.at("estimate").get<double>(), t1.at("estimate").get<double>(), 1e-12, "XNysTrace");
      close_rel(t.at("exact").get<double>(), t1.at("exact").get<double>(), 1e-12, "exact trace");
      const Json m = json_of(cli(with(metrics, {"--distribute", "batch"}), n));
      QCOMPARE(m.at("metrics").size(), m1.at("metrics").size());
      for (size_t i = 0; i < m1.at("metrics").size(); ++i) {
        const Json& x = m1.at("metrics")[i];
        const Json& y = m.at("metrics")[i];
        const std::string name = x.at("metric").get<std::string>();
        QCOMPARE(y.at("metric").get<std::string>(), name);
        close_rel(y.at("value").get<double>(), x.at("value").get<double>(), 1e-10, name);
        if (x.contains("exact"))
          close_rel(y.at("exact").get<double>(), x.at("exact").get<double>(), 1e-10, name);
      }
    }
  }

  // The exact spectrum and the layer traces divided by products and by the batch, and look-ahead active
  // learning (whose candidate kernels are blocks of VJPs): the same numbers, and rank 0 alone writes al.json.
  void spectrumLayersAndActiveLearning() {
    skip_without_gloo();
    const auto spectrum = with({"spectrum"}, with(kProblem, {"--top", "0", "--json"}));
    const Json s1 = json_of(cli(spectrum));
    for (const Json& s2 :
         {json_of(cli(spectrum, 2)), json_of(cli(with(spectrum, {"--distribute", "batch"}), 3))}) {
      QCOMPARE(s2.at("eigenvalues").size(), s1.at("eigenvalues").size());
      for (size_t i = 0; i < s1.at("eigenvalues").size(); ++i)
        close_rel(s2.at("eigenvalues")[i].get<double>(), s1.at("eigenvalues")[i].get<double>(), 1e-9,
                  "eigenvalue " + std::to_string(i));
    }
    const auto layers = with({"layers"}, with(kProblem, {"--matvecs", "16", "--exact", "--json"}));
    const Json l1 = json_of(cli(layers));
    for (const Json& l2 :
         {json_of(cli(layers, 3)), json_of(cli(with(layers, {"--distribute", "batch"}), 2))}) {
      QCOMPARE(l2.at("layers").size(), l1.at("layers").size());
      for (size_t i = 0; i < l1.at("layers").size(); ++i) {
        close_rel(l2.at("layers")[i].at("trace").get<double>(), l1.at("layers")[i].at("trace").get<double>(),
                  1e-12, "layer trace estimate");
        close_rel(l2.at("layers")[i].at("exact").get<double>(), l1.at("layers")[i].at("exact").get<double>(),
                  1e-12, "layer trace");
      }
    }

    const std::string d1 = std::string(TS_TEST_TMP) + "/dist-al-1",
                      d2 = std::string(TS_TEST_TMP) + "/dist-al-2";
    std::filesystem::remove_all(d1);
    std::filesystem::remove_all(d2);
    const std::vector<std::string> al{
        "al", "--model", "mlp:in=2,width=16,depth=2,out=2,act=tanh", "--data", "moons:size=80,noise=0.2",
        // Agreement scores are exact fractions: one process takes the MLP's
        // per-layer kernel, several ranks the shared VJPs (equal to rounding).
        "--strategy", "mlmoc-pseudo-contrastive,random", "--initial", "6", "--query", "4", "--cycles", "2",
        "--epochs", "3", "--dtype", "float64", "--json"};
    const Json a1 = json_of(cli(with(al, {"--out", d1}))), a2 = json_of(cli(with(al, {"--out", d2}), 2));
    QVERIFY(std::filesystem::exists(d2 + "/al.json"));
    // The queried points and their scores, and every cycle's accuracy and loss (the columns before the
    // times).
    QCOMPARE(slurp(d2 + "/queries.csv"), slurp(d1 + "/queries.csv"));
    const auto untimed = [](const std::string& csv) {
      std::stringstream in(csv), out;
      for (std::string line; std::getline(in, line);) {
        size_t at = 0;
        for (int c = 0; c < 6 && at != std::string::npos; ++c) at = line.find(',', at + 1);
        out << line.substr(0, at) << "\n";
      }
      return out.str();
    };
    QCOMPARE(untimed(slurp(d2 + "/curves.csv")), untimed(slurp(d1 + "/curves.csv")));
    QVERIFY(a1.at("runs").size() == a2.at("runs").size());
  }

  // Jobs divided by their independent items (dist::split_items, each rank running its items whole): the
  // snapshots of the dynamics and the (width, seed) models of the width experiment, trained on every rank
  // that owns them, at 2 and 3 ranks; and the look-ahead's candidates (above) by shares.
  void jobsDividedByItemsEqualOneProcess() {
    skip_without_gloo();
    const std::string dyn = std::string(TS_TEST_TMP) + "/dist-dynamics-";
    const auto dynamics = [&](const std::string& tag) {
      std::filesystem::remove_all(dyn + tag);
      return std::vector<std::string>{"dynamics",
                                      "--model",
                                      "mlp:in=2,width=16,depth=2,out=2,act=tanh",
                                      "--data",
                                      "moons:size=120",
                                      "--epochs",
                                      "3",
                                      "--snapshots",
                                      "0,1,2,3",
                                      "--probe-n",
                                      "10",
                                      "--estimator",
                                      "hutchpp",
                                      "--matvecs",
                                      "12",
                                      "--exact",
                                      "--dtype",
                                      "float64",
                                      "--out",
                                      dyn + tag,
                                      "--json"};
    };
    const Json d1 = json_of(cli(dynamics("1")));
    QCOMPARE(d1.at("dynamics").size(), size_t(4));
    for (int n : {2, 3}) {
      const Json dn = json_of(cli(dynamics(std::to_string(n)), n));
      QCOMPARE(dn.at("dynamics").size(), d1.at("dynamics").size());
      for (size_t i = 0; i < d1.at("dynamics").size(); ++i) {
        const Json& a = d1.at("dynamics")[i];
        const Json& b = dn.at("dynamics")[i];
        QCOMPARE(b.at("epoch").get<int>(), a.at("epoch").get<int>());
        QCOMPARE(b.at("metrics").size(), a.at("metrics").size());
        for (size_t k = 0; k < a.at("metrics").size(); ++k) {
          const Json& x = a.at("metrics")[k];
          const Json& y = b.at("metrics")[k];
          const std::string name = x.at("metric").get<std::string>() + " of snapshot " + std::to_string(i);
          QCOMPARE(y.at("method").get<std::string>(), x.at("method").get<std::string>());
          close_rel(y.at("value").get<double>(), x.at("value").get<double>(), 1e-12, name);
          if (x.contains("exact"))
            close_rel(y.at("exact").get<double>(), x.at("exact").get<double>(), 1e-12, name + " (exact)");
          QCOMPARE(y.at("vjps").get<int64_t>(), x.at("vjps").get<int64_t>());
        }
      }
    }
    const std::string base = std::string(TS_TEST_TMP) + "/dist-width-";
    const auto width = [&](const std::string& tag) {
      std::filesystem::remove_all(base + tag);
      return std::vector<std::string>{
          "bench",    "pntk-width", "--data",  "moons:size=160", "--widths", "8,16,32",   "--seeds",
          "2",        "--batch",    "12",      "--heldout",      "4",        "--train-n", "60",
          "--epochs", "1",          "--param", "standard",       "--dtype",  "float64",   "--out",
          base + tag, "--json"};
    };
    const Json w1 = json_of(cli(width("1"))).at("standard");
    QCOMPARE(w1.at("points").size(), size_t(12));  // 3 widths × 2 seeds × (init, trained)
    for (int n : {2, 3}) {
      const std::string tag = std::to_string(n);
      const Json wn = json_of(cli(width(tag), n)).at("standard");
      QCOMPARE(wn.at("points").size(), w1.at("points").size());
      for (size_t i = 0; i < w1.at("points").size(); ++i) {
        const Json& a = w1.at("points")[i];
        const Json& b = wn.at("points")[i];
        QCOMPARE(b.at("stage").get<std::string>(), a.at("stage").get<std::string>());
        QCOMPARE(b.at("width").get<int64_t>(), a.at("width").get<int64_t>());
        QCOMPARE(b.at("seed").get<uint64_t>(), a.at("seed").get<uint64_t>());
        for (const char* e : {"rel_frobenius", "rel_lambda_max", "rel_prediction", "heldout_accuracy"})
          close_rel(b.at(e).get<double>(), a.at(e).get<double>(), 1e-10,
                    std::string(e) + " of point " + std::to_string(i));
      }
      QVERIFY(std::filesystem::exists(base + tag + "/standard/width.json"));
    }
  }

  // A rank that never arrives, one that dies mid-run and one that hangs: every rank still running ends within
  // the time-out with an error that says what happened, and no output file appears.
  void deadOrHungRankEndsTheRun() {
    skip_without_gloo();
    const std::string port = std::to_string(29600 + ::getpid() % 1000);
    // Rank 1 never starts.
    Run lone = finish(spawn({"trace", "--json"},
                            {"WORLD_SIZE=2", "RANK=0", "MASTER_PORT=" + port, "TS_DIST_TIMEOUT=3"}, "lone"),
                      60);
    QVERIFY2(lone.code == 1, lone.err.c_str());
    QVERIFY2(lone.err.find("rank 0 of 2: could not join") != std::string::npos, lone.err.c_str());
    QVERIFY2(lone.seconds < 30, std::to_string(lone.seconds).c_str());

    // A look-ahead run of about 15 s writing its folder: rank 1 is killed, or stopped, once it is under way.
    const std::string out = std::string(TS_TEST_TMP) + "/dist-dead";
    const std::vector<std::string> run{"al",
                                       "--model",
                                       "mlp:in=2,width=64,depth=2,out=2,act=tanh",
                                       "--data",
                                       "moons:size=3000",
                                       "--strategy",
                                       "mlmoc",
                                       "--initial",
                                       "10",
                                       "--query",
                                       "5",
                                       "--cycles",
                                       "10",
                                       "--epochs",
                                       "5",
                                       "--out",
                                       out};
    for (const int sig : {SIGKILL, SIGSTOP}) {
      std::filesystem::remove_all(out);
      const std::string p = std::to_string(29600 + (::getpid() + 1 + sig) % 1000);
      std::vector<std::string> env0{"WORLD_SIZE=2", "RANK=0", "MASTER_PORT=" + p, "TS_DIST_TIMEOUT=4"};
      std::vector<std::string> env1{"WORLD_SIZE=2", "RANK=1", "MASTER_PORT=" + p, "TS_DIST_TIMEOUT=4"};
      const Child r0 = spawn(run, env0, "r0-" + std::to_string(sig));
      const Child r1 = spawn(run, env1, "r1-" + std::to_string(sig));
      std::this_thread::sleep_for(std::chrono::seconds(3));
      ::kill(r1.pid, sig);
      const Run a = finish(r0, 120);
      if (sig == SIGSTOP) ::kill(r1.pid, SIGKILL);
      finish(r1, 30);
      QVERIFY2(a.code == 1, (std::to_string(a.code) + " " + a.err).c_str());
      const std::string expect = sig == SIGKILL ? "a rank ended" : "did not answer within 4 s";
      QVERIFY2(a.err.find("rank 0 of 2: could not") != std::string::npos, a.err.c_str());
      QVERIFY2(a.err.find(expect) != std::string::npos, a.err.c_str());
      QVERIFY2(a.err.find("no output was written") != std::string::npos, a.err.c_str());
      // The folder was made (and checked writable) before the work; nothing was published in it.
      QVERIFY(!std::filesystem::exists(out + "/al.json"));
      QVERIFY(!std::filesystem::exists(out + "/curves.csv"));
    }

    // Through launch: the failing rank's status is reported and the launcher exits non-zero.
    const Run bad =
        cli({"trace", "--model", "mlp:in=6,width=4,depth=2,out=2", "--data", "csv:/nonexistent.csv"}, 2);
    QVERIFY(bad.code == 1);
    QVERIFY2(
        bad.err.find("rank 0 of 2") != std::string::npos && bad.err.find("rank 1 of 2") != std::string::npos,
        bad.err.c_str());
    QVERIFY2(bad.err.find("launch: rank") != std::string::npos, bad.err.c_str());
  }

  // Two ranks given different runs: a different --data on the command line, then the same command line over
  // different files (each rank in its own folder, as on two machines): a different data file, a different
  // model file. Both ranks refuse at once, naming the rank and what differs, before any product.
  void ranksGivenDifferentRunsRefuse() {
    skip_without_gloo();
    const auto both = [](const std::vector<std::string>& a0, const std::vector<std::string>& a1,
                         const std::string& tag, const std::string& cwd0 = "", const std::string& cwd1 = "") {
      const int port = free_port();
      const Child c0 = spawn(a0, rank_env(0, 2, port, 30), tag + "-0", cwd0);
      const Child c1 = spawn(a1, rank_env(1, 2, port, 30), tag + "-1", cwd1);
      return std::make_pair(finish(c0, 60), finish(c1, 60));
    };
    const auto expect = [](const Run& r, const std::vector<std::string>& parts) {
      QVERIFY2(r.code == 1, (std::to_string(r.code) + " " + r.err).c_str());
      QVERIFY2(r.seconds < 20, std::to_string(r.seconds).c_str());
      for (const auto& p : parts) QVERIFY2(has(r.err, p), (p + " not in: " + r.err).c_str());
    };
    const std::vector<std::string> trace{"trace",       "--model",    "mlp:in=6,width=8,depth=2,out=3",
                                         "--estimator", "hutchinson", "--matvecs",
                                         "6",           "--json",     "--data"};
    {
      const auto [r0, r1] = both(with(trace, {"random:n=40,shape=6,seed=1"}),
                                 with(trace, {"random:n=50,shape=6,seed=1"}), "args");
      for (const Run& r : {r0, r1})
        expect(r, {"rank 1 was given --data random:n=50,shape=6,seed=1 but rank 0 --data "
                   "random:n=40,shape=6,seed=1",
                   "same command and options"});
      QVERIFY(has(r0.err, "rank 0 of 2:") && has(r1.err, "rank 1 of 2:"));
    }
    const std::string d0 = std::string(TS_TEST_TMP) + "/dist-files-0",
                      d1 = std::string(TS_TEST_TMP) + "/dist-files-1";
    for (const auto& d : {d0, d1}) {
      std::filesystem::remove_all(d);
      std::filesystem::create_directories(d);
    }
    write_text(d0 + "/x.csv", "1,2,3,4,5,6,0\n6,5,4,3,2,1,1\n0,1,0,1,0,1,2\n");
    write_text(d1 + "/x.csv", "1,2,3,4,5,6,0\n6,5,4,3,2,1,1\n0,1,0,1,0,1.5,2\n");  // one value differs
    {
      const auto args = with(trace, {"csv:x.csv,label=last"});
      const auto [r0, r1] = both(args, args, "data", d0, d1);
      for (const Run& r : {r0, r1})
        expect(r, {"rank 1 has different data (CSV x.csv", "fingerprints", "same model and data"});
    }
    std::filesystem::copy_file(d0 + "/x.csv", d1 + "/x.csv",
                               std::filesystem::copy_options::overwrite_existing);
    for (const auto& [d, seed] : {std::pair{d0, "1"}, std::pair{d1, "2"}})
      QCOMPARE(cli({"export", "--model", std::string("mlp:in=6,width=8,depth=2,out=3,seed=") + seed, "--out",
                    d + "/m.pt"})
                   .code,
               0);
    {
      std::vector<std::string> args = trace;
      args[2] = "m.pt";
      args.insert(args.end(), {"csv:x.csv,label=last", "--input-shape", "6"});
      const auto [r0, r1] = both(args, args, "model", d0, d1);
      for (const Run& r : {r0, r1}) expect(r, {"rank 1 has a different model (m.pt", "fingerprints"});
    }
  }

  // WORLD_SIZE 2 on rank 0 and 3 on rank 1, and the other way round: both ranks refuse within seconds,
  // naming both values (not Gloo's raw message, nor a wait for a third rank).
  void differentWorldSizesRefuse() {
    skip_without_gloo();
    for (const auto& [s0, s1] : {std::pair{2, 3}, std::pair{3, 2}}) {
      const int port = free_port();
      const std::string tag = "ws" + std::to_string(s0) + std::to_string(s1);
      const Child c0 = spawn({"trace", "--json"}, rank_env(0, s0, port, 30), tag + "-0");
      const Child c1 = spawn({"trace", "--json"}, rank_env(1, s1, port, 30), tag + "-1");
      for (const Run& r : {finish(c0, 60), finish(c1, 60)}) {
        QVERIFY2(r.code == 1, (std::to_string(r.code) + " " + r.err).c_str());
        QVERIFY2(r.seconds < 20, std::to_string(r.seconds).c_str());
        const std::string want = "rank 1 was started with WORLD_SIZE=" + std::to_string(s1) +
                                 " but rank 0 with WORLD_SIZE=" + std::to_string(s0);
        QVERIFY2(has(r.err, want), r.err.c_str());
      }
    }
  }

  // A lone rank 0 (waiting for rank 1) and a lone rank 1 (waiting for rank 0) end at their 4 s time-out, not
  // at twice it, saying what they waited for and where.
  void loneRankEndsAtItsTimeout() {
    skip_without_gloo();
    for (const int rank : {0, 1}) {
      const int port = free_port();
      const Run r =
          finish(spawn({"trace", "--json"}, rank_env(rank, 2, port, 4), "lone" + std::to_string(rank)), 60);
      QVERIFY2(r.code == 1, (std::to_string(r.code) + " " + r.err).c_str());
      QVERIFY2(r.seconds < 4 + 2.5, std::to_string(r.seconds).c_str());
      const std::string at = "127.0.0.1:" + std::to_string(port);
      QVERIFY2(has(r.err, "could not join the 2 ranks at " + at + " within 4 s"), r.err.c_str());
      QVERIFY2(has(r.err, rank == 0 ? "rank 1 did not arrive" : "rank 0 did not answer at " + at),
               r.err.c_str());
    }
  }

  // SIGTERM or SIGINT to a rank waiting for the others ends it within a second, with the exit code of an
  // interrupted run (143, 130), not at its 60 s time-out.
  void signalEndsAWaitingRank() {
    skip_without_gloo();
    for (const int sig : {SIGTERM, SIGINT}) {
      const int port = free_port();
      const Child c = spawn({"trace", "--json"}, rank_env(0, 2, port, 60), "signal" + std::to_string(sig));
      const auto t0 = std::chrono::steady_clock::now();
      while (!listening(port) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      QVERIFY(listening(port));  // rank 0 is in its join, waiting for rank 1
      ::kill(c.pid, sig);
      const Run r = finish(c, 10);
      QVERIFY2(r.code == 128 + sig, (std::to_string(r.code) + " " + r.err).c_str());
      QVERIFY2(r.seconds < 1.5, std::to_string(r.seconds).c_str());
      QVERIFY2(has(r.err, sig == SIGTERM ? "cancelled by SIGTERM" : "cancelled by SIGINT"), r.err.c_str());
    }
  }

  // MASTER_PORT held by another program (a socket that accepts and never answers): rank 1 ends at its 3 s
  // time-out saying so, and rank 0, which cannot listen there, says so at once.
  void portHeldByAnotherProgram() {
    skip_without_gloo();
    int fd = -1;
    const int port = free_port(&fd);
    const Run r1 = finish(spawn({"trace", "--json"}, rank_env(1, 2, port, 3), "held1"), 30);
    const Run r0 = finish(spawn({"trace", "--json"}, rank_env(0, 2, port, 3), "held0"), 30);
    ::close(fd);
    const std::string p = std::to_string(port);
    QVERIFY2(r1.code == 1 && r1.seconds < 3 + 2.5, (std::to_string(r1.seconds) + " " + r1.err).c_str());
    QVERIFY2(
        has(r1.err, "127.0.0.1:" + p) && has(r1.err, "is MASTER_PORT " + p + " in use by another program"),
        r1.err.c_str());
    QVERIFY2(r0.code == 1 && r0.seconds < 3 + 2.5, (std::to_string(r0.seconds) + " " + r0.err).c_str());
    QVERIFY2(has(r0.err, "MASTER_PORT " + p + " is in use by another program"), r0.err.c_str());
  }

  void launchNeedsItsCommand() {
    const Run r = cli({"launch", "--nproc", "2"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.find("give the command after --") != std::string::npos, r.err.c_str());
    const Run z = cli({"launch", "--nproc", "0", "--", "trace"});
    QCOMPARE(z.code, 1);
    QVERIFY2(z.err.find("nproc") != std::string::npos, z.err.c_str());
  }
};

}  // namespace test_distributed

TS_TEST_MAIN(test_distributed::TestDistributed, everyEstimatorEqualsOneProcess, batchSplitEqualsOneProcess,
             spectrumLayersAndActiveLearning, jobsDividedByItemsEqualOneProcess, deadOrHungRankEndsTheRun,
             ranksGivenDifferentRunsRefuse, differentWorldSizesRefuse, loneRankEndsAtItsTimeout,
             signalEndsAWaitingRank, portHeldByAnotherProgram, launchNeedsItsCommand)
#ifdef TS_HAVE_QT
#include "test_distributed.moc"
#endif
