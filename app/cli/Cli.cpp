#include "Cli.h"
#include "core/Numbers.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "CliArgs.h"
#include "CliCommon.h"
#include "CommandLine.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "dist/Communicator.h"
#include "io/Spec.h"
#include "jobs/Agreement.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "results/ResultJson.h"

namespace ts::cli {

namespace {}  // namespace

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

int pending_signal() { return static_cast<int>(g_signal); }

namespace {
std::ostream* g_warnings = nullptr;
}  // namespace

std::ostream& warnings() { return g_warnings ? *g_warnings : std::cerr; }

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

std::vector<int64_t> int_list(const Args& a, const std::string& name, const std::string& fallback,
                              long long min) {
  std::vector<int64_t> out;
  for (const auto& item : split_list(a.get(name, fallback))) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno == ERANGE || v < min)
      throw InputError("--" + name + ": '" + item + "' is not a " + (min >= 1 ? "positive" : "non-negative") +
                       " integer (give a list like " + (min >= 1 ? "12,24,48" : "0,1,5") + ")");
    out.push_back(v);
  }
  return out;
}

ComputeConfig compute_from(const Args& a, ComputeConfig c) {
  c.device = a.get("device", c.device);
  c.dtype = a.get("dtype", c.dtype);
  const long long threads = a.get_int("threads", c.threads);
  const long long max_threads = 4 * std::max(1u, std::thread::hardware_concurrency());
  if (threads < 0 || threads > max_threads)
    throw InputError("--threads must be between 0 (LibTorch's default) and " + std::to_string(max_threads) +
                     " (4 × the " + std::to_string(max_threads / 4) + " cores of this machine), got " +
                     std::to_string(threads));
  c.threads = static_cast<int>(threads);
  c.seed = a.get_seed("seed", c.seed);
  if (a.has("memory-budget")) {
    c.memory_budget = parse_bytes(a.get("memory-budget"), "--memory-budget");
    // A budget past the machine's memory lets an exact method start and then fail in the allocator.
    const int64_t physical = physical_memory_bytes();
    if (physical > 0 && c.memory_budget > physical && dist::world().rank() == 0)
      warnings() << "tangentscope-cli: warning: --memory-budget " << a.get("memory-budget")
                 << " is more than this machine's " << format_bytes(double(physical))
                 << " of memory: a computation that fits the budget may still run out of memory\n";
  }
  if (a.has("product-batch")) {
    const long long batch = a.get_int("product-batch", -1);
    if (batch < 0 || batch > 4096)
      throw InputError("--product-batch must be between 0 (one vector at a time) and 4096, got " +
                       std::to_string(batch));
    c.product_batch = static_cast<int>(batch);
  }
  if (a.takes("distribute")) {
    c.distribute = a.get("distribute", c.distribute);
    if (c.distribute != "products" && c.distribute != "batch")
      throw InputError("--distribute must be products or batch, got '" + c.distribute + "'");
  }
  return c;
}

ProblemSpec problem_from(const Args& a) {
  ProblemSpec p;  // without --model/--data: the default problem (digits with a built-in MLP)
  p.model = a.get("model", p.model);
  if (a.takes("model-b")) p.model_b = a.get("model-b");
  p.data = a.get("data", p.data);
  p.input_shape = a.get("input-shape");
  p.output = a.get("output");
  p.params = a.get("params", p.params);
  p.jvp = a.get("jvp", p.jvp);
  if (a.takes("kernel")) p.kernel = a.get("kernel", p.kernel);
  p.compute = compute_from(a);
  return p;
}

