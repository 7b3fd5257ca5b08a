#include "Cli.h"
#include "Numbers.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cmath>
#include <thread>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "CliArgs.h"
#include "CliCommon.h"
#include "Errors.h"
#include "Jobs.h"
#include "Model.h"
#include "CoverageBench.h"
#include "DynamicsBench.h"
#include "SeedBench.h"
#include "Spec.h"

namespace ts::cli {

namespace {

const char* kUsage = R"(tangentscope-cli: the empirical NTK of a model, matrix-free.

Commands
  trace    --model SPEC --data SPEC --estimator NAME [--matvecs M] [--tol T] [--repeats R] [--exact] [--json]
           [--kernel entk|pntk|pntk:single:K]   (trace and compare estimate the eNTK, or the pseudo-NTK)
  compare  --model SPEC --data SPEC --methods a,b,c [--matvecs M] [--exact] [--budgets 12,24] [--repeats R] [--json]
           several estimators on one kernel, each with its running estimate, and a speed–accuracy sweep (with --exact)
  metrics  --model SPEC [--model-b SPEC] --data SPEC --metrics trace,frobenius,effective_rank,alignment,target_alignment
           [--estimator NAME] [--matvecs M] [--exact] [--json]
  pntk     --model SPEC --data SPEC [--variant sum|single:K] [--compare] [--heldout H] [--ridge R] [--json]
           the pseudo-NTK; with --compare the eNTK, matrix errors, kernel regression on the last H points, time, memory
  al       --model SPEC --data SPEC --strategy NAME[,NAME...] --initial N --query K --cycles C --seeds S
           [--pool-subset M] [--kernel pntk|entk] [--sequential] [--retrain scratch|warm] [--epochs E] --out DIR
           pool-based active learning; strategies random, entropy, margin, least-confidence, coreset, badge,
           mlmoc, mlmoc-flip (NTK look-ahead); writes al.json, curves.csv, queries.csv
  hessian  --model SPEC --data SPEC [--matvecs M] [--exact] [--epochs E] [--json]
           MSE loss-Hessian trace: Hutchinson by HVPs against the Gauss–Newton (1/N)·tr Θ and pNTK (O/N)·tr Θ̂
           against the eNTK (relative Frobenius and λ_max errors, time and memory of each)
  spectrum --model SPEC --data SPEC [--top K] [--json]   exact eigenvalues of K (checks --memory-budget first)
  train    --model SPEC --data SPEC [--test-data SPEC | --test-size N] [--epochs 5] [--batch-size 64] [--lr 1e-3]
           [--optimizer adam|sgd] [--loss cross_entropy|mse] [--momentum M] [--weight-decay W] [--snapshots 0,1,5]
           [--train-subset N] [--test-subset N] [--standardize] --out DIR
  dynamics the same as train, then the NTK metrics at each snapshot on a probe batch of the test data:
           [--probe-n 100] [--metrics ...] [--estimator NAME] [--matvecs M] [--exact] --out DIR
  info     --model SPEC [--data SPEC]          P, d, layers and the memory an exact kernel needs
  export   --model SPEC --out FILE.pt          save a model as TorchScript
  bench    seed-mlp | seed-gru [--repeats R] [--budgets 12,24,...] [--methods a,b] [--baseline-limit N] [--json]
  bench    pntk-width --out DIR [--widths 16,32,...] [--seeds S] [--depth D] [--batch N] [--heldout H]
           [--param standard,ntk] [--epochs E] [--train-n N] [--fit-min-width W] [--json]
           pNTK errors against width: log-log slopes over every width and over widths ≥ W (256)
  bench    pntk-speed [--outputs 10,100] [--n N] [--width W] [--repeats R] [--json]   pNTK vs eNTK time and memory
  bench    al-retrain [--model SPEC] [--data SPEC] [--initial N] [--pool-subset M] [--candidates C]
           [--retrain-epochs E] [--kernel pntk|entk] [--out DIR] [--json]
           the look-ahead's predicted output change against real SGD retraining, per candidate, and both times
  bench    coverage [--kernels "mlp-digits;seed-mlp;NAME=MODEL@DATA[@SHAPE];..."] [--methods a,b] [--budgets 16,64,256] [--seeds 100]
           [--fixtures DIR] [--json]   coverage of each estimator's ±2σ against exact traces over many seeds
  bench    seed-dynamics [--repeats R] [--epochs 5] [--probe-n 50] [--train-subset N] [--budgets ...] [--json]
  help

Estimators: exact, hutchinson, hutchpp, rhutch, fhutch, xtrace, xnystrace
Without --model and --data the default problem is used: digits:n=100 with mlp:in=64,width=256,depth=3,out=10.
Model SPEC: mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,bias=1,param=standard,seed=0
            gru:in=10,hidden=64,steps=15,seed=0     cnn:channels=1,width=8,out=10,act=relu,seed=0
            PATH.pt (TorchScript; give --input-shape, e.g. 15,10)
Data SPEC:  random:n=50,shape=100,seed=0[,classes=10]     csv:PATH[,label=last][,header=auto|yes|no]
            digits   mnist[:DIR][,split=train|test]   fashion-mnist[:DIR][,split=...]
            moons:size=200,noise=0.1   spirals:size=300,classes=3   blobs:size=300,classes=3,dim=2   sine:size=200
            every kind also takes n=N (seeded stratified subset), seed=S, standardize=1
Common options
  --input-shape S  --params all|PREFIX[;PREFIX][+frozen]  --dtype float32|float64  --device cpu|cuda  --threads N
  --seed S  --memory-budget 4G  --jvp forward|double-backward  --probes rademacher|gaussian
  --split thirds|seed (Hutch++)  --max-matvecs M (adaptive cap)  --block B  --history
docs/FORMATS.md describes every spec key and output field.
)";

const std::set<std::string> kFlags{"json", "exact", "history", "help", "standardize", "compare"};
const std::set<std::string> kOptions{"model",   "model-b", "data",    "input-shape", "params",      "dtype",
                                     "device",  "threads", "seed",    "memory-budget", "jvp",       "estimator",
                                     "matvecs", "tol",     "repeats", "max-matvecs", "probes",      "split",
                                     "block",   "metrics", "out",     "budgets",     "methods",     "baseline-limit",
                                     "workload-model", "workload-data", "top",
                                     "test-data", "test-size", "train-subset", "test-subset", "epochs", "batch-size",
                                     "lr", "optimizer", "loss", "momentum", "weight-decay", "snapshots", "probe-n",
                                     "variant", "heldout", "ridge", "widths", "depth", "seeds", "batch", "train-n",
                                     "param", "n", "width", "outputs", "fit-min-width", "kernels", "fixtures"};

}  // namespace

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

