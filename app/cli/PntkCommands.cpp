// tangentscope-cli pntk / hessian and the benchmarks pntk-width and pntk-speed (docs/MATH.md §6; Mohamadi,
// Bae, Sutherland, ICML 2023).
#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>

#include "CliCommon.h"
#include "analysis/SlopeFit.h"
#include "core/Errors.h"
#include "jobs/PntkJobs.h"

namespace ts::cli {

namespace {

std::string mib(double bytes) {
  if (bytes < 0) return "n/a";
  std::ostringstream s;
  s.precision(3);
  s << bytes / double(1 << 20) << " MiB";
  return s.str();
}

// Training defaults here: no epochs unless asked, and the given loss.
TrainOptions training_defaults(const std::string& loss) {
  TrainOptions o;
  o.epochs = 0;
  o.loss = loss;
  return o;
}

void print_width_fits(const Json& r, std::ostream& out) {
  for (const auto& f : r.at("fits").items()) {
    out << "  " << f.at("stage").string() << ", " << f.at("error").string();
    if (f.at("min_width").number() > 0) out << " (widths ≥ " << f.at("min_width").number() << ")";
    out << ": slope " << fmt(f.at("slope").number()) << " (95% CI " << fmt(f.at("ci_low").number()) << " … "
        << fmt(f.at("ci_high").number()) << ", " << f.at("points").number() << " models)";
    if (f.contains("seed_slope_mean"))
      out << "; per-seed slopes " << fmt(f.at("seed_slope_mean").number()) << " ± "
          << fmt(f.at("seed_slope_sd").number());
    out << "\n";
  }
}

}  // namespace

int cmd_pntk(const Args& a, std::ostream& out) {
  PntkJob job;
  job.problem = problem_from(a);
  job.variant = a.get("variant", "sum");
  job.compare = a.flag("compare");
  job.heldout = a.get_int("heldout", -1, 0, kMaxCount);
  job.ridge = a.get_double("ridge", 1e-3);
  if (!(job.ridge >= 0) || !std::isfinite(job.ridge))
    throw InputError("--ridge must be a number ≥ 0 (relative to the mean diagonal of the kernel), got " +
                     a.get("ridge"));
  const Json r = run_pntk_job(job, cli_control());
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  out << "pNTK (" << r.at("variant").string() << "): N = " << r.at("N").number()
      << ", O = " << r.at("outputs").number() << ", tr = " << fmt(r.at("trace").number())
      << ", ‖·‖_F = " << fmt(r.at("frobenius").number()) << ", λ_max = " << fmt(r.at("lambda_max").number())
      << " (" << fmt(r.at("seconds").number()) << " s, peak " << mib(r.at("peak_bytes").number()) << ")\n";
  if (r.contains("rel_frobenius_error")) {
    out << "  against the eNTK: relative Frobenius error " << fmt(r.at("rel_frobenius_error").number())
        << ", relative λ_max error " << fmt(r.at("rel_lambda_max_error").number()) << "; eNTK "
        << fmt(r.at("entk_seconds").number()) << " s, peak " << mib(r.at("entk_peak_bytes").number()) << " ("
        << fmt(r.at("speedup").number()) << "× the pNTK's time)\n";
  }
  if (r.contains("regression")) {
    const Json& g = r.at("regression");
    out << "  kernel regression (" << g.at("n_train").number() << " training, " << g.at("n_heldout").number()
        << " held-out points): relative prediction difference " << fmt(g.at("rel_prediction_error").number())
        << " without ridge, " << fmt(g.at("rel_prediction_error_ridge").number()) << " with ridge "
        << fmt(g.at("ridge").number()) << "; held-out accuracy eNTK "
        << fmt(g.at("heldout_accuracy").number()) << ", pNTK " << fmt(g.at("heldout_accuracy_pntk").number())
        << "\n";
  }
  if (r.contains("entk_note")) out << "  " << r.at("entk_note").string() << "\n";
  if (r.contains("regression_note")) out << "  " << r.at("regression_note").string() << "\n";
  if (r.contains("rel_trace_error"))
    out << "  relative error of O·tr Θ̂ against tr Θ: " << fmt(r.at("rel_trace_error").number()) << "\n";
  return 0;
}

int cmd_hessian(const Args& a, std::ostream& out) {
  HessianJob job;
  job.problem = problem_from(a);
  job.probes = a.get_int("matvecs", 64);
  job.exact = a.flag("exact");
  job.training = training_from(a, training_defaults("mse"));
  job.epochs = job.training.epochs;
  const Json r = run_hessian_job(job, cli_control());
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  out << "loss Hessian trace, MSE, N = " << r.at("N").number() << ", O = " << r.at("outputs").number()
      << ", P = " << r.at("params").number() << "\n";
  for (const auto& s : r.at("stages").items()) {
    out << "  " << s.at("stage").string() << " (loss " << fmt(s.at("loss").number()) << "): Hutchinson "
        << fmt(s.at("hutchinson").number()) << " ± " << fmt(s.at("hutchinson_std_error").number()) << " ("
        << s.at("hutchinson_probes").number() << " HVPs, " << fmt(s.at("hutchinson_seconds").number())
        << " s)";
    if (s.contains("exact")) out << ", exact " << fmt(s.at("exact").number());
    out << "; Gauss–Newton (1/N)·tr Θ " << fmt(s.at("gauss_newton").number()) << "; pNTK (O/N)·tr Θ̂ "
        << fmt(s.at("pntk_approximation").number()) << " (" << fmt(s.at("pntk_seconds").number())
        << " s; relative error " << fmt(s.at("rel_error_pntk").number()) << " against the "
        << s.at("reference").string() << ")\n";
  }
  return 0;
}

int cmd_bench_pntk_width(const Args& a, std::ostream& out, std::ostream& log) {
  PntkWidthJob job;
  job.compute = compute_from(a);
  if (!a.has("memory-budget")) job.compute.memory_budget = int64_t(8) << 30;
  job.data = a.get("data", "digits");
  job.batch = a.get_int("batch", job.batch, 2, kMaxCount);
  job.heldout = a.get_int("heldout", job.heldout, 0, kMaxCount);
  if (a.has("widths")) {
    job.widths.clear();
    job.widths = int_list(a, "widths");
  }
  job.depth = a.get_int("depth", job.depth, 2, 1000);
  job.seeds = static_cast<int>(a.get_int("seeds", job.seeds, 1, 1000000));
  job.ridge = a.get_double("ridge", job.ridge);
  if (!(job.ridge >= 0) || !std::isfinite(job.ridge))
    throw InputError("--ridge must be a number ≥ 0 (relative to the mean diagonal of the kernel), got " +
                     a.get("ridge"));
  job.train_n = a.get_int("train-n", job.train_n, 1, kMaxCount);
  job.fit_min_width = a.get_int("fit-min-width", job.fit_min_width, 1, kMaxCount);
  job.training = training_from(a, training_defaults("cross_entropy"));
  const std::string base = a.get("out");
  if (base.empty()) throw InputError("--out DIR is required (width.csv and width.json per parameterisation)");
  Json all = Json::object();
  for (const auto& param : split_list(a.get("param", "standard,ntk"))) {
    job.param = param;
    // The trained stage is for the standard parameterisation, as in Mohamadi, Bae and Sutherland's paper; NTK
    // is the contrast at init.
    job.epochs = param == "standard" ? static_cast<int>(a.get_int("epochs", 3, 0, 1000000)) : 0;
    job.out_dir = base + "/" + param;
    RunControl rc = cli_control();
    rc.progress = [&](const Progress& p) {
      log << "  [" << p.done << "/" << p.total << "] " << p.stage << "\n" << std::flush;
    };
    log << "width experiment, " << param << " parameterisation\n";
    const Json r = run_pntk_width_job(job, rc);
    all[param] = r;
    if (!a.flag("json")) {
      out << param << " parameterisation (" << r.at("points").items().size() << " models; " << job.out_dir
          << ")\n";
      print_width_fits(r, out);
    }
  }
  if (a.flag("json")) out << all.dump() << "\n";
  return 0;
}

int cmd_bench_pntk_speed(const Args& a, std::ostream& out, std::ostream& log) {
  const int64_t n = a.get_int("n", 50, 1, kMaxCount), width = a.get_int("width", 128, 1, kMaxCount),
                repeats = a.get_int("repeats", 3, 1, 100000);
  std::vector<int64_t> outputs;
  outputs = int_list(a, "outputs", "10,100");
  Json rows = Json::array();
  for (int64_t o : outputs) {
    PntkJob job;
    job.problem.compute = compute_from(a);
    if (!a.has("memory-budget")) job.problem.compute.memory_budget = int64_t(12) << 30;
    job.problem.model = a.get("workload-model", "mlp:in=64,width=" + std::to_string(width) +
                                                    ",depth=3,out=" + std::to_string(o) + ",seed=0");
    job.problem.data = a.get("workload-data", "digits:n=" + std::to_string(n));
    job.compare = true;
    std::vector<double> tp, te;
    Json last;
    for (int64_t r = 0; r < repeats; ++r) {
      log << "  O = " << o << ", repeat " << r + 1 << "/" << repeats << "\n" << std::flush;
      last = run_pntk_job(job, cli_control());
      tp.push_back(last.at("seconds").number());
      te.push_back(last.at("entk_seconds").number());
    }
    std::sort(tp.begin(), tp.end());
    std::sort(te.begin(), te.end());
    Json row = Json::object();
    row["outputs"] = o;
    row["N"] = last.at("N");
    row["params"] = last.at("params");
    row["pntk_seconds_median"] = tp[tp.size() / 2];
    row["entk_seconds_median"] = te[te.size() / 2];
    row["time_ratio"] = te[te.size() / 2] / tp[tp.size() / 2];
    row["pntk_kernel_bytes"] = last.at("kernel_bytes");
    row["entk_kernel_bytes"] = last.at("entk_kernel_bytes");
    row["kernel_memory_ratio"] = last.at("entk_kernel_bytes").number() / last.at("kernel_bytes").number();
    row["pntk_peak_bytes"] = last.at("peak_bytes");
    row["entk_peak_bytes"] = last.at("entk_peak_bytes");
    row["peak_memory_ratio"] =
        last.at("entk_peak_bytes").number() / std::max(1.0, last.at("peak_bytes").number());
    row["rel_frobenius_error"] = last.at("rel_frobenius_error");
    row["rel_lambda_max_error"] = last.at("rel_lambda_max_error");
    row["config"] = last.at("config");
    rows.push_back(row);
  }
  Json r = Json::object();
  r["benchmark"] = "pntk-speed";
  r["repeats"] = repeats;
  r["rows"] = rows;
  if (a.flag("json")) {
    out << r.dump() << "\n";
    return 0;
  }
  for (const auto& row : rows.items())
    out << "O = " << row.at("outputs").number() << " (N = " << row.at("N").number()
        << ", P = " << row.at("params").number() << "): pNTK " << fmt(row.at("pntk_seconds_median").number())
        << " s, eNTK " << fmt(row.at("entk_seconds_median").number()) << " s ("
        << fmt(row.at("time_ratio").number()) << "×); kernel " << mib(row.at("pntk_kernel_bytes").number())
        << " vs " << mib(row.at("entk_kernel_bytes").number()) << " ("
        << fmt(row.at("kernel_memory_ratio").number()) << "×); peak "
        << mib(row.at("pntk_peak_bytes").number()) << " vs " << mib(row.at("entk_peak_bytes").number())
        << " (" << fmt(row.at("peak_memory_ratio").number()) << "×); rel. Frobenius error "
        << fmt(row.at("rel_frobenius_error").number()) << "\n";
  return 0;
}

}  // namespace ts::cli
