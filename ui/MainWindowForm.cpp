// MainWindow, part 2: the form (jobs it describes, model and data specs, preview, cost, settings, opening
// models).
#include "MainWindow.h"
#include "WindowMenus.h"

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

void MainWindow::openModel(const QString& path, const QString& input_shape) {
  problem_->setModel(path);
  problem_->setOutput({});
  problem_->setParams("all");
  // The previous model's shape never carries over. In order: the shape given, the file's own metadata
  // (scripts/export-model), the shape this user gave for this file before, else ask.
  QString shape = input_shape.trimmed();
  QString origin = "given";
  QSettings settings;
  const QString key = "model_shapes/" + QString(path).replace('/', '|');
  if (shape.isEmpty()) {
    ModelFileInfo info;
    try {
      info = read_model_file_info(path.toStdString());
    } catch (const std::exception&) {
      problem_->setInputShape({});  // not a readable model file: the run says why, in plain words
      run();
      return;
    }
    if (!info.input_shape.empty()) {
      shape = QString::fromStdString(shape_to_string(info.input_shape));
      origin = "from the file";
    } else if (persist_ && settings.contains(key)) {
      shape = settings.value(key).toString();
      origin = "remembered for this file";
    } else {
      shape = shape_prompt_ ? shape_prompt_(path) : QString();
      if (shape.trimmed().isEmpty()) {
        problem_->setInputShape({});
        statusBar()->showMessage(
            QFileInfo(path).fileName() +
            " does not record its input shape: give it in the Input shape field, then Run");
        return;
      }
      origin = "as given";
    }
  }
  shape = shape.trimmed();
  std::vector<int64_t> dims;
  try {
    dims = parse_shape(shape.toStdString(), "the input shape");
  } catch (const std::exception& e) {
    problem_->setInputShape(shape);
    onFailed(QString::fromStdString(e.what()));
    return;
  }
  if (persist_ && origin != "from the file") settings.setValue(key, shape);
  problem_->setInputShape(shape);
  int64_t values = 1;
  for (int64_t v : dims) values *= v;
  // Data that does not fit the model is swapped for random inputs of its shape (the preview loads off the UI
  // thread, then the run starts).
  const std::string data = problem_->data().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<int64_t>(this);
  connect(watcher, &QFutureWatcher<int64_t>::finished, this, [this, watcher, values, shape, origin, data] {
    const int64_t have = watcher->result();
    watcher->deleteLater();
    QString message = QString("Model: input shape [%1] (%2)").arg(shape, origin);
    if (have > 0 && have != values && problem_->data().trimmed().toStdString() == data) {
      // As many inputs as the data had (its n=, else the batch size field).
      static const QRegularExpression n_key("(?:^|[:,])n=([0-9]+)");
      const auto n_match = n_key.match(QString::fromStdString(data));
      const QString n = n_match.hasMatch() ? n_match.captured(1) : QString::number(problem_->dataN());
      const QString spec = QString("random:n=%1,shape=%2").arg(n, QString(shape).replace(' ', ""));
      message += QString(
                     "; the data '%1' has %2 values per input but the model takes %3: using %4 random "
                     "inputs of that shape (File ▸ Open Data for your own)")
                     .arg(QString::fromStdString(data))
                     .arg(have)
                     .arg(values)
                     .arg(n);
      problem_->setData(spec);
    }
    statusBar()->showMessage(message);
    Q_EMIT modelOpened(message);
    run();
  });
  watcher->setFuture(QtConcurrent::run([data]() -> int64_t {
    try {
      const DataPreview p = preview_data(data, 1);
      return p.samples.empty() ? -1 : static_cast<int64_t>(p.samples.front().pixels.size());
    } catch (const std::exception&) {
      return -1;  // unreadable data: the run reports it
    }
  }));
}

void MainWindow::rememberModel(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > 8) recent_.removeLast();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() { menus_->setRecentModels(recent_); }

namespace {

bool is_model_file(const QString& path) { return path.endsWith(".pt") || path.endsWith(".pth"); }
bool is_data_file(const QString& path) {
  if (QFileInfo(path).isDir()) return true;  // a folder of image folders (images:DIR)
  return path.endsWith(".csv", Qt::CaseInsensitive) || path.endsWith(".npy", Qt::CaseInsensitive) ||
         path.endsWith(".npz", Qt::CaseInsensitive);
}

}  // namespace

void MainWindow::openData(const QString& path) {
  QString spec;
  if (QFileInfo(path).isDir()) {
    problem_->setDataKind("image folders…");
    problem_->setData(QString("images:%1,n=%2").arg(path).arg(problem_->dataN()));
    statusBar()->showMessage("Data: image folders in " + path);
    return;
  }
  if (path.endsWith(".npy", Qt::CaseInsensitive))
    spec = "npy:" + path;
  else if (path.endsWith(".npz", Qt::CaseInsensitive))
    spec = "npz:" + path;
  else
    spec = "csv:" + path;
  problem_->setDataKind(spec.startsWith("csv:") ? "csv…" : "npy/npz…");
  problem_->setData(spec);  // the preview follows (refreshPreview, off the UI thread)
  statusBar()->showMessage("Data: " + path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile() && (is_model_file(url.toLocalFile()) || is_data_file(url.toLocalFile()) ||
                              QFileInfo(url.toLocalFile() + "/run.json").isFile())) {
      e->acceptProposedAction();
      return;
    }
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile()) {
      const QString path = url.toLocalFile();
      if (QFileInfo(path + "/run.json").isFile()) {
        const QString err = openRun(path);
        if (!err.isEmpty()) statusBar()->showMessage(err);
      } else if (is_data_file(path))
        openData(path);
      else
        openModel(path);
      return;
    }
}

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
  s.setValue("recent_models", recent_);
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
  recent_ = s.value("recent_models").toStringList();
  rebuildRecentMenu();
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
