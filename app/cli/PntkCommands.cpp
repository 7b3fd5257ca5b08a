// tangentscope-cli pntk / hessian and the benchmarks pntk-width and pntk-speed (docs/MATH.md §6; Mohamadi,
// Bae, Sutherland, ICML 2023).
#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>
#include <sstream>

#include "CliCommon.h"
#include "PntkBenchOptions.h"
#include "RunInfo.h"
#include "core/Errors.h"
#include "core/SlopeFit.h"
#include "jobs/HessianJob.h"
#include "jobs/PntkJob.h"
#include "jobs/PntkWidthJob.h"
#include "results/ResultJson.h"

namespace ts::cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

void print_width_fits(const PntkWidthResult& r, std::ostream& out) {
  for (const auto& f : r.fits) {
    out << "  " << f.stage << ", " << f.error;
    if (f.min_width > 0) out << " (widths ≥ " << f.min_width << ")";
    out << ": slope " << fmt(f.fit.slope) << " (95% CI " << fmt(f.fit.ci_low) << " … " << fmt(f.fit.ci_high)
        << ", " << f.fit.points << " models)";
    if (f.seed_slope_mean && f.seed_slope_sd)
      out << "; per-seed slopes " << fmt(*f.seed_slope_mean) << " ± " << fmt(*f.seed_slope_sd);
    out << "\n";
  }
}

}  // namespace

int cmd_pntk(const Args& a, std::ostream& out) {
  PntkRequest job;
  job.problem = problem_from(a);
  job.variant = a.get("variant", "sum");
  job.compare = a.flag("compare");
  job.heldout = a.get_int("heldout", -1, 0, kMaxCount);
  job.ridge = a.get_double("ridge", job.ridge);
  if (!(job.ridge >= 0) || !std::isfinite(job.ridge))
    throw InputError("--ridge must be a number ≥ 0 (relative to the mean diagonal of the kernel), got " +
                     a.get("ridge"));
  const PntkResult r = run_pntk_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << "pNTK (" << r.variant << "): N = " << r.N << ", O = " << r.outputs << ", tr = " << fmt(r.trace)
      << ", ‖·‖_F = " << fmt(r.frobenius) << ", λ_max = " << fmt(r.lambda_max) << " (" << fmt(r.seconds)
      << " s, peak " << mib(double(r.peak_bytes)) << ")\n";
  if (r.rel_frobenius_error) {
    out << "  against the eNTK: relative Frobenius error " << fmt(*r.rel_frobenius_error)
        << ", relative λ_max error " << fmt(r.rel_lambda_max_error.value_or(kNaN)) << "; eNTK "
        << fmt(r.entk_seconds.value_or(kNaN)) << " s, peak " << mib(double(r.entk_peak_bytes.value_or(-1)))
        << " (" << fmt(r.speedup.value_or(kNaN)) << "× the pNTK's time)\n";
  }
  if (r.regression) {
    const PntkRegression& g = *r.regression;
    out << "  kernel regression (" << g.n_train << " training, " << g.n_heldout
        << " held-out points): relative prediction difference " << fmt(g.rel_prediction_error)
        << " without ridge, " << fmt(g.rel_prediction_error_ridge) << " with ridge " << fmt(g.ridge)
        << "; held-out accuracy eNTK " << fmt(g.heldout_accuracy) << ", pNTK " << fmt(g.heldout_accuracy_pntk)
        << "\n";
  }
  if (r.entk_note) out << "  " << *r.entk_note << "\n";
  if (r.regression_note) out << "  " << *r.regression_note << "\n";
  if (r.rel_trace_error)
    out << "  relative error of O·tr Θ̂ against tr Θ: " << fmt(*r.rel_trace_error) << "\n";
  return 0;
}

