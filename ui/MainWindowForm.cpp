// MainWindow, part 2: the form (jobs it describes, model and data specs, preview, cost, settings, opening
// models).
#include "MainWindow.h"

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
#include "RunLog.h"
#include "core/Errors.h"
#include "data/DataSourceCatalog.h"
#include "estimators/EstimatorRegistry.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/Jobs.h"
#include "models/ModelFileInfo.h"

namespace ts::ui {

void MainWindow::buildModel(const QString& kind, int width, int depth, const QString& activation) {
  model_kind_->setCurrentText(kind);
  model_act_->setCurrentText(activation);
  const QSignalBlocker b1(model_width_), b2(model_depth_);
  model_width_->setValue(width);
  model_depth_->setValue(depth);
  updateModelSpec();
}

void MainWindow::updateModelSpec() {
  if (model_kind_->currentText() == "TorchScript file") return;  // the Model field holds the file
  // Input sizes follow the data set (the data source catalog): digits are 64 values (1×8×8), MNIST 784
  // (1×28×28), CIFAR-10 3,072 (3×32×32), 2-D synthetic sets 2; regression sets have one output.
  const QString kind = data_kind_->currentText();
  std::vector<int64_t> shape{1, 8, 8};
  int64_t classes = 10;
  for (const auto& source : data_sources())
    if (source.app_listed && QString::fromStdString(source.kind) == kind) {
      shape = source.shape;
      classes = source.classes;
    }
  int64_t in_size = 1;
  for (int64_t s : shape) in_size *= s;
  const int in = int(in_size), out = int(std::max<int64_t>(classes, 1));
  const bool image = shape.size() == 3;
  QString image_shape;
  for (int64_t s : shape) image_shape += (image_shape.isEmpty() ? "" : ",") + QString::number(s);
  const QString m = model_kind_->currentText();
  QString spec;
  if (m == "mlp")
    spec = QString("mlp:in=%1,width=%2,depth=%3,out=%4,act=%5,seed=%6")
               .arg(in)
               .arg(model_width_->value())
               .arg(model_depth_->value())
               .arg(out)
               .arg(model_act_->currentText())
               .arg(seed_->value());
  else if (m == "cnn")
    spec = QString("cnn:%1width=%2,out=%3,act=%4,seed=%5")
               .arg(image && shape[0] != 1 ? QString("channels=%1,").arg(shape[0]) : QString())
               .arg(model_width_->value())
               .arg(out)
               .arg(model_act_->currentText())
               .arg(seed_->value());
  else
    spec = QString("gru:in=10,hidden=%1,steps=15,seed=%2").arg(model_width_->value()).arg(seed_->value());
  model_->setText(spec);
  if (m == "cnn")
    input_shape_->setText(image ? image_shape : "1,8,8");
  else if (m == "gru") {
    input_shape_->setText("15,10");
    data_->setText(QString("random:n=%1,shape=15x10").arg(data_n_->value()));
  } else {
    input_shape_->clear();
  }
}

void MainWindow::updateDataSpec() {
  QString kind = data_kind_->currentText();
  if (kind == "npy/npz…") {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open NumPy data", {}, "NumPy arrays (*.npy *.npz)");
    if (path.isEmpty()) return;
    // An .npz names its arrays (x= and y= default to "x" and "y", or its only array); an .npy has no labels.
    const QString kind_of = path.endsWith(".npz", Qt::CaseInsensitive) ? "npz" : "npy";
    data_->setText(QString("%1:%2,n=%3").arg(kind_of, path).arg(data_n_->value()));
    return;
  }
  if (kind == "image folders…") {
    const QString dir =
        QFileDialog::getExistingDirectory(this, "Open a folder of image folders (one per class)");
    if (dir.isEmpty()) return;
    data_->setText(QString("images:%1,n=%2").arg(dir).arg(data_n_->value()));
    return;
  }
  if (kind == "csv…") {
    const QString path = QFileDialog::getOpenFileName(this, "Open CSV data", {}, "CSV (*.csv *.txt)");
    if (path.isEmpty()) return;
    data_->setText(QString("csv:%1,label=last,n=%2").arg(path).arg(data_n_->value()));
    return;
  }
  bool generated = false;
  for (const auto& source : data_sources())
    generated = generated || (source.generated && QString::fromStdString(source.kind) == kind);
  data_->setText(QString("%1:%2=%3").arg(kind, generated ? "size" : "n").arg(data_n_->value()));
}

void MainWindow::refreshPreview() {
  const std::string spec = data_->text().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<PreviewReply>(this);
  const quint64 generation = ++preview_generation_;
  connect(watcher, &QFutureWatcher<PreviewReply>::finished, this, [this, watcher, generation] {
    if (generation == preview_generation_)
      showPreview(watcher->result());  // a newer request supersedes this one
    watcher->deleteLater();
  });
  // Loading a data set can take a moment (MNIST): off the UI thread, and not on the engine thread either.
  watcher->setFuture(QtConcurrent::run([spec]() {
    PreviewReply reply;
    try {
      reply.preview = preview_data(spec, 8);
    } catch (const std::exception& e) {
      reply.error = QString::fromUtf8(e.what()).section('\n', 0, 0);
    }
    return reply;
  }));
}

void MainWindow::showPreview(const PreviewReply& reply) {
  auto* layout = thumbs_->layout();
  while (QLayoutItem* item = layout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  if (!reply.error.isEmpty()) {
    data_info_->setText(reply.error);
    Q_EMIT previewShown();
    return;
  }
  const DataPreview& r = reply.preview;
  data_info_->setText(QString::fromStdString(r.description));
  if (r.image_shape.size() == 3) {
    const int h = static_cast<int>(r.image_shape[1]), w = static_cast<int>(r.image_shape[2]);
    int shown = 0;
    for (const auto& sample : r.samples) {
      if (++shown > 6) break;  // six fit the panel's narrowest width
      const auto& px = sample.pixels;
      QImage img(w, h, QImage::Format_Grayscale8);
      for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w && size_t(y * w + x) < px.size(); ++x)
          line[x] = static_cast<uchar>(255.0 * std::clamp(px[size_t(y * w + x)], 0.0, 1.0));
      }
      auto* label = new QLabel(thumbs_);
      label->setPixmap(QPixmap::fromImage(img.scaled(36, 36, Qt::KeepAspectRatio, Qt::FastTransformation)));
      label->setToolTip("label " + QString::number(sample.label.value_or(0)) + ": " +
                        QString::fromStdString(sample.class_name));
      layout->addWidget(label);
    }
  }
  Q_EMIT previewShown();
}

