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
  o.loss = "mse";
  o.optimizer = "adam";
  o.lr = 1e-3;
  o.epochs = 30;
  o.batch_size = 32;
  return o;
}

struct AlJob {
  std::string model = "mlp:in=64,width=128,depth=2,out=10";  ///< trains in seconds on two CPU cores
  std::string data = "digits";
  std::string test_data;       ///< empty: a stratified split of `data` with `test_size` rows
  int64_t test_size = 0;       ///< 0: a fifth of the data
  bool standardize = false;    ///< fitted on the training part
  std::string input_shape;     ///< one input's shape (TorchScript models)
  std::string params = "all";  ///< parameters the kernel is taken over
  ComputeConfig compute;       ///< compute.seed is the first seed
  std::vector<std::string> strategies{"random", "entropy", "mlmoc"};
  int64_t initial = 20;    ///< initial labelled set size
  bool stratified = true;  ///< initial set stratified by class
  int64_t query = 10;      ///< points queried per cycle
  int cycles = 5;
  int seeds = 1;                ///< runs with seeds compute.seed, compute.seed + 1, …
  int64_t pool_subset = 0;      ///< > 0: each cycle scores a random subset of this many unlabelled points
  std::string kernel = "pntk";  ///< MLMOC kernel: pntk or entk
  bool sequential =
      false;  ///< MLMOC queries one at a time, the linearised model learning each answer (no SGD)
  std::string retrain = "scratch";  ///< scratch (re-initialise each cycle) or warm (continue from the last θ)
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
