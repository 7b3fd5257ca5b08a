#include "BenchOptionsJson.h"

#include "AlRetrainBench.h"
#include "BlockBench.h"
#include "CoverageBench.h"
#include "DynamicsBench.h"
#include "PntkBenchOptions.h"
#include "RealBench.h"
#include "ScalingBench.h"
#include "SeedBench.h"
#include "active_learning/AlResultJson.h"
#include "core/ConfigJson.h"
#include "core/JsonFields.h"

namespace ts::bench {

template <class V>
void fields(V& v, SeedBenchOptions& o) {
  v("workload", o.workload);
  v("model", o.model);
  v("data", o.data);
  v("budgets", o.budgets);
  v("methods", o.methods);
  v("repeats", o.repeats);
  v("baseline_limit", o.baseline_limit);
  v("compute", o.compute);
}

template <class V>
void fields(V& v, DynamicsBenchOptions& o) {
  v("model", o.model);
  v("data", o.data);
  v("test_data", o.test_data);
  v("train_subset", o.train_subset);
  v("epochs", o.epochs);
  v("batch_size", o.batch_size);
  v("lr", o.lr);
  v("probe_n", o.probe_n);
  v("budgets", o.budgets);
  v("methods", o.methods);
  v("repeats", o.repeats);
  v("compute", o.compute);
}

template <class V>
void fields(V& v, CoverageBenchOptions& o) {
  v("kernels", o.kernels);
  v("methods", o.methods);
  v("budgets", o.budgets);
  v("seeds", o.seeds);
  v("layer_seeds", o.layer_seeds);
  v("per_seed", o.per_seed);
  v("models", o.models);
  v("fixtures", o.fixtures);
  v("max_factor_entries", o.max_factor_entries);
  v("compute", o.compute);
}

// The computation flattened into the config, as these reports have always written it.
template <class V>
void flat_compute(V& v, ComputeConfig& c) {
  v("device", c.device);
  v("dtype", c.dtype);
  v("threads", c.threads);
  v("seed", c.seed);
  v("memory_budget", c.memory_budget);
  v("product_batch", c.product_batch);
}

template <class V>
void fields(V& v, RealBenchOptions& o) {
  v("model", o.model);
  v("batches", o.batches);
  v("estimator", o.estimator);
  v("target", o.target);
  v("max_matvecs", o.max_matvecs);
  v("exact_limit", o.exact_limit);
  v.derived("timing_vectors", o.timing_vectors());
  v("repeats", o.repeats);
  v("block", o.block);
  flat_compute(v, o.compute);
}

template <class V>
void fields(V& v, BlockBenchOptions& o) {
  v("model", o.model);
  v("n", o.n);
  v("blocks", o.blocks);
  v("vectors", o.vectors);
  v("rounds", o.rounds);
  flat_compute(v, o.compute);
}

template <class V>
void fields(V& v, ScalingBenchOptions& o) {
  v("model", o.model);
  v("data", o.data);
  v("methods", o.methods);
  v("matvecs", o.matvecs);
  v("repeats", o.repeats);
  v("exact", o.exact);
  v("ranks", o.ranks);
  v("rounds", o.rounds);
  v("compute", o.compute);
}

template <class V>
void fields(V& v, PntkWidthBenchOptions& o) {
  PntkWidthRequest& q = o.job;
  v("params", o.params);
  v("epochs", o.epochs);
  v("data", q.data);
  v("batch", q.batch);
  v("heldout", q.heldout);
  v("widths", q.widths);
  v("depth", q.depth);
  v("seeds", q.seeds);
  v("train_n", q.train_n);
  v("training", q.training);
  v("ridge", q.ridge);
  v("fit_min_width", q.fit_min_width);
  v("compute", q.compute);
}

template <class V>
void fields(V& v, PntkSpeedBenchOptions& o) {
  v("n", o.n);
  v("width", o.width);
  v("outputs", o.outputs);
  v("repeats", o.repeats);
  v("model", o.model);
  v("data", o.data);
  v("compute", o.compute);
}

template <class V>
void fields(V& v, AlRetrainBenchOptions& o) {
  RetrainValidationOptions& r = o.validation;
  v.derived("request", ts::to_json(o.job));
  v("candidates", r.candidates);
  v("retraining", r.retraining);
  v("seed", r.seed);
  v("memory_budget", r.memory_budget);
}

Json to_json(const AlRetrainBenchOptions& o) { return write_fields(o); }
Json to_json(const BlockBenchOptions& o) { return write_fields(o); }
Json to_json(const CoverageBenchOptions& o) { return write_fields(o); }
Json to_json(const DynamicsBenchOptions& o) { return write_fields(o); }
Json to_json(const PntkSpeedBenchOptions& o) { return write_fields(o); }
Json to_json(const PntkWidthBenchOptions& o) { return write_fields(o); }
Json to_json(const RealBenchOptions& o) { return write_fields(o); }
Json to_json(const ScalingBenchOptions& o) { return write_fields(o); }
Json to_json(const SeedBenchOptions& o) { return write_fields(o); }

}  // namespace ts::bench
