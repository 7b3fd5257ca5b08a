// Active learning as JSON: al.json, `al --json` and `bench al-retrain` (docs/FORMATS.md), declared once as
// `fields` lists (core/JsonFields.h). Fields, order and presence are those scripts read: optional parts are
// written only where they exist.
#include "active_learning/AlResultJson.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "active_learning/AlCycleJson.h"
#include "active_learning/LookaheadValidation.h"
#include "core/ConfigJson.h"
#include "core/Errors.h"
#include "core/JsonFields.h"
#include "jobs/AlJob.h"

namespace ts {

template <class V>
void fields(V& v, AlRun& run) {
  v("strategy", run.strategy);
  v("seed", run.seed);
  v("cycles", run.cycles);
}

template <class V>
void fields(V& v, RetrainCandidate& r) {
  v("pool_position", r.pool_position);
  v("pseudo_label", r.pseudo_label);
  v("score_ntk", r.score_ntk);
  v("score_sgd", r.score_sgd);
  v("correlation", r.correlation);
  v("relative_error", r.relative_error);
  v("sgd_seconds", r.sgd_seconds);
  v("effect_score_ntk", r.effect_score_ntk);
  v("effect_score_sgd", r.effect_score_sgd);
  v("effect_correlation", r.effect_correlation);
  v("effect_relative_error", r.effect_relative_error);
}

template <class V>
void fields(V& v, AlRequest& job) {
  v("model", job.model);
  v("data", job.data);
  v("test_data", job.test_data);
  v("test_size", job.test_size);
  v("standardize", job.standardize);
  v("input_shape", job.input_shape);
  v.omit_empty("output", job.output);
  v("params", job.params);
  v("compute", job.compute);
  v("strategies", job.strategies);
  v("initial", job.initial);
  if (job.initial == 0)  // allowed for strategies that need no model, and said so rather than silently
    v.derived("cold_start",
              std::string("--initial 0: cycle 0 reports the untrained model, and the first labels "
                          "are chosen without one"));
  v("stratified", job.stratified);
  v("query", job.query);
  v("cycles", job.cycles);
  v("seeds", job.seeds);
  v("pool_subset", job.pool_subset);
  v("kernel", job.kernel);
  v("sequential", job.sequential);
  v("retrain", job.retrain);
  LookaheadOptions& o = job.lookahead;
  v.object("lookahead", [&](auto& la) {
    la("reference", o.reference);
    la.derived("time", std::isinf(o.time) ? Json("inf") : Json(o.time));  // ∞: kernel regression
    la("lr", o.lr);
    la("momentum", o.momentum);
    la("ridge", o.ridge);
    la("ridge_per_cycle", o.ridge_per_cycle);
    la("ridge_start_cycle", o.ridge_start_cycle);
    la("temperature", o.temperature);
  });
  v("training", job.training);
  v.omit_empty("preset", job.preset);
}

template <class V>
void fields(V& v, AlResult& r) {
  v("config", r.request);
  v("train_data", r.train_data);
  v("test_data", r.test_data);
  v("train_size", r.train_size);
  v("test_size", r.test_size);
  v("seeds", r.seeds);
  v("runs", r.runs);
}

template <class V>
void fields(V& v, RetrainValidationResult& r) {
  v("kernel", r.kernel);
  v("labelled", r.labelled);
  v("pool", r.pool);
  v("candidates", r.candidates);
  v("kernel_shift", r.kernel_shift);
  v("kernel_seconds", r.kernel_seconds);
  v("ntk_seconds_total", r.ntk_seconds_total);
  v("ntk_seconds_per_candidate", r.ntk_seconds_per_candidate);
  v("sgd_seconds_per_candidate", r.sgd_seconds_per_candidate);
  v("speedup", r.speedup);
  v("mean_change_correlation", r.mean_change_correlation);
  v("mean_relative_error", r.mean_relative_error);
  v("score_correlation", r.score_correlation);
  v("score_rank_correlation", r.score_rank_correlation);
  v("mean_effect_correlation", r.mean_effect_correlation);
  v("mean_effect_relative_error", r.mean_effect_relative_error);
  v("effect_score_correlation", r.effect_score_correlation);
  v("effect_score_rank_correlation", r.effect_score_rank_correlation);
  v("common_part_relative_size", r.common_part_relative_size);
  v("retraining", r.retraining);
  v("per_candidate", r.per_candidate);
  // run_retrain_validation's additions, after the rows as before.
  v("train_seconds", r.train_seconds);
  v("initial_test_accuracy", r.initial_test_accuracy);
  v("config", r.request);
  v("blas", r.blas);
}

Json to_json(const AlRequest& r) { return write_fields(r); }
Json to_json(const AlResult& r) { return write_fields(r); }
Json to_json(const RetrainValidationResult& r) { return write_fields(r); }

}  // namespace ts
