#pragma once
// Progress reporting and cancellation for long engine runs. Plain C++ (no LibTorch, no Qt) so that the UI
// can hold these without heavy headers.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "core/Errors.h"

namespace ts {

/// Set from any thread; the engine checks it between VJPs/JVPs and throws Cancelled.
class CancelToken {
 public:
  void cancel() { flag_.store(true, std::memory_order_relaxed); }
  void reset() { flag_.store(false, std::memory_order_relaxed); }
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

struct Progress {
  int64_t done = 0;             ///< units of work finished (matvecs, VJPs, ...)
  int64_t total = 0;            ///< units expected, 0 when unknown
  std::string stage;            ///< what is being done, in words
  double partial_estimate = 0;  ///< running estimate where the stage has one, else NaN
  bool has_estimate = false;
};

using ProgressFn = std::function<void(const Progress&)>;

/// What a run is told from outside: where to report progress and whether to stop.
struct RunControl {
  ProgressFn progress;
  const CancelToken* cancel = nullptr;

  void check() const {
    if (cancel && cancel->cancelled()) throw Cancelled();
  }
  void report(int64_t done, int64_t total, const std::string& stage) const {
    if (progress) progress(Progress{done, total, stage, 0.0, false});
  }
  void report_estimate(int64_t done, int64_t total, const std::string& stage, double estimate) const {
    if (progress) progress(Progress{done, total, stage, estimate, true});
  }
};

}  // namespace ts
