#include "ScalingBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include <ATen/Parallel.h>

#include "Quantile.h"
#include "RunInfo.h"
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
    // The closing barrier is not part of the estimate's traffic.
    per_run = {std::max<int64_t>(0, after.calls - before.calls - (w.size() > 1 ? 1 : 0)),
               after.bytes - before.bytes, 0};
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
  auto model = make_model(o.model.empty() ? ScalingBenchOptions{}.model : o.model, {}, o.compute);
  const Dataset data = load_data(o.data.empty() ? ScalingBenchOptions{}.data : o.data, model->input_shape(),
                                 o.compute.seed, o.compute.memory_budget, model->input_type());
  TangentMap J(model, to_model_input(data.inputs, tensor_options(o.compute)));
  if (o.compute.product_batch >= 0) J.set_block(o.compute.product_batch);
  NtkOperator K(J);
  JacobianOperator factor(J);
  Json report = Json::object();
  add_run_info(report);
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
  // The link itself, apart from any waiting for a slower rank: a tiny gather (latency) and a 4 MB one
  // (bandwidth), each right after a barrier.
  if (w.size() > 1) {
    dist::Communicator& c = dist::world();
    const auto gather_seconds = [&](int64_t numbers, int times) {
      const at::Tensor t = at::zeros({numbers}, at::kFloat);
      const std::vector<int64_t> counts(static_cast<size_t>(w.size()), numbers);
      std::vector<double> s;
      for (int i = 0; i < times; ++i) {
        c.barrier();
        detail::Stopwatch sw;
        c.all_gather_rows(t, counts);
        s.push_back(sw.seconds());
      }
      return median(s);
    };
    const double latency = gather_seconds(1, 41);
    const int64_t big = int64_t(1) << 20;
    const double per_byte = std::max(0.0, gather_seconds(big, 9) - latency) / double(4 * big * w.size());
    report["link"] = Json{{"latency_seconds", latency}, {"seconds_per_byte", per_byte}};
    log << "  link: " << latency * 1e6 << " µs per collective, " << 1.0 / std::max(per_byte, 1e-30) / 1e9
        << " GB/s\n";
  }
  return report;
}

