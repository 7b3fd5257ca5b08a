#include "BlockBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <ostream>
#include <sstream>

#include <ATen/Parallel.h>

#include "Quantile.h"
#include "RunInfo.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "models/Model.h"

namespace ts::bench {

namespace {

// Seconds per vector of `count` products in calls of `block` vectors, after one untimed call.
template <class F>
double seconds_per_vector(int64_t count, int64_t block, F&& product) {
  product(block);
  detail::Stopwatch sw;
  for (int64_t done = 0; done < count; done += block) product(std::min(block, count - done));
  return sw.seconds() / static_cast<double>(count);
}

}  // namespace

Json run_block_bench(const BlockBenchOptions& o, std::ostream& log) {
  if (o.model.empty()) throw InputError("bench block-products needs --workload-model (a TorchScript file)");
  apply_threads(o.compute);
  auto model = make_model(o.model, {}, o.compute);
  const auto opts = tensor_options(o.compute);
  const std::string data = "random:n=" + std::to_string(o.n) + ",seed=" + std::to_string(o.compute.seed);
  const Dataset ds =
      load_data(data, model->input_shape(), o.compute.seed, o.compute.memory_budget, model->input_type());
  const at::Tensor x = to_model_input(ds.inputs, opts);
  Json report = Json::object();
  report["benchmark"] = "block-products";
  report["model"] = o.model;
  report["input_shape"] = model->input_shape();
  report["n"] = o.n;
  report["dtype"] = o.compute.dtype;
  report["threads"] = at::get_num_threads();
  add_run_info(report);
  report["config"] = to_json(o);
  auto gen = make_generator(o.compute.seed + 1);
  Json rounds = Json::array();
  for (int r = 0; r < o.rounds; ++r) {
    Json row = Json::array();
    for (const int64_t b : o.blocks) {
      TangentMap J(model, x);  // a map per size: one that left the block stays one vector at a time
      J.set_block(b);
      const int64_t d = J.state_size(), P = J.param_size();
      // Every size is called as the estimators call it, with blocks of test vectors (at least 16): TangentMap
      // splits them into its blocks, or goes one vector at a time.
      const int64_t per_call = std::max<int64_t>(b, 16);
      const at::Tensor U = draw_rademacher(gen, {d, o.vectors}, opts);
      // Tangents as the estimators hold them, the rows of earlier VJPs (vjp() returns their transpose, a
      // view); reused: drawing P numbers costs more than a JVP.
      const at::Tensor Wrows = draw_rademacher(gen, {per_call, P}, opts);
      Json c = Json::object();
      c["block"] = b;
      c["vjp_seconds"] =
          seconds_per_vector(o.vectors, per_call, [&](int64_t k) { J.vjp(U.narrow(1, 0, k)); });
      c["jvp_seconds"] =
          seconds_per_vector(o.vectors, per_call, [&](int64_t k) { J.jvp(Wrows.narrow(0, 0, k).t()); });
      c["kernel_seconds"] =
          seconds_per_vector(o.vectors, per_call, [&](int64_t k) { J.kernel_apply(U.narrow(1, 0, k)); });
      c["vjp_path"] = J.vjp_path();
      c["jvp_batching"] = J.jvp_batching();
      c["kernel_products"] = J.kernel_path();
      c["batching_fallback"] = J.batching_fallback();
      log << "round " << r + 1 << ", block " << b << ": VJP "
          << format_number(c["vjp_seconds"].get<double>(), 3) << " s, JVP "
          << format_number(c["jvp_seconds"].get<double>(), 3) << " s, K u "
          << format_number(c["kernel_seconds"].get<double>(), 3) << " s per vector (" << J.vjp_path() << ", "
          << J.jvp_batching() << ")" << (J.batching_fallback().empty() ? "" : "; " + J.batching_fallback())
          << "\n";
      row.push_back(c);
    }
    rounds.push_back(row);
  }
  report["rounds"] = rounds;
  Json summary = Json::array();
  for (size_t i = 0; i < o.blocks.size(); ++i) {
    Json s = Json::object();
    s["block"] = o.blocks[i];
    for (const char* key : {"vjp_seconds", "jvp_seconds", "kernel_seconds"}) {
      std::vector<double> v, ratio;
      for (const Json& row : rounds) {
        v.push_back(row[i][key].get<double>());
        ratio.push_back(row[i][key].get<double>() / row[0][key].get<double>());
      }
      std::sort(v.begin(), v.end());
      std::sort(ratio.begin(), ratio.end());
      s[key] = {{"median", quantile(v, 0.5)}, {"min", v.front()}, {"max", v.back()}};
      s[std::string(key).replace(std::string(key).find("_seconds"), 8, "_ratio_to_first")] = {
          {"median", quantile(ratio, 0.5)}, {"min", ratio.front()}, {"max", ratio.back()}};
    }
    summary.push_back(s);
  }
  report["summary"] = summary;
  return report;
}

std::string format_block_bench(const Json& r) {
  std::ostringstream out;
  out << "block products on " << r["model"].get<std::string>() << " (N = " << r["n"].get<int64_t>() << ", "
      << r["dtype"].get<std::string>() << ", " << r["threads"].get<int>() << " threads), seconds per vector, "
      << "median over " << r["rounds"].size() << " rounds (ratio to block "
      << r["summary"][0]["block"].get<int64_t>() << "):\n";
  for (const Json& s : r["summary"]) {
    out << "  block " << s["block"].get<int64_t>();
    for (const char* k : {"vjp", "jvp", "kernel"}) {
      const std::string key = std::string(k);
      out << "  "
          << (key == "kernel" ? "K u"
              : key == "vjp"  ? "VJP"
                              : "JVP")
          << " " << format_number(s[key + "_seconds"]["median"].get<double>(), 3) << " ("
          << format_number(s[key + "_ratio_to_first"]["median"].get<double>(), 2) << "×)";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace ts::bench
