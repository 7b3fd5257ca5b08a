#pragma once
// The run log: every finished run with its configuration, duration and result. Double-clicking a row asks the
// window to restore that configuration.
#include <QJsonObject>
#include <QTableWidget>

namespace ts::ui {

class RunLog : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunLog(QWidget* parent = nullptr);
  /// Adds a row for a finished run: `config` is the run's configuration JSON, `summary` its result in words.
  void add(const QJsonObject& config, double seconds, const QString& summary);
  QJsonObject config(int row) const { return configs_.value(row); }

 Q_SIGNALS:
  void restoreRequested(const QJsonObject& config);

 private:
  QList<QJsonObject> configs_;
};

}  // namespace ts::ui
