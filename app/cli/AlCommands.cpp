// tangentscope-cli al / bench al-retrain: pool-based active learning with NTK look-ahead (docs/MATH.md §7),
// and the check of the look-ahead's linearised retraining against real SGD retraining.
#include <any>
#include <cmath>
#include <ostream>
#include <string>
#include <utility>

#include "AlAblationBench.h"
#include "AlRetrainBench.h"
#include "CliCommon.h"
#include "RunInfo.h"
#include "active_learning/LookaheadValidation.h"
#include "core/Errors.h"
#include "core/Runtime.h"
#include "io/OutputFiles.h"
#include "jobs/AlJob.h"
#include "results/ResultJson.h"

namespace ts::cli {

namespace {

// The options over `job`: each one given replaces its field (a preset first, then the rest).
AlRequest al_job_over(AlRequest job, const Args& a) {
  // The options below override the preset; the preset the request already starts from is not applied again
  // (bench al-ablation's base: its own choices, such as MNIST's rate, stay).
  if (a.has("preset") && a.get("preset") != job.preset) apply_al_preset(a.get("preset"), job);
  job.model = a.get("model", job.model);
  job.data = a.get("data", job.data);
  job.test_data = a.get("test-data", job.test_data);
  job.test_size = a.get_int("test-size", job.test_size, 0, kMaxCount);
  job.standardize = job.standardize || a.flag("standardize");
  job.input_shape = a.get("input-shape", job.input_shape);
  job.output = a.get("output", job.output);
  job.params = a.get("params", job.params);
  job.compute = compute_from(a, job.compute);
  if (a.has("strategy")) job.strategies = split_list(a.get("strategy"));
  job.initial = a.get_int("initial", job.initial, 0, kMaxCount);
  if (a.flag("random-initial")) job.stratified = false;
  job.query = a.get_int("query", job.query, 1, kMaxCount);
  job.cycles = static_cast<int>(a.get_int("cycles", job.cycles, 1, 1000000));
  job.seeds = static_cast<int>(a.get_int("seeds", job.seeds, 1, 1000000));
  job.pool_subset = a.get_int("pool-subset", job.pool_subset, 0, kMaxCount);
  job.kernel = a.get("kernel", job.kernel);
  job.sequential = job.sequential || a.flag("sequential");
  job.retrain = a.get("retrain", job.retrain);
  LookaheadOptions& o = job.lookahead;
  o.reference = a.get("reference", o.reference);
  o.time = a.get_double("lookahead-time", o.time);
  o.lr = a.get_double("lookahead-lr", o.lr);
  o.momentum = a.get_double("lookahead-momentum", o.momentum);
  o.ridge = a.get_double("lookahead-ridge", o.ridge);
  o.ridge_per_cycle = a.get_double("lookahead-ridge-per-cycle", o.ridge_per_cycle);
  o.ridge_start_cycle = static_cast<int>(a.get_int("lookahead-ridge-start", o.ridge_start_cycle, 1, 1000000));
  o.temperature = a.get_double("temperature", o.temperature);
  job.training = training_from(a, job.training);
  return job;
}

AlRequest al_job_from(const Args& a) {
  AlRequest job;
  return al_job_over(std::move(job), a);
}

}  // namespace

int cmd_al(const Args& a, std::ostream& out) {
  if (!a.has("out"))
    throw InputError("--out DIR is required (al.json, curves.csv and queries.csv are written there)");
  AlRequest job = al_job_from(a);
  job.out_dir = a.get("out");
  const bool json = a.flag("json");
  RunControl rc = cli_control();
  if (!json)
    rc.partial = [&out](const PartialResult& p) {
      if (p.kind != "al-cycle") return;
      const AlCycle& c = std::any_cast<const AlCycle&>(p.value);
      out << c.strategy << ", seed " << std::to_string(c.seed) << ", cycle " << std::to_string(c.cycle)
          << ": " << std::to_string(c.labels) << " labels, test accuracy " << fmt(c.test_accuracy)
          << ", loss " << fmt(c.test_loss) << " (train " << fmt(c.train_seconds) << " s, query "
          << fmt(c.query_seconds) << " s)\n"
          << std::flush;
    };
  if (job.initial == 0 && !json)
    out << "note: --initial 0 is a cold start: cycle 0 reports the untrained model, and the first labels are "
           "chosen "
           "without one\n";
  const AlResult result = run_al_job(job, rc);
  if (json)
    out << json_text(to_json(result)) << "\n";
  else
    out << "wrote " << job.out_dir << "/al.json, curves.csv, queries.csv\n";
  return 0;
}

AlRequest al_ablation_request(const Args& a) {
  // Data other than the default MNIST is the user's own (--data mnist itself keeps the MNIST set-up).
  const bool own_data = a.has("data") && a.get("data") != bench::al_ablation_base().data;
  return al_job_over(bench::al_ablation_base(own_data), a);
}

int cmd_bench_al_ablation(const Args& a, std::ostream& out, std::ostream& log) {
  bench::AlAblationOptions o;
  o.base = al_ablation_request(a);
  if (a.has("configs")) o.keys = split_list(a.get("configs"));
  if (a.has("resume")) o.resume = split_list(a.get("resume"));
  o.out_dir = a.get("out");
  const Json r = bench::run_al_ablation(o, log);
  if (a.flag("json"))
    out << json_text(r) << "\n";
  else
    out << bench::format_al_ablation(r);
  if (!o.out_dir.empty()) log << "wrote " << o.out_dir << "/ablation.json, curves.csv\n";
  return 0;
}

bench::AlRetrainBenchOptions al_retrain_options(const Args& a) {
  bench::AlRetrainBenchOptions o;
  o.job = al_job_over(o.job, a);
  RetrainValidationOptions& v = o.validation;
  v.candidates = a.get_int("candidates", v.candidates, 1, 1000000);
  TrainOptions& t = v.retraining;
  const TrainOptions d = t;
  t = o.job.training;  // the learner's loss and regularisation; the retraining's own run below
  t.epochs = static_cast<int>(a.get_int("retrain-epochs", d.epochs, 0, 10000000));
  t.lr = a.get_double("retrain-lr", d.lr);
  if (!(t.lr > 0) || !std::isfinite(t.lr))
    throw InputError("--retrain-lr must be a positive number, got " + a.get("retrain-lr"));
  t.optimizer = a.get("retrain-optimizer", d.optimizer);
  t.batch_size = a.get_int("retrain-batch-size", d.batch_size, 1, kMaxCount);
  v.seed = o.job.compute.seed;
  return o;
}

int cmd_bench_al_retrain(const Args& a, std::ostream& out) {
  const bench::AlRetrainBenchOptions options = al_retrain_options(a);
  const AlRequest& job = options.job;
  const RetrainValidationOptions& o = options.validation;
  const std::string dir = a.get("out");
  if (!dir.empty()) ensure_output_dir(dir);  // fail before any work
  const RetrainValidationResult r = run_retrain_validation(job, o);
  Json report = to_json(r);
  bench::add_run_info(report);
  if (!dir.empty()) write_text_file(dir + "/al-retrain.json", json_text(report, 1));
  if (a.flag("json")) {
    out << json_text(report) << "\n";
    return 0;
  }
  out << "look-ahead (" << r.kernel << ") against SGD retraining: |L| = " << std::to_string(r.labelled)
      << ", |U| = " << std::to_string(r.pool) << ", " << std::to_string(r.candidates)
      << " candidates retrained (" << std::to_string(r.retraining.epochs) << " epochs "
      << r.retraining.optimizer << ", batch " << std::to_string(r.retraining.batch_size) << ", lr "
      << fmt(r.retraining.lr) << ", warm start)\n"
      << "  output change: mean correlation " << fmt(r.mean_change_correlation) << ", mean relative error "
      << fmt(r.mean_relative_error) << "\n"
      << "  MLMOC score across candidates: Pearson " << fmt(r.score_correlation) << ", Spearman "
      << fmt(r.score_rank_correlation) << "\n"
      << "  the effect of x′ alone (minus retraining on L alone, both ways): change correlation "
      << fmt(r.mean_effect_correlation) << ", relative error " << fmt(r.mean_effect_relative_error)
      << "; score Pearson " << fmt(r.effect_score_correlation) << ", Spearman "
      << fmt(r.effect_score_rank_correlation) << "\n"
      << "  time per candidate: NTK " << fmt(r.ntk_seconds_per_candidate) << " s (kernel "
      << fmt(r.kernel_seconds) << " s of " << fmt(r.ntk_seconds_total) << " s for the whole pool), SGD "
      << fmt(r.sgd_seconds_per_candidate) << " s: speed-up " << fmt(r.speedup) << "×\n"
      << "  BLAS: " << r.blas.value_or("") << "\n";
  if (!dir.empty()) out << "wrote " << dir << "/al-retrain.json\n";
  return 0;
}

}  // namespace ts::cli
