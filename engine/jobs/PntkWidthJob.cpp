// The width experiment of Mohamadi, Bae and Sutherland (ICML 2023, Theorems 1–3): pNTK errors against width,
// with log-log slope fits.
#include "jobs/PntkWidthJob.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/SlopeFit.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "dist/Communicator.h"
#include "exact/Exact.h"
#include "io/OutputFiles.h"
#include "jobs/Agreement.h"
#include "jobs/PntkWidthJson.h"
#include "models/Model.h"
#include "pntk/PntkCompare.h"
#include "training/Training.h"

namespace ts {

namespace {

const char* const kErrors[] = {"rel_frobenius", "rel_lambda_max", "rel_prediction", "rel_prediction_ridge"};

// Per stage and error: the pooled fit over every (width, seed) model (each an independent draw) and the
// spread of the per-seed slopes. Appended to `fits`.
void add_fits(const std::vector<PntkWidthPoint>& points, int64_t min_width, std::vector<PntkWidthFit>& fits) {
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
        y.push_back(p.error(m));
        by_seed[p.seed].first.push_back(double(p.width));
        by_seed[p.seed].second.push_back(p.error(m));
      }
      PntkWidthFit f;
      f.fit = fit_loglog(x, y);
      if (f.fit.points < 3) continue;
      f.stage = stage;
      f.error = m;
      f.min_width = min_width;
      for (const auto& [seed, xy] : by_seed) {
        const SlopeFit s = fit_loglog(xy.first, xy.second);
        if (std::isfinite(s.slope)) f.seed_slopes.push_back(s.slope);
      }
      const auto& slopes = f.seed_slopes;
      if (slopes.size() >= 2) {
        double mean = 0, var = 0;
        for (double s : slopes) mean += s / double(slopes.size());
        for (double s : slopes) var += (s - mean) * (s - mean) / double(slopes.size() - 1);
        const double half = t_quantile_975(int(slopes.size()) - 1) * std::sqrt(var / double(slopes.size()));
        f.seed_slope_mean = mean;
        f.seed_slope_sd = std::sqrt(var);
        f.seed_ci_low = mean - half;
        f.seed_ci_high = mean + half;
      }
      fits.push_back(std::move(f));
    }
}

std::vector<PntkWidthFit> fits_over(const std::vector<PntkWidthPoint>& points, int64_t min_width) {
  std::vector<PntkWidthFit> fits;
  add_fits(points, min_width, fits);
  return fits;
}

}  // namespace

