#pragma once
// The watch job: the NTK metrics of every snapshot of a user's own training run (a run folder written by the
// Python logger, docs/FORMATS.md "Run folders"), on the run's probe batch, appended to RUN/metrics.jsonl.
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"

namespace ts {

struct WatchRequest {
  std::vector<std::string> runs;  ///< run folders
  EstimatorOptions estimator;     ///< seed: snapshot t (its index in the run) uses seed + 1000·t
  bool exact = false;             ///< exact kernels (within compute.memory_budget) instead of estimates
  bool layers = false;            ///< also tr K_g of every parameter group (analysis/LayerTraces.h)
  ComputeConfig compute;          ///< dtype empty: each run's own (the model file's float32 or float64)
  std::string params = "all";     ///< the parameters the NTK is taken over (Model::select_parameters)
  std::string jvp = "auto";
  bool follow = false;  ///< wait for new snapshots until every run is finished (or cancelled)
};

/// One analysed snapshot: the metrics of K_t = K(θ_t) on the probe batch (docs/FORMATS.md lists the names):
/// trace, frobenius, effective_rank, target_alignment (with probe targets), alignment_first and
/// distance_first (against the run's first snapshot K_0), alignment_previous and distance_previous
/// (against the snapshot before).
struct WatchRow {
  std::string run;  ///< the run folder
  int64_t step = 0;
  int64_t index = 0;     ///< the snapshot's place in the run (0 for the first)
  std::string snapshot;  ///< its file
  std::vector<MetricValue> metrics;
  std::vector<LayerTrace> layers;  ///< with WatchRequest::layers
  uint64_t seed = 0;
  double seconds = 0;
};

/// The metrics of a watch row, in the order menus, tables and the CLI list them: the name in metrics.jsonl,
/// as a menu or table shows it, and a short form (an axis title, a line of `watch`'s output).
struct WatchMetric {
  const char *name, *label, *short_label;
};
const std::vector<WatchMetric>& watch_metrics();

struct WatchResult {
  std::vector<WatchRow> rows;         ///< analysed by this call, in order
  int64_t skipped = 0;                ///< snapshots analysed by an earlier watch (kept in metrics.jsonl)
  std::vector<std::string> finished;  ///< the runs marked finished when the job ended
};

/// What RUN/metrics.jsonl holds: its rows in file order and the configuration they were made with (from the
/// first row; every row of one file has the same).
struct WatchSeries {
  std::vector<WatchRow> rows;
  bool exact = false;
  std::string method;  ///< the estimator (empty when exact)
  int64_t matvecs = 0;
  bool layers = false;
};

/// Reads RUN/metrics.jsonl (no rows when there is none yet). Throws InputError naming the file and line
/// when a line is damaged.
WatchSeries read_watch_metrics(const std::string& dir);

/// Writes the run's model at the parameters of its snapshot at `step` as a TorchScript file `out_path` (with
/// the run's metadata), so that every other view can open that snapshot as a model. Returns the data spec of
/// the run's probe batch ("npy:RUN/probe_inputs.npy"). Throws InputError when the run has no such step.
std::string export_snapshot_model(const std::string& dir, int64_t step, const std::string& out_path,
                                  const ComputeConfig& compute);

/// Analyses every snapshot not yet in RUN/metrics.jsonl, for each run in turn, holding each run's
/// watch.lock throughout (a second watcher is refused). Each row is appended to metrics.jsonl (rewritten
/// atomically) as soon as it is computed and published as a partial result of kind "watch-row"
/// (WatchRow). A metrics file made with another configuration is refused rather than mixed. With `follow`,
/// waits for new snapshots (file-system notifications) until every run has its finished marker; a cancel
/// ends the wait (Cancelled) with every row written so far kept.
WatchResult run_watch_job(const WatchRequest& request, const RunControl& rc = {});

}  // namespace ts
