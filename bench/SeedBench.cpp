#include "SeedBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "Quantile.h"
#include "RunInfo.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "io/Spec.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "results/ResultJson.h"

namespace ts::bench {

namespace {

// Block products against one vector at a time, measured in this run on the same vectors: the best of 5
// passes over k VJPs and over k JVPs each way (per vector, forward-mode JVPs of built-in models use their
// replicated forward, the path before block products). Blocks go through autograd and LibTorch's vmap
// ("batched") and, for a built-in MLP, through its explicit products as well ("explicit").
Json product_timings(TangentMap& J, int64_t k, std::ostream& log) {
  const int64_t keep = J.block();
  at::manual_seed(1);
  const at::Tensor U = at::randn({J.state_size(), k}, J.options());
  const at::Tensor W = at::randn({J.param_size(), k}, J.options());
  auto best = [](auto&& f) {
    double t = 1e300;
    for (int r = 0; r < 5; ++r) {
      detail::Stopwatch clock;
      f();
      t = std::min(t, clock.seconds());
    }
    return t;
  };
  Json out = Json::object();
  at::Tensor vjp_ref, jvp_ref, ntk_ref;
  double vjp1 = 0, jvp1 = 0, ntk1 = 0, vjp_vmap = 0, jvp_vmap = 0, ntk_vmap = 0;
  struct Path {
    int64_t block;
    bool explicit_on;
  };
  for (const Path path : {Path{1, false}, Path{keep, false}, Path{keep, true}}) {
    const int64_t block = path.block;
    const bool explicit_on = path.explicit_on;
    J.set_block(block);
    J.set_explicit(explicit_on);
    if (explicit_on && J.vjp_path() != "explicit") break;  // not a built-in MLP
    at::Tensor v, w, kv;
    const double tv = best([&] { v = J.vjp(U); });
    const double tj = best([&] { w = J.jvp(W); });
    const double tk = best([&] { kv = J.kernel_apply(U); });  // K u: fused where kernel_products says so
    Json row = Json::object();
    row["block"] = block;
    row["vjp_path"] = J.vjp_path();
    row["jvp_batching"] = J.jvp_batching();
    row["ms_per_vjp"] = 1e3 * tv / static_cast<double>(k);
    row["ms_per_jvp"] = 1e3 * tj / static_cast<double>(k);
    row["kernel_products"] = J.kernel_path();
    row["ms_per_ntk_matvec"] = 1e3 * tk / static_cast<double>(k);
    if (block == 1) {
      vjp_ref = v, jvp_ref = w, ntk_ref = kv, vjp1 = tv, jvp1 = tj, ntk1 = tk;
      out["per_vector"] = row;
    } else {
      row["vjp_speedup"] = vjp1 / tv;
      row["jvp_speedup"] = jvp1 / tj;
      row["vjp_max_rel_diff"] = ((v - vjp_ref).abs().max() / vjp_ref.abs().max()).item<double>();
      row["jvp_max_rel_diff"] = ((w - jvp_ref).abs().max() / jvp_ref.abs().max()).item<double>();
      row["ntk_matvec_speedup"] = ntk1 / tk;
      row["ntk_matvec_max_rel_diff"] = ((kv - ntk_ref).abs().max() / ntk_ref.abs().max()).item<double>();
      if (explicit_on) {
        row["vjp_speedup_over_batched"] = vjp_vmap / tv;
        row["jvp_speedup_over_batched"] = jvp_vmap / tj;
        row["ntk_matvec_speedup_over_batched"] = ntk_vmap / tk;
        out["explicit"] = row;
      } else {
        vjp_vmap = tv, jvp_vmap = tj, ntk_vmap = tk;
        out["batched"] = row;
      }
    }
    if (block == 1 && keep <= 1) break;
    log << "  " << k << " products, block " << block << ": " << row["ms_per_vjp"].get<double>()
        << " ms per VJP (" << J.vjp_path() << "), " << row["ms_per_jvp"].get<double>() << " ms per JVP ("
        << J.jvp_batching() << "), " << row["ms_per_ntk_matvec"].get<double>() << " ms per K u ("
        << J.kernel_path() << ")\n";
  }
  J.set_block(keep);
  J.set_explicit(true);
  if (!J.batching_fallback().empty()) out["batching_fallback"] = J.batching_fallback();
  return out;
}

}  // namespace

SeedBenchOptions hazelden_workload(const std::string& workload) {
  SeedBenchOptions o;
  o.workload = workload;
  if (workload == "mlp") {
    o.model = "mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu";
    o.data = "random:n=50,shape=100";
  } else if (workload == "gru") {
    o.model = "gru:in=10,hidden=64,steps=15";
    o.data = "random:n=50,shape=15x10";
    o.baseline_limit = 480;  // 1% of the d = 48,000 matvecs, extrapolated
    o.repeats = 5;
  } else {
    throw InputError("unknown workload '" + workload + "' of Hazelden's benchmarks (mlp or gru)");
  }
  return o;
}

Json run_seed_bench(const SeedBenchOptions& o, std::ostream& log) {
  const SeedBenchOptions published = hazelden_workload(o.workload);
  const std::string model_spec = o.model.empty() ? published.model : o.model;
  const std::string data_spec = o.data.empty() ? published.data : o.data;
  apply_threads(o.compute);
  auto model = make_model(model_spec, {}, o.compute);
  const Dataset data = load_data(data_spec, model->input_shape(), o.compute.seed, o.compute.memory_budget,
                                 model->input_type());
  TangentMap J(model, to_model_input(data.inputs, tensor_options(o.compute)));
  if (o.compute.product_batch >= 0) J.set_block(o.compute.product_batch);
  NtkOperator K(J);
  JacobianOperator Jop(J);
  const int64_t d = J.state_size(), P = J.param_size();
  log << "seed-" << o.workload << ": d = " << d << ", P = " << P << ", " << o.compute.dtype << " on "
      << o.compute.device << ", BLAS " << blas_description() << ", block " << J.block() << "\n";
  const Json products = product_timings(J, 96, log);
  // The exact trace one vector at a time as well (the path before block products), in this run.
  double exact_per_vector = 0;
  if (J.block() > 1) {
    const int64_t keep = J.block();
    J.set_block(1);
    exact_per_vector = exact_trace(J).seconds;
    J.set_block(keep);
    log << "  exact trace one vector at a time: " << exact_per_vector << " s\n";
  }

  const ExactTrace best = exact_trace(J);
  log << "  best exact (" << best.method << ", " << best.products << " products): tr K = " << best.value
      << " in " << best.seconds << " s\n";
  const MatvecBaseline base = matvec_baseline(K, o.baseline_limit);
  log << "  published exact baseline (d NTK matvecs): " << base.seconds << " s"
      << (base.complete ? "" : " (extrapolated from " + std::to_string(base.timed) + " matvecs)") << "\n";
  if (base.complete && std::fabs(base.value - best.value) > 1e-6 * std::fabs(best.value) + 1e-9)
    log << "  warning: the d-matvec trace " << base.value << " differs from the exact trace\n";

  Json report = Json::object();
  report["workload"] = o.workload;
  report["model"] = model_spec;
  report["data"] = data_spec;
  report["d"] = d;
  report["params"] = P;
  report["config"] = to_json(o);
  add_run_info(report);
  report["exact_trace"] = best.value;
  report["best_exact_method"] = best.method;
  report["best_exact_seconds"] = best.seconds;
  if (exact_per_vector > 0) report["best_exact_seconds_per_vector"] = exact_per_vector;
  report["products"] = products;
  report["product_batch"] = J.block();
  report["baseline_seconds"] = base.seconds;
  report["baseline_extrapolated"] = !base.complete;
  report["baseline_timed_matvecs"] = base.timed;

  Json rows = Json::array();
  // Per method: for each accuracy level, the fastest budget whose median error reaches it.
  const std::vector<double> levels{1e-2, 1e-3, 1e-4};
  Json summary = Json::array();
  for (const auto& method : o.methods) {
    std::vector<std::pair<double, double>> curve;  // (median seconds, median rel error) per budget
    std::vector<int64_t> curve_budget;
    for (int64_t m : o.budgets) {
      EstimatorOptions eo;
      eo.method = method == "hutchpp-seed" ? "hutchpp" : method;
      eo.split = method == "hutchpp-seed" ? HutchppSplit::Seed : HutchppSplit::Thirds;
      eo.matvecs = m;
      std::vector<double> errs, secs;
      int64_t vjps = 0, jvps = 0, covered = 0;
      for (int r = 0; r < o.repeats; ++r) {
        eo.seed = o.compute.seed * 1000003ULL + static_cast<uint64_t>(r);
        const TraceEstimate e = estimate_trace(K, &Jop, eo);
        errs.push_back(std::fabs(e.estimate - best.value) / std::fabs(best.value));
        // Calibration of the method's own error estimate: is the exact value within ±2 std errors?
        if (e.std_error &&
            std::fabs(e.estimate - best.value) <= 2 * *e.std_error + 1e-12 * std::fabs(best.value))
          ++covered;
        secs.push_back(e.seconds);
        vjps = e.vjps;
        jvps = e.jvps;
      }
      Json row = Json::object();
      row["method"] = method;
      row["budget"] = m;
      row["vjps"] = vjps;
      row["jvps"] = jvps;
      row["median_rel_error"] = quantile(errs, 0.5);
      row["q25_rel_error"] = quantile(errs, 0.25);
      row["q75_rel_error"] = quantile(errs, 0.75);
      row["median_seconds"] = quantile(secs, 0.5);
      row["coverage_2se"] = static_cast<double>(covered) / o.repeats;
      row["speedup_vs_baseline"] = base.seconds / quantile(secs, 0.5);
      row["speedup_vs_best_exact"] = best.seconds / quantile(secs, 0.5);
      rows.push_back(row);
      curve.emplace_back(quantile(secs, 0.5), quantile(errs, 0.5));
      curve_budget.push_back(m);
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "  %-12s m=%4lld  median rel err %.2e  [%.2e, %.2e]  %.4f s  (x%.0f vs baseline)  ±2σ "
                    "covers %d/%d\n",
                    method.c_str(), static_cast<long long>(m), quantile(errs, 0.5), quantile(errs, 0.25),
                    quantile(errs, 0.75), quantile(secs, 0.5), base.seconds / quantile(secs, 0.5),
                    static_cast<int>(covered), o.repeats);
      log << buf << std::flush;
    }
    Json s = Json::object();
    s["method"] = method;
    for (double level : levels) {
      double t = INFINITY;
      int64_t mv = -1;
      for (size_t i = 0; i < curve.size(); ++i)
        if (curve[i].second <= level && curve[i].first < t) {
          t = curve[i].first;
          mv = curve_budget[i];
        }
      char key[32];
      std::snprintf(key, sizeof key, "%g", level);
      Json l = Json::object();
      l["seconds"] = std::isfinite(t) ? Json(t) : Json();
      l["budget"] = mv >= 0 ? Json(mv) : Json();
      l["speedup_vs_baseline"] = std::isfinite(t) ? Json(base.seconds / t) : Json();
      l["speedup_vs_best_exact"] = std::isfinite(t) ? Json(best.seconds / t) : Json();
      s[std::string("to_") + key] = l;
    }
    summary.push_back(s);
  }
  report["rows"] = rows;
  report["summary"] = summary;
  return report;
}

