// tangentscope-cli al / bench al-retrain: pool-based active learning with NTK look-ahead (docs/MATH.md §7),
// and the check of the look-ahead's linearised retraining against real SGD retraining.
#include <any>
#include <cmath>
#include <ostream>
#include <string>
#include <utility>

#include "AlAblationBench.h"
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
  if (a.has("preset")) apply_al_preset(a.get("preset"), job);  // the options below override it
  job.model = a.get("model", job.model);
  job.data = a.get("data", job.data);
  job.test_data = a.get("test-data", job.test_data);
  job.test_size = a.get_int("test-size", job.test_size, 0, kMaxCount);
  job.standardize = job.standardize || a.flag("standardize");
  job.input_shape = a.get("input-shape", job.input_shape);
  job.output = a.get("output", job.output);
  job.params = a.get("params", job.params);
  const ComputeConfig base = job.compute;
  job.compute = compute_from(a);
  if (!a.has("dtype")) job.compute.dtype = base.dtype;
  if (!a.has("threads")) job.compute.threads = base.threads;
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

int cmd_bench_al_ablation(const Args& a, std::ostream& out, std::ostream& log) {
  bench::AlAblationOptions o;
  // The published set-up on MNIST unless the options say otherwise.
  AlRequest base;
  apply_al_preset("published", base);
  base.model = "mlp:in=784,width=32,depth=2,out=10";
  if (!a.has("data")) {
    base.data = "mnist";
    base.test_data = "mnist:split=test";
    // The published peak rate 1.25 is a ResNet-18's with batch norm: continued from cycle to cycle, this
    // MLP's training collapses with it (docs/RESULTS.md §5); 0.05 was the best from scratch at 100 and 300
    // labels.
    base.training.lr = 0.05;
  }
  base.compute.dtype = "float32";
  base.compute.threads = 1;
  o.base = al_job_over(base, a);
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

int cmd_bench_al_retrain(const Args& a, std::ostream& out) {
  AlRequest job = al_job_from(a);
  if (!a.has("initial")) job.initial = 100;
  if (!a.has("pool-subset")) job.pool_subset = 500;
  if (!a.has("strategy")) job.strategies = {"mlmoc"};
  // Wide enough for the linearisation to hold (at width 128 the scores' rank correlation drops;
  // docs/RESULTS.md).
  if (!a.has("model")) job.model = "mlp:in=64,width=512,depth=2,out=10";
  const std::string dir = a.get("out");
  if (!dir.empty()) ensure_output_dir(dir);  // fail before any work
  RetrainValidationOptions o;
  o.candidates = a.get_int("candidates", 20, 1, 1000000);
  // The retraining the linearisation describes: full-batch gradient descent on the MSE loss, run long (f_lin
  // is its limit). Mini-batch Adam for a few epochs is far from that limit and correlates poorly
  // (docs/RESULTS.md).
  o.retraining = job.training;
  o.retraining.epochs = static_cast<int>(a.get_int("retrain-epochs", 2000, 0, 10000000));
  o.retraining.lr = a.get_double("retrain-lr", 0.1);
  if (!(o.retraining.lr > 0) || !std::isfinite(o.retraining.lr))
    throw InputError("--retrain-lr must be a positive number, got " + a.get("retrain-lr"));
  o.retraining.optimizer = a.get("retrain-optimizer", "sgd");
  o.retraining.batch_size = a.get_int("retrain-batch-size", 1 << 20, 1, kMaxCount);
  o.seed = job.compute.seed;
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
