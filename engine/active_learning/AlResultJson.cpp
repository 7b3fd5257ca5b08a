// Active learning as JSON: al.json, `al --json` and `bench al-retrain` (docs/FORMATS.md). Fields, order and
// presence are those scripts read: optional parts are written only where they exist.
#include "active_learning/AlResultJson.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "active_learning/LookaheadValidation.h"
#include "core/ConfigJson.h"
#include "core/Errors.h"
#include "jobs/AlJob.h"

namespace ts {

namespace {

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
