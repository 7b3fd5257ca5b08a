#pragma once
// The UI side of the engine thread: starts the worker on its own QThread, sends requests, drops stale
// replies.
#include <QObject>
#include <QThread>

#include "EngineWorker.h"

namespace ts::ui {

class EngineClient : public QObject {
  Q_OBJECT
 public:
  explicit EngineClient(QObject* parent = nullptr);
  ~EngineClient() override;

  /// Cancels any run in flight and queues `job`; returns its request id.
  quint64 submit(const ts::TraceJob& job);
  /// Cancels any run in flight and queues an engine job returning JSON; its result arrives as
  /// jobFinished(kind, …).
  quint64 submitJob(const QString& kind, std::function<std::string(const ts::RunControl&)> job);
  void cancel();
  bool busy() const { return busy_; }
  EngineWorker* worker() const { return worker_; }

 Q_SIGNALS:
  void progress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate);
  void traceFinished(const QString& resultJson);
  void jobFinished(const QString& kind, const QString& resultJson);
  void failed(const QString& message);
  void cancelled();

 private:
  QThread thread_;
  EngineWorker* worker_;
  quint64 next_id_ = 0;
  quint64 current_id_ = 0;
  bool busy_ = false;
};

}  // namespace ts::ui
