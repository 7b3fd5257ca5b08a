// MainWindow, part 2: the form (jobs it describes, model and data specs, preview, cost, settings, opening
// models).
#include "FileOpener.h"
#include "MainWindow.h"
#include "WindowExport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
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

#include <algorithm>
#include <cmath>

#include "ChartView.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "ProblemPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "core/Errors.h"
#include "data/DataSourceCatalog.h"
#include "estimators/EstimatorRegistry.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/Jobs.h"
#include "models/ModelFileInfo.h"

namespace ts::ui {

void MainWindow::buildModel(const QString& kind, int width, int depth, const QString& activation) {
  problem_->buildModel(kind, width, depth, activation);
}

void MainWindow::refreshPreview() { problem_->refreshPreview(); }
QWidget* MainWindow::thumbnails() const { return problem_->thumbnails(); }

void MainWindow::setMethods(const QStringList& methods) { estimators_->setMethods(methods); }
QSlider* MainWindow::budgetSlider() const { return estimators_->budgetSlider(); }

void MainWindow::setProblem(const QString& model, const QString& data, const QString& input_shape) {
  problem_->setProblem(model, data, input_shape);
}

ts::CompareRequest MainWindow::currentCompareJob() const {
  CompareRequest job;
  problem_->fill(job.problem);
  estimators_->fill(job);
  job.problem.compute.memory_budget = memory_budget_;  // the Preferences' budget
  return job;
}

ts::TraceRequest MainWindow::currentJob() const {
  const CompareRequest c = currentCompareJob();
  TraceRequest job;
  job.problem = c.problem;
  job.estimator = c.estimator;
  job.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.estimator.record_history = true;
  job.compare_exact = c.exact;
  return job;
}

QString MainWindow::exportResult(const QString& path) const { return export_result(*this, path); }
QString MainWindow::exportAll(const QString& dir, QStringList* skipped) const {
  return export_all(*this, dir, skipped);
}

// Opening files is the FileOpener's (the window's interface forwards to it).
void MainWindow::openModel(const QString& path, const QString& input_shape) {
  files_->openModel(path, input_shape);
}
void MainWindow::openData(const QString& path) { files_->openData(path); }
QString MainWindow::openExample(int index) { return files_->openExample(index); }
void MainWindow::setShapePrompt(std::function<QString(const QString&)> prompt) {
  files_->setShapePrompt(std::move(prompt));
}
void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (files_->accepts(e->mimeData())) e->acceptProposedAction();
}
void MainWindow::dropEvent(QDropEvent* e) { files_->open(e->mimeData()); }

QString MainWindow::openRun(const QString& dir) {
  const QString err = runs_->openRun(dir);
  if (err.isEmpty()) showPage(runs_);
  return err;
}

void MainWindow::applyConfig(const CompareRequest& config) {
  const ProblemSpec& problem = config.problem;
  setProblem(QString::fromStdString(problem.model), QString::fromStdString(problem.data),
             QString::fromStdString(problem.input_shape));
  problem_->setOutput(QString::fromStdString(problem.output));
  problem_->setParams(QString::fromStdString(problem.params));
  problem_->setProblemSeed(static_cast<int>(problem.compute.seed));
  EstimatorSettings e = estimators_->settings();
  e.methods.clear();
  for (const auto& m : config.methods) e.methods << QString::fromStdString(m);
  e.matvecs = static_cast<int>(config.estimator.matvecs);
  e.seed = static_cast<int>(config.estimator.seed);
  e.dtype = QString::fromStdString(problem.compute.dtype);
  e.device = QString::fromStdString(problem.compute.device);
  estimators_->apply(e);
  statusBar()->showMessage("Configuration restored from the run log");
}

void MainWindow::saveSettings() const {
  QSettings s;
  s.setValue("model", problem_->model());
  s.setValue("data", problem_->data());
  s.setValue("input_shape", problem_->inputShape());
  s.setValue("output", problem_->output());
  s.setValue("params", problem_->params());
  s.setValue("problem_seed", problem_->problemSeed());
  s.setValue("recent_models", files_->recentModels());
  s.setValue("state", saveState());
  const EstimatorSettings e = estimators_->settings();
  s.setValue("methods", e.methods);
  s.setValue("matvecs", e.matvecs);
  s.setValue("seed", e.seed);
  s.setValue("dtype", e.dtype);
  s.setValue("device", e.device);
  s.setValue("exact", e.exact);
  s.setValue("tol", e.tol);
  s.setValue("repeats", e.repeats);
  s.setValue("threads", e.threads);
  s.setValue("geometry", saveGeometry());
  s.setValue("theme", theme_);
  s.setValue("memory_budget", static_cast<qlonglong>(memory_budget_));
}

void MainWindow::restoreSettings() {
  QSettings s;
  if (!s.contains("model")) return;
  relaunched_ = true;
  problem_->setModel(s.value("model").toString());
  problem_->setData(s.value("data").toString());
  problem_->setInputShape(s.value("input_shape").toString());
  problem_->setOutput(s.value("output").toString());
  problem_->setParams(s.value("params", "all").toString());
  problem_->setProblemSeed(s.value("problem_seed", s.value("seed", 0)).toInt());  // one seed before
  files_->setRecentModels(s.value("recent_models").toStringList());
  restoreState(s.value("state").toByteArray());
  EstimatorSettings e;  // the defaults where a setting was never saved
  e.methods = s.value("methods").toStringList();
  e.matvecs = s.value("matvecs", int(EstimatorOptions{}.matvecs)).toInt();
  e.seed = s.value("seed", 0).toInt();
  e.dtype = s.value("dtype", "float64").toString();
  e.device = s.value("device", "cpu").toString();
  e.exact = s.value("exact", true).toBool();
  e.tol = s.value("tol", 0.0).toDouble();
  e.repeats = s.value("repeats", 1).toInt();
  e.threads = s.value("threads", 0).toInt();
  estimators_->apply(e);
  restoreGeometry(s.value("geometry").toByteArray());
  if (s.value("theme", "light").toString() == "dark") setTheme("dark");
  const QVariant budget = s.value("memory_budget");
  if (budget.isValid() && budget.toLongLong() > 0) memory_budget_ = budget.toLongLong();
}

}  // namespace ts::ui