TrainOptions training_from(const Args& a, TrainOptions o) {
  const long long epochs = a.get_int("epochs", o.epochs);
  if (epochs < 0 || epochs > 1000000)
    throw InputError("--epochs must be between 0 and 1000000, got " + std::to_string(epochs));
  o.epochs = static_cast<int>(epochs);
  o.batch_size = a.get_int("batch-size", o.batch_size, 1, kMaxCount);
  if (o.batch_size < 1)
    throw InputError("--batch-size must be at least 1, got " + std::to_string(o.batch_size));
  o.lr = a.get_double("lr", o.lr);
  if (!(o.lr > 0) || !std::isfinite(o.lr))
    throw InputError("--lr must be a positive number, got " + a.get("lr"));
  o.optimizer = a.get("optimizer", o.optimizer);
  o.loss = a.get("loss", o.loss);
  o.momentum = a.get_double("momentum", o.momentum);
  if (!(o.momentum >= 0 && o.momentum < 1))
    throw InputError("--momentum must be at least 0 and below 1, got " + a.get("momentum"));
  o.weight_decay = a.get_double("weight-decay", o.weight_decay);
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay))
    throw InputError("--weight-decay must be a number ≥ 0, got " + a.get("weight-decay"));
  if (a.takes("schedule")) o.schedule = a.get("schedule", o.schedule);
  if (o.schedule != "constant" && o.schedule != "one-cycle")
    throw InputError("--schedule must be constant or one-cycle, got '" + o.schedule + "'");
  return o;
}

EstimatorOptions estimator_from(const Args& a) {
  EstimatorOptions o;
  o.method = a.get("estimator", o.method);  // defaults: resources/presets/defaults.json
  const long long kMax = 10000000;          // test vectors are held in memory in blocks; more is never useful
  o.matvecs = a.get_int("matvecs", o.matvecs);
  if (o.matvecs < 1 || o.matvecs > kMax)
    throw InputError("--matvecs must be between 1 and " + std::to_string(kMax) + ", got " +
                     std::to_string(o.matvecs));
  o.tol = a.get_double("tol", 0);
  o.max_matvecs = a.get_int("max-matvecs", std::max<long long>(o.max_matvecs, o.matvecs));
  if (o.max_matvecs < 1 || o.max_matvecs > kMax)
    throw InputError("--max-matvecs must be between 1 and " + std::to_string(kMax) + ", got " +
                     std::to_string(o.max_matvecs));
  o.seed = a.get_seed("seed", 0);
  o.block = a.get_int("block", o.block, 1, 1000000);
  o.record_history = a.flag("history");
  const std::string probes = a.get("probes", "rademacher");
  if (probes == "gaussian")
    o.probes = ProbeDistribution::Gaussian;
  else if (probes != "rademacher")
    throw InputError("--probes must be rademacher or gaussian, got '" + probes + "'");
  const std::string split = a.get("split", "thirds");
  if (split == "seed")
    o.split = HutchppSplit::Seed;
  else if (split != "thirds")
    throw InputError("--split must be thirds or seed, got '" + split + "'");
  if (o.block < 1) throw InputError("--block must be at least 1");
  if (!(o.tol >= 0) || !std::isfinite(o.tol))
    throw InputError("--tol must be a relative error ≥ 0 (0: a fixed budget), got " + a.get("tol"));
  return o;
}

std::string fmt(double v) { return format_number(v, 10); }

