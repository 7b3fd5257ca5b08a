#pragma once
// The Metrics tab: tr K, ‖K‖_F, r_eff(K) and the kernel-target alignment of the form's kernel, estimated with
// the form's first method (±2σ) and, when the form asks for it, exactly; tr K from each input's own gradients
// where the model allows (a box, ticked by default).
#include <QWidget>

#include <functional>

#include "JobResult.h"

class QCheckBox;
class QTableWidget;

namespace ts::ui {

class EngineClient;
class ProblemCaption;

class MetricsPanel : public QWidget {
  Q_OBJECT
 public:
  /// `form` returns the comparison the main form describes (its problem, estimator and first method).
  MetricsPanel(EngineClient* engine, std::function<ts::CompareRequest()> form, QWidget* parent = nullptr);

  void compute();
  QTableWidget* table() const { return table_; }

 Q_SIGNALS:
  /// The job went to the engine (the window enables Cancel and shows progress).
  void jobStarted(const QString& description);
  void metricsShown();

 private:
  void show(const ts::MetricsResult& r);
  EngineClient* engine_;
  std::function<ts::CompareRequest()> form_;
  QTableWidget* table_;
  QCheckBox* per_input_;  ///< tr K from each input's own gradients (MetricsRequest::trace_per_input)
  ProblemCaption* caption_;
  bool pending_ = false;  ///< a job of this tab is in flight
};

}  // namespace ts::ui
