#pragma once
// The UI side of the engine thread: starts the worker on its own QThread, sends requests, drops stale
// replies.
#include <QObject>
#include <QThread>

#include <functional>

#include "EngineWorker.h"

namespace ts::ui {

class EngineClient : public QObject {
  Q_OBJECT
 public:
  explicit EngineClient(QObject* parent = nullptr);
  ~EngineClient() override;

  /// Cancels any run in flight and queues the trace job; returns its request id.
  quint64 submit(const ts::TraceRequest& request);
  /// Cancels any run in flight and queues an engine job; its result arrives as jobFinished(kind, …), its
  /// partial results as partialResult. A new job starts unpaused.
  quint64 submitJob(const QString& kind, EngineJob job);
  void cancel();
  /// Holds the run at its next pause point (between active-learning cycles, between width models).
  void setPaused(bool paused);
  bool paused() const;
  bool busy() const { return busy_; }
  /// The kind of the last job submitted ("trace", "al", …).
  QString currentKind() const { return current_kind_; }
  EngineWorker* worker() const { return worker_; }
  /// A tab's own job of `kind`: `show` gets its result when it finishes while `*pending` (which the tab sets
  /// as it submits), and `*pending` is cleared however the job ends (finished, failed, cancelled).
  void follow(QObject* receiver, const QString& kind, bool* pending,
              std::function<void(const JobResultPtr&)> show);

 Q_SIGNALS:
  void progress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate);
  void partialResult(const QString& kind, const ts::PartialResult& partial);
  void jobFinished(const QString& kind, const ts::ui::JobResultPtr& result);
  void failed(const QString& message);
  void cancelled();

 private:
  QThread thread_;
  EngineWorker* worker_;
  quint64 next_id_ = 0;
  quint64 current_id_ = 0;
  QString current_kind_;
  bool busy_ = false;
};

}  // namespace ts::ui