int cmd_hessian(const Args& a, std::ostream& out) {
  HessianRequest job;
  job.problem = problem_from(a);
  job.probes = a.get_int("matvecs", 64);
  job.exact = a.flag("exact");
  job.training = training_from(a, training_defaults("mse"));
  job.epochs = job.training.epochs;
  const HessianResult r = run_hessian_job(job, cli_control());
  if (a.flag("json")) {
    out << json_text(to_json(r)) << "\n";
    return 0;
  }
  out << "loss Hessian trace, MSE, N = " << r.N << ", O = " << r.outputs << ", P = " << r.params << "\n";
  for (const auto& s : r.stages) {
    out << "  " << s.stage << " (loss " << fmt(s.loss) << "): Hutchinson " << fmt(s.hutchinson) << " ± "
        << fmt(s.hutchinson_std_error) << " (" << s.hutchinson_probes << " HVPs, "
        << fmt(s.hutchinson_seconds) << " s)";
    if (s.exact) out << ", exact " << fmt(*s.exact);
    out << "; Gauss–Newton (1/N)·tr Θ " << fmt(s.gauss_newton) << "; pNTK (O/N)·tr Θ̂ "
        << fmt(s.pntk_approximation) << " (" << fmt(s.pntk_seconds) << " s; relative error "
        << fmt(s.rel_error_pntk) << " against the " << s.reference << ")\n";
  }
  return 0;
}

bench::PntkWidthBenchOptions pntk_width_options(const Args& a) {
  bench::PntkWidthBenchOptions o;
  PntkWidthRequest& job = o.job;
  job.compute = compute_from(a, job.compute);
  job.data = a.get("data", job.data);
  job.batch = a.get_int("batch", job.batch, 2, kMaxCount);
  job.heldout = a.get_int("heldout", job.heldout, 0, kMaxCount);
  if (a.has("widths")) job.widths = int_list(a, "widths");
  job.depth = a.get_int("depth", job.depth, 2, 1000);
  job.seeds = static_cast<int>(a.get_int("seeds", job.seeds, 1, 1000000));
  job.ridge = a.get_double("ridge", job.ridge);
  if (!(job.ridge >= 0) || !std::isfinite(job.ridge))
    throw InputError("--ridge must be a number ≥ 0 (relative to the mean diagonal of the kernel), got " +
                     a.get("ridge"));
  job.train_n = a.get_int("train-n", job.train_n, 1, kMaxCount);
  job.fit_min_width = a.get_int("fit-min-width", job.fit_min_width, 1, kMaxCount);
  job.training = training_from(a, job.training);
  if (a.has("epochs")) o.epochs = job.training.epochs;
  job.training.epochs = 0;  // the request's `epochs` is the trained stage's (o.epochs, standard only)
  if (a.has("param")) o.params = split_list(a.get("param"));
  return o;
}

int cmd_bench_pntk_width(const Args& a, std::ostream& out, std::ostream& log) {
  const bench::PntkWidthBenchOptions o = pntk_width_options(a);
  PntkWidthRequest job = o.job;
  const std::string base = a.get("out");
  if (base.empty()) throw InputError("--out DIR is required (width.csv and width.json per parameterisation)");
  Json all = Json::object();
  bench::add_run_info(all);
  for (const auto& param : o.params) {
    job.param = param;
    // The trained stage is for the standard parameterisation, as in Mohamadi, Bae and Sutherland's paper; NTK
    // is the contrast at init.
    job.epochs = param == "standard" ? o.epochs : 0;
    job.out_dir = base + "/" + param;
    RunControl rc = cli_control();
    rc.progress = [&](const Progress& p) {
      log << "  [" << p.done << "/" << p.total << "] " << p.stage << "\n" << std::flush;
    };
    log << "width experiment, " << param << " parameterisation\n";
    const PntkWidthResult r = run_pntk_width_job(job, rc);
    all[param] = to_json(r);
    if (!a.flag("json")) {
      out << param << " parameterisation (" << r.points.size() << " models; " << job.out_dir << ")\n";
      print_width_fits(r, out);
    }
  }
  if (a.flag("json")) out << json_text(all) << "\n";
  return 0;
}

bench::PntkSpeedBenchOptions pntk_speed_options(const Args& a) {
  bench::PntkSpeedBenchOptions o;
  o.n = a.get_int("n", o.n, 1, kMaxCount);
  o.width = a.get_int("width", o.width, 1, kMaxCount);
  o.repeats = a.get_int("repeats", o.repeats, 1, 100000);
  if (a.has("outputs")) o.outputs = int_list(a, "outputs");
  o.compute = compute_from(a, o.compute);
  o.model = a.get("workload-model", o.model);
  o.data = a.get("workload-data", o.data);
  return o;
}

