#pragma once
// The main window of this first version: a trace-estimate form, a live running estimate, the result with its
// error and cost. It only wires widgets to the EngineClient; the engine runs on its own thread.
#include <QMainWindow>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QCheckBox;
class QMenu;

namespace ts {
struct TraceJob;
}

namespace ts::ui {

class EngineClient;
class ChartView;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  /// The job the form describes.
  ts::TraceJob currentJob() const;
  /// Starts a run of the form's job (cancelling any stale one).
  void run();
  EngineClient* engine() const { return engine_; }
  /// The last finished result as JSON text ("" before the first).
  QString lastResultJson() const { return last_json_; }
  QString resultText() const;
  ChartView* convergenceChart() const { return chart_; }
  /// Writes the last result with its full configuration: JSON, or CSV (the running estimate per matvec) by
  /// extension. Returns "" or an error message naming the file.
  QString exportResult(const QString& path) const;

 Q_SIGNALS:
  void resultShown();
  void failureShown(const QString& message);

 private:
  void onProgress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate);
  void onFinished(const QString& json);
  void onFailed(const QString& message);

  EngineClient* engine_;
  QLineEdit* model_;
  QLineEdit* data_;
  QLineEdit* input_shape_;
  QComboBox* estimator_;
  QSpinBox* matvecs_;
  QSpinBox* seed_;
  QComboBox* dtype_;
  QComboBox* device_;
  QCheckBox* exact_;
  QPushButton* run_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QLabel* result_;
  QLabel* details_;
  ChartView* chart_;
  QString last_json_;
  QString running_series_;
};

}  // namespace ts::ui
