#pragma once
// bench al-retrain: the look-ahead's predicted output change against real SGD retraining
// (active_learning/LookaheadValidation.h), on a model wide enough for the linearisation to hold (at width 128
// the scores' rank correlation drops; docs/RESULTS.md). Its defaults are here once: `bench al-retrain
// --help`, docs/CLI.md (BenchmarkCatalog.cpp) and the command line read them.
#include "active_learning/LookaheadValidation.h"
#include "jobs/AlJob.h"

namespace ts::bench {

struct AlRetrainBenchOptions {
  AlRequest job = [] {
    AlRequest r;
    r.initial = 100;
    r.pool_subset = 500;
    r.strategies = {"mlmoc"};
    r.model = "mlp:in=64,width=512,depth=2,out=10";
    return r;
  }();
  /// The retraining the linearisation describes: full-batch gradient descent on the MSE loss, run long (f_lin
  /// is its limit). Mini-batch Adam for a few epochs is far from that limit and correlates poorly
  /// (docs/RESULTS.md).
  RetrainValidationOptions validation = [] {
    RetrainValidationOptions v;
    v.candidates = 20;
    v.retraining.epochs = 2000;
    v.retraining.lr = 0.1;
    v.retraining.optimizer = "sgd";
    v.retraining.batch_size = int64_t(1) << 20;
    return v;
  }();
};

}  // namespace ts::bench
