#pragma once
// The look-ahead active-learning ablation (docs/RESULTS.md §5): MLMOC under each objective, predictor and
// learner of Mohamadi, Bae and Sutherland's code against random, entropy, margin and BADGE, every
// configuration over the same seeds (so the same initial sets), with Student-t 95% intervals. Engine only.
#include <iosfwd>
#include <string>
#include <vector>

#include "core/Json.h"
#include "jobs/AlJob.h"

namespace ts::bench {

/// One row of the ablation: a strategy and the request it runs under.
struct AlAblationConfig {
  std::string key;          ///< short name, the strategy column of curves.csv
  std::string description;  ///< what differs from the published set-up, in words
  std::string strategy;
  AlRequest job;
};

/// Every configuration, from `base` (the published preset with the user's data, model and sizes): baselines;
/// each objective; the predictor varied (reference, ridge, finite time, momentum); the learner varied.
std::vector<AlAblationConfig> al_ablation_configs(const AlRequest& base);

/// The ablation's starting request: the published preset with an MLP (784-32-32-10) in float32 on one
/// thread, on MNIST unless the user brings other data (`own_data`). The published peak rate 1.25 is a
/// ResNet-18's with batch norm: continued from cycle to cycle, this MLP's training collapses with it
/// (docs/RESULTS.md §5); on MNIST the rate is 0.05, the best from scratch at 100 and 300 labels.
AlRequest al_ablation_base(bool own_data = false);

struct AlAblationOptions {
  AlRequest base = al_ablation_base();
  std::vector<std::string> keys;  ///< configurations to run (empty: all)
  /// If set: ablation.json and curves.csv, written together at the end; meanwhile ablation.partial.json and
  /// curves.partial.csv hold the configurations finished so far.
  std::string out_dir;
  /// Earlier runs' folders (--resume): their finished configurations with the same set-up are reused, seeds,
  /// curves and timings as they were, and only the rest run. A configuration in several comes from the
  /// first.
  std::vector<std::string> resume;
};

/// Runs the configurations for base.seeds seeds each and summarises them: per configuration the AUC (mean
/// accuracy over the label range, trapezoidal), the final accuracy and their paired differences against
/// random and margin, each as mean ± t_{0.975, n−1}·s/√n over seeds, and the seconds per cycle.
Json run_al_ablation(const AlAblationOptions& options, std::ostream& log);

/// The summary as a Markdown table.
std::string format_al_ablation(const Json& report);

}  // namespace ts::bench
