#include "MainWindow.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QVBoxLayout>

#include <QFileDialog>
#include <QJsonArray>
#include <QMenuBar>
#include <QMessageBox>

#include "ChartView.h"
#include "EngineClient.h"
#include "Errors.h"
#include "Jobs.h"
#include "OutputFiles.h"

namespace ts::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), engine_(new EngineClient(this)) {
  setWindowTitle("TangentScope — NTK trace");
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);

  auto* form_box = new QGroupBox("Kernel and estimator", central);
  auto* form = new QFormLayout(form_box);
  const ProblemSpec defaults;
  model_ = new QLineEdit(QString::fromStdString(defaults.model), form_box);
  model_->setToolTip("Built-in model spec (mlp:..., gru:..., cnn:...) or a TorchScript .pt path");
  data_ = new QLineEdit(QString::fromStdString(defaults.data), form_box);
  data_->setToolTip("digits, mnist, fashion-mnist, moons, spirals, blobs, sine, random:n=...,shape=..., or "
                    "csv:PATH[,label=last]; n=N takes a seeded stratified subset (docs/FORMATS.md)");
  input_shape_ = new QLineEdit(form_box);
  input_shape_->setPlaceholderText("shape of one input, needed for .pt files (e.g. 15,10)");
  estimator_ = new QComboBox(form_box);
  estimator_->addItems({"hutchpp", "xnystrace", "xtrace", "hutchinson", "rhutch", "fhutch", "exact"});
  estimator_->setToolTip("Randomized trace estimator (MATH.md §4); exact computes tr K = Σ‖Jᵀeᵢ‖²");
  matvecs_ = new QSpinBox(form_box);
  matvecs_->setRange(3, 100000);
  matvecs_->setValue(96);
  matvecs_->setToolTip("Budget m: number of test vectors (matrix-vector products) the estimator may use");
  seed_ = new QSpinBox(form_box);
  seed_->setRange(0, 1000000);
  dtype_ = new QComboBox(form_box);
  dtype_->addItems({"float64", "float32"});
  device_ = new QComboBox(form_box);
  device_->addItems({"cpu", "cuda"});
  exact_ = new QCheckBox("also compute the exact trace and the relative error", form_box);
  form->addRow("Model", model_);
  form->addRow("Data", data_);
  form->addRow("Input shape", input_shape_);
  form->addRow("Estimator", estimator_);
  form->addRow("Matvec budget", matvecs_);
  form->addRow("Seed", seed_);
  form->addRow("Precision", dtype_);
  form->addRow("Device", device_);
  form->addRow("", exact_);
  layout->addWidget(form_box);

  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton("Run", central);
  cancel_ = new QPushButton("Cancel", central);
  cancel_->setEnabled(false);
  buttons->addWidget(run_);
  buttons->addWidget(cancel_);
  buttons->addStretch();
  layout->addLayout(buttons);

  result_ = new QLabel("tr K = …", central);
  QFont big = result_->font();
  big.setPointSize(big.pointSize() + 8);
  result_->setFont(big);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  result_->setToolTip("tr K: the trace of the empirical NTK K = J Jᵀ, the sum of its eigenvalues");
  details_ = new QLabel(central);
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(result_);
  layout->addWidget(details_);
  chart_ = new ChartView("Convergence of the trace estimate", "matvecs", "tr K estimate", central);
  chart_->setToolTip("Running estimate of tr K after each test vector, with ±2 standard errors where the method "
                     "has an error estimate; dashed: the exact value. Drag to zoom, right-click to reset.");
  auto* toggles = new QHBoxLayout;
  auto* log_x = new QCheckBox("log matvecs axis", central);
  auto* log_y = new QCheckBox("log estimate axis", central);
  connect(log_x, &QCheckBox::toggled, chart_, &ChartView::setLogX);
  connect(log_y, &QCheckBox::toggled, chart_, &ChartView::setLogY);
  toggles->addWidget(log_x);
  toggles->addWidget(log_y);
  toggles->addStretch();
  layout->addWidget(chart_, 1);
  layout->addLayout(toggles);
  setCentralWidget(central);

  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("Export chart (PNG or SVG)…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export chart", "convergence.png", "Images (*.png *.svg)");
    if (path.isEmpty()) return;
    const QString err = chart_->exportTo(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  file->addAction("Export result (JSON or CSV)…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export result", "result.json", "Results (*.json *.csv)");
    if (path.isEmpty()) return;
    const QString err = exportResult(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  file->addSeparator();
  file->addAction("Quit", this, &QWidget::close);

  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(240);
  statusBar()->addPermanentWidget(progress_);
  statusBar()->showMessage("Ready");

  connect(run_, &QPushButton::clicked, this, &MainWindow::run);
  connect(cancel_, &QPushButton::clicked, engine_, &EngineClient::cancel);
  connect(engine_, &EngineClient::progress, this, &MainWindow::onProgress);
  connect(engine_, &EngineClient::traceFinished, this, &MainWindow::onFinished);
  connect(engine_, &EngineClient::failed, this, &MainWindow::onFailed);
  connect(engine_, &EngineClient::cancelled, this, [this] {
    cancel_->setEnabled(false);
    statusBar()->showMessage("Cancelled");
  });
  resize(820, 860);
}

ts::TraceJob MainWindow::currentJob() const {
  TraceJob job;
  job.problem.model = model_->text().trimmed().toStdString();
  job.problem.data = data_->text().trimmed().toStdString();
  job.problem.input_shape = input_shape_->text().trimmed().toStdString();
  job.problem.compute.dtype = dtype_->currentText().toStdString();
  job.problem.compute.device = device_->currentText().toStdString();
  job.problem.compute.seed = static_cast<uint64_t>(seed_->value());
  job.estimator.method = estimator_->currentText().toStdString();
  job.estimator.matvecs = matvecs_->value();
  job.estimator.seed = static_cast<uint64_t>(seed_->value());
  job.compare_exact = exact_->isChecked();
  job.estimator.record_history = true;  // the convergence chart
  return job;
}

void MainWindow::run() {
  chart_->clearAll();
  running_series_ = estimator_->currentText() + " (running)";
  engine_->submit(currentJob());
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Running " + estimator_->currentText() + "…");
}

QString MainWindow::resultText() const { return result_->text(); }

QString MainWindow::exportResult(const QString& path) const {
  if (last_json_.isEmpty()) return "there is no result to export yet";
  std::string text;
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    const QJsonObject r = QJsonDocument::fromJson(last_json_.toUtf8()).object();
    // The configuration travels as one JSON comment line, the running estimate as rows.
    text = "# " + QJsonDocument(r.value("config").toObject()).toJson(QJsonDocument::Compact).toStdString() + "\n";
    text += "estimator,matvecs,estimate,std_error,seconds\n";
    for (const auto& v : r.value("history").toArray()) {
      const QJsonObject h = v.toObject();
      text += r.value("estimator").toString().toStdString() + "," + QString::number(h.value("matvecs").toDouble()).toStdString() +
              "," + QString::number(h.value("estimate").toDouble(), 'g', 17).toStdString() + "," +
              (h.value("std_error").isDouble() ? QString::number(h.value("std_error").toDouble(), 'g', 17).toStdString() : "") +
              "," + QString::number(h.value("seconds").toDouble(), 'g', 6).toStdString() + "\n";
    }
  } else {
    text = last_json_.toStdString() + "\n";
  }
  try {
    write_text_file(path.toStdString(), text);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

void MainWindow::onProgress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  statusBar()->showMessage(stage);
  if (hasEstimate) {
    result_->setText(QString("tr K ≈ %1 (running)").arg(estimate, 0, 'g', 10));
    chart_->append(running_series_, static_cast<double>(done), estimate);
  }
}

void MainWindow::onFinished(const QString& json) {
  last_json_ = json;
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  const double est = r.value("estimate").toDouble();
  QString text = QString("tr K ≈ %1").arg(est, 0, 'g', 10);
  if (!r.value("std_error").isNull() && r.value("estimator").toString() != "exact")
    text += QString(" ± %1").arg(r.value("std_error").toDouble(), 0, 'g', 3);
  result_->setText(text);
  QString d = QString("%1: %2 matvecs (%3 VJPs, %4 JVPs) in %5 s; d = %6, P = %7")
                  .arg(r.value("estimator").toString())
                  .arg(r.value("matvecs").toInt())
                  .arg(r.value("vjps").toInt())
                  .arg(r.value("jvps").toInt())
                  .arg(r.value("seconds").toDouble(), 0, 'g', 3)
                  .arg(r.value("d").toInt())
                  .arg(r.value("params").toInt());
  if (r.contains("exact"))
    d += QString("\nexact %1 in %2 s; relative error %3")
             .arg(r.value("exact").toDouble(), 0, 'g', 10)
             .arg(r.value("exact_seconds").toDouble(), 0, 'g', 3)
             .arg(r.value("rel_error").toDouble(), 0, 'g', 3);
  details_->setText(d);
  // The recorded history replaces the live points: running estimate per matvec with its ±2σ band.
  chart_->clearAll();
  const QString name = r.value("estimator").toString();
  chart_->series(name, /*band=*/r.value("std_error").isDouble() && name != "exact");
  for (const auto& v : r.value("history").toArray()) {
    const QJsonObject h = v.toObject();
    chart_->append(name, h.value("matvecs").toDouble(), h.value("estimate").toDouble(),
                   h.value("std_error").isDouble() ? h.value("std_error").toDouble() : 0.0);
  }
  if (r.value("history").toArray().isEmpty()) chart_->append(name, r.value("matvecs").toDouble(), est);
  if (r.contains("exact")) chart_->setReference("exact", r.value("exact").toDouble());
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(1);
  statusBar()->showMessage("Done");
  Q_EMIT resultShown();
}

void MainWindow::onFailed(const QString& message) {
  result_->setText("tr K = —");
  details_->setText("Error: " + message);
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  statusBar()->showMessage("Failed");
  Q_EMIT failureShown(message);
}

}  // namespace ts::ui
