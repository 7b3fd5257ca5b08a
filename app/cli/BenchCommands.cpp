// tangentscope-cli bench NAME: each benchmark's options read over its options struct (bench/*.h), whose
// defaults `bench NAME --help` shows (bench/BenchmarkCatalog.cpp), then its run and report.
#include <algorithm>
#include <ostream>
#include <sstream>
#include <string>

#include "AlRetrainBench.h"
#include "BenchOptionsJson.h"
#include "BlockBench.h"
#include "CliCommon.h"
#include "CommandLine.h"
#include "CoverageBench.h"
#include "DynamicsBench.h"
#include "PntkBenchOptions.h"
#include "RealBench.h"
#include "ScalingBench.h"
#include "SeedBench.h"
#include "active_learning/AlResultJson.h"
#include "core/Errors.h"
#include "dist/Communicator.h"

namespace ts::cli {

namespace {

bench::CoverageBenchOptions calibration_options(const Args& a) {
  bench::CoverageBenchOptions c;
  c.compute = compute_from(a, c.compute);
  c.seeds = static_cast<int>(a.get_int("seeds", c.seeds));  // ranges: the parser checks them (the catalog)
  c.layer_seeds = static_cast<int>(a.get_int("layer-seeds", c.layer_seeds));
  c.per_seed = a.flag("per-seed");
  c.models = a.get("models", c.models);
  if (a.has("kernels")) {  // separated by ';' (a spec NAME=MODEL@DATA has commas of its own)
    c.kernels.clear();
    std::stringstream ss(a.get("kernels"));
    for (std::string k; std::getline(ss, k, ';');)
      if (!k.empty()) c.kernels.push_back(k);
  }
  if (a.has("methods")) c.methods = split_list(a.get("methods"));
  c.fixtures = a.get("fixtures", c.fixtures);
  if (a.has("budgets")) c.budgets = int_list(a, "budgets");
  return c;
}

bench::ScalingBenchOptions scaling_options(const Args& a) {
  bench::ScalingBenchOptions o;
  o.compute = compute_from(a, o.compute);
  o.model = a.get("workload-model", o.model);
  o.data = a.get("workload-data", o.data);
  if (a.has("methods")) o.methods = split_list(a.get("methods"));
  o.matvecs = a.get_int("matvecs", o.matvecs);
  o.repeats = static_cast<int>(a.get_int("repeats", o.repeats, 1, 1000));
  o.exact = !a.flag("no-exact");
  if (a.takes("rounds")) o.rounds = static_cast<int>(a.get_int("rounds", o.rounds, 1, 100));
  if (a.takes("ranks") && a.has("ranks")) {
    o.ranks.clear();
    for (auto r : int_list(a, "ranks")) o.ranks.push_back(static_cast<int>(std::min<int64_t>(r, 64)));
  }
  return o;
}

bench::BlockBenchOptions block_options(const Args& a) {
  bench::BlockBenchOptions o;
  o.compute = compute_from(a, o.compute);
  o.model = a.get("workload-model", o.model);
  o.n = a.get_int("n", o.n);
  if (a.has("blocks")) o.blocks = int_list(a, "blocks");
  for (const int64_t b : o.blocks)
    if (b < 1 || b > 4096) throw InputError("--blocks: " + std::to_string(b) + " is not from 1 to 4096");
  o.vectors = std::max<int64_t>(32, *std::max_element(o.blocks.begin(), o.blocks.end()));
  o.rounds = static_cast<int>(a.get_int("rounds", o.rounds));
  return o;
}

bench::RealBenchOptions real_options(const Args& a) {
  bench::RealBenchOptions o;
  o.compute = compute_from(a, o.compute);
  o.model = a.get("workload-model", o.model);
  if (a.has("batches")) o.batches = int_list(a, "batches");
  o.estimator = a.get("estimator", o.estimator);
  o.target = a.get_double("target", o.target);
  o.max_matvecs = a.get_int("max-matvecs", o.max_matvecs);
  o.exact_limit = a.get_int("baseline-limit", o.exact_limit, 0, kMaxCount);
  o.block = a.get_int("block", o.block);
  o.repeats = a.get_int("repeats", o.repeats, 1, 1000);
  return o;
}

bench::DynamicsBenchOptions dynamics_options(const Args& a) {
  bench::DynamicsBenchOptions d;
  d.compute = compute_from(a, d.compute);
  d.repeats = static_cast<int>(a.get_int("repeats", d.repeats, 1, 100000));
  d.epochs = static_cast<int>(a.get_int("epochs", d.epochs, 0, 1000000));
  d.probe_n = a.get_int("probe-n", d.probe_n, 1, kMaxCount);
  d.train_subset = a.get_int("train-subset", d.train_subset, 0, kMaxCount);
  d.model = a.get("workload-model", d.model);
  d.data = a.get("workload-data", d.data);
  d.test_data = a.get("test-data", d.test_data);
  if (a.has("budgets")) d.budgets = int_list(a, "budgets");
  if (a.has("methods")) d.methods = split_list(a.get("methods"));
  return d;
}

bench::SeedBenchOptions hazelden_options(const std::string& workload, const Args& a) {
  bench::SeedBenchOptions o = bench::hazelden_workload(workload);
  o.compute = compute_from(a, o.compute);
  o.repeats = static_cast<int>(a.get_int("repeats", o.repeats, 1, 100000));
  o.baseline_limit = a.get_int("baseline-limit", o.baseline_limit, 0, kMaxCount);
  o.model = a.get("workload-model", o.model);
  o.data = a.get("workload-data", o.data);
  if (a.has("budgets")) o.budgets = int_list(a, "budgets");
  if (a.has("methods")) o.methods = split_list(a.get("methods"));
  return o;
}

std::string hazelden_workload_of(const std::string& which) {
  if (which == "hazelden-mlp") return "mlp";
  if (which == "hazelden-gru") return "gru";
  std::string names;
  for (const auto& n : benchmark_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError("unknown benchmark '" + which + "' (" + names + ")");
}

// A bench's report: with --json, progress on standard error and one JSON object on standard output; else
// the progress and then the report's text on standard output.
template <class Run, class Format>
int bench_report(const Args& a, std::ostream& out, std::ostream& err, Run&& run, Format&& format) {
  std::ostream& log = a.flag("json") ? err : out;
  const Json r = run(log);
  if (a.flag("json"))
    out << json_text(r) << "\n";
  else
    out << format(r);
  return 0;
}

}  // namespace

Json bench_options(const std::string& which, const Args& a) {
  if (which == "al-retrain") return bench::to_json(al_retrain_options(a));
  if (which == "al-ablation") return to_json(al_ablation_request(a));
  if (which == "pntk-width") return bench::to_json(pntk_width_options(a));
  if (which == "pntk-speed") return bench::to_json(pntk_speed_options(a));
  if (which == "calibration") return bench::to_json(calibration_options(a));
  if (which == "scaling" || which == "scaling-point") return bench::to_json(scaling_options(a));
  if (which == "block-products") return bench::to_json(block_options(a));
  if (which == "real") return bench::to_json(real_options(a));
  if (which == "hazelden-dynamics") return bench::to_json(dynamics_options(a));
  return bench::to_json(hazelden_options(hazelden_workload_of(which), a));
}

int cmd_bench(const std::string& which, const Args& a, std::ostream& out, std::ostream& err) {
  if (which == "al-retrain") return cmd_bench_al_retrain(a, out);
  if (which == "al-ablation") return cmd_bench_al_ablation(a, out, a.flag("json") ? err : out);
  if (which == "pntk-width") return cmd_bench_pntk_width(a, out, a.flag("json") ? err : out);
  if (which == "pntk-speed") return cmd_bench_pntk_speed(a, out, a.flag("json") ? err : out);
  if (which == "calibration") {
    const auto o = calibration_options(a);
    return bench_report(
        a, out, err, [&](std::ostream& log) { return bench::run_coverage_bench(o, log); },
        [](const Json& r) { return bench::format_coverage_bench(r); });
  }
  if (which == "scaling" || which == "scaling-point") {
    const auto o = scaling_options(a);
    std::ostream& log = a.flag("json") ? err : out;
    const Json r = which == "scaling-point"
                       ? bench::run_scaling_point(o, dist::world().rank() == 0 ? log : out)
                       : bench::run_scaling_bench(o, program_path(), log);
    if (a.flag("json"))
      out << json_text(r) << "\n";
    else if (which == "scaling")
      out << bench::format_scaling_bench(r);
    return 0;
  }
  if (which == "block-products") {
    const auto o = block_options(a);
    return bench_report(
        a, out, err, [&](std::ostream& log) { return bench::run_block_bench(o, log); },
        [](const Json& r) { return bench::format_block_bench(r); });
  }
  if (which == "real") {
    const auto o = real_options(a);
    return bench_report(
        a, out, err, [&](std::ostream& log) { return bench::run_real_bench(o, log); },
        [](const Json& r) { return bench::format_real_bench(r); });
  }
  if (which == "hazelden-dynamics") {
    const auto d = dynamics_options(a);
    return bench_report(
        a, out, err, [&](std::ostream& log) { return bench::run_dynamics_bench(d, log); },
        [](const Json& r) { return bench::format_dynamics_bench(r); });
  }
  const auto o = hazelden_options(hazelden_workload_of(which), a);
  return bench_report(
      a, out, err, [&](std::ostream& log) { return bench::run_seed_bench(o, log); },
      [](const Json& r) { return bench::format_seed_bench(r); });
}

}  // namespace ts::cli