void MainWindow::applyBudgetMinimum() {
  // No budget below the ticked estimators' calibrated minimum (their error bars would not hold).
  std::vector<std::string> names;
  for (const auto& m : checkedMethods()) names.push_back(m.toStdString());
  const int lowest = static_cast<int>(min_calibrated_budget(names));
  if (matvecs_->minimum() != lowest) {
    slider_->setMinimum(lowest);
    matvecs_->setMinimum(lowest);
  }
}

void MainWindow::updateCost() {
  applyBudgetMinimum();
  QStringList parts;
  int64_t total = 0;
  double dense = 0, worst_dense = 0;
  QString worst;
  for (const auto& m : checkedMethods()) {
    EstimatorOptions o;
    o.method = m.toStdString();
    o.matvecs = matvecs_->value();
    const auto [v, j] = planned_ad_cost(o);
    total += v + j;
    parts << QString("%1 %2+%3").arg(m).arg(v).arg(j);
    if (last_d_ > 0) {
      // The dense algebra besides the products (QR, projections, draws): FHutch's grows with P.
      const double s = planned_dense_seconds(o, last_d_, last_params_) * dense_factor_.value(m, 1.0);
      dense += s;
      if (s > worst_dense) worst_dense = s, worst = m;
    }
  }
  QString text = parts.isEmpty() ? QString() : "VJPs+JVPs: " + parts.join(", ");
  if (seconds_per_product_ > 0 && total > 0) {
    text += QString("\n≈ %1 s (%2 ms per product on the last run, %3 s dense algebra)")
                .arg(total * seconds_per_product_ + dense, 0, 'g', 2)
                .arg(seconds_per_product_ * 1e3, 0, 'g', 2)
                .arg(dense, 0, 'g', 2);
    if (worst_dense > total * seconds_per_product_)
      text += QString("\n%1 spends most of its time in dense algebra at this P").arg(worst);
    const double seconds = total * seconds_per_product_ + dense;
    if (seconds > 60)
      text += QString("\nslow: about %1 min; a smaller m or fewer methods is faster")
                  .arg(seconds / 60, 0, 'f', 1);
  }
  cost_->setText(text.isEmpty() ? "tick at least one estimator" : text);
}

QStringList MainWindow::checkedMethods() const {
  QStringList out;
  for (int i = 0; i < methods_->count(); ++i)
    if (methods_->item(i)->checkState() == Qt::Checked) out << methods_->item(i)->text();
  return out;
}

void MainWindow::setMethods(const QStringList& methods) {
  for (int i = 0; i < methods_->count(); ++i)
    methods_->item(i)->setCheckState(methods.contains(methods_->item(i)->text()) ? Qt::Checked
                                                                                 : Qt::Unchecked);
}

