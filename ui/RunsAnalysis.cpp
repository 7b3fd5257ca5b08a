#include "RunsAnalysis.h"

#include "EngineClient.h"

namespace ts::ui {

RunsAnalysis::RunsAnalysis(std::function<WatchRequest(const QString&)> request, QObject* parent)
    : QObject(parent), request_(std::move(request)), engine_(new EngineClient(this)) {
  connect(engine_, &EngineClient::progress, this,
          [this](qint64 done, qint64 total, const QString& stage, double, bool) {
            Q_EMIT progress(done, total, stage);
          });
  connect(engine_, &EngineClient::partialResult, this, [this](const QString&, const PartialResult& p) {
    if (p.kind == "watch-row") Q_EMIT rowArrived(std::any_cast<const WatchRow&>(p.value));
  });
  connect(engine_, &EngineClient::jobFinished, this,
          [this](const QString&, const JobResultPtr&) { end({}); });
  connect(engine_, &EngineClient::failed, this, [this](const QString& m) { end(m); });
  connect(engine_, &EngineClient::cancelled, this, [this] {
    queue_.clear();
    analysing_.clear();
    Q_EMIT cancelled();
  });
}

RunsAnalysis::~RunsAnalysis() { engine_->cancel(); }

void RunsAnalysis::analyse(const QStringList& pending) {
  for (const QString& dir : pending) {
    if (dir == analysing_)
      rescan_ = true;
    else if (!queue_.contains(dir))
      queue_ << dir;
  }
  if (analysing_.isEmpty()) startNext();
}

void RunsAnalysis::remove(const QString& dir) {
  if (analysing_ == dir) engine_->cancel();
  queue_.removeAll(dir);
}

void RunsAnalysis::cancel() {
  queue_.clear();
  if (!analysing_.isEmpty()) engine_->cancel();
}

void RunsAnalysis::end(const QString& error) {
  const QString dir = analysing_;
  analysing_.clear();
  Q_EMIT finished(dir, error);
  startNext();
}

void RunsAnalysis::startNext() {
  if (queue_.isEmpty() && rescan_) {
    rescan_ = false;
    Q_EMIT rescanWanted();
    return;
  }
  if (queue_.isEmpty()) {
    Q_EMIT idle();
    return;
  }
  analysing_ = queue_.takeFirst();
  const WatchRequest job = request_(analysing_);
  Q_EMIT started(analysing_);
  engine_->submitJob("watch", [job](const RunControl& rc) { return JobResult(run_watch_job(job, rc)); });
}

}  // namespace ts::ui