namespace {
CancelToken g_cancel;
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  if (g_signal != 0) {  // a second signal: the user insists
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
  g_cancel.cancel();  // a lock-free atomic store: safe in a signal handler
}
}  // namespace

void install_signal_handlers() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

RunControl cli_control() {
  RunControl rc;
  rc.cancel = &g_cancel;
  return rc;
}

std::vector<int64_t> int_list(const Args& a, const std::string& name, const std::string& fallback) {
  std::vector<int64_t> out;
  for (const auto& item : split_list(a.get(name, fallback))) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno == ERANGE || v < 1)
      throw InputError("--" + name + ": '" + item + "' is not a positive integer (give a list like 12,24,48)");
    out.push_back(v);
  }
  return out;
}

ComputeConfig compute_from(const Args& a) {
  ComputeConfig c;
  c.device = a.get("device", "cpu");
  c.dtype = a.get("dtype", "float64");
  const long long threads = a.get_int("threads", 0);
  const long long max_threads = 4 * std::max(1u, std::thread::hardware_concurrency());
  if (threads < 0 || threads > max_threads)
    throw InputError("--threads must be between 0 (LibTorch's default) and " + std::to_string(max_threads) +
                     " (4 × the " + std::to_string(max_threads / 4) + " cores of this machine), got " +
                     std::to_string(threads));
  c.threads = static_cast<int>(threads);
  c.seed = a.get_seed("seed", 0);
  if (a.has("memory-budget")) c.memory_budget = parse_bytes(a.get("memory-budget"), "--memory-budget");
  return c;
}

