#pragma once
// A run folder (docs/FORMATS.md "Run folders"): what the Python logger tangentscope.RunLogger writes while a
// user's own training script runs, read by `tangentscope-cli watch` and the app's Runs tab.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

namespace ts {

/// One parameter snapshot of a run: its training step and file.
struct RunSnapshot {
  int64_t step = 0;
  std::string file;     ///< the snapshot's path (RUN/snapshots/step-SSSSSSSSSSSS.pt)
  std::string scalars;  ///< its line of scalars.jsonl (JSON text), empty when not yet written
};

struct RunFolder {
  std::string dir;                                      ///< as given
  std::string name;                                     ///< run.json's name
  std::string model_file, probe_inputs, probe_targets;  ///< paths; probe_targets empty when none
  std::vector<RunSnapshot> snapshots;                   ///< by increasing step
  bool finished = false;                                ///< the `finished` marker is there
};

/// Reads a run folder's description and lists its complete snapshots (files being written, `*.partial`, are
/// not listed). Throws InputError naming the folder when it is not a run (no run.json, another format, a
/// newer version) or run.json is damaged.
RunFolder read_run_folder(const std::string& dir);

/// A snapshot's tensors by name (torch.save of a dict of tensors, as the logger writes it). Throws
/// InputError naming the file when it is missing, truncated or not such a dict.
std::vector<std::pair<std::string, at::Tensor>> read_snapshot(const std::string& file);

/// The probe targets of a run as y ∈ R^d for the kernel-target alignment: integer class indices of shape
/// output_shape without its last axis become one-hot over that axis; floats of the output's shape are taken
/// as they are. Throws InputError naming the file when the shape fits neither.
at::Tensor run_targets(const std::string& file, const std::vector<int64_t>& output_shape, int64_t n,
                       int64_t memory_budget);

/// Held while a watcher analyses a run: an advisory lock on RUN/watch.lock, released with the object (or the
/// process). A second watcher is refused at once (InputError naming the run).
class RunLock {
 public:
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ts
