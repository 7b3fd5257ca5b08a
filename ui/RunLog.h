#pragma once
// The run log: every finished run with its configuration, duration and result. Double-clicking a row asks the
// window to restore that configuration.
#include <QTableWidget>

#include "jobs/CompareJob.h"

namespace ts::ui {

class RunLog : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunLog(QWidget* parent = nullptr);
  /// Adds a row for a finished run: `config` is the request that produced it, `summary` its result in words.
  /// `time` (HH:mm:ss) defaults to now; a session gives the stored one.
  void add(const ts::CompareRequest& config, double seconds, const QString& summary,
           const QString& time = {});
  ts::CompareRequest config(int row) const { return configs_.value(row); }
  int runs() const { return static_cast<int>(configs_.size()); }
  /// Removes every row (File ▸ New session, or before a session's runs are restored).
  void reset();

 Q_SIGNALS:
  void restoreRequested(const ts::CompareRequest& config);

 private:
  QList<ts::CompareRequest> configs_;
};

}  // namespace ts::ui
