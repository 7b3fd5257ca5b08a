#include "RunsPanel.h"

#include "RunsAnalysis.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QListWidget>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "ChartView.h"
#include "EngineClient.h"
#include "ExportFiles.h"
#include "Notation.h"
#include "OptionTips.h"
#include "Palette.h"
#include "RunsTable.h"
#include "core/Errors.h"
#include "estimators/EstimatorRegistry.h"

namespace ts::ui {

namespace {

// TensorBoard's smoothing: an exponential moving average, debiased so that the first points are not pulled to
// 0.
QList<QPointF> smoothed(const QList<QPointF>& points, double weight) {
  if (weight <= 0) return points;
  QList<QPointF> out;
  double last = 0;
  int n = 0;
  for (const auto& p : points) {
    last = last * weight + (1 - weight) * p.y();
    ++n;
    out.append({p.x(), last / (1 - std::pow(weight, n))});
  }
  return out;
}

// Two runs in folders of one name ("runs/a/lr0.1", "runs/b/lr0.1") are told apart by their parent folder.
QString run_label(const QString& dir, const QStringList& taken) {
  const QFileInfo f(dir);
  QString label = f.fileName().isEmpty() ? dir : f.fileName();
  if (taken.contains(label)) label = QFileInfo(f.path()).fileName() + "/" + label;
  while (taken.contains(label)) label += "′";
  return label;
}

}  // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent) {
  analysis_ = new RunsAnalysis([this](const QString& dir) { return watchRequest(dir); }, this);
  watcher_ = new QFileSystemWatcher(this);
  debounce_ = new QTimer(this);
  debounce_->setSingleShot(true);
  debounce_->setInterval(300);  // a snapshot arrives as a rename and a scalars line: one rescan for both
  buildControls();
  connectSignals();
}

RunsPanel::~RunsPanel() { analysis_->cancel(); }

void RunsPanel::connectSignals() {
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
    chart_->clearAll();
    redraw();
  });
  connect(scalar_, &QComboBox::currentIndexChanged, this, [this] {
    chart_->clearAll();
    redraw();
  });
  connect(log_x_, &QCheckBox::toggled, this, [this](bool on) {
    chart_->clearAll();
    chart_->setLogX(on);
    redraw();
  });
  connect(log_y_, &QCheckBox::toggled, this, [this](bool on) {
    chart_->clearAll();
    chart_->setLogY(on);
    redraw();
  });
  connect(bands_, &QCheckBox::toggled, this, [this] { redraw(); });
  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) {
    smoothing_label_->setText(QString::number(v / 100.0, 'f', 2));
    redraw();
  });
  connect(list_, &QListWidget::itemChanged, this, [this] {
    chart_->clearAll();
    redraw();
  });
  connect(list_, &QListWidget::currentRowChanged, this, [this] { fillTable(); });
  connect(table_, &QTableWidget::itemSelectionChanged, this,
          [this] { open_snapshot_->setEnabled(!table_->selectedItems().isEmpty()); });
  auto open_selected = [this] {
    const int r = current();
    const qint64 step = table_->selectedStep();
    if (r < 0 || step < 0) return;
    const QString err = openSnapshot(runs_[r].dir, step);
    if (!err.isEmpty()) status_->setText(err);
  };
  connect(open_snapshot_, &QPushButton::clicked, this, open_selected);
  connect(table_, &QTableWidget::cellDoubleClicked, this, open_selected);
  connect(cancel_, &QPushButton::clicked, this, &RunsPanel::cancel);
  connect(reanalyse_, &QPushButton::clicked, this, [this] {
    cancel();
    for (auto& r : runs_) {
      std::error_code ec;
      std::filesystem::remove(r.dir.toStdString() + "/metrics.jsonl", ec);
      r.rows.clear();
      r.error.clear();
    }
    chart_->clearAll();
    redraw();
    schedule();
  });
  connectAnalysis();
}

