#pragma once
// The Spectrum tab: the eigenvalues of the exact kernel in decreasing order on a log scale (a Nyström
// approximation when the kernel is over the memory budget), computed on the engine thread for the kernel the
// main form describes.
#include <QWidget>

#include <functional>

#include "JobResult.h"

namespace ts::ui {

class ChartView;
class EngineClient;
class ProblemCaption;

class SpectrumPanel : public QWidget {
  Q_OBJECT
 public:
  /// `problem` returns the kernel the main form describes.
  SpectrumPanel(EngineClient* engine, std::function<ts::ProblemSpec()> problem, QWidget* parent = nullptr);

  /// Forms the kernel of the form's problem and draws its top 400 eigenvalues.
  void compute();
  ChartView* chart() const { return chart_; }

 Q_SIGNALS:
  /// The job went to the engine (the window enables Cancel and shows progress).
  void jobStarted(const QString& description);
  void spectrumShown();

 private:
  void show(const ts::SpectrumResult& r);
  EngineClient* engine_;
  std::function<ts::ProblemSpec()> problem_;
  ChartView* chart_;
  ProblemCaption* caption_;
  bool pending_ = false;  ///< a job of this tab is in flight
};

}  // namespace ts::ui