void MainWindow::setProblem(const QString& model, const QString& data, const QString& input_shape) {
  model_->setText(model);
  // The batch-size box follows the spec's n= (it writes the spec when changed, so it is quiet here).
  const QRegularExpressionMatch n = QRegularExpression("[:,]n=(\\d+)").match(data);
  if (n.hasMatch()) {
    const QSignalBlocker block(data_n_);
    data_n_->setValue(n.captured(1).toInt());
  }
  data_->setText(data);
  input_shape_->setText(input_shape);
  output_->clear();
}

ts::CompareRequest MainWindow::currentCompareJob() const {
  CompareRequest job;
  job.problem.model = model_->text().trimmed().toStdString();
  job.problem.data = data_->text().trimmed().toStdString();
  job.problem.input_shape = input_shape_->text().trimmed().toStdString();
  job.problem.output = output_->text().trimmed().toStdString();
  job.problem.params = params_->text().trimmed().isEmpty() ? "all" : params_->text().trimmed().toStdString();
  job.problem.compute.dtype = dtype_->currentText().toStdString();
  job.problem.compute.device = device_->currentText().toStdString();
  job.problem.compute.seed = static_cast<uint64_t>(seed_->value());
  job.problem.compute.memory_budget = memory_budget_;
  job.estimator.matvecs = matvecs_->value();
  job.estimator.seed = static_cast<uint64_t>(seed_->value());
  job.estimator.tol = tol_->value();
  job.estimator.max_matvecs = 16 * static_cast<int64_t>(matvecs_->value());
  job.sweep_repeats = repeats_->value();
  job.problem.compute.threads = threads_->value();
  job.methods.clear();
  for (const auto& m : checkedMethods()) job.methods.push_back(m.toStdString());
  job.exact = exact_->isChecked();
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
  model_->setText(path);
  output_->clear();
  params_->setText("all");
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
      input_shape_->clear();  // not a readable model file: the run says why, in plain words
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
        input_shape_->clear();
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
    input_shape_->setText(shape);
    onFailed(QString::fromStdString(e.what()));
    return;
  }
  if (persist_ && origin != "from the file") settings.setValue(key, shape);
  input_shape_->setText(shape);
  int64_t values = 1;
  for (int64_t v : dims) values *= v;
  // Data that does not fit the model is swapped for random inputs of its shape (the preview loads off the UI
  // thread, then the run starts).
  const std::string data = data_->text().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<int64_t>(this);
  connect(watcher, &QFutureWatcher<int64_t>::finished, this, [this, watcher, values, shape, origin, data] {
    const int64_t have = watcher->result();
    watcher->deleteLater();
    QString message = QString("Model: input shape [%1] (%2)").arg(shape, origin);
    if (have > 0 && have != values && data_->text().trimmed().toStdString() == data) {
      // As many inputs as the data had (its n=, else the batch size field).
      static const QRegularExpression n_key("(?:^|[:,])n=([0-9]+)");
      const auto n_match = n_key.match(QString::fromStdString(data));
      const QString n = n_match.hasMatch() ? n_match.captured(1) : QString::number(data_n_->value());
      const QString spec = QString("random:n=%1,shape=%2").arg(n, QString(shape).replace(' ', ""));
      message += QString(
                     "; the data '%1' has %2 values per input but the model takes %3: using %4 random "
                     "inputs of that shape (File ▸ Open Data for your own)")
                     .arg(QString::fromStdString(data))
                     .arg(have)
                     .arg(values)
                     .arg(n);
      data_->setText(spec);
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

void MainWindow::reflectModelKind() {
  // The builder row shows what the Model field holds: a file, or a built-in model with its width, depth and
  // activation.
  const QString m = model_->text().trimmed();
  const bool file = m.endsWith(".pt") || m.endsWith(".pth") || m.startsWith("torchscript:");
  const QSignalBlocker b1(model_kind_), b2(model_width_), b3(model_depth_), b4(model_act_);
  if (file) {
    model_kind_->setCurrentText("TorchScript file");
  } else {
    const QString kind = m.section(':', 0, 0);
    if (kind == "mlp" || kind == "cnn" || kind == "gru") model_kind_->setCurrentText(kind);
    for (const QString& part : m.section(':', 1).split(',')) {
      const QString k = part.section('=', 0, 0), v = part.section('=', 1);
      if (k == "width" || k == "hidden" || k == "channels_hidden") model_width_->setValue(v.toInt());
      if (k == "depth") model_depth_->setValue(v.toInt());
      if (k == "act") model_act_->setCurrentText(v);
    }
  }
  for (QWidget* w : std::initializer_list<QWidget*>{model_width_, model_depth_, model_act_})
    w->setEnabled(!file);
}

void MainWindow::rememberModel(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > 8) recent_.removeLast();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  for (const auto& path : recent_) recent_menu_->addAction(path, this, [this, path] { openModel(path); });
  recent_menu_->setEnabled(!recent_.isEmpty());
}

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
    data_kind_->setCurrentText("image folders…");
    data_->setText(QString("images:%1,n=%2").arg(path).arg(data_n_->value()));
    statusBar()->showMessage("Data: image folders in " + path);
    return;
  }
  if (path.endsWith(".npy", Qt::CaseInsensitive))
    spec = "npy:" + path;
  else if (path.endsWith(".npz", Qt::CaseInsensitive))
    spec = "npz:" + path;
  else
    spec = "csv:" + path;
  data_kind_->setCurrentText(spec.startsWith("csv:") ? "csv…" : "npy/npz…");
  data_->setText(spec);  // the preview follows (refreshPreview, off the UI thread)
  statusBar()->showMessage("Data: " + path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile() && (is_model_file(url.toLocalFile()) || is_data_file(url.toLocalFile()))) {
      e->acceptProposedAction();
      return;
    }
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile()) {
      const QString path = url.toLocalFile();
      if (is_data_file(path))
        openData(path);
      else
        openModel(path);
      return;
    }
}