ProblemSpec problem_from(const Args& a) {
  ProblemSpec p;  // without --model/--data: the default problem (digits with a built-in MLP)
  p.model = a.get("model", p.model);
  p.model_b = a.get("model-b");
  p.data = a.get("data", p.data);
  p.input_shape = a.get("input-shape");
  p.params = a.get("params", "all");
  p.jvp = a.get("jvp", "forward");
  p.kernel = a.get("kernel", "entk");
  p.compute = compute_from(a);
  return p;
}

TrainOptions training_from(const Args& a, TrainOptions o) {
  o.epochs = static_cast<int>(a.get_int("epochs", o.epochs));
  o.batch_size = a.get_int("batch-size", o.batch_size);
  o.lr = a.get_double("lr", o.lr);
  o.optimizer = a.get("optimizer", o.optimizer);
  o.loss = a.get("loss", o.loss);
  o.momentum = a.get_double("momentum", o.momentum);
  o.weight_decay = a.get_double("weight-decay", o.weight_decay);
  return o;
}

EstimatorOptions estimator_from(const Args& a) {
  EstimatorOptions o;
  o.method = a.get("estimator", "hutchpp");
  const long long kMax = 10000000;  // test vectors are held in memory in blocks; more is never useful
  o.matvecs = a.get_int("matvecs", 96);
  if (o.matvecs < 1 || o.matvecs > kMax)
    throw InputError("--matvecs must be between 1 and " + std::to_string(kMax) + ", got " + std::to_string(o.matvecs));
  o.tol = a.get_double("tol", 0);
  o.max_matvecs = a.get_int("max-matvecs", std::max<long long>(4096, o.matvecs));
  if (o.max_matvecs < 1 || o.max_matvecs > kMax)
    throw InputError("--max-matvecs must be between 1 and " + std::to_string(kMax) + ", got " + std::to_string(o.max_matvecs));
  o.seed = a.get_seed("seed", 0);
  o.block = a.get_int("block", 32);
  o.record_history = a.flag("history");
  const std::string probes = a.get("probes", "rademacher");
  if (probes == "gaussian") o.probes = ProbeDistribution::Gaussian;
  else if (probes != "rademacher") throw InputError("--probes must be rademacher or gaussian, got '" + probes + "'");
  const std::string split = a.get("split", "thirds");
  if (split == "seed") o.split = HutchppSplit::Seed;
  else if (split != "thirds") throw InputError("--split must be thirds or seed, got '" + split + "'");
  if (o.block < 1) throw InputError("--block must be at least 1");
  if (o.tol < 0) throw InputError("--tol must be non-negative");
  return o;
}

std::string fmt(double v) {
  return format_number(v, 10);
}

