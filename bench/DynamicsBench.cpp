#include "DynamicsBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "Quantile.h"
#include "RunInfo.h"
#include "analysis/Metrics.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "exact/Exact.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "results/ResultJson.h"
#include "training/Training.h"

namespace ts::bench {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Json run_dynamics_bench(const DynamicsBenchOptions& o, std::ostream& log) {
  apply_threads(o.compute);
  auto model = make_model(o.model, {}, o.compute);
  Dataset train = load_data(o.data, model->input_shape(), o.compute.seed);
  train = subset(train, o.train_subset, o.compute.seed);
  const Dataset test = load_data(o.test_data, model->input_shape(), o.compute.seed);
  log << "hazelden-dynamics: " << o.model << " (P = " << model->num_parameters() << ") on "
      << train.description << "\n";

  TrainOptions to;
  to.epochs = o.epochs;
  to.batch_size = o.batch_size;
  to.lr = o.lr;
  to.seed = o.compute.seed;
  to.snapshot_epochs = {0, o.epochs};
  auto t0 = std::chrono::steady_clock::now();
  const TrainResult tr = train_model(*model, train, &test, to);
  const double train_seconds = seconds_since(t0);
  log << "  trained " << o.epochs << " epochs in " << train_seconds << " s: test accuracy "
      << tr.history.front().test_accuracy << " → " << tr.history.back().test_accuracy << "\n";

  const Dataset probe = subset(test, o.probe_n, o.compute.seed + 2);
  const at::Tensor x = to_model_input(probe.inputs, tensor_options(o.compute));
  auto m0 = model->clone(), mf = model->clone();
  m0->set_parameters(tr.snapshots.front().params);
  mf->set_parameters(tr.snapshots.back().params);
  TangentMap J0(m0, x), Jf(mf, x);
  const int64_t budget = o.compute.memory_budget;

  // Exact values and the runtime of computing each one exactly.
  t0 = std::chrono::steady_clock::now();
  const ExactKernel Kf = exact_kernel(Jf, budget / 2);
  const double fro_f = Kf.frobenius();
  const double t_fro = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  const double tr_f = exact_trace(Jf).value;
  const double t_reff = t_fro + seconds_since(t0);
  const double reff = tr_f * tr_f / (fro_f * fro_f);
  t0 = std::chrono::steady_clock::now();
  const ExactKernel K0 = exact_kernel(J0, budget / 2);
  const double align = exact_trace_product(K0, Kf) / (K0.frobenius() * fro_f);
  const double t_align = t_fro + seconds_since(t0);
  log << "  exact: ‖K_f‖_F = " << fro_f << " (" << t_fro << " s), cos(K₀, K_f) = " << align << " (" << t_align
      << " s), r_eff(K_f) = " << reff << " (" << t_reff << " s); d = " << Jf.state_size()
      << ", P = " << Jf.param_size() << "\n";

  struct Target {
    std::string metric;
    double exact, exact_seconds;
  };
  const std::vector<Target> targets{
      {"frobenius", fro_f, t_fro}, {"alignment", align, t_align}, {"effective_rank", reff, t_reff}};
  Json rows = Json::array();
  for (const auto& target : targets) {
    for (const auto& method : o.methods) {
      for (int64_t m : o.budgets) {
        std::vector<double> errs, secs;
        for (int r = 0; r < o.repeats; ++r) {
          MetricsOptions mo;
          mo.metrics = {target.metric};
          mo.estimator.method = method;
          mo.estimator.matvecs = m;
          mo.estimator.seed = o.compute.seed * 7919 + static_cast<uint64_t>(r) * 101;
          t0 = std::chrono::steady_clock::now();
          const auto v = compute_metrics(Jf, target.metric == "alignment" ? &J0 : nullptr, {}, mo);
          secs.push_back(seconds_since(t0));
          errs.push_back(std::fabs(v[0].value - target.exact) / std::fabs(target.exact));
        }
        Json row = Json::object();
        row["metric"] = target.metric;
        row["method"] = method;
        row["budget"] = m;
        row["median_rel_error"] = quantile(errs, 0.5);
        row["q25_rel_error"] = quantile(errs, 0.25);
        row["q75_rel_error"] = quantile(errs, 0.75);
        row["median_seconds"] = quantile(secs, 0.5);
        row["percent_of_exact"] = 100.0 * quantile(secs, 0.5) / target.exact_seconds;
        rows.push_back(row);
        char buf[220];
        std::snprintf(buf, sizeof buf,
                      "  %-15s %-10s m=%4lld  median rel err %.2e [%.2e, %.2e]  %.3f s = %.2f%% of exact\n",
                      target.metric.c_str(), method.c_str(), static_cast<long long>(m), quantile(errs, 0.5),
                      quantile(errs, 0.25), quantile(errs, 0.75), quantile(secs, 0.5),
                      100.0 * quantile(secs, 0.5) / target.exact_seconds);
        log << buf << std::flush;
      }
    }
  }
  Json r = Json::object();
  r["model"] = o.model;
  r["train_data"] = train.description;
  r["probe"] = probe.description;
  r["d"] = Jf.state_size();
  r["params"] = Jf.param_size();
  r["train_seconds"] = train_seconds;
  add_run_info(r);
  r["test_accuracy_before"] = tr.history.front().test_accuracy;
  r["test_accuracy_after"] = tr.history.back().test_accuracy;
  Json ex = Json::object();
  for (const auto& t : targets) {
    Json e = Json::object();
    e["value"] = t.exact;
    e["seconds"] = t.exact_seconds;
    ex[t.metric] = e;
  }
  r["exact"] = ex;
  r["rows"] = rows;
  Json cfg = to_json(o);
  cfg["blas"] = blas_description();
  r["config"] = cfg;
  return r;
}

std::string format_dynamics_bench(const Json& r) {
  std::ostringstream out;
  out << "hazelden-dynamics: d = " << r.at("d").get<double>() << ", P = " << r.at("params").get<double>()
      << "; test accuracy " << r.at("test_accuracy_before").get<double>() << " → "
      << r.at("test_accuracy_after").get<double>() << "\n";
  for (const auto& row : r.at("rows")) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "  %-15s %-10s m=%4.0f  median rel err %.2e  %.2f%% of exact runtime\n",
                  row.at("metric").get<std::string>().c_str(), row.at("method").get<std::string>().c_str(),
                  row.at("budget").get<double>(), row.at("median_rel_error").get<double>(),
                  row.at("percent_of_exact").get<double>());
    out << buf;
  }
  return out.str();
}

}  // namespace ts::bench
