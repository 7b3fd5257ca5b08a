#pragma once
// The dynamics job: training with snapshots, then the NTK metrics at each snapshot on a fixed probe batch.
#include <vector>

#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct DynamicsRequest {
  ProblemSpec problem;    ///< data = the training data
  std::string test_data;  ///< empty: a stratified split of the training data of `test_size` rows
  int64_t test_size = 0;  ///< 0: a fifth of the training data
  int64_t train_subset = 0, test_subset = 0;
  bool standardize = false;  ///< fitted on the training part, applied to both
  TrainOptions training;
  bool track_ntk = true;
  MetricsOptions metrics;  ///< the metrics per snapshot (alignment is cos(K_t, K₀))
  int64_t probe_n = 100;   ///< the probe batch: a stratified subset of the test data
  std::string out_dir;  ///< if set: history.csv, snapshot-epochE.pt, (dynamics.csv), train.json/dynamics.json
};

struct DynamicsResult {
  DynamicsRequest request;
  std::string train_data, test_data;  ///< descriptions of the two parts as used
  TrainOptions training;              ///< as run (its seed is the problem's)
  std::vector<EpochStats> history;
  std::vector<std::string> snapshots;  ///< files written (with out_dir)
  std::vector<DynamicsRow> dynamics;   ///< with track_ntk
  std::string probe;                   ///< the probe batch's description (with track_ntk)
};

/// Progress comes per mini-batch, then per snapshot; the output folder is checked before any work and
/// written all together at the end, or not at all.
DynamicsResult run_dynamics_job(const DynamicsRequest& request, const RunControl& rc = {});

}  // namespace ts
