#pragma once
// A pool-based active-learning run described by a plain struct (docs/MATH.md §7), for the command-line tool
// and the UI's engine thread, and its result as structs. No LibTorch and no JSON here: ui/ includes it
// (results/ResultJson.h writes these as JSON).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/RunControl.h"

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

/// The strategies run when none is chosen, from the one table of strategies
/// (active_learning/StrategyCatalog.h, which defines it; declared here so a request can start from it).
const std::vector<std::string>& default_strategies();

struct AlRequest {
  std::string model = default_string("active_learning.model");  ///< trains in seconds on two CPU cores
  std::string data = default_string("active_learning.data");
  std::string test_data;     ///< empty: a stratified split of `data` with `test_size` rows
  int64_t test_size = 0;     ///< 0: a fifth of the data
  bool standardize = false;  ///< fitted on the training part
  std::string input_shape;
  std::string output;  ///< a TorchScript model returning a tuple, list or dict: which output (Model.h) ///<
                       ///< one input's shape (TorchScript models)
  std::string params = "all";  ///< parameters the kernel is taken over
  ComputeConfig compute;       ///< compute.seed is the first seed
  std::vector<std::string> strategies = default_strategies();
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
  LookaheadOptions lookahead;      ///< MLMOC: the linearised learner, its regularisation and reference
  TrainOptions training = default_al_training();
  std::string preset;   ///< the preset the configuration started from (al_presets()), empty for none
  std::string out_dir;  ///< if set: al.json, curves.csv, queries.csv
};

/// One point sent to the oracle in a cycle. The optional parts are there only where they exist (a model, the
/// MLMOC strategies, image or 2-D data), as in al.json.
struct AlQuery {
  int64_t index = 0;  ///< row of the training part
  /// The score it was chosen by (higher first); NaN for random (null in JSON).
  double score = std::numeric_limits<double>::quiet_NaN();
  int64_t true_label = 0;                     ///< the oracle's answer
  int64_t pseudo_label = -1;                  ///< the learner's argmax at query time (−1 without a model)
  std::optional<std::vector<double>> output;  ///< f_L(x′) before the cycle's retraining (with a model)
  /// MLMOC (batch mode): the predicted mean change of the pool's outputs, mean_U (f_lin − f_L), [O].
  std::optional<std::vector<double>> predicted_change;
  std::optional<std::vector<double>> pixels;  ///< image data: the input, row-major (see AlCycle::image_shape)
  std::optional<std::vector<double>> x;       ///< 2-D data: the input's coordinates
};

/// A training point of 2-D data for the gallery's scatter: its coordinates and class.
struct AlPoint2d {
  double x = 0, y = 0;
  int64_t label = 0;
};

/// 2-D data: the points around a cycle's queries.
struct AlPoints2d {
  std::vector<AlPoint2d> labelled;  ///< labelled before this cycle's queries
  std::vector<AlPoint2d> pool;      ///< the pool the cycle chose from (at most about 1,500, evenly drawn)
};

/// One cycle of one strategy with one seed: the learner after the cycle's queries and retraining.
struct AlCycle {
  std::string strategy;
  uint64_t seed = 0;
  int cycle = 0;       ///< 0: the model trained on the initial set (no queries)
  int64_t labels = 0;  ///< labelled points the learner was trained on
  double test_accuracy = 0, test_loss = 0;
  double train_seconds = 0, query_seconds = 0;
  double seconds = 0;  ///< train_seconds + query_seconds
  // Cycles ≥ 1 only (from the query strategy).
  std::optional<double> kernel_seconds;             ///< MLMOC: time to build the kernel (0 for the others)
  std::optional<double> kernel_shift;               ///< MLMOC: diagonal shift the Cholesky factor needed
  std::optional<std::string> note;                  ///< fallbacks and numerical repairs, in words
  std::vector<AlQuery> queried;                     ///< in query order; empty in cycle 0
  std::optional<std::vector<int64_t>> image_shape;  ///< image data small enough to carry pixels: [C, H, W]
  std::optional<AlPoints2d> points2d;               ///< 2-D data, cycles ≥ 1
};

/// One strategy with one seed.
struct AlRun {
  std::string strategy;
  uint64_t seed = 0;
  std::vector<AlCycle> cycles;  ///< cycle 0 … request.cycles
};

struct AlResult {
  AlRequest request;       ///< the full configuration that produced this result ("config" in JSON)
  std::string train_data;  ///< the training part, in words
  std::string test_data;   ///< the test part, in words
  int64_t train_size = 0, test_size = 0;
  std::vector<uint64_t> seeds;  ///< compute.seed, compute.seed + 1, …
  std::vector<AlRun> runs;      ///< for each seed, each strategy in the request's order
};

/// Checks the configuration without loading anything heavy; throws InputError naming the option.
void validate_al_job(const AlRequest& job);

/// The presets of an active-learning run: "published", the set-up of Mohamadi, Bae and Sutherland's code
/// (docs/RESULTS.md §5 lists each setting and its source).
const std::vector<std::string>& al_presets();
/// Sets every field the preset fixes (the rest keep their values) and records its name; throws InputError for
/// an unknown preset.
void apply_al_preset(const std::string& name, AlRequest& job);

/// The relative ridge of the look-ahead's Θ_LL in `cycle` (1-based): 0 before ridge_start_cycle, then ridge +
/// ridge_per_cycle · (cycle − ridge_start_cycle).
double lookahead_ridge(const LookaheadOptions& o, int cycle);

/// Runs every strategy for every seed; cycle 0 is the model trained on the initial set. Each cycle is
/// published as soon as it exists, rc.publish("al-cycle", AlCycle) (for live plots), and the run may then be
/// held there (rc.pause_point()). `rc` reports one unit per cycle and is checked between mini-batches and
/// look-ahead chunks. The output folder is checked before any work; with request.out_dir, al.json (the
/// result's JSON), curves.csv and queries.csv are written there together at the end.
AlResult run_al_job(const AlRequest& job, const RunControl& rc = {});

}  // namespace ts
