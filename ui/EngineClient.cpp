#include "EngineClient.h"

namespace ts::ui {

namespace {

// The types that cross threads in queued signals.
void register_engine_types() {
  static const bool done = [] {
    qRegisterMetaType<ts::ui::JobResultPtr>("ts::ui::JobResultPtr");
    qRegisterMetaType<ts::PartialResult>("ts::PartialResult");
    return true;
  }();
  (void)done;
}

}  // namespace

EngineClient::EngineClient(QObject* parent) : QObject(parent), worker_(new EngineWorker) {
  register_engine_types();
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  // Replies for a request that has been superseded are dropped here, on the UI thread.
  connect(worker_, &EngineWorker::progress, this,
          [this](quint64 id, qint64 d, qint64 t, const QString& s, double e, bool h) {
            if (id == current_id_) Q_EMIT progress(d, t, s, e, h);
          });
  connect(worker_, &EngineWorker::partial, this, [this](quint64 id, const ts::PartialResult& p) {
    if (id == current_id_) Q_EMIT partialResult(current_kind_, p);
  });
  connect(worker_, &EngineWorker::finished, this,
          [this](quint64 id, const QString& kind, const JobResultPtr& result) {
            if (id != current_id_) return;
            busy_ = false;
            Q_EMIT jobFinished(kind, result);
          });
  connect(worker_, &EngineWorker::failed, this, [this](quint64 id, const QString& msg) {
    if (id != current_id_) return;
    busy_ = false;
    Q_EMIT failed(msg);
  });
  connect(worker_, &EngineWorker::cancelled, this, [this](quint64 id) {
    if (id != current_id_) return;
    busy_ = false;
    Q_EMIT cancelled();
  });
  thread_.setObjectName("engine");
  thread_.start();
}

EngineClient::~EngineClient() {
  worker_->cancel();
  thread_.quit();
  thread_.wait();
}

quint64 EngineClient::submit(const ts::TraceRequest& request) {
  return submitJob("trace", [request](const RunControl& rc) { return run_trace_job(request, rc); });
}

quint64 EngineClient::submitJob(const QString& kind, EngineJob job) {
  const quint64 id = ++next_id_;
  worker_->setLatest(id);
  worker_->cancel();
  worker_->setPaused(false);
  current_id_ = id;
  current_kind_ = kind;
  busy_ = true;
  EngineWorker* w = worker_;
  QMetaObject::invokeMethod(
      w, [w, id, kind, job] { w->runJob(id, kind, job); }, Qt::QueuedConnection);
  return id;
}

void EngineClient::cancel() { worker_->cancel(); }

void EngineClient::setPaused(bool paused) { worker_->setPaused(paused); }

bool EngineClient::paused() const { return worker_->paused(); }

void EngineClient::follow(QObject* receiver, const QString& kind, bool* pending,
                          std::function<void(const JobResultPtr&)> show) {
  connect(this, &EngineClient::jobFinished, receiver,
          [kind, pending, show = std::move(show)](const QString& k, const JobResultPtr& result) {
            if (k != kind || !*pending) return;
            *pending = false;
            show(result);
          });
  connect(this, &EngineClient::failed, receiver, [pending] { *pending = false; });
  connect(this, &EngineClient::cancelled, receiver, [pending] { *pending = false; });
}

}  // namespace ts::ui
