#pragma once
// The Training tab: trains the form's model on its data and shows the NTK metrics at every epoch (relative
// to epoch 0) beside the loss and accuracy. The run goes to the engine thread (it shares the status bar's
// progress and Cancel through jobStarted).
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace ts {
struct CompareRequest;
struct DynamicsRequest;
struct DynamicsResult;
}  // namespace ts

namespace ts::ui {

class ChartView;
class EngineClient;
class ProblemCaption;

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  /// `form` returns the comparison the main form describes (its problem, estimator and first method).
  TrainingPanel(EngineClient* engine, std::function<ts::CompareRequest()> form, QWidget* parent = nullptr);

  /// Trains the form's model on its data (this tab's epochs and rate) and tracks the NTK metrics per epoch.
  void train();
  /// The training run the tab describes on the form's problem and estimator (`form`): Adam at the chosen
  /// rate, batch 32, a snapshot after every epoch, every metric of the catalog on 50 held-out inputs.
  ts::DynamicsRequest request(const ts::CompareRequest& form) const;
  /// Draws a finished run: each metric divided by its value at epoch 0 with its ±2σ band, and the losses.
  void show(const ts::DynamicsResult& r);

  ChartView* dynamicsChart() const { return dynamics_chart_; }
  ChartView* lossChart() const { return loss_chart_; }
  int epochs() const;
  QString learningRate() const;
  bool exactPerSnapshot() const;
  void setEpochs(int epochs);
  void setLearningRate(const QString& lr);
  void setExactPerSnapshot(bool exact);

 Q_SIGNALS:
  /// The job went to the engine (the window enables Cancel and shows progress).
  void jobStarted(const QString& description);
  void dynamicsShown();

 private:
  EngineClient* engine_;
  std::function<ts::CompareRequest()> form_;
  bool pending_ = false;  ///< a job of this tab is in flight
  ChartView* dynamics_chart_;
  ChartView* loss_chart_;
  ProblemCaption* caption_;
  QSpinBox* epochs_;
  QComboBox* lr_;
  QCheckBox* exact_;
};

}  // namespace ts::ui