namespace {

int cmd_trace(const Args& a, std::ostream& out) {
  TraceJob job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  job.compare_exact = a.flag("exact");
  const long long repeats = a.get_int("repeats", 1);
  if (repeats < 1 || repeats > 100000) throw InputError("--repeats must be between 1 and 100000, got " + std::to_string(repeats));
  job.repeats = static_cast<int>(repeats);
  const TraceJobResult r = run_trace_job(job, cli_control());
  if (a.flag("json")) {
    out << to_json(r).dump() << "\n";
    return 0;
  }
  const auto& e = r.estimate;
  out << "tr K ≈ " << fmt(e.estimate);
  if (e.std_error) out << " ± " << fmt(*e.std_error) << " (std error)";
  out << "\n  estimator " << e.method << ", " << e.matvecs << " matvecs (" << e.vjps << " VJPs, " << e.jvps
      << " JVPs), " << fmt(e.seconds) << " s; d = " << r.d << ", P = " << r.params << "\n";
  if (!e.note.empty()) out << "  note: " << e.note << "\n";
  if (!e.converged) out << "  not converged to the tolerance\n";
  if (r.exact)
    out << "  exact " << fmt(*r.exact) << " (" << r.exact_method << ", " << fmt(*r.exact_seconds)
        << " s), relative error " << fmt(std::fabs(e.estimate - *r.exact) / std::fabs(*r.exact)) << "\n";
  if (r.repeats.size() > 1) {
    out << "  repeats:";
    for (const auto& x : r.repeats) out << " " << fmt(x.estimate);
    out << "\n";
  }
  return 0;
}

int cmd_metrics(const Args& a, std::ostream& out) {
  MetricsJob job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  if (!a.has("estimator") && a.flag("exact")) job.estimator.method = "exact";
  job.compare_exact = a.flag("exact");
  job.metrics = split_list(a.get("metrics", "trace,frobenius,effective_rank"));
  const Json r = run_metrics_job(job, cli_control());
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  out << "d = " << r.at("d").number() << ", P = " << r.at("params").number() << "\n";
  for (const auto& m : r.at("metrics").items()) {
    out << "  " << m.at("metric").string() << " = " << fmt(m.at("value").number());
    if (!m.at("std_error").is_null()) out << " ± " << fmt(m.at("std_error").number());
    out << "  [" << m.at("method").string() << ", " << fmt(m.at("seconds").number()) << " s]";
    if (m.contains("exact"))
      out << "  exact " << fmt(m.at("exact").number()) << ", rel error " << fmt(m.at("rel_error").number());
    out << "\n";
  }
  return 0;
}

int cmd_compare(const Args& a, std::ostream& out) {
  CompareJob job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  if (a.has("methods")) job.methods = split_list(a.get("methods"));
  job.exact = a.flag("exact");
  job.sweep_repeats = static_cast<int>(a.get_int("repeats", 1));
  if (a.has("budgets"))
    job.sweep_budgets = int_list(a, "budgets");
  const Json r = run_compare_job(job, cli_control());
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  out << "d = " << r.at("d").number() << ", P = " << r.at("params").number();
  if (r.contains("exact")) out << ", exact tr K = " << fmt(r.at("exact").number()) << " (" << fmt(r.at("exact_seconds").number()) << " s)";
  out << "\n";
  for (const auto& run : r.at("runs").items()) {
    out << "  " << run.at("estimator").string() << ": " << fmt(run.at("estimate").number());
    if (!run.at("std_error").is_null()) out << " ± " << fmt(run.at("std_error").number());
    out << " in " << fmt(run.at("seconds").number()) << " s";
    if (run.contains("rel_error")) out << ", relative error " << fmt(run.at("rel_error").number());
    out << "\n";
  }
  return 0;
}

int cmd_spectrum(const Args& a, std::ostream& out) {
  const long long top = a.get_int("top", 20);
  if (top < 0) throw InputError("--top must be 0 (every eigenvalue) or a positive count, got " + std::to_string(top));
  const Json r = run_spectrum_job(problem_from(a), top, cli_control());
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  out << r.at("kernel").string() << ": d = " << r.at("d").number() << ", P = " << r.at("params").number();
  if (r.contains("trace"))
    out << ", tr K = " << fmt(r.at("trace").number()) << ", ‖K‖_F = " << fmt(r.at("frobenius").number());
  out << " (" << fmt(r.at("seconds").number()) << " s)\n  eigenvalues:";
  for (const auto& v : r.at("eigenvalues").items()) out << " " << fmt(v.number());
  out << "\n";
  return 0;
}

int cmd_info(const Args& a, std::ostream& out) {
  ProblemSpec p;
  if (!a.has("model")) throw InputError("--model SPEC is required");
  p.model = a.get("model");
  p.input_shape = a.get("input-shape");
  p.params = a.get("params", "all");
  p.compute = compute_from(a);
  if (a.has("data")) {
    p.data = a.get("data");
  } else {
    // One random input of the model's own shape is enough to report d per input.
    p.data = "random:n=1";
  }
  const Json j = describe_problem(p);
  if (a.flag("json")) {
    out << j.dump() << "\n";
    return 0;
  }
  out << j.at("model").string() << " (" << j.at("kind").string() << ")\n  input [" << j.at("input_shape").string()
      << "] → output [" << j.at("output_shape").string() << "]\n  P = " << fmt(j.at("params").number()) << " of "
      << fmt(j.at("params_total").number()) << " parameters (" << fmt(j.at("params_frozen").number())
      << " frozen), d = " << fmt(j.at("d").number()) << " on " << j.at("data").string() << "\n";
  for (const auto& l : j.at("layers").items()) out << "  " << l.string() << "\n";
  out << "  parameters:\n";
  for (const auto& l : j.at("parameters").items()) out << "    " << l.string() << "\n";
  return 0;
}

int cmd_export(const Args& a, std::ostream& out) {
  if (!a.has("out")) throw InputError("--out FILE.pt is required");
  std::vector<int64_t> shape;
  if (a.has("input-shape")) shape = parse_shape(a.get("input-shape"), "--input-shape");
  auto model = make_model(a.get("model"), shape, compute_from(a));
  const std::string path = a.get("out");
  model->save_torchscript(path);  // atomic: no half-written file under the real name, an earlier file kept on failure
  out << "wrote " << path << " (" << model->num_parameters() << " parameters, input [" << shape_to_string(model->input_shape())
      << "])\n";
  return 0;
}

int cmd_bench(const std::string& which, const Args& a, std::ostream& out, std::ostream& err) {
  if (which == "al-retrain") return cmd_bench_al_retrain(a, out);
  if (which == "pntk-width") return cmd_bench_pntk_width(a, out, a.flag("json") ? err : out);
  if (which == "pntk-speed") return cmd_bench_pntk_speed(a, out, a.flag("json") ? err : out);
  if (which == "coverage") {
    bench::CoverageBenchOptions c;
    c.compute = compute_from(a);
    c.seeds = static_cast<int>(a.get_int("seeds", c.seeds));
    if (a.has("kernels")) {  // separated by ';' (a spec NAME=MODEL@DATA has commas of its own)
      c.kernels.clear();
      std::stringstream ss(a.get("kernels"));
      for (std::string k; std::getline(ss, k, ';');)
        if (!k.empty()) c.kernels.push_back(k);
    }
    if (a.has("methods")) c.methods = split_list(a.get("methods"));
    if (a.has("fixtures")) c.fixtures = a.get("fixtures");
    if (a.has("budgets")) {
      c.budgets = int_list(a, "budgets");
    }
    std::ostream& log = a.flag("json") ? err : out;
    const Json r = bench::run_coverage_bench(c, log);
    if (a.flag("json")) out << r.dump() << "\n";
    else out << bench::format_coverage_bench(r);
    return 0;
  }
  if (which == "seed-dynamics") {
    bench::DynamicsBenchOptions d;
    d.compute = compute_from(a);
    if (!a.has("memory-budget")) d.compute.memory_budget = int64_t(8) << 30;
    d.repeats = static_cast<int>(a.get_int("repeats", d.repeats));
    d.epochs = static_cast<int>(a.get_int("epochs", d.epochs));
    d.probe_n = a.get_int("probe-n", d.probe_n);
    d.train_subset = a.get_int("train-subset", 0);
    if (a.has("workload-model")) d.model = a.get("workload-model");
    if (a.has("workload-data")) d.data = a.get("workload-data");
    if (a.has("test-data")) d.test_data = a.get("test-data");
    if (a.has("budgets")) {
      d.budgets = int_list(a, "budgets");
    }
    if (a.has("methods")) d.methods = split_list(a.get("methods"));
    std::ostream& log = a.flag("json") ? err : out;
    const Json r = bench::run_dynamics_bench(d, log);
    if (a.flag("json")) out << r.dump() << "\n";
    else out << bench::format_dynamics_bench(r);
    return 0;
  }
  bench::SeedBenchOptions o;
  if (which == "seed-mlp") o.workload = "mlp";
  else if (which == "seed-gru") {
    o.workload = "gru";
    o.baseline_limit = 480;  // 1% of the d = 48,000 matvecs, extrapolated
    o.repeats = 5;
  } else throw InputError("unknown benchmark '" + which + "' (seed-mlp, seed-gru, seed-dynamics, coverage, pntk-width, pntk-speed or al-retrain)");
  o.compute = compute_from(a);
  o.repeats = static_cast<int>(a.get_int("repeats", o.repeats));
  o.baseline_limit = a.get_int("baseline-limit", o.baseline_limit);
  o.model = a.get("workload-model");
  o.data = a.get("workload-data");
  if (a.has("budgets")) {
    o.budgets = int_list(a, "budgets");
  }
  if (a.has("methods")) o.methods = split_list(a.get("methods"));
  std::ostream& log = a.flag("json") ? err : out;
  const Json r = bench::run_seed_bench(o, log);
  if (a.flag("json")) out << r.dump() << "\n";
  else out << bench::format_seed_bench(r);
  return 0;
}

int run_command(const std::string& cmd, const std::string& sub, const Args& a, std::ostream& out, std::ostream& err) {
  if (cmd == "trace") return cmd_trace(a, out);
  if (cmd == "metrics") return cmd_metrics(a, out);
  if (cmd == "info") return cmd_info(a, out);
  if (cmd == "spectrum") return cmd_spectrum(a, out);
  if (cmd == "compare") return cmd_compare(a, out);
  if (cmd == "pntk") return cmd_pntk(a, out);
  if (cmd == "hessian") return cmd_hessian(a, out);
  if (cmd == "al") return cmd_al(a, out);
  if (cmd == "train") return cmd_train(a, out, false);
  if (cmd == "dynamics") return cmd_train(a, out, true);
  if (cmd == "export") return cmd_export(a, out);
  if (cmd == "bench") return cmd_bench(sub, a, out, err);
  throw InputError("unknown command '" + cmd + "' (trace, compare, metrics, spectrum, pntk, hessian, al, train, dynamics, info, export, bench, help)");
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
      out << kUsage;
      return args.empty() ? 2 : 0;
    }
    const std::string cmd = args[0];
    size_t skip = 1;
    std::string sub;
    if (cmd == "bench") {
      if (args.size() < 2) throw InputError("bench needs a name: seed-mlp, seed-gru, seed-dynamics, coverage, pntk-width, pntk-speed or al-retrain");
      sub = args[1];
      skip = 2;
    }
    std::set<std::string> flags = kFlags, options = kOptions;
    flags.insert(al_flags().begin(), al_flags().end());
    options.insert(al_options().begin(), al_options().end());
    const Args a(std::vector<std::string>(args.begin() + static_cast<long>(skip), args.end()), flags, options);
    if (a.flag("help")) {
      out << kUsage;
      return 0;
    }
    // Benchmarks that do not poll the cancel token end at once on a signal (they write no files).
    if (cmd == "bench" && sub != "pntk-width") {
      std::signal(SIGINT, SIG_DFL);
      std::signal(SIGTERM, SIG_DFL);
    }
    const int code = run_command(cmd, sub, a, out, err);
    if (code == 0 && g_signal != 0) {  // the signal came after the last check: the output is complete
      err << "tangentscope-cli: interrupted by " << (g_signal == SIGTERM ? "SIGTERM" : "SIGINT")
          << " after the run had finished (its output is complete)\n";
      return 128 + static_cast<int>(g_signal);
    }
    return code;
  } catch (const Cancelled&) {
    // 128 + the signal's number, as shells report it: 130 for SIGINT (Ctrl+C), 143 for SIGTERM.
    const int sig = g_signal != 0 ? static_cast<int>(g_signal) : SIGINT;
    err << "tangentscope-cli: cancelled by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
        << "; no partial output was left\n";
    return 128 + sig;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    const auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    err << "tangentscope-cli: error: " << msg << "\n";
    return 1;
  }
}

}  // namespace ts::cli