Json run_scaling_bench(const ScalingBenchOptions& o, const std::string& program, std::ostream& log) {
  if (o.ranks.empty()) throw InputError("bench scaling: --ranks is empty");
  std::vector<int> ranks = o.ranks;
  if (std::find(ranks.begin(), ranks.end(), 1) == ranks.end()) ranks.insert(ranks.begin(), 1);
  std::string methods;
  for (const auto& m : o.methods) methods += (methods.empty() ? "" : ",") + m;
  // The command of one point; `launch` runs it as R ranks, without it it is one independent process.
  const auto point_command = [&](int r, bool ranks_of_one_run) {
    std::ostringstream cmd;
    cmd << quote(program);
    if (ranks_of_one_run) cmd << " launch --nproc " << r << " --";
    cmd << " bench scaling-point --methods " << quote(methods) << " --matvecs " << o.matvecs << " --repeats "
        << o.repeats << " --dtype " << o.compute.dtype << " --threads " << std::max(1, o.compute.threads)
        << " --seed " << o.compute.seed;
    if (!o.model.empty()) cmd << " --workload-model " << quote(o.model);
    if (!o.data.empty()) cmd << " --workload-data " << quote(o.data);
    if (o.compute.product_batch >= 0) cmd << " --product-batch " << o.compute.product_batch;
    if (!o.exact) cmd << " --no-exact";
    cmd << " --json";
    return cmd.str();
  };
  const auto start = [&](const std::string& cmd) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) throw InputError("bench scaling: cannot start " + program);
    return p;
  };
  const auto result = [&](FILE* p, const std::string& cmd) {
    std::string text;
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) text.append(buf, n);
    if (::pclose(p) != 0) throw InputError("bench scaling: this run failed: " + cmd);
    return parse_json(text);
  };
  // Rounds alternate the rank counts (1, 2, 1, 2, …) so that a slow spell of this shared machine falls on
  // all of them; each time is the median over the rounds.
  std::vector<Json> rounds_of(ranks.size(), Json::array());
  Json ceilings = Json::array();
  for (int round = 0; round < o.rounds; ++round) {
    for (size_t k = 0; k < ranks.size(); ++k) {
      const int r = ranks[k];
      log << "bench scaling: round " << round + 1 << ", " << r << " rank(s)\n";
      const std::string cmd = point_command(r, true);
      rounds_of[k].push_back(result(start(cmd), cmd));
      if (r == 1 || round > 0) continue;
      // The machine's own ceiling: R independent one-rank runs at once (no communication, nothing divided).
      // R × T(1) / T(each) is the most R ranks can gain on these cores (shared caches, memory bandwidth).
      log << "bench scaling: " << r << " independent one-rank runs at once\n";
      const std::string one = point_command(1, false);
      std::vector<FILE*> running;
      for (int i = 0; i < r; ++i) running.push_back(start(one));
      Json c = Json::object();
      c["ranks"] = r;
      Json each = Json::array();
      for (FILE* p : running) each.push_back(result(p, one));
      c["runs"] = each;
      ceilings.push_back(c);
    }
  }
  Json points = Json::array();
  for (const Json& rounds : rounds_of) {
    Json pt = rounds[0];
    for (size_t i = 0; i < pt["runs"].size(); ++i)
      for (const char* key : {"seconds", "comm_seconds"}) {
        std::vector<double> v;
        for (const auto& one : rounds) v.push_back(one["runs"][i][key].get<double>());
        pt["runs"][i][key] = median(v);
      }
    pt["rounds"] = rounds.size();
    points.push_back(pt);
  }
  Json report = Json::object();
  add_run_info(report);
  report["config"] = to_json(o);
  report["points"] = points;
  report["ceilings"] = ceilings;
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
      // The ceiling at this rank count: R × T(1) over the median time of R independent runs at once.
      for (const auto& c : ceilings)
        if (c["ranks"] == pt["ranks"]) {
          std::vector<double> t;
          for (const auto& e : c["runs"]) t.push_back(e["runs"][i]["seconds"].get<double>());
          m["ceiling_speedup"] = pt["ranks"].get<double>() * base["seconds"].get<double>() / median(t);
        }
      measured.push_back(m);
    }
    s["measured"] = measured;
    // An Amdahl fit to the two measured points (labelled a model, not a measurement): T(1) = A + B and
    // T(R) = A + B / R + L(R), where L(R) is what the collectives cost on the measured link (latency per
    // call, bytes at the measured bandwidth). B is the work the ranks divide (products); A what every rank
    // repeats (each call's forward pass, dense algebra, probe draws) plus what the ranks lose to sharing one
    // machine and to waiting for each other. For N ranks, L grows as a ring collective's: N − 1 steps, (N −
    // 1)/N of the bytes.
    const Json& rr = big["runs"][i];
    const double t1 = base["seconds"].get<double>(), tb = rr["seconds"].get<double>();
    const double alpha = big.contains("link") ? big["link"]["latency_seconds"].get<double>() : 0.0;
    const double beta = big.contains("link") ? big["link"]["seconds_per_byte"].get<double>() : 0.0;
    const double calls = rr["comm_calls"].get<double>(), bytes = rr["comm_bytes"].get<double>();
    const auto link = [&](int n) {
      if (n <= 1 || rb <= 1) return 0.0;
      return calls * alpha * double(n - 1) / double(rb - 1) +
             bytes * beta * (double(n - 1) / n) / (double(rb - 1) / rb);
    };
    const double divided = rb > 1 ? std::clamp((t1 - (tb - link(rb))) * rb / (rb - 1), 0.0, t1) : t1;
    const double repeated = t1 - divided;
    s["divided_seconds"] = divided;
    s["repeated_seconds"] = repeated;
    s["link_seconds"] = link(rb);
    Json model = Json::array();
    for (int n : {1, 2, 4, 8, 16, 32, 64}) {
      const double t = repeated + divided / n + link(n);
      model.push_back(Json{{"ranks", n}, {"seconds", t}, {"speedup", t1 / t}});
    }
    s["model_note"] = "model, not measured: T(N) = A + B/N + L(N), fitted to 1 and " + std::to_string(rb) +
                      " ranks (A repeated on every rank, B divided, L the collectives on the measured link)";
    s["model"] = model;
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
          << format_number(m["comm_bytes"].get<double>() / 1e6, 4) << " MB"
          << (m.contains("ceiling_speedup")
                  ? "; this machine's ceiling ×" + format_number(m["ceiling_speedup"].get<double>(), 3)
                  : std::string())
          << ")";
    out << "\n    divided " << format_number(s["divided_seconds"].get<double>(), 3) << " s, repeated "
        << format_number(s["repeated_seconds"].get<double>(), 3) << " s; model:";
    for (const auto& m : s["model"])
      out << " " << m["ranks"].get<int>() << "→×" << format_number(m["speedup"].get<double>(), 3);
    out << "\n";
  }
  return out.str();
}

}  // namespace ts::bench
