#pragma once
// The engine thread's worker: owns the engine, runs one job at a time, reports through queued signals.
// A new request cancels the one in flight; cancel() is safe from any thread.
#include <QObject>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "core/RunControl.h"
#include "jobs/Jobs.h"

namespace ts::ui {

class EngineWorker : public QObject {
  Q_OBJECT
 public:
  explicit EngineWorker(QObject* parent = nullptr);

  /// Cancels the run in flight (takes effect before the next VJP/JVP). Thread-safe.
  void cancel();
  /// Runs any engine job that returns JSON text (compare, metrics, spectrum, ...); reports through
  /// jobFinished.
  void runJob(quint64 id, const QString& kind, const std::function<std::string(const ts::RunControl&)>& job);
  /// Marks `id` as the newest request: queued older requests are skipped without running. Thread-safe.
  void setLatest(quint64 id) { latest_.store(id); }

 Q_SIGNALS:
  void progress(quint64 id, qint64 done, qint64 total, const QString& stage, double estimate,
                bool hasEstimate);
  void traceFinished(quint64 id, const QString& resultJson);
  void jobFinished(quint64 id, const QString& kind, const QString& resultJson);
  void failed(quint64 id, const QString& message);
  void cancelled(quint64 id);

 private:
  std::shared_ptr<CancelToken> current_;
  std::atomic<quint64> latest_{0};
  std::chrono::steady_clock::time_point last_emit_{};
};

}  // namespace ts::ui