std::string format_seed_bench(const Json& r) {
  std::ostringstream out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "seed-%s: d = %.0f, P = %.0f; exact tr K = %.10g\n",
                r.at("workload").get<std::string>().c_str(), r.at("d").get<double>(),
                r.at("params").get<double>(), r.at("exact_trace").get<double>());
  out << buf;
  std::snprintf(buf, sizeof buf, "best exact (%s): %.3f s; published d-matvec baseline: %.3f s%s\n",
                r.at("best_exact_method").get<std::string>().c_str(),
                r.at("best_exact_seconds").get<double>(), r.at("baseline_seconds").get<double>(),
                r.at("baseline_extrapolated").get<bool>() ? " (extrapolated)" : "");
  out << buf
      << "time to reach a median relative error (seconds, budget, speed-up vs baseline / vs best exact):\n";
  for (const auto& s : r.at("summary")) {
    out << "  " << s.at("method").get<std::string>();
    for (const char* key : {"to_0.01", "to_0.001", "to_0.0001"}) {
      const Json& l = s.at(key);
      if (l.at("seconds").is_null()) {
        std::snprintf(buf, sizeof buf, "  | %s: not reached", key + 3);
      } else {
        std::snprintf(buf, sizeof buf, "  | %s: %.4f s m=%.0f x%.0f / x%.1f", key + 3,
                      l.at("seconds").get<double>(), l.at("budget").get<double>(),
                      l.at("speedup_vs_baseline").get<double>(), l.at("speedup_vs_best_exact").get<double>());
      }
      out << buf;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace ts::bench
