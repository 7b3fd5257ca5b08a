#pragma once
// A run folder (docs/FORMATS.md "Run folders"): what the Python logger tangentscope.RunLogger writes while a
// user's own training script runs, read by `tangentscope-cli watch` and the app's Runs tab.
#include <string>
#include <utility>
#include <vector>

namespace ts {

/// One parameter snapshot of a run: its training step and file.
struct RunSnapshot {
  int64_t step = 0;
  std::string file;  ///< the snapshot's path (RUN/snapshots/step-SSSSSSSSSSSS.pt)
  std::vector<std::pair<std::string, double>> values;  ///< its numeric scalars (loss, lr, …) of scalars.jsonl
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