int cmd_bench_pntk_speed(const Args& a, std::ostream& out, std::ostream& log) {
  const bench::PntkSpeedBenchOptions options = pntk_speed_options(a);
  const int64_t repeats = options.repeats;
  Json rows = Json::array();
  for (int64_t o : options.outputs) {
    PntkRequest job;
    job.problem.compute = options.compute;
    job.problem.model = !options.model.empty() ? options.model
                                               : "mlp:in=64,width=" + std::to_string(options.width) +
                                                     ",depth=3,out=" + std::to_string(o) + ",seed=0";
    job.problem.data = !options.data.empty() ? options.data : "digits:n=" + std::to_string(options.n);
    job.compare = true;
    std::vector<double> tp, te;
    PntkResult last;
    for (int64_t r = 0; r < repeats; ++r) {
      log << "  O = " << o << ", repeat " << r + 1 << "/" << repeats << "\n" << std::flush;
      last = run_pntk_job(job, cli_control());
      if (last.entk_note)  // the benchmark compares built kernels
        throw InputError("bench pntk-speed: " + *last.entk_note + " (raise --memory-budget)");
      tp.push_back(last.seconds);
      te.push_back(*last.entk_seconds);
    }
    std::sort(tp.begin(), tp.end());
    std::sort(te.begin(), te.end());
    const Json config = to_json(last).at("config");
    Json row = Json::object();
    row["outputs"] = o;
    row["N"] = last.N;
    row["params"] = last.params;
    row["pntk_seconds_median"] = tp[tp.size() / 2];
    row["entk_seconds_median"] = te[te.size() / 2];
    row["time_ratio"] = te[te.size() / 2] / tp[tp.size() / 2];
    row["pntk_kernel_bytes"] = last.kernel_bytes;
    row["entk_kernel_bytes"] = *last.entk_kernel_bytes;
    row["kernel_memory_ratio"] = double(*last.entk_kernel_bytes) / double(last.kernel_bytes);
    row["pntk_peak_bytes"] = last.peak_bytes;
    row["entk_peak_bytes"] = *last.entk_peak_bytes;
    row["peak_memory_ratio"] = double(*last.entk_peak_bytes) / std::max(1.0, double(last.peak_bytes));
    row["rel_frobenius_error"] = *last.rel_frobenius_error;
    row["rel_lambda_max_error"] = *last.rel_lambda_max_error;
    row["config"] = config;
    rows.push_back(row);
  }
  Json r = Json::object();
  r["benchmark"] = "pntk-speed";
  r["repeats"] = repeats;
  bench::add_run_info(r);
  r["rows"] = rows;
  if (a.flag("json")) {
    out << json_text(r) << "\n";
    return 0;
  }
  // Printed from the rows, so that the text and --json can never disagree.
  for (const auto& row : rows)
    out << "O = " << row.at("outputs").get<int64_t>() << " (N = " << row.at("N").get<int64_t>()
        << ", P = " << row.at("params").get<int64_t>() << "): pNTK "
        << fmt(row.at("pntk_seconds_median").get<double>()) << " s, eNTK "
        << fmt(row.at("entk_seconds_median").get<double>()) << " s ("
        << fmt(row.at("time_ratio").get<double>()) << "×); kernel "
        << mib(row.at("pntk_kernel_bytes").get<double>()) << " vs "
        << mib(row.at("entk_kernel_bytes").get<double>()) << " ("
        << fmt(row.at("kernel_memory_ratio").get<double>()) << "×); peak "
        << mib(row.at("pntk_peak_bytes").get<double>()) << " vs "
        << mib(row.at("entk_peak_bytes").get<double>()) << " ("
        << fmt(row.at("peak_memory_ratio").get<double>()) << "×); rel. Frobenius error "
        << fmt(row.at("rel_frobenius_error").get<double>()) << "\n";
  return 0;
}

}  // namespace ts::cli