void MainWindow::applyConfig(const CompareRequest& config) {
  const ProblemSpec& problem = config.problem;
  setProblem(QString::fromStdString(problem.model), QString::fromStdString(problem.data),
             QString::fromStdString(problem.input_shape));
  output_->setText(QString::fromStdString(problem.output));
  params_->setText(QString::fromStdString(problem.params));
  QStringList methods;
  for (const auto& m : config.methods) methods << QString::fromStdString(m);
  setMethods(methods);
  const QSignalBlocker block(slider_);
  slider_->setValue(static_cast<int>(config.estimator.matvecs));
  matvecs_->setValue(static_cast<int>(config.estimator.matvecs));
  seed_->setValue(static_cast<int>(config.estimator.seed));
  dtype_->setCurrentText(QString::fromStdString(problem.compute.dtype));
  device_->setCurrentText(QString::fromStdString(problem.compute.device));
  statusBar()->showMessage("Configuration restored from the run log");
}

void MainWindow::saveSettings() const {
  QSettings s;
  s.setValue("model", model_->text());
  s.setValue("data", data_->text());
  s.setValue("input_shape", input_shape_->text());
  s.setValue("output", output_->text());
  s.setValue("params", params_->text());
  s.setValue("recent_models", recent_);
  s.setValue("state", saveState());
  s.setValue("methods", checkedMethods());
  s.setValue("matvecs", matvecs_->value());
  s.setValue("seed", seed_->value());
  s.setValue("dtype", dtype_->currentText());
  s.setValue("device", device_->currentText());
  s.setValue("exact", exact_->isChecked());
  s.setValue("tol", tol_->value());
  s.setValue("repeats", repeats_->value());
  s.setValue("threads", threads_->value());
  s.setValue("geometry", saveGeometry());
  s.setValue("theme", theme_);
  s.setValue("memory_budget", static_cast<qlonglong>(memory_budget_));
}

void MainWindow::restoreSettings() {
  QSettings s;
  if (!s.contains("model")) return;
  model_->setText(s.value("model").toString());
  data_->setText(s.value("data").toString());
  input_shape_->setText(s.value("input_shape").toString());
  output_->setText(s.value("output").toString());
  params_->setText(s.value("params", "all").toString());
  recent_ = s.value("recent_models").toStringList();
  rebuildRecentMenu();
  restoreState(s.value("state").toByteArray());
  setMethods(s.value("methods").toStringList());
  const QSignalBlocker block(slider_);  // restoring is not a request to re-run
  slider_->setValue(s.value("matvecs", 96).toInt());
  matvecs_->setValue(s.value("matvecs", 96).toInt());
  seed_->setValue(s.value("seed", 0).toInt());
  dtype_->setCurrentText(s.value("dtype", "float64").toString());
  device_->setCurrentText(s.value("device", "cpu").toString());
  exact_->setChecked(s.value("exact", true).toBool());
  tol_->setValue(s.value("tol", 0.0).toDouble());
  repeats_->setValue(s.value("repeats", 1).toInt());
  threads_->setValue(s.value("threads", 0).toInt());
  restoreGeometry(s.value("geometry").toByteArray());
  if (s.value("theme", "light").toString() == "dark") setTheme("dark");
  const QVariant budget = s.value("memory_budget");
  if (budget.isValid() && budget.toLongLong() > 0) memory_budget_ = budget.toLongLong();
}

}  // namespace ts::ui