PntkWidthResult run_pntk_width_job(const PntkWidthRequest& request, const RunControl& rc) {
  if (request.widths.empty()) throw InputError("width experiment: no widths given");
  for (auto w : request.widths)
    if (w <= 0) throw InputError("width experiment: width " + std::to_string(w) + " is not positive");
  if (request.seeds < 1) throw InputError("width experiment: --seeds must be at least 1");
  if (request.depth < 2) throw InputError("width experiment: depth must be at least 2 (one hidden layer)");
  if (request.batch < 2 || request.heldout < 0 || request.heldout >= request.batch)
    throw InputError("width experiment: the batch (" + std::to_string(request.batch) +
                     ") must exceed the held-out points (" + std::to_string(request.heldout) + ")");
  if (request.param != "standard" && request.param != "ntk")
    throw InputError("width experiment: param must be standard or ntk, got '" + request.param + "'");
  OutputFolder out(request.out_dir);  // published together at the end, or not at all
  apply_threads(request.compute);
  const at::TensorOptions opts = tensor_options(request.compute);
  const uint64_t seed0 = request.compute.seed;

  const Dataset all = load_data(request.data, {}, seed0);
  dist::require_same_problem(all);  // several ranks: each was given the same
  if (!all.labels.defined())
    throw InputError("width experiment: " + all.description + " has no class labels");
  if (request.batch >= all.size())
    throw InputError("width experiment: a batch of " + std::to_string(request.batch) +
                     " needs more than the " + std::to_string(all.size()) + " rows of " + all.description);
  // Named variables, not a structured binding: the lambda below captures `batch` (C++17 does not allow that).
  auto split = train_test_split(all, request.batch, seed0);
  const Dataset rest = std::move(split.first), batch = std::move(split.second);
  const Dataset train =
      request.train_n > 0 && request.train_n < rest.size() ? subset(rest, request.train_n, seed0) : rest;
  const int64_t in = batch.inputs[0].numel(), outputs = all.num_classes, n = batch.size();
  const at::Tensor x = to_model_input(batch.inputs.reshape({n, in}), opts);
  const at::Tensor Y = one_hot_targets(batch, outputs).reshape({n, outputs});
  Dataset train_flat = train;
  train_flat.inputs = train.inputs.reshape({train.size(), in});

  PntkWidthResult result;
  result.request = request;
  result.batch_description = batch.description;
  result.train_n = train.size();
  std::vector<PntkWidthPoint>& points = result.points;
  const int stages = request.epochs > 0 ? 2 : 1;
  const int64_t total = int64_t(request.widths.size()) * request.seeds * stages;
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
    if ((d * P + d * d) * elem * 2 <= request.compute.memory_budget) {
      const at::Tensor Jm = jacobian(J, request.compute.memory_budget, quiet);
      K = gram_by_blocks(Jm, quiet);
    } else {
      K = entk_by_products(J, request.compute.memory_budget, quiet);  // wide models: only K is held
    }
    K = K.to(at::kDouble);
    const at::Tensor Kp = pntk_from_entk(K, outputs, PntkVariant{});
    const PntkErrors e = compare_pntk(K, Kp, Y, n - request.heldout, request.ridge, batch.labels);
    PntkWidthPoint p;
    p.stage = stage;
    p.width = width;
    p.seed = seed;
    p.params = P;
    p.rel_frobenius = e.rel_frobenius;
    p.rel_lambda_max = e.rel_lambda_max;
    p.rel_prediction = e.rel_prediction;
    p.rel_prediction_ridge = e.rel_prediction_ridge;
    p.heldout_accuracy = e.heldout_accuracy;
    p.heldout_accuracy_pntk = e.heldout_accuracy_pntk;
    p.seconds = sw.seconds();
    return p;
  };

  // Each (width, seed) model is independent: several ranks divide them (dist::split_items), each training
  // and measuring its models whole, in rounds of one model per rank (the seeds of one width, about equal in
  // cost). Every point passes through its JSON text, so one process gives the same numbers.
  std::vector<std::pair<int64_t, int>> models;
  for (int64_t width : request.widths)
    for (int s = 0; s < request.seeds; ++s) models.emplace_back(width, s);
  dist::split_items(
      static_cast<int64_t>(models.size()),
      [&](int64_t i) {
        rc.pause_point();  // between models: the last point is on show while the run is held
        const auto [width, s] = models[static_cast<size_t>(i)];
        const uint64_t seed = seed0 + uint64_t(s);
        std::ostringstream spec;
        spec << "mlp:in=" << in << ",width=" << width << ",depth=" << request.depth << ",out=" << outputs
             << ",act=relu,param=" << request.param << ",seed=" << seed;
        auto model = make_model(spec.str(), {in}, request.compute);
        Json stages_done = Json::array();
        stages_done.push_back(to_json(measure(model, "init", width, seed)));
        if (request.epochs > 0) {
          TrainOptions to = request.training;
          to.epochs = request.epochs;
          to.seed = seed;
          train_model(*model, train_flat, nullptr, to, quiet);
          stages_done.push_back(to_json(measure(model, "trained", width, seed)));
        }
        return json_text(stages_done);
      },
      [&](int64_t, const std::string& text) {
        for (const Json& j : parse_json(text, "a width point")) {
          points.push_back(pntk_width_point_of(j, "a width point"));
          const PntkWidthPoint& p = points.back();
          rc.report(int64_t(points.size()), total,
                    p.stage + ", width " + std::to_string(p.width) + ", seed " + std::to_string(p.seed));
          if (rc.partial) rc.publish(kPntkWidthPointKind, PntkWidthUpdate{p, fits_over(points, 0)});
        }
      });

  // Over every width, and over the wide end only (the asymptotic regime the theorems describe).
  add_fits(points, 0, result.fits);
  if (request.fit_min_width > request.widths.front()) add_fits(points, request.fit_min_width, result.fits);
  if (out.enabled()) {
    std::ostringstream csv;
    csv.precision(10);
    csv << "stage,width,seed,params,rel_frobenius,rel_lambda_max,rel_prediction,rel_prediction_ridge,"
           "heldout_accuracy,heldout_accuracy_pntk,seconds\n";
    for (const auto& p : points)
      csv << p.stage << "," << p.width << "," << p.seed << "," << p.params << "," << p.rel_frobenius << ","
          << p.rel_lambda_max << "," << p.rel_prediction << "," << p.rel_prediction_ridge << ","
          << p.heldout_accuracy << "," << p.heldout_accuracy_pntk << "," << p.seconds << "\n";
    result.files = {out.final_path("width.csv"), out.final_path("width.json")};
    out.write_text("width.csv", csv.str());
    out.write_text("width.json", json_text(to_json(result), 1) + "\n");
    out.commit();
  }
  return result;
}

}  // namespace ts
