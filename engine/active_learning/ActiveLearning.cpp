#include "active_learning/ActiveLearning.h"
#include "core/Numbers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <utility>

#include "active_learning/AlResultJson.h"
#include "active_learning/Lookahead.h"
#include "active_learning/QueryStrategies.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "estimators/EstimatorSupport.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/Agreement.h"
#include "models/Model.h"
#include "training/Training.h"

namespace ts {

namespace {

std::string csv_num(double v) {
  if (!std::isfinite(v)) return "nan";
  return format_number(v, 10);
}

// The unlabelled points a cycle scores: all of them, or a seeded random subset of `m` (sorted, so positions
// are reproducible).
std::vector<int64_t> draw_pool(const std::vector<int64_t>& unlabelled, int64_t m, uint64_t seed) {
  if (m <= 0 || m >= static_cast<int64_t>(unlabelled.size())) return unlabelled;
  auto gen = make_generator(seed);
  const at::Tensor perm =
      at::randperm(static_cast<int64_t>(unlabelled.size()), gen, at::TensorOptions().dtype(at::kLong));
  std::vector<int64_t> pool;
  for (int64_t i = 0; i < m; ++i) pool.push_back(unlabelled[static_cast<size_t>(perm[i].item<int64_t>())]);
  std::sort(pool.begin(), pool.end());
  return pool;
}

}  // namespace

void validate_al_job(const AlRequest& job) {
  if (job.strategies.empty()) throw InputError("give at least one active-learning strategy (--strategy)");
  for (const auto& s : job.strategies) {
    const std::string c = canonical_strategy(s);  // throws for an unknown name
    if (job.initial == 0 && strategy_needs_model(c))
      throw InputError("strategy '" + c +
                       "' needs a model trained on labelled data: give --initial of at least 1");
  }
  if (job.initial < 0) throw InputError("--initial must be non-negative, got " + std::to_string(job.initial));
  if (job.query < 1) throw InputError("--query must be at least 1, got " + std::to_string(job.query));
  if (job.cycles < 1) throw InputError("--cycles must be at least 1, got " + std::to_string(job.cycles));
  if (job.seeds < 1) throw InputError("--seeds must be at least 1, got " + std::to_string(job.seeds));
  if (job.pool_subset < 0) throw InputError("--pool-subset must be non-negative");
  if (job.pool_subset > 0 && job.query > job.pool_subset)
    throw InputError("--query " + std::to_string(job.query) + " is more than the pool holds (--pool-subset " +
                     std::to_string(job.pool_subset) + ")");
  if (job.kernel != "pntk" && job.kernel != "entk")
    throw InputError("--kernel must be entk or pntk, got '" + job.kernel + "'");
  if (job.retrain != "scratch" && job.retrain != "warm")
    throw InputError("--retrain must be scratch or warm, got '" + job.retrain + "'");
  check_lookahead_options(job.lookahead);
}

const std::vector<std::string>& al_presets() {
  static const std::vector<std::string> names{"published"};
  return names;
}

void apply_al_preset(const std::string& name, AlRequest& job) {
  if (name != "published") throw InputError("unknown active-learning preset '" + name + "' (published)");
  // Mohamadi, Bae and Sutherland's code (ntk-lookahead-active-learning) as it runs, and the MNIST sizes of
  // their paper; docs/RESULTS.md §5 gives the source of each.
  job.strategies = {"random", "entropy", "margin", "badge", "mlmoc-pseudo-contrastive"};
  job.initial = 100;
  job.stratified = false;  // a random initial set
  job.query = 20;
  job.pool_subset = 4000;
  job.cycles = 10;
  job.seeds = 6;
  job.kernel = "pntk";  // trace_axes [-1]: the sum-of-logits pNTK
  job.sequential = false;
  job.retrain = "warm";  // each cycle continues from the last weights, with a fresh optimiser and schedule
  job.lookahead = LookaheadOptions{};
  job.lookahead.reference = "model";  // pseudo_label_strategy 'torch', the effective default
  job.lookahead.ridge = 1e-5;         // ntk_diag_reg, ntk_diag_reg_pc, from ntk_diag_reg_sc = 5 (0-based)
  job.lookahead.ridge_per_cycle = 1e-5;
  job.lookahead.ridge_start_cycle = 6;
  job.training.loss = "mse_mean";  // nn.MSELoss() on one-hot targets
  job.training.optimizer = "sgd";
  job.training.momentum = 0.9;  // cycled 0.95 → 0.85 → 0.95 by the schedule
  job.training.weight_decay = 1e-4;
  job.training.schedule = "one-cycle";
  job.training.lr = 1.25;  // OneCycleLR's max_lr
  job.training.epochs = 200;
  job.training.batch_size = 128;
  job.preset = name;
}

double lookahead_ridge(const LookaheadOptions& o, int cycle) {
  if (cycle < o.ridge_start_cycle) return 0;
  return o.ridge + o.ridge_per_cycle * double(cycle - o.ridge_start_cycle);
}

std::vector<int64_t> initial_labelled(const Dataset& train, int64_t n, bool stratified, uint64_t seed) {
  if (n <= 0) return {};
  if (n >= train.size())
    throw InputError("--initial " + std::to_string(n) + " leaves no pool: the training part has only " +
                     std::to_string(train.size()) + " points");
  at::Tensor idx;
  if (stratified && train.labels.defined()) {
    // Data.h's stratified subset, applied to a data set whose "inputs" are the row numbers.
    Dataset rows = train;
    rows.inputs = at::arange(train.size(), at::TensorOptions().dtype(at::kDouble)).unsqueeze(1);
    idx = subset(rows, n, seed).inputs.reshape({-1}).to(at::kLong);
  } else {
    auto gen = make_generator(seed);
    idx = at::randperm(train.size(), gen, at::TensorOptions().dtype(at::kLong)).narrow(0, 0, n);
  }
  std::vector<int64_t> out(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
  std::sort(out.begin(), out.end());
  return out;
}

std::pair<Dataset, Dataset> load_al_data(const AlRequest& job, const std::vector<int64_t>& model_shape,
                                         const InputType& input_type) {
  const int64_t budget = job.compute.memory_budget;
  Dataset train = load_data(job.data, model_shape, job.compute.seed, budget, input_type), test;
  if (!job.test_data.empty()) {
    test = load_data(job.test_data, model_shape, job.compute.seed, budget, input_type);
  } else {
    const int64_t test_n = job.test_size > 0 ? job.test_size : std::max<int64_t>(1, train.size() / 5);
    std::tie(train, test) = train_test_split(train, test_n, job.compute.seed);
  }
  if (!train.labels.defined() || !test.labels.defined())
    throw InputError("active learning needs class labels; " + train.description + " has none");
  if (job.standardize) {
    const Dataset fit = train;
    train = standardize(train, fit);
    test = standardize(test, fit);
  }
  return {train, test};
}

AlRun run_al_strategy(const AlRequest& job, const std::string& strategy_in, uint64_t seed,
                      const Dataset& train, const Dataset& test, const RunControl& rc, int64_t* done,
                      int64_t total) {
  const std::string strategy = canonical_strategy(strategy_in);
  ComputeConfig cc = job.compute;
  cc.seed = seed;
  std::vector<int64_t> shape;
  if (!job.input_shape.empty()) shape = parse_shape(job.input_shape, "--input-shape");
  std::shared_ptr<Model> model = make_model(job.model, shape, cc, job.params, job.output);
  std::vector<at::Tensor> init;
  for (const auto& p : model->parameters()) init.push_back(p.detach().clone());
  const auto opts = model->options();
  TrainOptions to = job.training;
  to.seed = seed;
  RunControl quiet;  // training reports per mini-batch; the loop reports per cycle instead
  quiet.cancel = rc.cancel;

  std::vector<int64_t> labelled = initial_labelled(train, job.initial, job.stratified, seed);
  std::vector<char> is_labelled(static_cast<size_t>(train.size()), 0);
  for (int64_t i : labelled) is_labelled[static_cast<size_t>(i)] = 1;

  auto retrain = [&]() {
    detail::Stopwatch t0;
    if (job.retrain == "scratch") model->set_parameters(init);
    if (!labelled.empty()) train_model(*model, train.select(index_tensor(labelled)), nullptr, to, quiet);
    return t0.seconds();
  };
  AlRun run;
  run.strategy = strategy;
  run.seed = seed;
  // For the app's gallery: pixels of image data, coordinates of 2-D data.
  const bool planar = train.inputs.dim() == 2 && train.inputs.size(1) == 2;
  const bool images = train.image_shape.size() == 3 && train.inputs[0].numel() <= 4096;
  auto values = [](const at::Tensor& t) {
    const at::Tensor c = t.reshape({-1}).to(at::kDouble).cpu().contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  };
  at::Tensor outputs_before;  // f_L at the queried points, before the cycle's retraining
  auto emit = [&](int cycle, double train_s, double query_s, const QueryResult* q,
                  const std::vector<int64_t>& pool) {
    const auto [loss, acc] = evaluate(*model, test, to.loss);
    AlCycle row;
    row.strategy = strategy;
    row.seed = seed;
    row.cycle = cycle;
    row.labels = static_cast<int64_t>(labelled.size());
    row.test_accuracy = acc;
    row.test_loss = loss;
    row.train_seconds = train_s;
    row.query_seconds = query_s;
    row.seconds = train_s + query_s;
    if (q) {
      row.kernel_seconds = q->kernel_seconds;
      row.kernel_shift = q->kernel_shift;
      row.note = q->note;
      for (size_t i = 0; i < q->positions.size(); ++i) {
        const int64_t index = pool[static_cast<size_t>(q->positions[i])];
        AlQuery e;
        e.index = index;
        e.score = q->scores[i];
        e.true_label = train.labels[index].item<int64_t>();
        e.pseudo_label = q->pseudo_labels[i];
        if (outputs_before.defined()) e.output = values(outputs_before[static_cast<int64_t>(i)]);
        if (i < q->predicted_change.size()) e.predicted_change = q->predicted_change[i];
        if (images) e.pixels = values(train.inputs[index]);
        if (planar) e.x = values(train.inputs[index]);
        row.queried.push_back(std::move(e));
      }
    }
    if (images) row.image_shape = train.image_shape;
    if (planar && q) {
      // Labelled before this cycle's queries, and the pool it chose from (at most 1,500 points drawn).
      std::vector<char> chosen(static_cast<size_t>(train.size()), 0);
      for (int64_t pos : q->positions) chosen[static_cast<size_t>(pool[static_cast<size_t>(pos)])] = 1;
      auto point = [&](int64_t i) {
        const std::vector<double> v = values(train.inputs[i]);
        return AlPoint2d{v[0], v[1], train.labels[i].item<int64_t>()};
      };
      AlPoints2d pts;
      for (int64_t i : labelled)
        if (!chosen[static_cast<size_t>(i)]) pts.labelled.push_back(point(i));
      const size_t step = std::max<size_t>(1, pool.size() / 1500);
      for (size_t i = 0; i < pool.size(); i += step) pts.pool.push_back(point(pool[i]));
      row.points2d = std::move(pts);
    }
    run.cycles.push_back(std::move(row));
    rc.publish("al-cycle", run.cycles.back());
    if (done)
      rc.report(++*done, total,
                strategy + ", seed " + std::to_string(seed) + ", cycle " + std::to_string(cycle));
    rc.pause_point();  // between cycles: the app's Pause holds the run here
  };

  emit(0, retrain(), 0.0, nullptr, {});
  for (int c = 1; c <= job.cycles; ++c) {
    rc.check();
    std::vector<int64_t> unlabelled;
    for (int64_t i = 0; i < train.size(); ++i)
      if (!is_labelled[static_cast<size_t>(i)]) unlabelled.push_back(i);
    const std::vector<int64_t> pool = draw_pool(unlabelled, job.pool_subset, seed * 1000003ULL + uint64_t(c));
    if (job.query > static_cast<int64_t>(pool.size()))
      throw InputError("cycle " + std::to_string(c) + ": --query " + std::to_string(job.query) +
                       " is more than the pool holds (" + std::to_string(pool.size()) +
                       " unlabelled points)");
    QueryContext ctx;
    if (!labelled.empty()) ctx.model = model;
    ctx.x_labelled = to_model_input(train.inputs.index_select(0, index_tensor(labelled)), opts);
    ctx.y_labelled = train.labels.index_select(0, index_tensor(labelled));
    ctx.x_pool = to_model_input(train.inputs.index_select(0, index_tensor(pool)), opts);
    ctx.loss = to.loss;
    ctx.kernel = job.kernel;
    ctx.sequential = job.sequential;
    ctx.lookahead = job.lookahead;
    ctx.lookahead.ridge = lookahead_ridge(job.lookahead, c);
    ctx.oracle = [&](int64_t pos) { return train.labels[pool[static_cast<size_t>(pos)]].item<int64_t>(); };
    ctx.memory_budget = job.compute.memory_budget;
    ctx.seed = seed * 7919ULL + uint64_t(c);
    detail::Stopwatch t0;
    const QueryResult q = select_queries(strategy, ctx, job.query, rc);
    const double query_s = t0.seconds();
    outputs_before = at::Tensor();
    if (!labelled.empty() && !q.positions.empty()) {
      at::NoGradGuard no_grad;
      const at::Tensor pos = at::tensor(at::IntArrayRef(q.positions), at::TensorOptions().dtype(at::kLong));
      outputs_before =
          model->forward(ctx.x_pool.index_select(0, pos.to(ctx.x_pool.device()))).reshape({pos.size(0), -1});
    }
    // The oracle: each queried point joins L with its true label. A repeat would be a strategy bug, not user
    // error.
    for (int64_t pos : q.positions) {
      const int64_t index = pool.at(static_cast<size_t>(pos));
      if (is_labelled[static_cast<size_t>(index)])
        throw Error("internal error: strategy '" + strategy + "' queried point " + std::to_string(index) +
                    " twice");
      is_labelled[static_cast<size_t>(index)] = 1;
      labelled.push_back(index);
    }
    emit(c, retrain(), query_s, &q, pool);
  }
  return run;
}

AlResult run_al_job(const AlRequest& job, const RunControl& rc) {
  validate_al_job(job);
  OutputFolder out(job.out_dir);  // checked before any work; published together at the end, or not at all
  apply_threads(job.compute);
  std::vector<int64_t> shape;
  if (!job.input_shape.empty()) shape = parse_shape(job.input_shape, "--input-shape");
  const auto probe = make_model(job.model, shape, job.compute, job.params, job.output);
  const auto [train, test] = load_al_data(job, probe->input_shape(), probe->input_type());
  dist::require_same_problem(train, probe.get());  // several ranks: each was given the same
  // The smallest pool is the last cycle's: everything but the initial set and the earlier queries.
  const int64_t last_pool = train.size() - job.initial - int64_t(job.cycles - 1) * job.query;
  const int64_t pool = job.pool_subset > 0 ? std::min(job.pool_subset, last_pool) : last_pool;
  if (job.initial >= train.size() || job.query > pool)
    throw InputError("--query " + std::to_string(job.query) + " is more than the pool holds: " +
                     std::to_string(train.size()) + " training points, --initial " +
                     std::to_string(job.initial) + " and " + std::to_string(job.cycles) + " cycles leave " +
                     std::to_string(std::max<int64_t>(pool, 0)) + " in the last cycle");

  AlResult result;
  result.request = job;
  result.train_data = train.description;
  result.test_data = test.description;
  result.train_size = train.size();
  result.test_size = test.size();
  const int64_t total = int64_t(job.seeds) * int64_t(job.strategies.size()) * (job.cycles + 1);
  int64_t done = 0;
  for (int s = 0; s < job.seeds; ++s) {
    const uint64_t seed = job.compute.seed + uint64_t(s);
    result.seeds.push_back(seed);
    for (const auto& strategy : job.strategies)
      result.runs.push_back(run_al_strategy(job, strategy, seed, train, test, rc, &done, total));
  }

  if (out.enabled()) {
    std::ostringstream curves, queries;
    curves << "strategy,seed,cycle,labels,test_accuracy,test_loss,seconds,train_seconds,query_seconds\n";
    queries << "strategy,seed,cycle,order,index,score,true_label,pseudo_label\n";
    for (const auto& run : result.runs)
      for (const auto& row : run.cycles) {
        // Integers as integers: a 64-bit seed keeps its digits.
        const std::string head =
            row.strategy + "," + std::to_string(row.seed) + "," + std::to_string(row.cycle);
        curves << head << "," << std::to_string(row.labels) << "," << csv_num(row.test_accuracy) << ","
               << csv_num(row.test_loss) << "," << csv_num(row.seconds) << "," << csv_num(row.train_seconds)
               << "," << csv_num(row.query_seconds) << "\n";
        int order = 0;
        for (const auto& q : row.queried)
          queries << head << "," << order++ << "," << std::to_string(q.index) << "," << csv_num(q.score)
                  << "," << std::to_string(q.true_label) << "," << std::to_string(q.pseudo_label) << "\n";
      }
    out.write_text("curves.csv", curves.str());
    out.write_text("queries.csv", queries.str());
    out.write_text("al.json", json_text(to_json(result), 1));
    out.commit();
  }
  return result;
}

}  // namespace ts
