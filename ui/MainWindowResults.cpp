// MainWindow, part 3: running jobs and showing their results (charts, tables, run log), exports.
#include "MainWindow.h"

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
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "LayersPanel.h"
#include "PntkPanel.h"
#include "ProblemPanel.h"
#include "RunDiff.h"
#include "RunLog.h"
#include "TrainingPanel.h"
#include "core/Errors.h"
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
  running_series_.clear();
  const double seconds = double(QDateTime::currentMSecsSinceEpoch() - run_started_ms_) / 1000.0;
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
  // The earlier charts and result stay until the new run draws its first estimate: a run that fails or is
  // cancelled before then leaves them as they were (and the run log says what became of it).
  stale_chart_ = true;
  shown_before_run_ = result_->text();
  running_job_ = job;
  run_started_ms_ = QDateTime::currentMSecsSinceEpoch();
  running_series_ = QString::fromStdString(job.methods.front()) + " (running)";
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

QString MainWindow::resultText() const { return result_->text(); }

void MainWindow::onProgress(qint64 done, qint64 total, const QString& stage, double estimate,
                            bool hasEstimate) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  statusBar()->showMessage(stage);
  // Other jobs estimate other traces (tr K², …); after a comparison's estimates are shown, the exact trace
  // and the sweep follow and draw no running line.
  if (hasEstimate && current_kind_ == "compare" && !running_series_.isEmpty()) {
    if (stale_chart_) convergence_->clearAll();
    stale_chart_ = false;
    result_->setText("tr K ≈ " + number(estimate, 6) + " (running)");
    convergence_->append(running_series_, static_cast<double>(done), estimate);
  }
}

