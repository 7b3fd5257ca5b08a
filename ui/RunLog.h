#pragma once
// The run log: every finished run with its configuration, duration and result. Double-clicking a row asks the
// window to restore that configuration; its check box pins the run, so its curves are overlaid on the charts.
#include <QTableWidget>

#include "ChartView.h"
#include "jobs/CompareJob.h"

namespace ts::ui {

class RunLog : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunLog(QWidget* parent = nullptr);
  /// Adds a row for a finished run: `config` is the request that produced it, `summary` its result in words.
  /// What a run drew, kept so it can be pinned (overlaid on later runs' charts).
  struct Curves {
    QList<ChartView::Series> convergence, speed;
  };
  /// `time` (HH:mm:ss) defaults to now; a session gives the stored one.
  void add(const ts::CompareRequest& config, double seconds, const QString& summary, const QString& time = {},
           const Curves& curves = {}, bool pinned = false);
  const Curves& curves(int row) const { return curves_[row]; }
  /// The rows whose pin (the check box of the time column) is set, in order.
  QList<int> pinnedRows() const;
  void setPinned(int row, bool pinned);
  ts::CompareRequest config(int row) const { return configs_.value(row); }
  int runs() const { return static_cast<int>(configs_.size()); }
  /// Removes every row (File ▸ New session, or before a session's runs are restored).
  void reset();

 Q_SIGNALS:
  void restoreRequested(const ts::CompareRequest& config);
  /// A run was pinned or unpinned.
  void pinsChanged();

 private:
  QList<ts::CompareRequest> configs_;
  QList<Curves> curves_;
  bool filling_ = false;  ///< a row is being added: its check box is no pin change
};

}  // namespace ts::ui
