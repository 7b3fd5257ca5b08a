#include "RealBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include <ATen/Parallel.h>

#include "RunInfo.h"
#include "analysis/Metrics.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/PeakMemory.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "exact/Exact.h"
#include "models/Model.h"

namespace ts::bench {

namespace {

// Seconds per vector of `count` products in blocks of `block` (a block of VJPs shares one forward pass): the
// mean over all, and the best block's (the figure the Python references report, best of their passes).
struct PerVector {
  double mean = 0;
  double best = 0;
};

template <class F>
PerVector per_vector(int64_t count, int64_t block, F&& product) {
  PerVector t{0, INFINITY};
  for (int64_t done = 0; done < count; done += block) {
    const int64_t k = std::min(block, count - done);
    detail::Stopwatch sw;
    product(k);
    const double s = sw.seconds();
    t.mean += s;
    t.best = std::min(t.best, s / static_cast<double>(k));
  }
  t.mean /= static_cast<double>(count);
  return t;
}

// One metric of a report row: value, error (absolute and relative), products and time.
Json metric_json(const MetricValue& m) {
  Json mj = Json::object();
  mj["metric"] = m.name;
  mj["value"] = m.value;
  mj["std_error"] = m.std_error ? *m.std_error : NAN;
  mj["rel_std_error"] = m.std_error ? *m.std_error / std::abs(m.value) : NAN;
  mj["matvecs"] = m.matvecs;
  mj["vjps"] = m.vjps;
  mj["jvps"] = m.jvps;
  mj["seconds"] = m.seconds;
  return mj;
}

}  // namespace

Json run_real_bench(const RealBenchOptions& o, std::ostream& log) {
  if (o.model.empty())
    throw InputError(
        "bench real needs the model file: make it with scripts/export-model resnet18 --input-shape 3,32,32 "
        "--num-classes 10 --out resnet18.pt, then give --workload-model resnet18.pt");
  if (!(o.target > 0 && o.target < 1)) throw InputError("bench real: --target must be in (0, 1)");
  apply_threads(o.compute);
  auto model = make_model(o.model, {}, o.compute);
  const auto opts = tensor_options(o.compute);
  const int64_t elem = o.compute.dtype == "float32" ? 4 : 8;
  Json report = Json::object();
  report["benchmark"] = "real";
  report["model"] = o.model;
  report["input_shape"] = model->input_shape();
  report["dtype"] = o.compute.dtype;
  report["threads"] = at::get_num_threads();
  add_run_info(report);
  report["estimator"] = o.estimator;
  report["target"] = o.target;
  report["config"] = to_json(o);  // everything that produced the report, for a rerun
  Json rows = Json::array();
  for (const int64_t n : o.batches) {
    const std::string data = "random:n=" + std::to_string(n) + ",seed=" + std::to_string(o.compute.seed);
    const Dataset ds =
        load_data(data, model->input_shape(), o.compute.seed, o.compute.memory_budget, model->input_type());
    TangentMap J(model, to_model_input(ds.inputs, opts));
    const int64_t d = J.state_size(), P = J.param_size();
    report["params"] = P;
    log << "bench real: N = " << n << ", d = " << d << ", P = " << P << " (" << o.compute.dtype << ", "
        << at::get_num_threads() << " threads)\n";
    Json row = Json::object();
    row["n"] = n;
    row["d"] = d;
    row["data"] = data;
    row["jacobian_bytes"] = static_cast<double>(d) * static_cast<double>(P) * static_cast<double>(elem);
    row["kernel_bytes"] = static_cast<double>(d) * static_cast<double>(d) * 8.0;

    // Per-product costs, in blocks as the estimators run them, after one untimed block of each (TorchScript's
    // executor profiles and specialises on the first calls).
    auto gen = make_generator(o.compute.seed + 1);
    J.vjp_sqnorms(draw_rademacher(gen, {o.block, d}, opts).t());
    const PerVector vjp_t = per_vector(o.timing_vectors(), o.block, [&](int64_t k) {
      J.vjp_sqnorms(draw_rademacher(gen, {k, d}, opts).t());
    });
    const double vjp_s = vjp_t.mean;
    // One block of tangents drawn before the clock starts and reused: drawing P = 11 million numbers per
    // vector costs more than the JVP itself.
    const at::Tensor tangents = draw_rademacher(gen, {o.block, P}, opts).t();
    J.jvp(tangents);
    const PerVector jvp_t =
        per_vector(o.timing_vectors(), o.block, [&](int64_t k) { J.jvp(tangents.narrow(1, 0, k)); });
    const double jvp_s = jvp_t.mean;
    row["seconds_per_vjp"] = vjp_s;
    row["seconds_per_jvp"] = jvp_s;
    row["best_seconds_per_vjp"] = vjp_t.best;
    row["best_seconds_per_jvp"] = jvp_t.best;
    // NTK products K u as the estimators run them (after an untimed block, which may settle the path).
    const at::Tensor probes = draw_rademacher(gen, {o.block, d}, opts).t();
    J.kernel_apply(probes);
    const PerVector kernel_t =
        per_vector(o.timing_vectors(), o.block, [&](int64_t k) { J.kernel_apply(probes.narrow(1, 0, k)); });
    row["seconds_per_kernel_product"] = kernel_t.mean;
    row["best_seconds_per_kernel_product"] = kernel_t.best;
    row["kernel_products"] = J.kernel_path();
    row["jvp_path"] = J.jvp_path();
    log << "  per product: VJP " << format_number(vjp_s, 3) << " s (best block "
        << format_number(vjp_t.best, 3) << " s), JVP " << format_number(jvp_s, 3) << " s (best "
        << format_number(jvp_t.best, 3) << " s, " << J.jvp_path() << "), K u "
        << format_number(kernel_t.mean, 3) << " s (best " << format_number(kernel_t.best, 3) << " s, "
        << J.kernel_path() << ")\n";

    MetricsOptions mo;
    mo.metrics = {"trace", "frobenius", "effective_rank"};
    mo.estimator.method = o.estimator;
    // The relative standard error of r_eff = tr(K)²/tr(K²) is about √(4δ₁² + δ₂²) for relative errors δ of
    // the two traces: δ = target/√5 keeps every metric within the target (‖K‖_F's is δ₂/2).
    mo.estimator.tol = o.target / std::sqrt(5.0);
    mo.estimator.matvecs = 16;
    mo.estimator.max_matvecs = o.max_matvecs;
    mo.estimator.block = o.block;
    mo.estimator.seed = o.compute.seed;
    mo.memory_budget = o.compute.memory_budget;
    const PeakMemory peak;
    detail::Stopwatch sw;
    const auto metrics = compute_metrics(J, nullptr, at::Tensor(), mo);
    const double metric_seconds = sw.seconds();
    row["estimate_peak_bytes"] = peak.bytes();
    row["estimate_seconds"] = metric_seconds;
    Json ms = Json::array();
    for (const auto& m : metrics) {
      ms.push_back(metric_json(m));
      log << "  " << m.name << " ≈ " << format_number(m.value, 6) << " ± "
          << format_number(m.std_error ? *m.std_error : NAN, 2) << " (" << m.matvecs << " products, "
          << format_number(m.seconds, 3) << " s)\n";
    }
    row["metrics"] = ms;

    // tr K from each input's own VJPs (MetricsOptions::trace_per_input, as `metrics --trace-per-input` and
    // `watch` take it): exact to rounding where the model is separable over its batch, in N·O VJPs on single
    // inputs; asked alone, as `metrics --metrics trace` would, then with the other metrics, which take each
    // input's whole block Kₙₙ (its Gram per parameter) and estimate only the off-block part.
    MetricsOptions mt = mo;
    mt.trace_per_input = true;
    mt.metrics = {"trace"};
    const MetricValue trace_alone = compute_metrics(J, nullptr, at::Tensor(), mt).front();
    if (trace_alone.method == "per-input") {  // else not separable, or O > m: nothing more to time
      MetricsOptions mi = mo;
      mi.trace_per_input = true;
      detail::Stopwatch swi;
      const auto per_input = compute_metrics(J, nullptr, at::Tensor(), mi);
      Json pi = Json::object();
      Json pms = Json::array();
      for (const auto& m : per_input) {
        Json mj = metric_json(m);
        mj["method"] = m.method;
        pms.push_back(mj);
      }
      pi["metrics"] = pms;
      pi["seconds"] = swi.seconds();
      pi["trace_value"] = trace_alone.value;
      pi["trace_seconds"] = trace_alone.seconds;
      pi["trace_rel_diff_to_estimate"] =
          std::abs(trace_alone.value - metrics.front().value) / std::abs(trace_alone.value);
      pi["trace_speedup_over_estimate"] = metrics.front().seconds / trace_alone.seconds;
      row["per_input"] = pi;
      log << "  tr K per input: " << format_number(trace_alone.value, 8) << " ± "
          << format_number(trace_alone.std_error.value_or(NAN), 2) << " (rounding) in "
          << format_number(trace_alone.seconds, 3) << " s, "
          << format_number(pi["trace_speedup_over_estimate"].get<double>(), 3)
          << "× the estimate's speed; with the other metrics (blocks Kₙₙ) in "
          << format_number(swi.seconds(), 3) << " s\n";
      for (const auto& m : per_input)
        log << "    " << m.name << " ≈ " << format_number(m.value, 6) << " ± "
            << format_number(m.std_error.value_or(NAN), 2) << " (" << m.method << ", " << m.matvecs
            << " products, " << format_number(m.seconds, 3) << " s)\n";
    }

    Json ex = Json::object();
    ex["vjp_block"] = o.block;
    ex["peak_bytes_per_block"] =
        static_cast<double>(o.block) * static_cast<double>(P) * static_cast<double>(elem);
    if (d <= o.exact_limit) {
      const ExactTrace e = exact_trace(J, {}, o.block, "vjp");
      ex["value"] = e.value;
      ex["seconds"] = e.seconds;
      ex["measured"] = true;
      const double est = metrics.front().value;
      ex["trace_rel_error"] = std::abs(est - e.value) / e.value;
      log << "  exact trace " << format_number(e.value, 8) << " in " << format_number(e.seconds, 4)
          << " s (d VJPs); the estimate is off by " << format_number(std::abs(est - e.value) / e.value, 2)
          << "\n";
    } else {
      ex["seconds"] = vjp_s * static_cast<double>(d);
      ex["measured"] = false;
      ex["extrapolated_from"] = o.timing_vectors();
      log << "  exact trace: d = " << d << " VJPs ≈ " << format_number(vjp_s * double(d), 4)
          << " s (extrapolated from " << o.timing_vectors() << " timed VJPs)\n";
    }
    row["exact_trace"] = ex;
    row["speedup_trace"] = ex.at("seconds").get<double>() / metrics.front().seconds;
    rows.push_back(row);
  }
  report["rows"] = rows;
  return report;
}

std::string format_real_bench(const Json& r) {
  std::ostringstream out;
  out << "bench real: " << r.at("model").get<std::string>() << ", P = " << r.at("params").get<int64_t>()
      << ", " << r.at("dtype").get<std::string>() << ", " << r.at("threads").get<int64_t>() << " threads, "
      << r.at("blas").get<std::string>() << "; " << r.at("estimator").get<std::string>()
      << " to a relative standard error ≤ " << format_number(100 * r.at("target").get<double>(), 3) << "%\n";
  for (const auto& row : r.at("rows")) {
    const Json& ex = row.at("exact_trace");
    out << "  N = " << row.at("n").get<int64_t>() << " (d = " << row.at("d").get<int64_t>() << "): Jacobian "
        << format_bytes(row.at("jacobian_bytes").get<double>()) << ", kernel "
        << format_bytes(row.at("kernel_bytes").get<double>()) << "; VJP "
        << format_number(row.at("seconds_per_vjp").get<double>(), 3) << " s, JVP "
        << format_number(row.at("seconds_per_jvp").get<double>(), 3) << " s; estimates' peak "
        << format_bytes(static_cast<double>(row.at("estimate_peak_bytes").get<int64_t>())) << "\n";
    for (const auto& m : row.at("metrics")) {
      char buf[240];
      std::snprintf(buf, sizeof buf, "    %-15s %14.6g  ±σ %6.3f%%  %4lld products  %9.1f s\n",
                    m.at("metric").get<std::string>().c_str(), m.at("value").get<double>(),
                    100 * m.at("rel_std_error").get<double>(),
                    static_cast<long long>(m.at("matvecs").get<int64_t>()), m.at("seconds").get<double>());
      out << buf;
    }
    out << "    exact trace: " << (ex.at("measured").get<bool>() ? "" : "extrapolated, ")
        << format_number(ex.at("seconds").get<double>(), 4) << " s";
    if (ex.contains("value"))
      out << ", " << format_number(ex.at("value").get<double>(), 8) << " (estimate off by "
          << format_number(100 * ex.at("trace_rel_error").get<double>(), 2) << "%)";
    out << "; trace estimate " << format_number(row.at("speedup_trace").get<double>(), 3) << "× faster\n";
    if (row.contains("per_input")) {
      const Json& pi = row.at("per_input");
      out << "    tr K per input: " << format_number(pi.at("trace_value").get<double>(), 8) << " in "
          << format_number(pi.at("trace_seconds").get<double>(), 4) << " s ("
          << format_number(pi.at("trace_speedup_over_estimate").get<double>(), 3)
          << "× the estimate's speed, "
          << format_number(100 * pi.at("trace_rel_diff_to_estimate").get<double>(), 2)
          << "% from it); with it";
      for (const auto& m : pi.at("metrics"))
        if (m.at("metric").get<std::string>() != "trace")
          out << " " << m.at("metric").get<std::string>() << " "
              << format_number(m.at("value").get<double>(), 6) << " ±σ "
              << format_number(100 * m.at("rel_std_error").get<double>(), 3) << "% ("
              << m.at("matvecs").get<int64_t>() << " products)";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace ts::bench
