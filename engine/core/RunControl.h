#pragma once
// Progress, partial results, pause and cancellation for long engine runs. Plain C++ (no LibTorch, no Qt) so
// that the UI can hold these without heavy headers.
#include <any>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
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

/// Set from any thread; a run waits at its pause points (between active-learning cycles, between the width
/// experiment's models) while paused. Cancelling ends the wait.
class PauseToken {
 public:
  void pause() { set(true); }
  void resume() { set(false); }
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  /// Blocks while paused, waking every 50 ms to see whether `cancel` was set (then returns at once).
  void wait_while_paused(const CancelToken* cancel) const {
    std::unique_lock<std::mutex> lock(mutex_);
    while (paused() && !(cancel && cancel->cancelled()))
      resumed_.wait_for(lock, std::chrono::milliseconds(50));
  }

 private:
  void set(bool p) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      paused_.store(p, std::memory_order_relaxed);
    }
    resumed_.notify_all();
  }
  std::atomic<bool> paused_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable resumed_;
};

/// A piece of a result that exists before the run ends, for live displays: its kind names the type held
/// ("al-cycle": AlCycle, "pntk-width-point": PntkWidthUpdate; see the job headers).
struct PartialResult {
  std::string kind;
  std::any value;
};

using PartialFn = std::function<void(const PartialResult&)>;

/// What a run is told from outside: where to report progress and whether to stop.
struct RunControl {
  ProgressFn progress;
  const CancelToken* cancel = nullptr;
  const PauseToken* pause = nullptr;
  PartialFn partial;

  /// Hands a partial result to whoever watches the run (nothing when no one does).
  template <class T>
  void publish(const std::string& kind, const T& value) const {
    if (partial) partial(PartialResult{kind, std::any(value)});
  }
  /// A point where the run may be held: waits while paused, then throws Cancelled if cancelled.
  void pause_point() const {
    if (pause) pause->wait_while_paused(cancel);
    check();
  }

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
