#include "ComparisonView.h"

#include <QDateTime>
#include <QLabel>
#include <QMap>
#include <QTableWidget>

#include <cmath>

#include "ChartView.h"
#include "Notation.h"
#include "ProblemCaption.h"
#include "RunDiff.h"
#include "RunLog.h"
#include "core/Numbers.h"
#include "estimators/EstimatorRegistry.h"
#include "results/RequestJson.h"

namespace ts::ui {

ComparisonView::ComparisonView(RunLog* log, QWidget* parent) : QObject(parent), log_(log) {
  result_ = new QLabel("tr K = …", parent);
  result_->setObjectName("result");  // sessions store result labels by name
  QFont big = result_->font();
  big.setPointSize(big.pointSize() + 6);
  result_->setFont(big);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  result_->setToolTip("tr K: the trace of the empirical NTK K = J Jᵀ, the sum of its eigenvalues");
  details_ = new QLabel(parent);
  details_->setObjectName("details");  // sessions store result labels by name
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  convergence_ = new ChartView("Convergence of tr K", "matvecs", "tr K estimate", parent);
  convergence_->setObjectName("convergence");  // sessions key charts and tables by name
  convergence_->setBandFitFrom(0.1);
  convergence_->setToolTip(
      "Running estimate after each test vector, ±2 standard errors where the method has an "
      "error estimate; dashed: the exact value. Drag to zoom, right-click to reset.");
  speed_ = new ChartView("Speed against accuracy", "wall time (s)", "relative error", parent);
  speed_->setObjectName("speed");
  speed_->setLogX(true);
  speed_->setLogY(true);
  speed_->setToolTip(
      "|estimate − exact| / exact against seconds, one point per budget (m/8 … m); dashed: the "
      "exact method's time (as in Hazelden's Figures 1–2)");

  pins_ = new QTableWidget(0, 0, parent);
  pins_->setObjectName("pinnedRuns");
  pins_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  pins_->setToolTip("How the pinned runs (and the latest run) differ: one row per setting that differs");
  pins_->hide();
  connect(log_, &RunLog::pinsChanged, this, &ComparisonView::updatePins);
}

void ComparisonView::begin(const CompareRequest& job) {
  stale_chart_ = true;
  shown_before_run_ = result_->text();
  running_job_ = job;
  started_ms_ = QDateTime::currentMSecsSinceEpoch();
  running_series_ = QString::fromStdString(job.methods.front()) + " (running)";
}

double ComparisonView::secondsSinceBegin() const {
  return double(QDateTime::currentMSecsSinceEpoch() - started_ms_) / 1000.0;
}

void ComparisonView::progress(qint64 done, double estimate) {
  if (!drawing()) return;
  if (stale_chart_) convergence_->clearAll();
  stale_chart_ = false;
  result_->setText("tr K ≈ " + number(estimate, 6) + " (running)");
  convergence_->append(running_series_, static_cast<double>(done), estimate);
}

const CompareResult* ComparisonView::last() const {
  return last_ ? std::get_if<CompareResult>(last_.get()) : nullptr;
}

void ComparisonView::markEarlierProblem(const ProblemSpec& form) {
  if (shown_problem_.empty()) return;
  const bool earlier = problem_key(form) != shown_problem_;
  const QString mark = "Earlier problem: ";
  const QString text = result_->text();
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

void ComparisonView::show(const CompareResult& r, bool final) {
  stale_chart_ = false;
  shown_problem_ = problem_key(r.request.problem);
  running_job_ = r.request;
  running_series_.clear();  // estimates drawn: a cancel now keeps them (the exact trace is what is lost)
  drawCharts(r);
  showText(r);
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
  log_->add(r.request, secondsSinceBegin(), result_->text(), {}, curves);
  updatePins();
}

// Convergence (each method's running estimate with its calibrated band) and speed against accuracy.
void ComparisonView::drawCharts(const CompareResult& r) {
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

// The first method's result stands as "the" result (what `trace` prints); the details list every method.
void ComparisonView::showText(const CompareResult& r) {
  QString text = "tr K = —";
  if (!r.runs.empty()) {
    const TraceEstimate& first = r.runs.front().estimate;
    text = "tr K ≈ " + withError(first.estimate, twoSigma(first.std_error), 8) +
           (first.std_error ? " (±2σ)" : "");
  }
  result_->setText(text);
  QString d = QString("d = %1, P = %2; errors ±2σ (≈ 95%)").arg(r.d).arg(r.params);
  if (r.exact)  // to the place the first estimate's error supports, as the estimates are
    d += QString("; exact %1 in %2 s")
             .arg(atPlaceOf(*r.exact,
                            r.runs.empty() ? std::nullopt : twoSigma(r.runs.front().estimate.std_error), 10),
                  number(r.exact_seconds.value_or(0.0), 3));
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

void ComparisonView::endUnfinished(const QString& what) {
  if (!drawing()) return;
  convergence_->removeSeries(running_series_);
  result_->setText(stale_chart_ ? shown_before_run_ : QString("tr K = — (%1)").arg(what.section(':', 0, 0)));
  log_->add(running_job_, secondsSinceBegin(), what.left(1).toUpper() + what.mid(1));
  running_series_.clear();
  stale_chart_ = false;
}

void ComparisonView::updatePins() {
  updateOverlays();
  updatePinTable();
}

void ComparisonView::updateOverlays() {
  for (ChartView* chart : {convergence_, speed_})
    for (const QString& name : chart->seriesNames())
      if (name.contains(" · run ")) chart->removeSeries(name);
  for (const int row : log_->pinnedRows()) {
    const RunLog::Curves& c = log_->curves(row);
    const QString tag = QString(" · run %1").arg(row + 1);
    for (const auto& series : c.convergence)
      if (!series.name.endsWith("(running)"))
        convergence_->setOverlay(series.name + tag, series.points, series.name);
    for (const auto& series : c.speed) speed_->setOverlay(series.name + tag, series.points, series.name);
  }
}

void ComparisonView::updatePinTable() {
  const QList<int> pinned = log_->pinnedRows();
  QList<int> rows = pinned;
  if (rows.isEmpty()) {
    pins_->hide();
    pins_->setRowCount(0);
    return;
  }
  const int latest = log_->runs() - 1;
  if (!rows.contains(latest)) rows << latest;
  QList<CompareRequest> configs;
  QStringList headers;
  for (const int row : rows) {
    configs << log_->config(row);
    headers << (row == latest && !pinned.contains(row) ? QString("run %1 (latest)").arg(row + 1)
                                                       : QString("run %1").arg(row + 1));
  }
  const auto diff = config_differences(configs);
  pins_->clear();
  pins_->setColumnCount(static_cast<int>(headers.size()));
  pins_->setHorizontalHeaderLabels(headers);
  pins_->setRowCount(static_cast<int>(diff.size()));
  QStringList keys;
  for (int i = 0; i < diff.size(); ++i) {
    keys << diff[i].first;
    for (int c = 0; c < diff[i].second.size(); ++c)
      pins_->setItem(i, c, new QTableWidgetItem(diff[i].second[c]));
  }
  pins_->setVerticalHeaderLabels(keys);
  pins_->show();
}

}  // namespace ts::ui
