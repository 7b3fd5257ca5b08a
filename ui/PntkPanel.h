#pragma once
// The pNTK tab (docs/MATH.md §6): the pNTK and eNTK of the current model and batch with their errors, timings
// and memory, both kernels as heat maps sorted by class, and the width experiment as a live log-log chart
// with fits.
#include <QString>
#include <QWidget>

#include <functional>

#include "JobResult.h"

class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QPushButton;
class QSpinBox;

namespace ts::ui {

class ChartView;
class EngineClient;
class HeatMap;
class ProblemCaption;

class PntkPanel : public QWidget {
  Q_OBJECT
 public:
  /// `problem` returns the kernel the main form describes (model, batch, dtype, device, seed).
  PntkPanel(EngineClient* engine, std::function<ts::ProblemSpec()> problem, QWidget* parent = nullptr);

  void computeKernels();
  void runWidthExperiment();
  /// The width sweep's settings (the tests use small ones).
  void setWidthSettings(int max_width, int seeds, int batch, int epochs, const QString& param = "standard");

  ChartView* widthChart() const { return width_chart_; }
  HeatMap* pntkMap() const { return pntk_map_; }
  HeatMap* entkMap() const { return entk_map_; }
  QString summaryText() const;
  /// The last results shown (nullptr before the first).
  const ts::PntkResult* lastKernels() const;
  const ts::PntkWidthResult* lastWidth() const;
  int widthPointsShown() const { return width_points_; }
  /// Writes the width chart (PNG, SVG), both heat maps (PNG) and the results (JSON) into `dir`.
  QString exportAll(const QString& dir) const;

 Q_SIGNALS:
  /// A job of this panel went to the engine (the window enables Cancel and shows progress).
  void jobStarted(const QString& description);
  void kernelsShown();
  void widthPointShown();
  void widthFinished();

 private:
  QGroupBox* createKernelsBox();
  QGroupBox* createWidthBox();
  void connectSignals();
  void onJobFinished(const QString& kind, const JobResultPtr& result);
  void onPartialResult(const QString& kind, const ts::PartialResult& partial);
  void onFailed(const QString& message);
  void showKernels(const ts::PntkResult& r);
  void showWidthPoint(const ts::PntkWidthUpdate& update);
  void showFits(const std::vector<ts::PntkWidthFit>& fits);

  EngineClient* engine_;
  std::function<ts::ProblemSpec()> problem_;
  ProblemCaption* caption_ = nullptr;
  QComboBox* variant_;
  QSpinBox* heldout_;
  QDoubleSpinBox* ridge_;
  QPushButton* compute_;
  QPushButton* export_;
  QLabel* summary_;
  HeatMap* pntk_map_;
  HeatMap* entk_map_;
  QComboBox* max_width_;
  QSpinBox* seeds_;
  QSpinBox* batch_;
  QSpinBox* epochs_;
  QComboBox* param_;
  QPushButton* sweep_;
  QLabel* fits_;
  ChartView* width_chart_;
  JobResultPtr kernels_, width_;  ///< the last results shown, for export
  QString pending_;               ///< the kind of this panel's job in flight ("" when none)
  int width_points_ = 0;
  QList<QPair<QString, QList<QPair<double, double>>>> by_error_;  ///< "stage/error" → (width, value) points
};

}  // namespace ts::ui
