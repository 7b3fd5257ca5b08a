// The width experiment of Mohamadi, Bae and Sutherland (ICML 2023, Theorems 1–3): pNTK errors against width,
// with log-log slope fits.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <sstream>

#include "analysis/SlopeFit.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/EstimatorSupport.h"
#include "exact/Exact.h"
#include "io/OutputFiles.h"
#include "jobs/PntkJobs.h"
#include "models/Model.h"
#include "pntk/PntkCompare.h"
#include "training/Training.h"

namespace ts {

namespace {

const char* const kErrors[] = {"rel_frobenius", "rel_lambda_max", "rel_prediction", "rel_prediction_ridge"};

struct Point {
  std::string stage;
  int64_t width = 0, params = 0;
  uint64_t seed = 0;
  PntkErrors e;
  double seconds = 0;
  double value(const std::string& m) const {
    if (m == "rel_frobenius") return e.rel_frobenius;
    if (m == "rel_lambda_max") return e.rel_lambda_max;
    if (m == "rel_prediction") return e.rel_prediction;
    return e.rel_prediction_ridge;
  }
};

Json point_json(const Point& p) {
  Json j = Json::object();
  j["stage"] = p.stage;
  j["width"] = p.width;
  j["seed"] = p.seed;
  j["params"] = p.params;
  for (const char* m : kErrors) j[m] = p.value(m);
  j["heldout_accuracy"] = p.e.heldout_accuracy;
  j["heldout_accuracy_pntk"] = p.e.heldout_accuracy_pntk;
  j["seconds"] = p.seconds;
  return j;
}

// Per stage and error: the pooled fit over every (width, seed) model (each an independent draw) and the
// spread of the per-seed slopes.
Json fits_json(const std::vector<Point>& points, int64_t min_width, Json fits = Json::array()) {
  std::vector<std::string> stages;
  for (const auto& p : points)
    if (std::find(stages.begin(), stages.end(), p.stage) == stages.end()) stages.push_back(p.stage);
  for (const auto& stage : stages)
    for (const char* m : kErrors) {
      std::vector<double> x, y;
      std::map<uint64_t, std::pair<std::vector<double>, std::vector<double>>> by_seed;
      for (const auto& p : points) {
        if (p.stage != stage || p.width < min_width) continue;
        x.push_back(double(p.width));
        y.push_back(p.value(m));
        by_seed[p.seed].first.push_back(double(p.width));
        by_seed[p.seed].second.push_back(p.value(m));
      }
      const SlopeFit f = fit_loglog(x, y);
      if (f.points < 3) continue;
      Json j = Json::object();
      j["stage"] = stage;
      j["error"] = m;
      j["min_width"] = min_width;
      j["slope"] = f.slope;
      j["intercept"] = f.intercept;
      j["std_error"] = f.std_error;
      j["ci_low"] = f.ci_low;
      j["ci_high"] = f.ci_high;
      j["points"] = f.points;
      std::vector<double> slopes;
      for (const auto& [seed, xy] : by_seed) {
        const SlopeFit s = fit_loglog(xy.first, xy.second);
        if (std::isfinite(s.slope)) slopes.push_back(s.slope);
      }
      j["seed_slopes"] = slopes;
      if (slopes.size() >= 2) {
        double mean = 0, var = 0;
        for (double s : slopes) mean += s / double(slopes.size());
        for (double s : slopes) var += (s - mean) * (s - mean) / double(slopes.size() - 1);
        const double half = t_quantile_975(int(slopes.size()) - 1) * std::sqrt(var / double(slopes.size()));
        j["seed_slope_mean"] = mean;
        j["seed_slope_sd"] = std::sqrt(var);
        j["seed_ci_low"] = mean - half;
        j["seed_ci_high"] = mean + half;
      }
      fits.push_back(j);
    }
  return fits;
}

}  // namespace

Json run_pntk_width_job(const PntkWidthJob& job, const RunControl& rc,
                        const std::function<void(const Json&)>& on_point) {
  if (job.widths.empty()) throw InputError("width experiment: no widths given");
  for (auto w : job.widths)
    if (w <= 0) throw InputError("width experiment: width " + std::to_string(w) + " is not positive");
  if (job.seeds < 1) throw InputError("width experiment: --seeds must be at least 1");
  if (job.depth < 2) throw InputError("width experiment: depth must be at least 2 (one hidden layer)");
  if (job.batch < 2 || job.heldout < 0 || job.heldout >= job.batch)
    throw InputError("width experiment: the batch (" + std::to_string(job.batch) +
                     ") must exceed the held-out points (" + std::to_string(job.heldout) + ")");
  if (job.param != "standard" && job.param != "ntk")
    throw InputError("width experiment: param must be standard or ntk, got '" + job.param + "'");
  OutputFolder out(job.out_dir);  // published together at the end, or not at all
  apply_threads(job.compute);
  const at::TensorOptions opts = tensor_options(job.compute);
  const uint64_t seed0 = job.compute.seed;

  const Dataset all = load_data(job.data, {}, seed0);
  if (!all.labels.defined())
    throw InputError("width experiment: " + all.description + " has no class labels");
  if (job.batch >= all.size())
    throw InputError("width experiment: a batch of " + std::to_string(job.batch) + " needs more than the " +
                     std::to_string(all.size()) + " rows of " + all.description);
  // Named variables, not a structured binding: the lambda below captures `batch` (C++17 does not allow that).
  auto split = train_test_split(all, job.batch, seed0);
  const Dataset rest = std::move(split.first), batch = std::move(split.second);
  const Dataset train =
      job.train_n > 0 && job.train_n < rest.size() ? subset(rest, job.train_n, seed0) : rest;
  const int64_t in = batch.inputs[0].numel(), outputs = all.num_classes, n = batch.size();
  const at::Tensor x = batch.inputs.reshape({n, in}).to(opts);
  const at::Tensor Y = one_hot_targets(batch, outputs).reshape({n, outputs});
  Dataset train_flat = train;
  train_flat.inputs = train.inputs.reshape({train.size(), in});

  std::vector<Point> points;
  const int stages = job.epochs > 0 ? 2 : 1;
  const int64_t total = int64_t(job.widths.size()) * job.seeds * stages;
  RunControl quiet;  // inner steps only check for cancel; progress is per model
  quiet.cancel = rc.cancel;
  auto measure = [&](const std::shared_ptr<Model>& model, const std::string& stage, int64_t width,
                     uint64_t seed) {
    detail::Stopwatch sw;
    TangentMap J(model, x);
    J.set_control(&quiet);
    const int64_t d = J.state_size(), P = J.param_size();
    const int64_t elem = static_cast<int64_t>(c10::elementSize(opts.dtype().toScalarType()));
    at::Tensor K;
    if ((d * P + d * d) * elem * 2 <= job.compute.memory_budget) {
      const at::Tensor Jm = jacobian(J, job.compute.memory_budget, quiet);
      K = gram_by_blocks(Jm, quiet);
    } else {
      K = entk_by_products(J, job.compute.memory_budget, quiet);  // wide models: only K is held
    }
    K = K.to(at::kDouble);
    const at::Tensor Kp = pntk_from_entk(K, outputs, PntkVariant{});
    Point p{stage, width, P, seed, compare_pntk(K, Kp, Y, n - job.heldout, job.ridge, batch.labels), 0};
    p.seconds = sw.seconds();
    points.push_back(p);
    rc.report(int64_t(points.size()), total,
              stage + ", width " + std::to_string(width) + ", seed " + std::to_string(seed));
    if (on_point) {
      Json live = Json::object();
      live["point"] = point_json(p);
      live["fits"] = fits_json(points, 0);
      on_point(live);
    }
  };

  for (int64_t width : job.widths)
    for (int s = 0; s < job.seeds; ++s) {
      rc.check();
      const uint64_t seed = seed0 + uint64_t(s);
      std::ostringstream spec;
      spec << "mlp:in=" << in << ",width=" << width << ",depth=" << job.depth << ",out=" << outputs
           << ",act=relu,param=" << job.param << ",seed=" << seed;
      auto model = make_model(spec.str(), {in}, job.compute);
      measure(model, "init", width, seed);
      if (job.epochs > 0) {
        TrainOptions to = job.training;
        to.epochs = job.epochs;
        to.seed = seed;
        train_model(*model, train_flat, nullptr, to, quiet);
        measure(model, "trained", width, seed);
      }
    }

  Json result = Json::object();
  Json pts = Json::array();
  for (const auto& p : points) pts.push_back(point_json(p));
  result["points"] = pts;
  // Over every width, and over the wide end only (the asymptotic regime the theorems describe).
  Json fits = fits_json(points, 0);
  if (job.fit_min_width > job.widths.front()) fits = fits_json(points, job.fit_min_width, fits);
  result["fits"] = fits;
  Json cfg = Json::object();
  cfg["data"] = job.data;
  cfg["batch_description"] = batch.description;
  cfg["batch"] = job.batch;
  cfg["heldout"] = job.heldout;
  cfg["widths"] = job.widths;
  cfg["depth"] = job.depth;
  cfg["seeds"] = job.seeds;
  cfg["param"] = job.param;
  cfg["activation"] = "relu";
  cfg["epochs"] = job.epochs;
  cfg["train_n"] = train.size();
  if (job.epochs > 0) cfg["training"] = to_json(job.training);
  cfg["ridge"] = job.ridge;
  cfg["fit_min_width"] = job.fit_min_width;
  cfg["compute"] = to_json(job.compute);
  result["config"] = cfg;
  if (out.enabled()) {
    std::ostringstream csv;
    csv.precision(10);
    csv << "stage,width,seed,params,rel_frobenius,rel_lambda_max,rel_prediction,rel_prediction_ridge,"
           "heldout_accuracy,heldout_accuracy_pntk,seconds\n";
    for (const auto& p : points)
      csv << p.stage << "," << p.width << "," << p.seed << "," << p.params << "," << p.e.rel_frobenius << ","
          << p.e.rel_lambda_max << "," << p.e.rel_prediction << "," << p.e.rel_prediction_ridge << ","
          << p.e.heldout_accuracy << "," << p.e.heldout_accuracy_pntk << "," << p.seconds << "\n";
    result["files"] = std::vector<std::string>{out.final_path("width.csv"), out.final_path("width.json")};
    out.write_text("width.csv", csv.str());
    out.write_text("width.json", result.dump(1) + "\n");
    out.commit();
  }
  return result;
}

}  // namespace ts
