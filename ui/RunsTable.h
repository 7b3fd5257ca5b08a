#pragma once
// The Runs tab's table: one row per snapshot of a run, its step, the scalars the training script logged
// and the NTK metrics `watch` computed (±2σ, full precision in the tooltip and the CSV).
#include <QString>
#include <QTableWidget>

#include <vector>

#include "jobs/RunFolder.h"
#include "jobs/WatchJob.h"

namespace ts::ui {

/// The metric `name` of a row, or null when the row has none (the first snapshot has no *_previous).
const MetricValue* run_metric_value(const WatchRow& row, const std::string& name);

class RunsTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunsTable(QWidget* parent = nullptr);
  /// Every snapshot of the run, analysed or not yet.
  void showRun(const std::vector<RunSnapshot>& snapshots, const std::vector<WatchRow>& rows);
  /// The table as CSV, each value at full precision.
  QString csv() const;
  /// The step of the selected row, or -1.
  qint64 selectedStep() const;
};

}  // namespace ts::ui
