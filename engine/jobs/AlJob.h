#pragma once
// A pool-based active-learning run described by a plain struct (docs/MATH.md §7), for the command-line tool
// and the UI's engine thread. No LibTorch here: ui/ includes it.
#include <functional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"
#include "io/Json.h"

namespace ts {

/// Training of the learner after each cycle. MSE on one-hot labels by default: the look-ahead's f_lin is the
/// limit of gradient flow on exactly this loss, so the learner and its linearisation agree on what
/// "retrained" means.
inline TrainOptions default_al_training() {
  TrainOptions o;
  o.loss = default_string("active_learning.training.loss");
  o.optimizer = default_string("active_learning.training.optimizer");
  o.lr = default_number("active_learning.training.lr");
  o.epochs = static_cast<int>(default_integer("active_learning.training.epochs"));
  o.batch_size = default_integer("active_learning.training.batch_size");
  return o;
}

struct AlJob {
  std::string model = default_string("active_learning.model");  ///< trains in seconds on two CPU cores
  std::string data = default_string("active_learning.data");
  std::string test_data;       ///< empty: a stratified split of `data` with `test_size` rows
  int64_t test_size = 0;       ///< 0: a fifth of the data
  bool standardize = false;    ///< fitted on the training part
  std::string input_shape;     ///< one input's shape (TorchScript models)
  std::string params = "all";  ///< parameters the kernel is taken over
  ComputeConfig compute;       ///< compute.seed is the first seed
  std::vector<std::string> strategies{"random", "entropy", "mlmoc"};
  int64_t initial = default_integer("active_learning.initial");  ///< initial labelled set size
  bool stratified = true;                                        ///< initial set stratified by class
  int64_t query = default_integer("active_learning.query");      ///< points queried per cycle
  int cycles = static_cast<int>(default_integer("active_learning.cycles"));
  int seeds = static_cast<int>(
      default_integer("active_learning.seeds"));  ///< runs with seeds compute.seed, compute.seed + 1, …
  int64_t pool_subset = 0;  ///< > 0: each cycle scores a random subset of this many unlabelled points
  std::string kernel = default_string("active_learning.kernel");  ///< MLMOC kernel: pntk or entk
  bool sequential =
      false;  ///< MLMOC queries one at a time, the linearised model learning each answer (no SGD)
  std::string retrain = default_string(
      "active_learning.retrain");  ///< scratch (re-initialise each cycle) or warm (continue from the last θ)
  TrainOptions training = default_al_training();
  std::string out_dir;  ///< if set: al.json, curves.csv, queries.csv
};

/// Checks the configuration without loading anything heavy; throws InputError naming the option.
void validate_al_job(const AlJob& job);

/// Runs every strategy for every seed. Result: {config, seeds, train_size, test_size, runs: [{strategy, seed,
/// cycles: [row]}]} with row = {strategy, seed, cycle, labels, test_accuracy, test_loss, train_seconds,
/// query_seconds, seconds, kernel_seconds, kernel_shift, note, queried: [{index, score, true_label,
/// pseudo_label}]}; cycle 0 is the model trained on the initial set. `on_cycle` receives each row as soon as
/// it exists (for live plots); `rc` reports one unit per row and is checked between mini-batches and
/// look-ahead chunks. The output folder is checked before any work.
Json run_al_job(const AlJob& job, const RunControl& rc = {},
                const std::function<void(const Json&)>& on_cycle = {});

Json to_json(const AlJob& job);

}  // namespace ts