// The folders' changes, and the engine's progress, rows and end of each analysis.
void RunsPanel::connectAnalysis() {
  connect(watcher_, &QFileSystemWatcher::directoryChanged, this, [this] { debounce_->start(); });
  connect(debounce_, &QTimer::timeout, this, [this] {
    for (auto& r : runs_) refresh(r);
    fillScalarChoices();
    schedule();
  });
  connect(analysis_, &RunsAnalysis::started, this, [this] {
    cancel_->setEnabled(true);
    progress_->setRange(0, 0);
  });
  connect(analysis_, &RunsAnalysis::progress, this, [this](qint64 done, qint64 total, const QString& stage) {
    progress_->setRange(0, static_cast<int>(std::max<qint64>(total, 1)));
    progress_->setValue(static_cast<int>(done));
    status_->setText("Analysing " + stage + "…");
  });
  connect(analysis_, &RunsAnalysis::rowArrived, this, &RunsPanel::onRow);
  connect(analysis_, &RunsAnalysis::finished, this, [this](const QString& dir, const QString& error) {
    if (Run* r = find(dir)) {
      r->error = error;
      refresh(*r);
    }
  });
  connect(analysis_, &RunsAnalysis::rescanWanted, this, &RunsPanel::schedule);
  connect(analysis_, &RunsAnalysis::idle, this, &RunsPanel::showIdle);
  connect(analysis_, &RunsAnalysis::cancelled, this, [this] {
    cancel_->setEnabled(false);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    status_->setText("Analysis cancelled; the snapshots analysed so far are kept.");
  });
}