namespace {

int cmd_trace(const Args& a, std::ostream& out) {
  TraceRequest job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  job.compare_exact = a.flag("exact");
  const long long repeats = a.get_int("repeats", 1);
  if (repeats < 1 || repeats > 100000)
    throw InputError("--repeats must be between 1 and 100000, got " + std::to_string(repeats));
  job.repeats = static_cast<int>(repeats);
  const TraceResult r = run_trace_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
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
  MetricsRequest job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  if (!a.has("estimator") && a.flag("exact")) job.estimator.method = "exact";
  job.compare_exact = a.flag("exact");
  job.trace_per_input = a.flag("trace-per-input");
  job.metrics = split_list(a.get("metrics", "trace,frobenius,effective_rank"));
  const MetricsResult r = run_metrics_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << "d = " << r.d << ", P = " << r.params << "\n";
  for (const auto& m : r.metrics) {
    out << "  " << m.name << " = " << fmt(m.value);
    if (m.std_error)
      out << " ± " << fmt(*m.std_error);
    else if (m.method != "exact")
      out << " (no error bar: too few probes)";
    out << "  [" << m.method << ", " << fmt(m.seconds) << " s]";
    if (m.exact) out << "  exact " << fmt(*m.exact) << ", rel error " << fmt(m.rel_error.value_or(NAN));
    out << "\n";
  }
  return 0;
}

int cmd_compare(const Args& a, std::ostream& out) {
  CompareRequest job;
  job.problem = problem_from(a);
  job.estimator = estimator_from(a);
  if (a.has("methods")) job.methods = split_list(a.get("methods"));
  job.exact = a.flag("exact");
  job.sweep_repeats = static_cast<int>(a.get_int("repeats", 1, 1, 100000));
  if (a.has("budgets")) job.sweep_budgets = int_list(a, "budgets");
  const CompareResult r = run_compare_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << "d = " << r.d << ", P = " << r.params;
  if (r.exact)
    out << ", exact tr K = " << fmt(*r.exact) << " (" << fmt(r.exact_seconds.value_or(NAN)) << " s)";
  out << "\n";
  for (const auto& run : r.runs) {
    const TraceEstimate& e = run.estimate;
    out << "  " << e.method << ": " << fmt(e.estimate);
    if (e.std_error) out << " ± " << fmt(*e.std_error);
    out << " in " << fmt(e.seconds) << " s";
    if (run.rel_error) out << ", relative error " << fmt(*run.rel_error);
    out << "\n";
  }
  return 0;
}

int cmd_spectrum(const Args& a, std::ostream& out) {
  const long long top = a.get_int("top", 20, 0, kMaxCount);
  const SpectrumResult r = run_spectrum_job({problem_from(a), top}, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << r.kernel << ": d = " << r.d << ", P = " << r.params;
  if (r.trace) out << ", tr K = " << fmt(*r.trace) << ", ‖K‖_F = " << fmt(r.frobenius.value_or(NAN));
  out << " (" << fmt(r.seconds) << " s)\n  eigenvalues:";
  for (double v : r.eigenvalues) out << " " << fmt(v);
  out << "\n";
  return 0;
}

int cmd_kernel(const Args& a, std::ostream& out) {
  KernelRequest job;
  job.problem = problem_from(a);
  job.data_b = a.get("data-b");
  job.out = a.get("out");
  job.factor_out = a.get("factor-out");
  job.apply = a.get("apply");
  job.blocks_out = a.get("blocks-out");
  job.groups = a.get("groups");
  job.eig_out = a.get("eig-out");
  job.eig_top = a.get_int("top", 20, 1, kMaxCount);
  job.eig_method = a.get("eig-method", "auto");
  job.eig_max_matvecs = a.get_int("max-matvecs", 0, 0, kMaxCount);
  job.eig_tol = a.get_double("eig-tol", 0.0);
  job.block = a.get_int("block", job.block, 1, 4096);
  const KernelResult r = run_kernel_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << job.problem.kernel << " kernel " << r.rows << " × " << r.cols << " (P = " << r.params << ")";
  if (r.trace) out << ", trace " << fmt(*r.trace);
  if (r.frobenius) out << ", ‖·‖_F " << fmt(*r.frobenius);
  out << " in " << fmt(r.seconds) << " s (" << r.vjps << " VJPs, " << r.jvps << " JVPs)\n";
  if (!r.eigenvalues.empty()) {
    out << "top eigenvalues (" << r.eig_method;
    if (r.eig_method == "lanczos")
      out << ", " << r.eig_matvecs << " products, " << (r.eig_converged ? "converged" : "NOT converged")
          << " at ‖Kv − λv‖ ≤ " << fmt(r.eig_tol) << "·λ₁";
    out << "):";
    for (double v : r.eigenvalues) out << " " << fmt(v);
    out << "\n";
  }
  for (const auto& f : r.files) out << "wrote " << f << "\n";
  return 0;
}

int cmd_layers(const Args& a, std::ostream& out) {
  LayersRequest job;
  job.problem = problem_from(a);
  LayerTraceOptions& o = job.options;
  o.method = a.get("estimator", o.method);      // the choices: layers' entry of catalog/CommandCatalog.cpp
  o.matvecs = a.get_int("matvecs", o.matvecs);  // 3 to 10^7: checked by the parser (its catalog)
  const std::string probes = a.get("probes", "rademacher");
  if (probes != "rademacher" && probes != "gaussian")
    throw InputError("--probes must be rademacher or gaussian, got '" + probes + "'");
  o.probes = probes == "gaussian" ? ProbeDistribution::Gaussian : ProbeDistribution::Rademacher;
  o.seed = a.get_seed("seed", 0);
  o.block = a.get_int("block", o.block, 1, 1000000);
  o.groups = a.get("groups");
  o.compare_exact = a.flag("exact");
  const LayersResult r = run_layers_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  const LayerTraces& t = r.traces;
  out << "d = " << r.d << ", P = " << r.params << "; tr K ≈ " << fmt(t.total);
  if (t.total_std_error) out << " ± " << fmt(*t.total_std_error);
  out << " (" << t.method << ", " << t.matvecs << " test vectors, " << t.vjps << " VJPs, " << t.jvps
      << " JVPs, " << fmt(t.seconds) << " s)";
  if (t.exact_total) out << "; exact " << fmt(*t.exact_total);
  out << "\n";
  if (!t.exact_note.empty()) out << "  " << t.exact_note << "\n";
  for (const auto& l : t.layers) {
    out << "  " << l.name << " (" << l.size << " parameters): tr K_g ≈ " << fmt(l.trace);
    if (l.std_error && *l.std_error > 0) out << " ± " << fmt(*l.std_error);
    out << ", " << fmt(100 * l.share) << "% of tr K";
    if (l.exact) out << "; exact " << fmt(*l.exact);
    if (l.effective_rank) out << ", r_eff " << fmt(*l.effective_rank);
    if (l.alignment) out << ", cos(K_g, K) " << fmt(*l.alignment);
    out << "\n";
  }
  return 0;
}

int cmd_info(const Args& a, std::ostream& out) {
  ProblemSpec p;
  if (!a.has("model")) throw InputError("--model SPEC is required");
  p.model = a.get("model");
  p.input_shape = a.get("input-shape");
  p.output = a.get("output");
  p.params = a.get("params", "all");
  p.compute = compute_from(a);
  if (a.has("data")) {
    p.data = a.get("data");
  } else {
    // One random input of the model's own shape is enough to report d per input.
    p.data = "random:n=1";
  }
  const ProblemSummary j = describe_problem(p);
  if (a.flag("json")) {
    out << json_text(to_json(j)) << "\n";
    return 0;
  }
  out << j.model << " (" << j.kind << ")\n  input [" << j.input_shape << "]"
      << (j.input_dtype == "float" ? "" : " " + j.input_dtype)
      << (j.input_range.size() == 2
              ? " in [" + std::to_string(j.input_range[0]) + ", " + std::to_string(j.input_range[1]) + ")"
              : "")
      << " → output [" << j.output_shape << "]\n  P = " << fmt(double(j.params)) << " of "
      << fmt(double(j.params_total)) << " parameters (" << fmt(double(j.params_total - j.params_frozen))
      << " trainable, " << fmt(double(j.params_frozen)) << " frozen), d = " << fmt(double(j.d)) << " on "
      << j.data << "\n";
  for (const auto& n : j.notes) out << "  " << n << "\n";
  if (!j.class_names.empty()) {
    out << "  classes:";
    for (const auto& c : j.class_names) out << " " << c;
    out << "\n";
  }
  for (const auto& l : j.layers) out << "  " << l << "\n";
  out << "  parameters:\n";
  for (const auto& l : j.parameters) out << "    " << l << "\n";
  return 0;
}

int cmd_export(const Args& a, std::ostream& out) {
  if (!a.has("out")) throw InputError("--out FILE.pt is required");
  std::vector<int64_t> shape;
  if (a.has("input-shape")) shape = parse_shape(a.get("input-shape"), "--input-shape");
  auto model = make_model(a.get("model"), shape, compute_from(a), "all", a.get("output"));
  const std::string path = a.get("out");
  model->save_torchscript(
      path);  // atomic: no half-written file under the real name, an earlier file kept on failure
  out << "wrote " << path << " (" << model->num_parameters() << " parameters, input ["
      << shape_to_string(model->input_shape()) << "])\n";
  return 0;
}

int run_command(const std::string& cmd, const std::string& sub, const Args& a, std::ostream& out,
                std::ostream& err) {
  if (cmd == "trace") return cmd_trace(a, out);
  if (cmd == "metrics") return cmd_metrics(a, out);
  if (cmd == "info") return cmd_info(a, out);
  if (cmd == "spectrum") return cmd_spectrum(a, out);
  if (cmd == "layers") return cmd_layers(a, out);
  if (cmd == "kernel") return cmd_kernel(a, out);
  if (cmd == "compare") return cmd_compare(a, out);
  if (cmd == "pntk") return cmd_pntk(a, out);
  if (cmd == "hessian") return cmd_hessian(a, out);
  if (cmd == "al") return cmd_al(a, out);
  if (cmd == "train") return cmd_train(a, out, false);
  if (cmd == "dynamics") return cmd_train(a, out, true);
  if (cmd == "export") return cmd_export(a, out);
  if (cmd == "watch") return cmd_watch(a, out);
  if (cmd == "bench") return cmd_bench(sub, a, out, err);
  throw InputError("unknown command '" + cmd +
                   "' (trace, compare, metrics, spectrum, pntk, hessian, al, train, dynamics, watch, info, "
                   "export, bench, help)");
}

}  // namespace

namespace {
// Joins the other ranks when torchrun (or launch) started this process as one of several (a signal ends
// the wait), and checks that every rank was given the same command line.
void join_ranks(const std::vector<std::string>& args) {
  if (dist::world().size() == 1) {  // else joined by an earlier run() in this process
    const dist::WorldConfig c = dist::config_from_environment();
    if (c.size > 1) dist::join(c, &g_cancel);
  }
  dist::require_same_command(args);
}

// "tangentscope-cli: error: rank r of R: …" under several ranks; the message may already name its rank.
std::string with_rank(const std::string& msg) {
  return msg.rfind("rank ", 0) == 0 ? msg : dist::rank_prefix() + msg;
}
}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out_all, std::ostream& err) {
  std::ostream null_out(nullptr);  // ranks other than 0 print nothing: rank 0 has the same result
  struct WarningsTo {              // the stream outlives no run: reset on every way out
    explicit WarningsTo(std::ostream* s) { g_warnings = s; }
    ~WarningsTo() { g_warnings = nullptr; }
  } warnings_to(&err);
  try {
    if (!args.empty() && args[0] == "launch") return cmd_launch(args, out_all, err);
    join_ranks(args);
    std::ostream& out = dist::world().rank() == 0 ? out_all : null_out;
    const ParsedCommand parsed = parse_command_line(args);
    if (parsed.help) {
      (parsed.help_exit_code == 0 ? out : err) << *parsed.help;
      return parsed.help_exit_code;
    }
    const std::string& cmd = parsed.command;
    const std::string& sub = parsed.benchmark;
    const Args& a = *parsed.args;
    // Benchmarks that do not poll the cancel token end at once on a signal (they write no files).
    if (cmd == "bench" && sub != "pntk-width") {
      std::signal(SIGINT, SIG_DFL);
      std::signal(SIGTERM, SIG_DFL);
    }
    const int code = run_command(cmd, sub, a, out, err);
    if (code == 0) dist::world().barrier();  // every rank has finished: none ends while another still sends
    if (code == 0 && g_signal != 0) {        // the signal came after the last check: the output is complete
      err << "tangentscope-cli: interrupted by " << (g_signal == SIGTERM ? "SIGTERM" : "SIGINT")
          << " after the run had finished (its output is complete)\n";
      return 128 + static_cast<int>(g_signal);
    }
    return code;
  } catch (const Cancelled&) {
    // 128 + the signal's number, as shells report it: 130 for SIGINT (Ctrl+C), 143 for SIGTERM.
    const int sig = g_signal != 0 ? static_cast<int>(g_signal) : SIGINT;
    err << "tangentscope-cli: " << dist::rank_prefix() << "cancelled by "
        << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << "; no partial output was left\n";
    return 128 + sig;
  } catch (const std::exception& e) {
    err << "tangentscope-cli: error: " << with_rank(error_text(e)) << "\n";
    return 1;
  }
}

}  // namespace ts::cli
