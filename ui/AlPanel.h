#pragma once
// The Active learning tab (docs/MATH.md §7): configure a pool-based run, watch test accuracy against labels
// fill in cycle by cycle (one series per strategy, mean over seeds with its 95% band), see the latest cycle's
// queried samples, click one for its predicted output change, pause, resume, cancel and export.
#include <QString>
#include <QWidget>

#include <memory>
#include <vector>

#include "JobResult.h"
#include "jobs/AlJob.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QVBoxLayout;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace ts::ui {

class ChartView;
class EngineClient;
class SampleGallery;

class AlPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AlPanel(EngineClient* engine, QWidget* parent = nullptr);

  /// Starts a run of the form's configuration (cancelling any run in flight).
  void run();
  /// The request Run submits: the preset (if one is chosen) with the form's fields over it.
  AlRequest request() const;
  /// Holds the run at its next cycle (the engine's pause point), or lets it go on.
  void setPaused(bool paused);
  bool paused() const;
  /// Form setters for tests and the screenshot driver.
  void setConfig(const QString& model, const QString& data, const QStringList& strategies, int initial,
                 int query, int cycles, int seeds, int pool_subset = 0);
  ChartView* accuracyChart() const { return chart_; }
  SampleGallery* gallery() const { return gallery_; }
  int cyclesShown() const { return cycles_shown_; }
  /// The last finished run's result; null before one finishes.
  std::shared_ptr<const AlResult> lastResult() const { return result_; }
  QString summaryText() const;
  QString detailText() const;
  /// What the gallery can show, for sessions: per strategy the newest cycle that queried anything, and the
  /// strategy shown. restoreGallery shows them again (the chart and summary are restored on their own).
  std::vector<AlCycle> galleryCycles() const;
  QString galleryStrategy() const;
  void restoreGallery(const std::vector<AlCycle>& cycles, const QString& strategy);
  /// Writes the chart (PNG, SVG), the gallery (PNG) and the results (JSON, and the curves as CSV) into `dir`.
  QString exportAll(const QString& dir) const;

 Q_SIGNALS:
  void jobStarted(const QString& description);
  void cycleShown();
  void runFinished();

 private:
  void createInputs(QGroupBox* form);
  void layoutForm(QGroupBox* form);
  void createResults(QVBoxLayout* layout);
  void connectSignals();
  void onCycle(const AlCycle& row);
  void onJobFinished(const QString& kind, const JobResultPtr& result);
  void onFailed(const QString& message);
  void redraw();
  void showGallery();
  void showSample(const AlQuery& sample);

  EngineClient* engine_;
  QLineEdit* model_;
  QComboBox* data_;
  QListWidget* strategies_;
  QSpinBox *initial_, *query_, *cycles_, *seeds_, *pool_, *epochs_;
  QComboBox* kernel_;
  QComboBox* preset_;
  QCheckBox* sequential_;
  QPushButton *run_, *pause_, *cancel_, *export_;
  QLabel* summary_;
  QLabel* detail_;
  QComboBox* gallery_strategy_;
  ChartView* chart_;
  SampleGallery* gallery_;
  bool pending_ = false;
  int cycles_shown_ = 0;
  std::vector<AlCycle> rows_;  ///< every cycle received in this run
  std::shared_ptr<const AlResult> result_;
};

}  // namespace ts::ui