QString RunsPanel::openRun(const QString& path) {
  const QString dir = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
  if (find(dir)) return {};
  Run r;
  r.dir = dir;
  try {
    const RunFolder folder = read_run_folder(dir.toStdString());
    const WatchSeries series = read_watch_metrics(dir.toStdString());
    r.snapshots = folder.snapshots;
    r.finished = folder.finished;
    r.rows = series.rows;
    if (runs_.empty() && !series.rows.empty()) {  // analyse on as the file began
      exact_->setChecked(series.exact);
      if (!series.exact) {
        const int i = estimator_->findData(QString::fromStdString(series.method));
        if (i >= 0) estimator_->setCurrentIndex(i);
        matvecs_->setValue(static_cast<int>(series.matvecs));
      }
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  QStringList taken;
  for (const auto& o : runs_) taken << o.label;
  r.label = run_label(dir, taken);
  runs_.push_back(std::move(r));
  auto* item = new QListWidgetItem(runs_.back().label, list_);
  item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
  item->setCheckState(Qt::Checked);
  item->setToolTip(dir);
  watcher_->addPath(dir);
  if (QFileInfo(dir + "/snapshots").isDir()) watcher_->addPath(dir + "/snapshots");
  list_->setCurrentRow(list_->count() - 1);
  fillScalarChoices();
  redraw();
  Q_EMIT runsChanged();
  schedule();
  return {};
}

void RunsPanel::closeRun(const QString& dir) {
  const auto it = std::find_if(runs_.begin(), runs_.end(), [&](const Run& r) { return r.dir == dir; });
  if (it == runs_.end()) return;
  analysis_->remove(dir);
  watcher_->removePaths({dir, dir + "/snapshots"});
  delete list_->takeItem(static_cast<int>(it - runs_.begin()));
  runs_.erase(it);
  chart_->clearAll();
  fillScalarChoices();
  redraw();
  fillTable();
  Q_EMIT runsChanged();
}

QStringList RunsPanel::runs() const {
  QStringList out;
  for (const auto& r : runs_) out << r.dir;
  return out;
}

void RunsPanel::setMetric(const QString& name) { metric_->setCurrentIndex(metric_->findData(name)); }
QString RunsPanel::metric() const { return metric_->currentData().toString(); }
void RunsPanel::setScalar(const QString& name) {
  const int i = scalar_->findData(name);
  if (i >= 0) scalar_->setCurrentIndex(i);
}

int RunsPanel::rowCount(const QString& dir) const {
  const Run* r = find(QDir::cleanPath(QFileInfo(dir).absoluteFilePath()));
  return r ? static_cast<int>(r->rows.size()) : -1;
}

bool RunsPanel::busy() const { return analysis_->busy(); }

void RunsPanel::cancel() { analysis_->cancel(); }

void RunsPanel::setAnalysis(const QString& estimator, int matvecs, bool exact) {
  const int i = estimator_->findData(estimator);
  if (i >= 0) estimator_->setCurrentIndex(i);
  matvecs_->setValue(matvecs);
  exact_->setChecked(exact);
}

QString RunsPanel::statusText() const { return status_->text(); }

void RunsPanel::redrawAll() {
  chart_->clearAll();
  chart_->setLogY(log_y_->isChecked());
  chart_->setLogX(log_x_->isChecked());
  redraw();
  fillTable();
}

RunsPanel::Run* RunsPanel::find(const QString& dir) {
  for (auto& r : runs_)
    if (r.dir == dir) return &r;
  return nullptr;
}
const RunsPanel::Run* RunsPanel::find(const QString& dir) const {
  return const_cast<RunsPanel*>(this)->find(dir);
}

int RunsPanel::current() const {
  const int r = list_->currentRow();
  return r >= 0 && r < static_cast<int>(runs_.size()) ? r : -1;
}

void RunsPanel::refresh(Run& r) {
  try {
    const RunFolder folder = read_run_folder(r.dir.toStdString());
    r.snapshots = folder.snapshots;
    r.finished = folder.finished;
    if (QFileInfo(r.dir + "/snapshots").isDir() && !watcher_->directories().contains(r.dir + "/snapshots"))
      watcher_->addPath(r.dir + "/snapshots");
  } catch (const std::exception& e) {  // the folder was removed or damaged while watched: say so, keep rows
    r.error = QString::fromStdString(e.what());
  }
}

// Every run with snapshots not yet analysed goes to the analysis queue.
void RunsPanel::schedule() {
  QStringList pending;
  for (const auto& r : runs_) {
    std::set<int64_t> done;
    for (const auto& row : r.rows) done.insert(row.step);
    const bool missing = std::any_of(r.snapshots.begin(), r.snapshots.end(),
                                     [&](const RunSnapshot& s) { return !done.count(s.step); });
    if (missing && r.error.isEmpty()) pending << r.dir;
  }
  analysis_->analyse(pending);
}

WatchRequest RunsPanel::watchRequest(const QString& dir) const {
  WatchRequest job;
  job.runs = {dir.toStdString()};
  job.compute.dtype.clear();  // each run in the precision it trained in
  job.exact = exact_->isChecked();
  job.estimator.method = estimator_->currentData().toString().toStdString();
  job.estimator.matvecs = matvecs_->value();
  return job;
}

// Nothing left to analyse: what was analysed, or why a run could not be.
void RunsPanel::showIdle() {
  QStringList errors;
  for (const auto& r : runs_)
    if (!r.error.isEmpty()) errors << r.label + ": " + r.error;
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(runs_.empty() ? 0 : 1);
  int rows = 0;
  for (const auto& r : runs_) rows += static_cast<int>(r.rows.size());
  status_->setText(errors.isEmpty() ? QString("%1 run(s), %2 snapshot(s) analysed; ±2σ error bars. Watching "
                                              "for new snapshots.")
                                          .arg(runs_.size())
                                          .arg(rows)
                                    : errors.join("\n"));
}

void RunsPanel::onRow(const WatchRow& row) {
  Run* r = find(QString::fromStdString(row.run));
  if (!r) return;
  r->rows.push_back(row);
  std::sort(r->rows.begin(), r->rows.end(),
            [](const WatchRow& a, const WatchRow& b) { return a.step < b.step; });
  redraw();
  if (current() >= 0 && &runs_[current()] == r) fillTable();
  Q_EMIT rowsShown();
}

void RunsPanel::redraw() {
  const std::string name = metric().toStdString();
  const QString scalar = scalar_->currentData().toString();
  chart_->setSecondaryY(scalar.isEmpty() ? QString() : " · " + scalar, scalar);
  chart_->chart()->setTitle("The kernel over training: " + metric_->currentText());
  for (const auto& m : watch_metrics())
    if (name == m.name) chart_->setYTitle(QString::fromUtf8(m.short_label));
  for (size_t i = 0; i < runs_.size(); ++i) {
    const Run& r = runs_[i];
    const QListWidgetItem* item = list_->item(static_cast<int>(i));
    if (item && item->checkState() != Qt::Checked) continue;
    QList<QPointF> points;
    QList<double> half;
    for (const auto& row : r.rows)
      if (const MetricValue* m = run_metric_value(row, name)) {
        // A log axis cannot show 0 (the first distance, step 0).
        if ((log_y_->isChecked() && m->value <= 0) || (log_x_->isChecked() && row.step <= 0)) continue;
        points.append({double(row.step), m->value});
        half.append(m->std_error && std::isfinite(*m->std_error) ? 2 * *m->std_error : 0.0);
      }
    const double w = smoothing_->value() / 100.0;
    chart_->setSeries(r.label, smoothed(points, w), bands_->isChecked() && w == 0 ? half : QList<double>{});
    // A click on a run's line selects it and the snapshot nearest the click in the table below.
    QLineSeries* line = chart_->series(r.label);
    line->disconnect(this);
    connect(line, &QLineSeries::clicked, this,
            [this, label = r.label](const QPointF& p) { selectNear(label, p.x()); });
    if (!scalar.isEmpty()) {
      QList<QPointF> values;
      for (const auto& s : r.snapshots)
        for (const auto& [key, v] : s.values)
          if (QString::fromStdString(key) == scalar && std::isfinite(v)) values.append({double(s.step), v});
      chart_->setOverlay(r.label + " · " + scalar, smoothed(values, w), r.label, false);
    }
  }
  const QSignalBlocker block(list_);  // the run's colour beside its name
  for (const auto& s : chart_->content().series)
    for (int i = 0; i < list_->count() && i < static_cast<int>(runs_.size()); ++i)
      if (s.name == runs_[i].label) {
        QPixmap swatch(12, 12);
        swatch.fill(chart_->colour(s.name));
        list_->item(i)->setIcon(QIcon(swatch));
      }
}

void RunsPanel::fillScalarChoices() {
  std::set<QString> names;
  for (const auto& r : runs_)
    for (const auto& s : r.snapshots)
      for (const auto& kv : s.values) names.insert(QString::fromStdString(kv.first));
  const QString chosen = scalar_->currentData().toString();
  const QSignalBlocker block(scalar_);
  scalar_->clear();
  scalar_->addItem("none", QString());
  for (const auto& n : names) scalar_->addItem(n, n);
  const int i = scalar_->findData(chosen);
  scalar_->setCurrentIndex(i >= 0 ? i : 0);
}

void RunsPanel::fillTable() {
  const int c = current();
  if (c < 0) {
    table_->showRun({}, {});
    return;
  }
  table_->showRun(runs_[c].snapshots, runs_[c].rows);
}

void RunsPanel::selectNear(const QString& label, double step) {
  for (int i = 0; i < static_cast<int>(runs_.size()); ++i)
    if (runs_[i].label == label) {
      list_->setCurrentRow(i);
      int best = -1;
      for (int row = 0; row < table_->rowCount(); ++row)
        if (table_->item(row, 0) &&
            (best < 0 || std::fabs(table_->item(row, 0)->text().toDouble() - step) <
                             std::fabs(table_->item(best, 0)->text().toDouble() - step)))
          best = row;
      if (best < 0) return;
      table_->selectRow(best);
      status_->setText("Step " + table_->item(best, 0)->text() + " of " + label +
                       " selected: \"Open this snapshot in the other tabs\" makes it their model.");
    }
}

QString RunsPanel::openSnapshot(const QString& dir, qint64 step) {
  const Run* r = find(dir);
  if (!r) return "no run '" + dir + "' is open";
  const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/snapshots";
  QDir().mkpath(folder);
  const QString path =
      folder + "/" + QString(r->label).replace('/', '-') + "-step-" + QString::number(step) + ".pt";
  try {
    const std::string data =
        export_snapshot_model(dir.toStdString(), step, path.toStdString(), ComputeConfig{});
    status_->setText("Opened " + r->label + " at step " + QString::number(step) + " in the other tabs.");
    Q_EMIT snapshotOpened(path, QString::fromStdString(data));
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString RunsPanel::exportAll(const QString& dir) const {
  QStringList errors;  // the chart is exported with every other chart (WindowExport.cpp, Export all)
  if (!runs_.empty()) write_text_noting(dir + "/runs-table.csv", table_->csv(), errors);
  return errors.join("\n");
}

}  // namespace ts::ui
