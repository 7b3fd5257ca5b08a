#pragma once
// The pool-based active-learning loop (docs/MATH.md §7): an initial labelled set, a query per cycle from the
// unlabelled pool, an oracle revealing true labels, retraining, and the test accuracy per cycle. AlJob.h is
// its torch-free face.
#include <ATen/ATen.h>

#include <functional>
#include <vector>

#include "data/Data.h"
#include "jobs/AlJob.h"

namespace ts {

/// The initial labelled indices into `train`: n of them, stratified by class (proportional, as Data.h's
/// subset) or uniformly at random, seeded. Sorted.
std::vector<int64_t> initial_labelled(const Dataset& train, int64_t n, bool stratified, uint64_t seed);

/// The training and test parts the job describes (split and standardisation as in the dynamics job).
std::pair<Dataset, Dataset> load_al_data(const AlJob& job, const std::vector<int64_t>& model_shape);

/// One strategy with one seed on given data: {strategy, seed, cycles: [row]} (rows as in run_al_job). Each
/// row also goes to `on_cycle`; `rc.report` counts rows from `*done` up to `total`.
Json run_al_strategy(const AlJob& job, const std::string& strategy, uint64_t seed, const Dataset& train,
                     const Dataset& test, const RunControl& rc = {},
                     const std::function<void(const Json&)>& on_cycle = {}, int64_t* done = nullptr,
                     int64_t total = 0);

}  // namespace ts
