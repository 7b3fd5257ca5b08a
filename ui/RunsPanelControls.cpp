// The Runs tab's controls: the metric and scalar choices, the analysis row, and the runs' list and chart
// (RunsPanel.cpp holds the tab's behaviour).
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include "ChartView.h"
#include "Notation.h"
#include "OptionTips.h"
#include "RunsPanel.h"
#include "RunsTable.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/WatchJob.h"

namespace ts::ui {

void RunsPanel::buildControls() {
  auto* layout = new QVBoxLayout(this);
  auto* view_row = new QHBoxLayout;
  auto* open = new QPushButton("Open Run…", this);
  open->setObjectName("openRun");
  open->setToolTip("A run folder written by tangentscope.RunLogger in your training script (README.md)");
  connect(open, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open run folder");
    if (dir.isEmpty()) return;
    const QString err = openRun(dir);
    if (!err.isEmpty()) status_->setText(err);
  });
  metric_ = new QComboBox(this);
  metric_->setObjectName("metric");
  for (const auto& m : watch_metrics()) metric_->addItem(QString::fromUtf8(m.label), QString(m.name));
  metric_->setToolTip(
      "K_t is the kernel at the snapshot of step t on the run's probe batch; K₀ the run's first snapshot's, "
      "K_previous the snapshot's before (the kernel's velocity)");
  scalar_ = new QComboBox(this);
  scalar_->setObjectName("scalar");
  scalar_->setProperty("notInSession", true);  // its choices come from the runs, opened after the settings
  scalar_->addItem("none", QString());
  scalar_->setToolTip("A scalar your script logged with the snapshot, on the right axis");
  log_y_ = new QCheckBox("Log scale", this);
  log_y_->setObjectName("logY");
  log_x_ = new QCheckBox("Log steps", this);
  log_x_->setObjectName("logX");
  log_x_->setToolTip("The step axis on a log scale (step 0 is then left out)");
  bands_ = new QCheckBox("±2σ bands", this);
  bands_->setObjectName("bands");
  bands_->setChecked(true);
  smoothing_ = new QSlider(Qt::Horizontal, this);
  smoothing_->setObjectName("smoothing");
  smoothing_->setRange(0, 99);
  smoothing_->setMaximumWidth(120);
  smoothing_->setToolTip("Exponential moving average over the snapshots (TensorBoard's smoothing)");
  smoothing_label_ = new QLabel("0.00", this);
  view_row->addWidget(open);
  view_row->addWidget(new QLabel("Metric:", this));
  view_row->addWidget(metric_);
  view_row->addWidget(new QLabel("Scalar:", this));
  view_row->addWidget(scalar_);
  view_row->addWidget(log_y_);
  view_row->addWidget(log_x_);
  view_row->addWidget(bands_);
  view_row->addWidget(new QLabel("Smoothing:", this));
  view_row->addWidget(smoothing_);
  view_row->addWidget(smoothing_label_);
  view_row->addStretch(1);
  layout->addLayout(view_row);
  buildAnalysisRow(layout);
  buildRunsArea(layout);
}

// How the snapshots are analysed (estimator, test vectors, exact), with the analysis' progress and status.
void RunsPanel::buildAnalysisRow(QVBoxLayout* layout) {
  auto* analysis_row = new QHBoxLayout;
  estimator_ = new QComboBox(this);
  estimator_->setObjectName("estimator");
  for (const auto& e : estimator_registry())
    estimator_->addItem(QString::fromStdString(e.label), QString::fromStdString(e.name));
  estimator_->setCurrentIndex(estimator_->findData(QString::fromStdString(EstimatorOptions{}.method)));
  matvecs_ = new QSpinBox(this);
  matvecs_->setObjectName("matvecs");
  matvecs_->setRange(3, 100000);
  matvecs_->setValue(static_cast<int>(EstimatorOptions{}.matvecs));
  matvecs_->setToolTip(optionTip("matvecs", "For each trace of each snapshot (tangentscope-cli watch)."));
  estimator_->setToolTip(optionTip("estimator"));
  exact_ = new QCheckBox("Exact", this);
  exact_->setObjectName("exact");
  exact_->setToolTip(
      "Form each snapshot's kernel (within the memory budget) instead of estimating.\n"
      "Command line: tangentscope-cli watch --exact");
  reanalyse_ = new QPushButton("Re-analyse with these settings", this);
  reanalyse_->setToolTip(
      "A run's metrics.jsonl holds one series made with one setting: this removes it from the open runs "
      "and analyses every snapshot again");
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(160);
  progress_->setTextVisible(false);
  cancel_ = new QPushButton("Cancel", this);
  cancel_->setEnabled(false);
  status_ = new QLabel("Open a run folder (File ▸ Open Run…) to follow its kernel over training.", this);
  status_->setWordWrap(true);
  analysis_row->addWidget(new QLabel("Estimator:", this));
  analysis_row->addWidget(estimator_);
  analysis_row->addWidget(new QLabel("Test vectors:", this));
  analysis_row->addWidget(matvecs_);
  analysis_row->addWidget(exact_);
  analysis_row->addWidget(reanalyse_);
  analysis_row->addWidget(progress_);
  analysis_row->addWidget(cancel_);
  analysis_row->addStretch(1);
  layout->addLayout(analysis_row);
}

// The runs' list beside the chart, the status line, the selected run's table and its snapshot button.
void RunsPanel::buildRunsArea(QVBoxLayout* layout) {
  auto* middle = new QHBoxLayout;
  list_ = new QListWidget(this);
  list_->setObjectName("runs");
  list_->setProperty("notInSession", true);  // the session names the run folders themselves
  list_->setMaximumWidth(220);
  list_->setToolTip("Tick a run to draw it; select one for its table below");
  chart_ = new ChartView("The kernel over training: tr K", "step", "tr K", this);
  middle->addWidget(list_);
  middle->addWidget(chart_, 1);
  layout->addLayout(middle, 3);
  layout->addWidget(status_);
  table_ = new RunsTable(this);
  layout->addWidget(table_, 2);
  open_snapshot_ = new QPushButton("Open this snapshot in the other tabs", this);
  open_snapshot_->setEnabled(false);
  layout->addWidget(open_snapshot_, 0, Qt::AlignLeft);
}

}  // namespace ts::ui