void MainWindow::onJobFinished(const QString& kind, const JobResultPtr& result) {
  // Every job ends here for the status bar; the pNTK and active-learning panels show their own results.
  (void)kind;
  dirty_ = true;    // for autosave
  unsaved_ = true;  // for Quit, New and Open, which ask before discarding it
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(1);
  statusBar()->showMessage("Done");
  if (const auto* r = std::get_if<CompareResult>(result.get())) {
    last_compare_ = result;
    showCompare(*r);
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

const CompareResult* MainWindow::lastCompare() const {
  return last_compare_ ? std::get_if<CompareResult>(last_compare_.get()) : nullptr;
}

// The problem a result belongs to, as one comparable text: what the kernel is (model, data and its subset
// seed, shape, output, parameters), not how it is computed.
namespace {
std::string shown_problem_key(const ProblemSpec& p) {
  return p.model + "|" + p.data + "|" + p.input_shape + "|" + p.output + "|" + p.params + "|" +
         std::to_string(p.compute.seed);
}
}  // namespace

void MainWindow::markEarlierProblem() {
  if (shown_problem_.empty()) return;
  const bool earlier = shown_problem_key(currentCompareJob().problem) != shown_problem_;
  const QString mark = "Earlier problem: ";
  QString text = result_->text();
  if (earlier && !text.startsWith(mark)) {
    result_->setText(mark + text);
    result_->setToolTip("Computed for " + QString::fromStdString(running_job_.problem.model) + " on " +
                        QString::fromStdString(running_job_.problem.data) +
                        ", not for the problem the form now describes: Run computes that one");
  } else if (!earlier && text.startsWith(mark)) {
    result_->setText(text.mid(mark.size()));
    result_->setToolTip({});
  }
}

void MainWindow::showCompare(const CompareResult& r, bool final) {
  stale_chart_ = false;
  shown_problem_ = shown_problem_key(r.request.problem);
  running_job_ = r.request;
  if (final) running_series_.clear();
  drawCompareCharts(r);
  estimators_->learnCosts(r);
  showCompareText(r);
  showModelInfo(r);
  if (!final) {  // the estimates of a run whose exact trace is still being computed
    updateOverlays();
    return;
  }
  // The run's own curves are kept with it in the run log, so it can be pinned later.
  RunLog::Curves curves;
  for (const auto& series : convergence_->content().series)
    if (!series.dashed) curves.convergence << series;
  for (const auto& series : speed_->content().series)
    if (!series.dashed) curves.speed << series;
  run_log_->add(r.request, (QDateTime::currentMSecsSinceEpoch() - run_started_ms_) / 1000.0, result_->text(),
                {}, curves);
  updateOverlays();
  updatePinTable();
  if (r.model.kind == "torchscript") rememberModel(problem_->model());
  Q_EMIT resultShown();
}

// Convergence (each method's running estimate with its calibrated band) and speed against accuracy.
void MainWindow::drawCompareCharts(const CompareResult& r) {
  convergence_->clearAll();
  speed_->clearAll();
  const QString provenance =
      QString::fromStdString(json_text(to_json(r.request)));  // its configuration and seed
  convergence_->setProvenance(provenance);
  speed_->setProvenance(provenance);
  for (const auto& run : r.runs) {
    const TraceEstimate& e = run.estimate;
    QList<QPointF> points;
    QList<double> sigmas;
    // No band where the running error rests on too few probes to be calibrated (docs/MATH.md §4.6).
    const int64_t calibrated = min_calibrated_budget({e.method});
    for (const auto& p : e.history) {
      points << QPointF(double(p.matvecs), p.estimate);
      sigmas << (std::isfinite(p.std_error) && p.matvecs >= calibrated ? p.std_error : 0.0);
    }
    // A one-pass method (XNysTrace, XTrace) has no running estimate: its sweep's estimates at m/8 … m draw it
    // as a curve over budgets instead of one dot.
    if (e.history.size() <= 1 && !r.sweep.empty()) {
      QMap<double, double> by_budget;
      for (const auto& p : r.sweep)
        if (p.method == e.method && p.repeat == 0) by_budget[double(p.budget)] = p.estimate;
      by_budget[double(e.matvecs)] = e.estimate;
      points.clear();
      sigmas.clear();
      for (auto it = by_budget.begin(); it != by_budget.end(); ++it) points << QPointF(it.key(), it.value());
    }
    convergence_->setSeries(QString::fromStdString(e.method), points, e.std_error ? sigmas : QList<double>{});
  }
  if (r.exact) {
    convergence_->setReference("exact", *r.exact);
    for (const auto& p : r.sweep)
      speed_->append(QString::fromStdString(p.method), p.seconds, std::max(p.rel_error, 1e-16));
    speed_->setVerticalReference("exact method", r.exact_seconds.value_or(0.0));
  }
}

// The measured time per product and the dense algebra's measured/predicted ratio, for the cost shown next.
void MainWindow::showCompareText(const CompareResult& r) {
  // The first method's result stands as "the" result (what `trace` prints).
  QString text = "tr K = —";
  if (!r.runs.empty()) {
    const TraceEstimate& first = r.runs.front().estimate;
    text = "tr K ≈ " + withError(first.estimate, twoSigma(first.std_error), 8) +
           (first.std_error ? " (±2σ)" : "");
  }
  result_->setText(text);
  QString d = QString("d = %1, P = %2; errors ±2σ (≈ 95%)").arg(r.d).arg(r.params);
  if (r.exact)
    d += QString("; exact %1 in %2 s").arg(number(*r.exact, 10), number(r.exact_seconds.value_or(0.0), 3));
  for (const auto& run : r.runs) {
    const TraceEstimate& e = run.estimate;
    d += QString("\n%1: %2 in %3 s (%4 VJPs, %5 JVPs)")
             .arg(displayName(QString::fromStdString(e.method)),
                  withError(e.estimate, twoSigma(e.std_error), 8), number(e.seconds, 3))
             .arg(e.vjps)
             .arg(e.jvps);
    if (run.rel_error) d += ", rel. error " + number(*run.rel_error, 2);
  }
  details_->setText(d);
}

// What the model is, how its JVPs run, and its layers, under the form.
void MainWindow::showModelInfo(const CompareResult& r) {
  QStringList layers;
  for (const auto& n : r.model.notes) layers << QString::fromStdString(n);  // how the model file was read
  for (const auto& l : r.model.layers) layers << QString::fromStdString(l);
  if (layers.size() > 6) layers = layers.mid(0, 5) << QString("… %1 more layers").arg(layers.size() - 5);
  QString jvp = "JVPs: " + QString::fromStdString(r.jvp.path);
  QString tooltip;  // null: the tooltip stays
  if (!r.jvp.fallback.empty()) {
    jvp += " (forward mode unsupported by this model)";
    tooltip = QString::fromStdString(r.jvp.fallback);
  }
  problem_->setModelInfo(
      QString("%1: input [%2] → output [%3]\nP = %4 of %5 parameters (%6 frozen), d = %7\n%8\n%9")
          .arg(QString::fromStdString(r.model.kind), QString::fromStdString(r.model.input_shape),
               QString::fromStdString(r.model.output_shape))
          .arg(r.params)
          .arg(r.model.params_total)
          .arg(r.model.params_frozen)
          .arg(r.d)
          .arg(jvp, layers.join("\n")),
      tooltip);
}

void MainWindow::onFailed(const QString& message) {
  endUnfinishedRun("failed: " + message);
  details_->setText("Error: " + message);
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  statusBar()->showMessage("Failed");
  Q_EMIT failureShown(message);
}

// A comparison that ends without a result (cancelled, failed): its running line goes, the result shown before
// it comes back (or a dash if it had drawn over it), and the run log keeps a row saying what happened.
void MainWindow::endUnfinishedRun(const QString& what) {
  if (current_kind_ != "compare" || running_series_.isEmpty()) return;
  convergence_->removeSeries(running_series_);
  result_->setText(stale_chart_ ? shown_before_run_ : QString("tr K = — (%1)").arg(what.section(':', 0, 0)));
  run_log_->add(running_job_, (QDateTime::currentMSecsSinceEpoch() - run_started_ms_) / 1000.0,
                what.left(1).toUpper() + what.mid(1));
  running_series_.clear();
  stale_chart_ = false;
}

void MainWindow::updateOverlays() {
  for (ChartView* chart : {convergence_, speed_})
    for (const QString& name : chart->seriesNames())
      if (name.contains(" · run ")) chart->removeSeries(name);
  for (const int row : run_log_->pinnedRows()) {
    const RunLog::Curves& c = run_log_->curves(row);
    const QString tag = QString(" · run %1").arg(row + 1);
    for (const auto& series : c.convergence)
      if (!series.name.endsWith("(running)"))
        convergence_->setOverlay(series.name + tag, series.points, series.name);
    for (const auto& series : c.speed) speed_->setOverlay(series.name + tag, series.points, series.name);
  }
}

void MainWindow::updatePinTable() {
  const QList<int> pinned = run_log_->pinnedRows();
  QList<int> rows = pinned;
  if (rows.isEmpty()) {
    pins_table_->hide();
    pins_table_->setRowCount(0);
    return;
  }
  const int latest = run_log_->runs() - 1;
  if (!rows.contains(latest)) rows << latest;
  QList<CompareRequest> configs;
  QStringList headers;
  for (const int row : rows) {
    configs << run_log_->config(row);
    headers << (row == latest && !pinned.contains(row) ? QString("run %1 (latest)").arg(row + 1)
                                                       : QString("run %1").arg(row + 1));
  }
  const auto diff = config_differences(configs);
  pins_table_->clear();
  pins_table_->setColumnCount(static_cast<int>(headers.size()));
  pins_table_->setHorizontalHeaderLabels(headers);
  pins_table_->setRowCount(static_cast<int>(diff.size()));
  QStringList keys;
  for (int i = 0; i < diff.size(); ++i) {
    keys << diff[i].first;
    for (int c = 0; c < diff[i].second.size(); ++c)
      pins_table_->setItem(i, c, new QTableWidgetItem(diff[i].second[c]));
  }
  pins_table_->setVerticalHeaderLabels(keys);
  pins_table_->show();
}

}  // namespace ts::ui
