#pragma once
// The Runs tab: the NTK of the user's own training runs (run folders of the Python logger, docs/FORMATS.md
// "Run folders"), as TensorBoard shows losses. Every metric over the training step, runs overlaid in their
// own colours and ticked on or off in a list, a scalar of the run (loss, learning rate) on a second axis, log
// axis, smoothing and ±2σ bands. The panel analyses the snapshots not yet in a run's metrics.jsonl on its own
// engine thread (the other tabs keep theirs), and watches the folders: a snapshot the training script writes
// later is analysed and drawn within seconds. A snapshot opens as the model of the other tabs.
#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <vector>

#include "JobResult.h"
#include "jobs/RunFolder.h"

class QCheckBox;
class QComboBox;
class QFileSystemWatcher;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTimer;
class QVBoxLayout;

namespace ts::ui {

class ChartView;
class RunsAnalysis;
class RunsTable;

class RunsPanel : public QWidget {
  Q_OBJECT
 public:
  explicit RunsPanel(QWidget* parent = nullptr);
  ~RunsPanel() override;

  /// Opens a run folder: shows the metrics its metrics.jsonl holds, then analyses the snapshots not yet in it
  /// and keeps watching the folder for new ones. The first run opened lends the panel the estimator settings
  /// its metrics were made with. Returns "" or an error naming the folder (then nothing changes).
  QString openRun(const QString& dir);
  void closeRun(const QString& dir);
  QStringList runs() const;
  /// The metric drawn: trace, frobenius, effective_rank, target_alignment, alignment_first, distance_first,
  /// alignment_previous, distance_previous.
  void setMetric(const QString& name);
  QString metric() const;
  /// The user's scalar drawn on the second axis ("" for none).
  void setScalar(const QString& name);
  /// Analysed snapshots shown for the run `dir`.
  int rowCount(const QString& dir) const;
  /// Whether an analysis is running or waiting.
  bool busy() const;
  void cancel();
  /// The estimator, budget and exactness of new analyses.
  void setAnalysis(const QString& estimator, int matvecs, bool exact);
  /// Writes the selected run's table (runs-table.csv, full precision) into `dir`; "" or the errors. The chart
  /// goes with every other chart.
  QString exportAll(const QString& dir) const;
  /// Writes the run's model at that step as a model file and emits snapshotOpened; "" or an error.
  QString openSnapshot(const QString& dir, qint64 step);
  ChartView* chart() const { return chart_; }
  RunsTable* table() const { return table_; }
  QString statusText() const;
  /// Draws the chart and the table again from the settings (after a session set them without signals).
  void redrawAll();

 Q_SIGNALS:
  /// New rows are drawn (a run opened, a snapshot analysed).
  void rowsShown();
  /// A snapshot was written as a model file: the other tabs take it, with its run's probe batch as data.
  void snapshotOpened(const QString& model_path, const QString& data_spec);
  void runsChanged();

 private:
  struct Run {
    QString dir, label;
    std::vector<ts::WatchRow> rows;
    std::vector<ts::RunSnapshot> snapshots;
    bool finished = false;
    QString error;
  };
  void buildControls();  ///< the view's row (metric, scalar, scales, smoothing), then the two below
  void buildAnalysisRow(QVBoxLayout* layout);
  void buildRunsArea(QVBoxLayout* layout);
  void connectSignals();
  void connectAnalysis();
  Run* find(const QString& dir);
  const Run* find(const QString& dir) const;
  void refresh(Run& r);  ///< re-reads the folder's snapshots and scalars (not its metrics)
  void schedule();       ///< queues every run with snapshots not analysed, and starts the next analysis
  ts::WatchRequest watchRequest(const QString& dir) const;  ///< the tab's analysis settings for a run
  void showIdle();
  void onRow(const ts::WatchRow& row);
  void redraw();
  void fillTable();
  void fillScalarChoices();
  int current() const;  ///< the run selected in the list, -1 for none
  /// Selects the run drawn as `label` and its snapshot nearest `step` (a click on its line).
  void selectNear(const QString& label, double step);

  std::vector<Run> runs_;
  RunsAnalysis* analysis_;  ///< the queue of runs to analyse, on an engine thread of the tab's own
  QFileSystemWatcher* watcher_;
  QTimer* debounce_;

  QListWidget* list_;
  QComboBox* metric_;
  QComboBox* scalar_;
  QCheckBox* log_y_;
  QCheckBox* log_x_;
  QCheckBox* bands_;
  QSlider* smoothing_;
  QLabel* smoothing_label_;
  QComboBox* estimator_;
  QSpinBox* matvecs_;
  QCheckBox* exact_;
  QPushButton* reanalyse_;
  QProgressBar* progress_;
  QPushButton* cancel_;
  QLabel* status_;
  ChartView* chart_;
  RunsTable* table_;
  QPushButton* open_snapshot_;
};

}  // namespace ts::ui
