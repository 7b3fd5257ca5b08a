#include "EngineWorker.h"

#include "core/ErrorText.h"
#include "core/Errors.h"

namespace ts::ui {

EngineWorker::EngineWorker(QObject* parent) : QObject(parent) {}

void EngineWorker::cancel() {
  auto token = std::atomic_load(&current_);
  if (token) token->cancel();
}

void EngineWorker::setPaused(bool paused) { paused ? pause_.pause() : pause_.resume(); }

void EngineWorker::runJob(quint64 id, const QString& kind, const EngineJob& job) {
  if (id != latest_.load()) return;  // superseded before it started
  auto token = std::make_shared<CancelToken>();
  std::atomic_store(&current_, token);
  RunControl rc;
  rc.cancel = token.get();
  rc.pause = &pause_;
  rc.progress = [this, id](const Progress& p) {
    // Throttle to about 30 updates a second so the UI thread never drowns in events.
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - last_emit_ < std::chrono::milliseconds(33)) return;
    last_emit_ = now;
    Q_EMIT progress(id, p.done, p.total, QString::fromStdString(p.stage), p.partial_estimate, p.has_estimate);
  };
  // Partial results are few (one per cycle or model) and each matters: never throttled.
  rc.partial = [this, id](const PartialResult& p) { Q_EMIT partial(id, p); };
  try {
    auto result = std::make_shared<const JobResult>(job(rc));
    if (std::holds_alternative<std::monostate>(*result))
      throw std::logic_error("the " + kind.toStdString() + " job returned no result");
    Q_EMIT finished(id, kind, result);
  } catch (const Cancelled&) {
    Q_EMIT cancelled(id);
  } catch (const std::exception& e) {
    Q_EMIT failed(id, QString::fromStdString(error_text(e)));
  }
}

}  // namespace ts::ui
