// MainWindow, part 3: running jobs and showing their results (charts, tables, run log), exports.
#include "FileOpener.h"
#include "MainWindow.h"
#include "WindowSession.h"

#include "Notation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMap>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

#include "AlPanel.h"
#include "ChartView.h"
#include "ComparisonView.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "LayersPanel.h"
#include "MetricsPanel.h"
#include "PntkPanel.h"
#include "ProblemCaption.h"
#include "ProblemPanel.h"
#include "RunDiff.h"
#include "RunLog.h"
#include "RunRecord.h"
#include "SessionWidgets.h"
#include "SpectrumPanel.h"
#include "TrainingPanel.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "estimators/EstimatorRegistry.h"
#include "io/OutputFiles.h"
#include "jobs/Jobs.h"
#include "results/RequestJson.h"
#include "results/ResultJson.h"

namespace ts::ui {

void MainWindow::onEstimates(const QString& kind, const PartialResult& partial) {
  if (kind != "compare" || current_kind_ != "compare" || partial.kind != "compare-estimates") return;
  const auto* r = std::any_cast<CompareResult>(&partial.value);
  if (!r) return;
  showCompare(*r, false);
  const double seconds = comparison_->secondsSinceBegin();
  statusBar()->showMessage(
      QString("Estimates in %1 s; the exact trace follows in the background (Esc cancels)")
          .arg(number(seconds, 2)));
  Q_EMIT estimatesShown();
}

void MainWindow::runAtLaunch() {
  launching_ = relaunched_;  // the first launch shows the exact trace arriving; a relaunch only estimates
  run();
}

void MainWindow::run() {
  CompareRequest job = currentCompareJob();
  const bool skipped_exact = launching_ && job.exact;
  if (launching_) job.exact = false;
  launching_ = false;
  if (job.methods.empty()) {
    onFailed("tick at least one estimator to run");
    return;
  }
  comparison_->begin(job);
  current_kind_ = "compare";
  engine_->submitJob("compare", [job](const RunControl& rc) { return run_compare_job(job, rc); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  QStringList shown;
  for (const QString& m : estimators_->methods()) shown << displayName(m);
  statusBar()->showMessage(
      "Running " + shown.join(", ") + "…" +
      (skipped_exact ? " (no exact trace at launch: Run ▸ Compute exact trace, Ctrl+Shift+R)" : QString()));
  if (persist_) saveSettings();
}

void MainWindow::exportKernel(const QString& path) {
  KernelRequest job;
  job.problem = currentCompareJob().problem;
  job.out = path.toStdString();
  QString base = path;
  if (base.endsWith(".npy", Qt::CaseInsensitive)) base.chop(4);
  job.eig_out = (base + ".eig").toStdString();
  job.eig_top = 20;
  current_kind_ = "kernel";
  engine_->submitJob("kernel", [job](const RunControl& rc) {
    try {
      return run_kernel_job(job, rc);
    } catch (const MemoryBudgetError&) {
      KernelRequest eig = job;  // too big to form: its top eigenpairs from products only
      eig.out.clear();
      return run_kernel_job(eig, rc);
    }
  });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Computing the kernel for export…");
}

QString MainWindow::resultText() const { return comparison_->resultLabel()->text(); }

void MainWindow::onProgress(qint64 done, qint64 total, const QString& stage, double estimate,
                            bool hasEstimate) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  statusBar()->showMessage(stage);
  // Other jobs estimate other traces (tr K², …); after a comparison's estimates are shown, the exact trace
  // and the sweep follow and draw no running line.
  if (hasEstimate && current_kind_ == "compare") comparison_->progress(done, estimate);
}

void MainWindow::onJobFinished(const QString& kind, const JobResultPtr& result) {
  // Every job ends here for the status bar; the pNTK and active-learning panels show their own results.
  (void)kind;
  session_->markChanged();  // for autosave, and for Quit, New and Open, which ask before discarding it
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(1);
  statusBar()->showMessage("Done");
  if (const auto* r = std::get_if<CompareResult>(result.get())) {
    comparison_->setLast(result);
    showCompare(*r);
  }
  // Every other tab's run goes into the run log too, with its settings.
  if (auto rec = run_record(*result, currentCompareJob())) {
    if (!panel_inputs_.isEmpty() && (rec->kind == "pntk" || rec->kind == "pntk-width" || rec->kind == "al")) {
      try {
        Json s = parse_json(rec->settings.toStdString(), "the run's settings");
        s["tab_settings"] = parse_json(panel_inputs_.toStdString(), "the tab's settings");
        rec->settings = QString::fromStdString(json_text(s));
      } catch (const std::exception&) {
        // the row keeps the run's own settings; "Run it again" then takes the tab's current ones
      }
    }
    run_log_->add(
        rec->config,
        rec->seconds.value_or(double(QDateTime::currentMSecsSinceEpoch() - panel_started_ms_) / 1000.0),
        rec->summary, {}, {}, false, rec->kind, rec->settings);
  }
  if (const auto* r = std::get_if<KernelResult>(result.get())) {
    QString msg = !r->frobenius
                      ? QString(
                            "The %1 × %2 kernel is over the memory budget: wrote its top %3 eigenpairs "
                            "(block Lanczos, %4 products)")
                            .arg(r->rows)
                            .arg(r->cols)
                            .arg(r->eigenvalues.size())
                            .arg(r->eig_matvecs)
                      : QString("Wrote the %1 × %2 kernel and its top %3 eigenpairs")
                            .arg(r->rows)
                            .arg(r->cols)
                            .arg(r->eigenvalues.size());
    msg += ": " + QString::fromStdString(r->files.front()) + " …";
    statusBar()->showMessage(msg);
    Q_EMIT kernelExported(msg);
  }
}

const CompareResult* MainWindow::lastCompare() const { return comparison_->last(); }

// Every figure on screen says when it belongs to another problem than the form's.
void MainWindow::markEarlierProblem() {
  const ProblemSpec form = currentCompareJob().problem;
  comparison_->markEarlierProblem(form);
  for (ProblemCaption* c : findChildren<ProblemCaption*>()) c->compareWith(form);
}

void MainWindow::showCompare(const CompareResult& r, bool final) {
  comparison_->show(r, final);
  estimators_->learnCosts(r);
  problem_->showModel(r);
  if (!final) return;
  if (r.model.kind == "torchscript") files_->rememberModel(problem_->model());
  Q_EMIT resultShown();
}

void MainWindow::onFailed(const QString& message) {
  endUnfinishedRun("failed: " + message);
  comparison_->detailsLabel()->setText("Error: " + message);
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  statusBar()->showMessage("Failed");
  Q_EMIT failureShown(message);
}

// A comparison that ends without a result (cancelled, failed) keeps what was shown before it.
void MainWindow::endUnfinishedRun(const QString& what) {
  if (current_kind_ == "compare") comparison_->endUnfinished(what);
  if (current_kind_ == "panel") {  // another tab's run: logged with the form it ran on, and what it was
    run_log_->add(currentCompareJob(),
                  double(QDateTime::currentMSecsSinceEpoch() - panel_started_ms_) / 1000.0,
                  panel_job_ + " " + what, {}, {}, false, "panel");
    current_kind_.clear();
  }
}

// The run log's "Run it again": its configuration into the form (and a Training, Layers, pNTK or
// Active-learning run's own settings into its tab), then the run of its kind, on its tab.
void MainWindow::rerun(int row) {
  applyConfig(run_log_->config(row));
  const QString kind = run_log_->kind(row);
  try {
    const Json s = parse_json(run_log_->settings(row).toStdString(), "the run's settings");
    if (kind == "layers" && s.is_object())
      layers_->setOptions(QString::fromStdString(s.value("estimator", std::string("hutchpp"))),
                          int(s.value("matvecs", int64_t(96))), s.value("exact", false),
                          QString::fromStdString(s.value("groups", std::string())));
    if (kind == "training" && s.is_object() && s.contains("training")) {
      training_->setEpochs(int(s["training"].value("epochs", int64_t(5))));
      training_->setLearningRate(QString::number(s["training"].value("lr", 1e-3), 'g', 6));
    }
    QWidget* tab = kind == "al"                             ? static_cast<QWidget*>(al_)
                   : kind == "pntk" || kind == "pntk-width" ? static_cast<QWidget*>(pntk_)
                                                            : nullptr;
    if (tab && s.is_object() && s.contains("tab_settings")) {
      const session::PanelInputs in = session::panel_inputs_of(s["tab_settings"], "the run's tab_settings");
      if (misfit(in, tab, "tab_settings").isEmpty()) set_inputs(tab, in);
    }
  } catch (const std::exception&) {
    // settings written by another version: the tab's own settings run
  }
  const QHash<QString, QPair<QWidget*, std::function<void()>>> runs{
      {"compare", {convergence_, [this] { run(); }}},
      {"spectrum", {spectrum_, [this] { computeSpectrum(); }}},
      {"metrics", {metrics_, [this] { computeMetrics(); }}},
      {"training", {training_, [this] { trainAndTrack(); }}},
      {"layers", {layers_, [this] { layers_->compute(); }}},
      {"pntk", {pntk_, [this] { pntk_->computeKernels(); }}},
      {"pntk-width", {pntk_, [this] { pntk_->runWidthExperiment(); }}},
      {"al", {al_, [this] { al_->run(); }}}};
  const auto it = runs.find(kind);
  if (it == runs.end()) {
    statusBar()->showMessage("Configuration restored; run it from its tab");
    return;
  }
  showPage(it->first);
  it->second();
}

}  // namespace ts::ui
