#pragma once
// The pool-based active-learning loop (docs/MATH.md §7): an initial labelled set, a query per cycle from the
// unlabelled pool, an oracle revealing true labels, retraining, and the test accuracy per cycle. AlJob.h is
// its torch-free face.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "data/Data.h"
#include "jobs/AlJob.h"

namespace ts {

/// The initial labelled indices into `train`: n of them, stratified by class (proportional, as Data.h's
/// subset) or uniformly at random, seeded. Sorted.
std::vector<int64_t> initial_labelled(const Dataset& train, int64_t n, bool stratified, uint64_t seed);

/// The training and test parts the job describes (split and standardisation as in the dynamics job).
std::pair<Dataset, Dataset> load_al_data(const AlRequest& job, const std::vector<int64_t>& model_shape,
                                         const InputType& input_type = {});

/// One strategy with one seed on given data (cycles as in run_al_job). Each cycle is published as "al-cycle"
/// (AlCycle) and followed by rc.pause_point(); `rc.report` counts cycles from `*done` up to `total`.
AlRun run_al_strategy(const AlRequest& job, const std::string& strategy, uint64_t seed, const Dataset& train,
                      const Dataset& test, const RunControl& rc = {}, int64_t* done = nullptr,
                      int64_t total = 0);

}  // namespace ts
