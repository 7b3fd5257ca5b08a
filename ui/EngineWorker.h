#pragma once
// The engine thread's worker: owns the engine, runs one job at a time, reports through queued signals.
// A new request cancels the one in flight; cancel() and setPaused() are safe from any thread.
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "JobResult.h"
#include "core/RunControl.h"

namespace ts::ui {

using EngineJob = std::function<JobResult(const ts::RunControl&)>;

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  explicit EngineWorker(QObject* parent = nullptr);

  /// Cancels the run in flight (takes effect before the next VJP/JVP). Thread-safe.
  void cancel();
  /// Holds the run in flight at its next pause point (RunControl::pause_point), or lets it go on.
  /// Thread-safe.
  void setPaused(bool paused);
  bool paused() const { return pause_.paused(); }
  /// Runs any engine job; reports its result through finished, its partial results through partial.
  void runJob(quint64 id, const QString& kind, const EngineJob& job);
  /// Marks `id` as the newest request: queued older requests are skipped without running. Thread-safe.
  void setLatest(quint64 id) { latest_.store(id); }

 Q_SIGNALS:
  void progress(quint64 id, qint64 done, qint64 total, const QString& stage, double estimate,
                bool hasEstimate);
  void partial(quint64 id, const ts::PartialResult& partial);
  void finished(quint64 id, const QString& kind, const ts::ui::JobResultPtr& result);
  void failed(quint64 id, const QString& message);
  void cancelled(quint64 id);

 private:
  std::shared_ptr<CancelToken> current_;
  PauseToken pause_;
  std::atomic<quint64> latest_{0};
  std::chrono::steady_clock::time_point last_emit_{};
};

}  // namespace ts::ui
