#include "EngineClient.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ts::ui {

EngineClient::EngineClient(QObject* parent) : QObject(parent), worker_(new EngineWorker) {
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  // Replies for a request that has been superseded are dropped here, on the UI thread.
  connect(worker_, &EngineWorker::progress, this,
          [this](quint64 id, qint64 d, qint64 t, const QString& s, double e, bool h) {
            if (id == current_id_) Q_EMIT progress(d, t, s, e, h);
          });
  connect(worker_, &EngineWorker::traceFinished, this, [this](quint64 id, const QString& json) {
    if (id != current_id_) return;
    busy_ = false;
    if (QJsonParseError error; !QJsonDocument::fromJson(json.toUtf8(), &error).isObject()) {
      Q_EMIT failed("the engine's reply to the trace run cannot be read (" + error.errorString() +
                    "): please report this");
      return;
    }
    Q_EMIT traceFinished(json);
  });
  connect(worker_, &EngineWorker::jobFinished, this,
          [this](quint64 id, const QString& kind, const QString& json) {
            if (id != current_id_) return;
            busy_ = false;
            // A reply that is not a JSON object is an error to show, never a result to read as zeros.
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject()) {
              Q_EMIT failed("the engine's reply to the " + kind + " run cannot be read (" +
                            error.errorString() + " at offset " + QString::number(error.offset) +
                            "): please report this");
              return;
            }
            Q_EMIT jobFinished(kind, json);
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

quint64 EngineClient::submit(const ts::TraceJob& job) {
  return submitJob("trace", [job](const RunControl& rc) { return to_json(run_trace_job(job, rc)).dump(); });
}

quint64 EngineClient::submitJob(const QString& kind, std::function<std::string(const ts::RunControl&)> job) {
  const quint64 id = ++next_id_;
  worker_->setLatest(id);
  worker_->cancel();
  current_id_ = id;
  busy_ = true;
  EngineWorker* w = worker_;
  QMetaObject::invokeMethod(
      w, [w, id, kind, job] { w->runJob(id, kind, job); }, Qt::QueuedConnection);
  return id;
}

void EngineClient::cancel() { worker_->cancel(); }

}  // namespace ts::ui
