// Active learning as JSON: al.json, `al --json` and `bench al-retrain` (docs/FORMATS.md). Fields, order and
// presence are those scripts read: optional parts are written only where they exist.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "active_learning/LookaheadValidation.h"
#include "core/Errors.h"
#include "io/ResultJson.h"
#include "jobs/AlJob.h"

namespace ts {

namespace {

Json to_json(const AlQuery& q) {
  Json e = Json::object();
  e["index"] = q.index;
  e["score"] = q.score;  // NaN (random) is written as null
  e["true_label"] = q.true_label;
  e["pseudo_label"] = q.pseudo_label;
  if (q.output) e["output"] = *q.output;
  if (q.predicted_change) e["predicted_change"] = *q.predicted_change;
  if (q.pixels) e["pixels"] = *q.pixels;
  if (q.x) e["x"] = *q.x;
  return e;
}

// [x, y, class], the class an integer.
Json to_json(const AlPoint2d& p) {
  Json a = Json::array();
  a.push_back(p.x);
  a.push_back(p.y);
  a.push_back(p.label);
  return a;
}

Json to_json(const AlRun& run) {
  Json j = Json::object();
  j["strategy"] = run.strategy;
  j["seed"] = run.seed;
  Json cycles = Json::array();
  for (const auto& c : run.cycles) cycles.push_back(to_json(c));
  j["cycles"] = cycles;
  return j;
}

Json to_json(const RetrainCandidate& r) {
  Json j = Json::object();
  j["pool_position"] = r.pool_position;
  j["pseudo_label"] = r.pseudo_label;
  j["score_ntk"] = r.score_ntk;
  j["score_sgd"] = r.score_sgd;
  j["correlation"] = r.correlation;
  j["relative_error"] = r.relative_error;
  j["sgd_seconds"] = r.sgd_seconds;
  j["effect_score_ntk"] = r.effect_score_ntk;
  j["effect_score_sgd"] = r.effect_score_sgd;
  j["effect_correlation"] = r.effect_correlation;
  j["effect_relative_error"] = r.effect_relative_error;
  return j;
}

}  // namespace

Json to_json(const AlRequest& job) {
  Json j = Json::object();
  j["model"] = job.model;
  j["data"] = job.data;
  j["test_data"] = job.test_data;
  j["test_size"] = job.test_size;
  j["standardize"] = job.standardize;
  j["input_shape"] = job.input_shape;
  if (!job.output.empty()) j["output"] = job.output;
  j["params"] = job.params;
  j["compute"] = to_json(job.compute);
  j["strategies"] = job.strategies;
  j["initial"] = job.initial;
  if (job.initial == 0)  // allowed for strategies that need no model, and said so rather than silently
    j["cold_start"] =
        "--initial 0: cycle 0 reports the untrained model, and the first labels are chosen without one";
  j["stratified"] = job.stratified;
  j["query"] = job.query;
  j["cycles"] = job.cycles;
  j["seeds"] = job.seeds;
  j["pool_subset"] = job.pool_subset;
  j["kernel"] = job.kernel;
  j["sequential"] = job.sequential;
  j["retrain"] = job.retrain;
  const LookaheadOptions& o = job.lookahead;
  Json la = Json::object();
  la["reference"] = o.reference;
  la["time"] = std::isinf(o.time) ? Json("inf") : Json(o.time);  // ∞: kernel regression
  la["lr"] = o.lr;
  la["momentum"] = o.momentum;
  la["ridge"] = o.ridge;
  la["ridge_per_cycle"] = o.ridge_per_cycle;
  la["ridge_start_cycle"] = o.ridge_start_cycle;
  la["temperature"] = o.temperature;
  j["lookahead"] = la;
  j["training"] = to_json(job.training);
  if (!job.preset.empty()) j["preset"] = job.preset;
  return j;
}

Json to_json(const AlCycle& c) {
  Json row = Json::object();
  row["strategy"] = c.strategy;
  row["seed"] = c.seed;
  row["cycle"] = c.cycle;
  row["labels"] = c.labels;
  row["test_accuracy"] = c.test_accuracy;
  row["test_loss"] = c.test_loss;
  row["train_seconds"] = c.train_seconds;
  row["query_seconds"] = c.query_seconds;
  row["seconds"] = c.seconds;
  if (c.kernel_seconds) row["kernel_seconds"] = *c.kernel_seconds;
  if (c.kernel_shift) row["kernel_shift"] = *c.kernel_shift;
  if (c.note) row["note"] = *c.note;
  Json queried = Json::array();
  for (const auto& q : c.queried) queried.push_back(to_json(q));
  row["queried"] = queried;
  if (c.image_shape) row["image_shape"] = *c.image_shape;
  if (c.points2d) {
    Json l = Json::array(), u = Json::array();
    for (const auto& p : c.points2d->labelled) l.push_back(to_json(p));
    for (const auto& p : c.points2d->pool) u.push_back(to_json(p));
    Json pts = Json::object();
    pts["labelled"] = l;
    pts["pool"] = u;
    row["points2d"] = pts;
  }
  return row;
}

namespace {

template <class T>
std::optional<T> optional_of(const Json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

AlPoint2d point_of(const Json& a) {
  if (!a.is_array() || a.size() != 3) throw InputError("a 2-D point is not [x, y, class]");
  return {a[0].get<double>(), a[1].get<double>(), a[2].get<int64_t>()};
}

}  // namespace

AlCycle al_cycle_of(const Json& j, const std::string& what) {
  try {
    AlCycle c;
    c.strategy = j.at("strategy").get<std::string>();
    c.seed = json_unsigned(j.at("seed"), "seed");
    c.cycle = j.at("cycle").get<int>();
    c.labels = j.at("labels").get<int64_t>();
    c.test_accuracy = j.at("test_accuracy").get<double>();
    c.test_loss = j.at("test_loss").is_null() ? std::numeric_limits<double>::quiet_NaN()
                                              : j.at("test_loss").get<double>();
    c.train_seconds = j.at("train_seconds").get<double>();
    c.query_seconds = j.at("query_seconds").get<double>();
    c.seconds = j.at("seconds").get<double>();
    c.kernel_seconds = optional_of<double>(j, "kernel_seconds");
    c.kernel_shift = optional_of<double>(j, "kernel_shift");
    c.note = optional_of<std::string>(j, "note");
    for (const auto& e : j.at("queried")) {
      AlQuery q;
      q.index = e.at("index").get<int64_t>();
      q.score =
          e.at("score").is_null() ? std::numeric_limits<double>::quiet_NaN() : e.at("score").get<double>();
      q.true_label = e.at("true_label").get<int64_t>();
      q.pseudo_label = e.at("pseudo_label").get<int64_t>();
      q.output = optional_of<std::vector<double>>(e, "output");
      q.predicted_change = optional_of<std::vector<double>>(e, "predicted_change");
      q.pixels = optional_of<std::vector<double>>(e, "pixels");
      q.x = optional_of<std::vector<double>>(e, "x");
      c.queried.push_back(std::move(q));
    }
    c.image_shape = optional_of<std::vector<int64_t>>(j, "image_shape");
    if (c.image_shape) {
      int64_t n = 1;
      for (int64_t s : *c.image_shape) n *= s > 0 && s < 1 << 16 ? s : 0;
      for (const auto& q : c.queried)
        if (c.image_shape->size() != 3 || !q.pixels || static_cast<int64_t>(q.pixels->size()) != n)
          throw InputError("the queried images do not match image_shape");
    }
    if (j.contains("points2d")) {
      AlPoints2d pts;
      for (const auto& p : j.at("points2d").at("labelled")) pts.labelled.push_back(point_of(p));
      for (const auto& p : j.at("points2d").at("pool")) pts.pool.push_back(point_of(p));
      c.points2d = std::move(pts);
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": an active-learning cycle is malformed (" + e.what() + ")");
  } catch (const InputError& e) {
    throw InputError(what + ": " + e.what());
  }
}

Json to_json(const AlResult& r) {
  Json j = Json::object();
  j["config"] = to_json(r.request);
  j["train_data"] = r.train_data;
  j["test_data"] = r.test_data;
  j["train_size"] = r.train_size;
  j["test_size"] = r.test_size;
  j["seeds"] = r.seeds;
  Json runs = Json::array();
  for (const auto& run : r.runs) runs.push_back(to_json(run));
  j["runs"] = runs;
  return j;
}

Json to_json(const RetrainValidationResult& r) {
  Json out = Json::object();
  out["kernel"] = r.kernel;
  out["labelled"] = r.labelled;
  out["pool"] = r.pool;
  out["candidates"] = r.candidates;
  out["kernel_shift"] = r.kernel_shift;
  out["kernel_seconds"] = r.kernel_seconds;
  out["ntk_seconds_total"] = r.ntk_seconds_total;
  out["ntk_seconds_per_candidate"] = r.ntk_seconds_per_candidate;
  out["sgd_seconds_per_candidate"] = r.sgd_seconds_per_candidate;
  out["speedup"] = r.speedup;
  out["mean_change_correlation"] = r.mean_change_correlation;
  out["mean_relative_error"] = r.mean_relative_error;
  out["score_correlation"] = r.score_correlation;
  out["score_rank_correlation"] = r.score_rank_correlation;
  out["mean_effect_correlation"] = r.mean_effect_correlation;
  out["mean_effect_relative_error"] = r.mean_effect_relative_error;
  out["effect_score_correlation"] = r.effect_score_correlation;
  out["effect_score_rank_correlation"] = r.effect_score_rank_correlation;
  out["common_part_relative_size"] = r.common_part_relative_size;
  out["retraining"] = to_json(r.retraining);
  Json rows = Json::array();
  for (const auto& c : r.per_candidate) rows.push_back(to_json(c));
  out["per_candidate"] = rows;
  // run_retrain_validation's additions, after the rows as before.
  if (r.train_seconds) out["train_seconds"] = *r.train_seconds;
  if (r.initial_test_accuracy) out["initial_test_accuracy"] = *r.initial_test_accuracy;
  if (r.request) out["config"] = to_json(*r.request);
  if (r.blas) out["blas"] = *r.blas;
  return out;
}

}  // namespace ts
