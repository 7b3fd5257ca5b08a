#pragma once
// The Runs tab's analyses: a queue of run folders with snapshots not yet analysed, each analysed in turn by
// the watch job on an engine thread of its own (analysing runs never cancels another tab's job), its rows
// arriving one by one. A folder that gains snapshots while it is analysed is analysed again afterwards.
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

#include "jobs/WatchJob.h"

namespace ts::ui {

class EngineClient;

class RunsAnalysis : public QObject {
  Q_OBJECT
 public:
  /// `request` gives the watch job for a run folder (the tab's estimator, budget and exact settings).
  RunsAnalysis(std::function<ts::WatchRequest(const QString& dir)> request, QObject* parent = nullptr);
  ~RunsAnalysis() override;

  /// Folders with snapshots to analyse: queued (or, the one being analysed, analysed again after it), and the
  /// next analysis started when none runs.
  void analyse(const QStringList& pending);
  /// Drops `dir` from the queue, cancelling its analysis if it runs.
  void remove(const QString& dir);
  void cancel();
  bool busy() const { return !analysing_.isEmpty() || !queue_.isEmpty(); }

 Q_SIGNALS:
  void started(const QString& dir);
  void progress(qint64 done, qint64 total, const QString& stage);
  void rowArrived(const ts::WatchRow& row);
  /// An analysis ended: `error` is empty, or why it failed.
  void finished(const QString& dir, const QString& error);
  /// A folder gained snapshots while it was analysed: the tab says again which are pending (analyse()).
  void rescanWanted();
  /// Nothing is queued or running any more.
  void idle();
  void cancelled();

 private:
  void startNext();
  void end(const QString& error);
  std::function<ts::WatchRequest(const QString&)> request_;
  EngineClient* engine_;
  QStringList queue_;
  QString analysing_;  ///< the run folder of the analysis in flight
  bool rescan_ = false;
};

}  // namespace ts::ui
