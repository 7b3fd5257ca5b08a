#pragma once
// The run log: every run of every kind (comparisons, spectra, metrics, training, per-layer traces, pNTK,
// width experiments, active learning), finished or not, with its settings, duration and result.
// Double-clicking a row asks the window to restore its configuration, its menu to run it again; a
// comparison's check box pins it, so its curves are overlaid on the charts.
#include <QTableWidget>

#include "ChartView.h"
#include "jobs/CompareJob.h"

namespace ts::ui {

/// A run kind as a person reads it ("pntk-width" → "pNTK width experiment").
QString runKindName(const QString& kind);

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
  /// `kind`: "compare" (pinnable), or the job of another tab ("spectrum", "metrics", "training", "layers",
  /// "pntk", "pntk-width", "al", "kernel"), whose full settings are `settings` (JSON text) and whose problem
  /// and estimator are in `config`.
  void add(const ts::CompareRequest& config, double seconds, const QString& summary, const QString& time = {},
           const Curves& curves = {}, bool pinned = false, const QString& kind = "compare",
           const QString& settings = {});
  QString kind(int row) const { return kinds_.value(row); }
  QString settings(int row) const { return settings_.value(row); }
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
  /// The row's menu: restore its configuration and run it again.
  void rerunRequested(int row);
  /// A run was pinned or unpinned.
  void pinsChanged();

 private:
  QList<ts::CompareRequest> configs_;
  QList<Curves> curves_;
  QStringList kinds_, settings_;
  bool filling_ = false;  ///< a row is being added: its check box is no pin change
};

}  // namespace ts::ui
