#include "BenchmarkCatalog.h"

#include <set>
#include <string>

#include "AlAblationBench.h"
#include "AlRetrainBench.h"
#include "BlockBench.h"
#include "CoverageBench.h"
#include "DynamicsBench.h"
#include "PntkBenchOptions.h"
#include "RealBench.h"
#include "ScalingBench.h"
#include "SeedBench.h"
#include "core/Numbers.h"

namespace ts::bench {

namespace {

using Names = std::vector<std::string>;
using Overrides = std::vector<OptionOverride>;

template <class T>
std::vector<T> operator+(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string text(int64_t v) { return std::to_string(v); }
std::string text(double v) { return format_number(v); }
std::string text(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}
template <class I>
std::string text(const std::vector<I>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}
// As --memory-budget takes it: 8G, 512M, or bytes.
std::string bytes_text(int64_t b) {
  if (b > 0 && b % (int64_t(1) << 30) == 0) return std::to_string(b >> 30) + "G";
  if (b > 0 && b % (int64_t(1) << 20) == 0) return std::to_string(b >> 20) + "M";
  return std::to_string(b);
}

Overrides compute_defaults(const ComputeConfig& c) {
  return {by_default("device", c.device), by_default("dtype", c.dtype),
          by_default("threads", text(int64_t(c.threads))), by_default("seed", std::to_string(c.seed)),
          by_default("memory-budget", bytes_text(c.memory_budget))};
}

Overrides training_defaults(const TrainOptions& t) {
  return {by_default("epochs", text(int64_t(t.epochs))),
          by_default("batch-size", text(t.batch_size)),
          by_default("lr", text(t.lr)),
          by_default("optimizer", t.optimizer),
          by_default("loss", t.loss),
          by_default("momentum", text(t.momentum)),
          by_default("weight-decay", text(t.weight_decay)),
          by_default("schedule", t.schedule)};
}

// Every option of active learning, from a request (its empty members: no default).
Overrides al_defaults(const AlRequest& r) {
  const LookaheadOptions& l = r.lookahead;
  return compute_defaults(r.compute) + training_defaults(r.training) +
         Overrides{by_default("model", r.model),
                   by_default("data", r.data),
                   r.test_data.empty() ? by_default("test-data", "")
                                       : by_help("test-data", "held-out data", r.test_data),
                   by_default("test-size", r.test_size > 0 ? text(r.test_size) : ""),
                   by_default("params", r.params),
                   by_default("strategy", text(r.strategies)),
                   by_default("initial", text(r.initial)),
                   by_default("query", text(r.query)),
                   by_default("cycles", text(int64_t(r.cycles))),
                   by_default("seeds", text(int64_t(r.seeds))),
                   by_default("pool-subset", text(r.pool_subset)),
                   by_default("kernel", r.kernel),
                   by_default("retrain", r.retrain),
                   by_default("preset", r.preset),
                   by_default("reference", l.reference),
                   by_default("lookahead-time", text(l.time)),
                   by_default("lookahead-lr", text(l.lr)),
                   by_default("lookahead-momentum", text(l.momentum)),
                   by_default("lookahead-ridge", text(l.ridge)),
                   by_default("lookahead-ridge-per-cycle", text(l.ridge_per_cycle)),
                   by_default("lookahead-ridge-start", text(int64_t(l.ridge_start_cycle))),
                   by_default("temperature", text(l.temperature))};
}

Overrides hazelden_defaults(const SeedBenchOptions& o) {
  return compute_defaults(o.compute) +
         Overrides{by_default("repeats", text(int64_t(o.repeats))),
                   by_default("budgets", text(o.budgets)),
                   by_default("methods", text(o.methods)),
                   by_help("baseline-limit",
                           "products the dense baseline may spend before it is extrapolated (0: all d)",
                           text(o.baseline_limit)),
                   by_default("workload-model", o.model),
                   by_default("workload-data", o.data)};
}

const Names kWorkload{"workload-model", "workload-data"};

std::vector<CommandInfo> make_benchmarks() {
  const Names compute = compute_option_names();
  const DynamicsBenchOptions dyn;
  const CoverageBenchOptions cov;
  const PntkWidthBenchOptions width;
  const PntkSpeedBenchOptions speed;
  const RealBenchOptions real;
  const BlockBenchOptions block;
  const ScalingBenchOptions scaling;
  const AlRetrainBenchOptions retrain;
  const Overrides scaling_defaults =
      compute_defaults(scaling.compute) +
      Overrides{
          by_default("methods", text(scaling.methods)),
          by_range("matvecs", 1, 1000000000, text(scaling.matvecs)),
          by_help("repeats", "runs of each estimate, whose median is taken", text(int64_t(scaling.repeats))),
          by_default("ranks", text(scaling.ranks)),
          by_default("rounds", text(int64_t(scaling.rounds))),
          by_default("workload-model", scaling.model),
          by_default("workload-data", scaling.data)};
  std::vector<CommandInfo> b = {
      {"hazelden-mlp", "Hazelden's MLP workload: estimators against the dense baseline",
       compute + Names{"repeats", "budgets", "methods", "baseline-limit"} + kWorkload + Names{"json"},
       Names{"seed-mlp"}, hazelden_defaults(hazelden_workload("mlp"))},
      {"hazelden-gru", "Hazelden's GRU workload: estimators against the dense baseline",
       compute + Names{"repeats", "budgets", "methods", "baseline-limit"} + kWorkload + Names{"json"},
       Names{"seed-gru"}, hazelden_defaults(hazelden_workload("gru"))},
      {"hazelden-dynamics",
       "Hazelden's training workload: NTK metrics during training, estimators against exact values per "
       "snapshot",
       compute + Names{"repeats", "epochs", "probe-n", "train-subset", "budgets", "methods"} + kWorkload +
           Names{"test-data", "json"},
       Names{"seed-dynamics"},
       compute_defaults(dyn.compute) +
           Overrides{
               by_default("repeats", text(int64_t(dyn.repeats))),
               by_default("epochs", text(int64_t(dyn.epochs))), by_default("probe-n", text(dyn.probe_n)),
               by_help("train-subset", "training images used (0: all)", text(dyn.train_subset)),
               by_default("budgets", text(dyn.budgets)), by_default("methods", text(dyn.methods)),
               by_default("workload-model", dyn.model), by_default("workload-data", dyn.data),
               by_help("test-data", "held-out data (a seeded subset of probe-n points is the probe batch)",
                       dyn.test_data)}},
      {"calibration",
       "the calibration table: for each estimator, network and budget, how often ±2σ covers the exact trace "
       "and the mean z² over many seeds (also the per-layer bars); each kernel is formed in float64, and "
       "--dtype float32 takes the products with a float32 copy of it",
       compute + Names{"kernels", "methods", "budgets", "seeds", "layer-seeds", "per-seed", "models",
                       "fixtures", "json"},
       Names{"coverage"},
       compute_defaults(cov.compute) +
           Overrides{by_default("kernels",
                                [&] {
                                  std::string s;
                                  for (const auto& k : cov.kernels) s += (s.empty() ? "" : ";") + k;
                                  return s;
                                }()),
                     by_help("methods",
                             "estimators to run, comma-separated, and layers (the per-group bars of layers)",
                             text(cov.methods)),
                     by_default("budgets", text(cov.budgets)),
                     by_range("seeds", 2, 1000000, text(int64_t(cov.seeds))),
                     by_range("layer-seeds", 2, 1000000, text(int64_t(cov.layer_seeds))),
                     by_default("models", cov.models), by_default("fixtures", cov.fixtures)}},
      {"pntk-width",
       "pNTK errors against width, with log-log slopes",
       compute + training_option_names() +
           Names{"out", "data", "widths", "seeds", "depth", "batch", "heldout", "ridge", "param", "train-n",
                 "fit-min-width", "json"},
       {},
       compute_defaults(width.job.compute) + training_defaults(width.job.training) +
           Overrides{by_help("epochs", "epochs of the trained stage (standard parameterisation only)",
                             text(int64_t(width.epochs))),
                     by_default("data", width.job.data), by_default("widths", text(width.job.widths)),
                     by_default("seeds", text(int64_t(width.job.seeds))),
                     by_default("depth", text(width.job.depth)), by_default("batch", text(width.job.batch)),
                     by_help("heldout", "points of the batch kept out for the kernel regression",
                             text(width.job.heldout)),
                     by_default("ridge", text(width.job.ridge)), by_default("param", text(width.params)),
                     by_default("train-n", text(width.job.train_n)),
                     by_default("fit-min-width", text(width.job.fit_min_width))}},
      {"pntk-speed",
       "pNTK against eNTK: time and memory",
       compute + Names{"outputs", "n", "width", "repeats"} + kWorkload + Names{"json"},
       {},
       compute_defaults(speed.compute) +
           Overrides{
               by_default("outputs", text(speed.outputs)), by_default("n", text(speed.n)),
               by_default("width", text(speed.width)),
               by_help("repeats", "runs of each kernel, whose median time is taken", text(speed.repeats)),
               by_help("workload-model",
                       "replace the benchmark's model (mlp:in=64,width=W,depth=3,out=O,seed=0 for each "
                       "output count O)"),
               by_help("workload-data", "replace the benchmark's data (digits:n=N)")}},
      {"real",
       "ResNet-18 at real size: trace, ‖K‖_F and r_eff to 1% on CIFAR-shaped batches of 100 and 1,000",
       compute + Names{"workload-model", "batches", "estimator", "target", "max-matvecs", "baseline-limit",
                       "block", "repeats", "json"},
       {},
       compute_defaults(real.compute) +
           Overrides{
               by_help("workload-model", "the TorchScript model (scripts/export-model resnet18; required)"),
               by_default("batches", text(real.batches)), by_default("estimator", real.estimator),
               by_default("target", text(real.target)),
               by_range("max-matvecs", 1, 1000000000, text(real.max_matvecs)),
               by_help("baseline-limit",
                       "the exact trace runs when d is at most this; beyond, it is "
                       "extrapolated from timed VJPs",
                       text(real.exact_limit)),
               by_range("block", 1, 4096, text(real.block)),
               by_help("repeats", "blocks of products timed for the per-product costs", text(real.repeats))}},
      {"block-products",
       "VJPs, JVPs and K u per vector in blocks of 8, 16, 32 against one at a time, on a TorchScript model",
       compute + Names{"workload-model", "n", "blocks", "rounds", "json"},
       {},
       compute_defaults(block.compute) +
           Overrides{by_help("workload-model", "the TorchScript model (scripts/export-model; required)"),
                     by_range("n", 1, 100000, text(block.n)), by_default("blocks", text(block.blocks)),
                     by_range("rounds", 1, 100, text(int64_t(block.rounds)))}},
      {"scaling",
       "strong scaling over ranks of this machine (one thread each): estimates and the exact trace, time in "
       "collectives, a model for N ranks",
       compute + Names{"ranks", "rounds", "methods", "matvecs", "repeats", "no-exact"} + kWorkload +
           Names{"json"},
       {},
       scaling_defaults},
      {"scaling-point",
       "one point of bench scaling: run it as every rank (under launch)",
       compute + Names{"methods", "matvecs", "repeats", "no-exact"} + kWorkload + Names{"json"},
       {},
       scaling_defaults},
      {"al-ablation",
       "look-ahead active learning as published: MLMOC under each objective, predictor and learner against "
       "random, entropy, margin and BADGE, with 95% t-intervals over seeds (MNIST by default, at rate 0.05; "
       "with --data, the published rate 1.25)",
       al_option_names() + Names{"configs", "resume"},
       {},
       al_defaults(al_ablation_base())},
      {"al-retrain",
       "the look-ahead's predicted output change against real SGD retraining",
       al_option_names() +
           Names{"candidates", "retrain-epochs", "retrain-lr", "retrain-optimizer", "retrain-batch-size"},
       {},
       al_defaults(retrain.job) +
           Overrides{by_default("candidates", text(retrain.validation.candidates)),
                     by_default("retrain-epochs", text(int64_t(retrain.validation.retraining.epochs))),
                     by_default("retrain-lr", text(retrain.validation.retraining.lr)),
                     by_default("retrain-optimizer", retrain.validation.retraining.optimizer),
                     by_default("retrain-batch-size", text(retrain.validation.retraining.batch_size))}},
  };
  for (auto& c : b) {
    c.benchmark = true;
    // Option lists are built from overlapping groups (json, seed, …): keep each name once, in first order.
    std::set<std::string> seen;
    Names kept;
    for (const auto& o : c.options)
      if (seen.insert(o).second) kept.push_back(o);
    c.options = std::move(kept);
  }
  return b;
}

}  // namespace

const std::vector<CommandInfo>& benchmark_catalog() {
  static const std::vector<CommandInfo> b = make_benchmarks();
  return b;
}

}  // namespace ts::bench
