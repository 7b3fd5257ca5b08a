#include "EngineWorker.h"

#include "core/Errors.h"

namespace ts::ui {

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {}

void EngineWorker::cancel() {
  auto token = std::atomic_load(&current_);
  if (token) token->cancel();
}

void EngineWorker::runJob(quint64 id, const QString& kind,
                          const std::function<std::string(const RunControl&)>& job) {
  if (id != latest_.load()) return;  // superseded before it started
  auto token = std::make_shared<CancelToken>();
  std::atomic_store(&current_, token);
  RunControl rc;
  rc.cancel = token.get();
  rc.progress = [this, id](const Progress& p) {
    // Throttle to about 30 updates a second so the UI thread never drowns in events.
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - last_emit_ < std::chrono::milliseconds(33)) return;
    last_emit_ = now;
    Q_EMIT progress(id, p.done, p.total, QString::fromStdString(p.stage), p.partial_estimate, p.has_estimate);
  };
  try {
    const QString json = QString::fromStdString(job(rc));
    if (kind == "trace") Q_EMIT traceFinished(id, json);
    Q_EMIT jobFinished(id, kind, json);
  } catch (const Cancelled&) {
    Q_EMIT cancelled(id);
  } catch (const std::exception& e) {
    Q_EMIT failed(id, QString::fromUtf8(e.what()).section('\n', 0, 0));
  }
}

}  // namespace ts::ui
