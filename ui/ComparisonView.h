#pragma once
// What a comparison run shows (the form's estimators on its kernel, with the exact trace and the
// speed–accuracy sweep): the result line and details above the tabs, the Convergence and Speed vs accuracy
// charts, the run's row in the run log, and the pinned runs' dashed curves with the table of how their
// settings differ. What is shown stays until the next run draws its first estimate, so a run that fails or is
// cancelled before then leaves it as it was.
#include <QObject>
#include <QString>

#include "JobResult.h"

class QLabel;
class QTableWidget;
class QWidget;

namespace ts::ui {

class ChartView;
class RunLog;

class ComparisonView : public QObject {
  Q_OBJECT
 public:
  /// Creates the labels, the two charts and the pinned runs' table (children of `parent`; the window places
  /// them); `log` is the window's run log.
  ComparisonView(RunLog* log, QWidget* parent);

  QLabel* resultLabel() const { return result_; }
  QLabel* detailsLabel() const { return details_; }
  ChartView* convergence() const { return convergence_; }
  ChartView* speed() const { return speed_; }
  QTableWidget* pinsTable() const { return pins_; }

  /// A run of `job` went to the engine.
  void begin(const ts::CompareRequest& job);
  /// Whether a run is in flight and still draws its running estimate.
  bool drawing() const { return !running_series_.isEmpty(); }
  double secondsSinceBegin() const;
  /// A running estimate of the first method after `done` products.
  void progress(qint64 done, double estimate);
  /// `final`: the run is over (the run log gets its row); else its estimates only, the exact trace to come.
  void show(const ts::CompareResult& r, bool final);
  /// The run in flight ended without a result ("cancelled", "failed: …"): its running line goes, the result
  /// shown before it comes back, and the run log keeps a row saying what happened.
  void endUnfinished(const QString& what);
  /// When the form describes another problem than the one of the result shown, the result line says so
  /// ("Earlier problem: "), and stops saying so when the form describes it again.
  void markEarlierProblem(const ts::ProblemSpec& form);
  /// The last finished comparison (nullptr before any, or after a session replaced it).
  const ts::CompareResult* last() const;
  void setLast(JobResultPtr result) { last_ = std::move(result); }
  /// The pinned runs' curves, dashed, on both charts (replacing earlier overlays), and the table of settings
  /// that differ among the pinned runs and the latest run.
  void updatePins();

 private:
  void drawCharts(const ts::CompareResult& r);
  void showText(const ts::CompareResult& r);
  void updateOverlays();
  void updatePinTable();
  RunLog* log_;
  QLabel* result_;
  QLabel* details_;
  ChartView* convergence_;
  ChartView* speed_;
  QTableWidget* pins_;
  JobResultPtr last_;         ///< holds a CompareResult once a comparison has finished
  QString running_series_;    ///< the running estimate's curve of the run in flight
  bool stale_chart_ = false;  ///< the Convergence chart still shows the run before the one in flight
  QString shown_before_run_;  ///< the result line before the run in flight
  ts::CompareRequest running_job_;
  std::string shown_problem_;  ///< the problem of the result shown (model, data, …; empty before any)
  qint64 started_ms_ = 0;
};

}  // namespace ts::ui
