#include "ScalingBench.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include <ATen/Parallel.h>

#include "Quantile.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "dist/Communicator.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "models/Model.h"

namespace ts::bench {

namespace {

const char* kModel = "mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu";
const char* kData = "random:n=50,shape=100";

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

// Runs `f` between barriers `repeats` times: rank 0's median time, and its collectives' traffic per run.
template <class F>
Json timed(int repeats, F&& f) {
  dist::Communicator& w = dist::world();
  std::vector<double> seconds, comm_seconds;
  dist::CommStats per_run;
  double value = 0;
  for (int i = 0; i < repeats; ++i) {
    w.barrier();
    const dist::CommStats before = w.stats();
    detail::Stopwatch t;
    value = f();
    w.barrier();
    seconds.push_back(t.seconds());
    const dist::CommStats after = w.stats();
    per_run = {after.calls - before.calls - 1, after.bytes - before.bytes, 0};
    comm_seconds.push_back(after.seconds - before.seconds);
  }
  Json j = Json::object();
  j["seconds"] = median(seconds);
  j["comm_seconds"] = median(comm_seconds);
  j["comm_calls"] = per_run.calls;
  j["comm_bytes"] = per_run.bytes;
  j["value"] = value;
  return j;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

Json run_scaling_point(const ScalingBenchOptions& o, std::ostream& log) {
  apply_threads(o.compute);
  const dist::Communicator& w = dist::world();
  auto model = make_model(o.model.empty() ? kModel : o.model, {}, o.compute);
  const Dataset data = load_data(o.data.empty() ? kData : o.data, model->input_shape(), o.compute.seed,
                                 o.compute.memory_budget);
  TangentMap J(model, data.inputs.to(tensor_options(o.compute)));
  if (o.compute.product_batch >= 0) J.set_block(o.compute.product_batch);
  NtkOperator K(J);
  JacobianOperator factor(J);
  Json report = Json::object();
  report["ranks"] = w.size();
  report["d"] = J.state_size();
  report["params"] = J.param_size();
  report["threads"] = at::get_num_threads();
  report["product_batch"] = J.block();
  log << "scaling point: " << w.size() << " rank(s), d = " << J.state_size() << ", P = " << J.param_size()
      << ", " << at::get_num_threads() << " thread(s) each\n";
  Json runs = Json::array();
  for (const auto& m : o.methods) {
    EstimatorOptions e;
    e.method = m;
    e.matvecs = o.matvecs;
    e.seed = o.compute.seed;
    Json r = timed(o.repeats, [&] { return estimate_trace(K, &factor, e).estimate; });
    r["method"] = m;
    r["matvecs"] = o.matvecs;
    log << "  " << m << " m=" << o.matvecs << ": " << r["seconds"].get<double>() << " s\n";
    runs.push_back(r);
  }
  if (o.exact) {
    Json r = timed(1, [&] { return exact_trace(J).value; });
    r["method"] = "exact";
    r["matvecs"] = std::min(J.state_size(), J.param_size());
    log << "  exact: " << r["seconds"].get<double>() << " s\n";
    runs.push_back(r);
  }
  report["runs"] = runs;
  return report;
}

Json run_scaling_bench(const ScalingBenchOptions& o, const std::string& program, std::ostream& log) {
  if (o.ranks.empty()) throw InputError("bench scaling: --ranks is empty");
  std::vector<int> ranks = o.ranks;
  if (std::find(ranks.begin(), ranks.end(), 1) == ranks.end()) ranks.insert(ranks.begin(), 1);
  std::string methods;
  for (const auto& m : o.methods) methods += (methods.empty() ? "" : ",") + m;
  Json points = Json::array();
  for (int r : ranks) {
    std::ostringstream cmd;
    cmd << quote(program) << " launch --nproc " << r << " -- bench scaling-point --methods " << quote(methods)
        << " --matvecs " << o.matvecs << " --repeats " << o.repeats << " --dtype " << o.compute.dtype
        << " --threads " << std::max(1, o.compute.threads) << " --seed " << o.compute.seed;
    if (!o.model.empty()) cmd << " --workload-model " << quote(o.model);
    if (!o.data.empty()) cmd << " --workload-data " << quote(o.data);
    if (o.compute.product_batch >= 0) cmd << " --product-batch " << o.compute.product_batch;
    if (!o.exact) cmd << " --no-exact";
    cmd << " --json";
    log << "bench scaling: " << r << " rank(s)\n";
    FILE* p = ::popen(cmd.str().c_str(), "r");
    if (p == nullptr) throw InputError("bench scaling: cannot start " + program);
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) text.append(buf, n);
    const int status = ::pclose(p);
    if (status != 0)
      throw InputError("bench scaling: the run on " + std::to_string(r) + " ranks failed (" + cmd.str() +
                       ")");
    points.push_back(parse_json(text));
  }
  Json report = Json::object();
  report["points"] = points;
  const Json& one = points[0];
  // Speed-up against one rank, and the model: T(N) = T_compute(1) / N + T_comm(N), with T_comm(N) from the
  // largest measured point scaled as a ring collective's traffic, (N − 1) / N of the gathered bytes, plus its
  // per-call latency (N − 1 steps). Labelled a model: it ignores load imbalance beyond what was measured.
  Json summary = Json::array();
  const Json& big = points[points.size() - 1];
  const int rb = big["ranks"].get<int>();
  for (size_t i = 0; i < one["runs"].size(); ++i) {
    const Json& base = one["runs"][i];
    Json s = Json::object();
    s["method"] = base["method"];
    s["seconds_1"] = base["seconds"];
    Json measured = Json::array();
    for (const auto& pt : points) {
      const Json& run = pt["runs"][i];
      Json m = Json::object();
      m["ranks"] = pt["ranks"];
      m["seconds"] = run["seconds"];
      m["speedup"] = base["seconds"].get<double>() / run["seconds"].get<double>();
      m["efficiency"] = m["speedup"].get<double>() / pt["ranks"].get<double>();
      m["comm_seconds"] = run["comm_seconds"];
      m["comm_bytes"] = run["comm_bytes"];
      m["comm_calls"] = run["comm_calls"];
      m["value"] = run["value"];
      measured.push_back(m);
    }
    s["measured"] = measured;
    const Json& rr = big["runs"][i];
    const double t1 = base["seconds"].get<double>();
    const double comm = rr["comm_seconds"].get<double>();
    const double calls = std::max(1.0, rr["comm_calls"].get<double>());
    // Split the measured collective time of the largest point into latency (per call) and volume.
    const double ring = rb > 1 ? double(rb - 1) / rb : 1.0;
    Json model = Json::array();
    for (int n : {1, 2, 4, 8, 16, 32, 64}) {
      const double scale = n > 1 && rb > 1 ? (double(n - 1) / n) / ring : 0.0;
      const double latency_steps = n > 1 && rb > 1 ? double(n - 1) / double(rb - 1) : 0.0;
      // Half of the measured collective time is charged to volume and half to latency steps: with one
      // measured point the two cannot be told apart, and either alone would bound the other.
      const double t = t1 / n + comm * (0.5 * scale + 0.5 * latency_steps);
      model.push_back(Json{{"ranks", n}, {"seconds", t}, {"speedup", t1 / t}});
    }
    s["model"] = model;
    s["model_note"] = "model, not measured: T(N) = T(1)/N + T_comm(" + std::to_string(rb) +
                      ") scaled half by ring volume (N-1)/N and half by latency steps N-1; " +
                      std::to_string(static_cast<int64_t>(calls)) + " collectives per estimate";
    summary.push_back(s);
  }
  report["summary"] = summary;
  return report;
}

std::string format_scaling_bench(const Json& r) {
  std::ostringstream out;
  const Json& one = r["points"][0];
  out << "strong scaling: d = " << one["d"].get<int64_t>() << ", P = " << one["params"].get<int64_t>() << ", "
      << one["threads"].get<int>() << " thread(s) per rank\n";
  for (const auto& s : r["summary"]) {
    out << "  " << s["method"].get<std::string>() << ":";
    for (const auto& m : s["measured"])
      out << "  " << m["ranks"].get<int>() << " rank(s) " << format_number(m["seconds"].get<double>(), 4)
          << " s (×" << format_number(m["speedup"].get<double>(), 3) << ", collectives "
          << format_number(m["comm_seconds"].get<double>(), 3) << " s, "
          << format_number(m["comm_bytes"].get<double>() / 1e6, 4) << " MB)";
    out << "\n    model:";
    for (const auto& m : s["model"])
      out << " " << m["ranks"].get<int>() << "→×" << format_number(m["speedup"].get<double>(), 3);
    out << "\n";
  }
  return out.str();
}

}  // namespace ts::bench
