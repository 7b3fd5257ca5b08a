// MainWindow, part 3: running jobs and showing their results (charts, tables, run log), exports.
#include "MainWindow.h"

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
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
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
#include "PntkPanel.h"
#include "RunLog.h"
#include "core/Errors.h"
#include "io/OutputFiles.h"
#include "jobs/Jobs.h"

namespace ts::ui {

void MainWindow::run() {
  const CompareJob job = currentCompareJob();
  if (job.methods.empty()) {
    onFailed("tick at least one estimator to run");
    return;
  }
  convergence_->clearAll();
  run_started_ms_ = QDateTime::currentMSecsSinceEpoch();
  running_series_ = QString::fromStdString(job.methods.front()) + " (running)";
  current_kind_ = "compare";
  engine_->submitJob("compare", [job](const RunControl& rc) { return run_compare_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Running " + checkedMethods().join(", ") + "…");
  if (persist_) saveSettings();
}

void MainWindow::computeSpectrum() {
  const ProblemSpec p = currentCompareJob().problem;
  current_kind_ = "spectrum";
  engine_->submitJob("spectrum", [p](const RunControl& rc) { return run_spectrum_job(p, 400, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Computing the exact kernel and its eigenvalues…");
}

void MainWindow::computeMetrics() {
  const CompareJob c = currentCompareJob();
  MetricsJob job;
  job.problem = c.problem;
  job.estimator = c.estimator;
  job.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.compare_exact = c.exact;
  job.metrics = {"trace", "frobenius", "effective_rank", "target_alignment"};
  current_kind_ = "metrics";
  engine_->submitJob("metrics", [job](const RunControl& rc) { return run_metrics_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Computing metrics…");
}

void MainWindow::trainAndTrack() {
  const CompareJob c = currentCompareJob();
  DynamicsJob job;
  job.problem = c.problem;
  job.training.epochs = epochs_->value();
  job.training.lr = lr_->currentText().toDouble();
  job.training.batch_size = 32;
  for (int e = 0; e <= job.training.epochs; ++e) job.training.snapshot_epochs.push_back(e);
  job.probe_n = 50;
  job.metrics.metrics = {"trace", "frobenius", "effective_rank", "alignment", "target_alignment"};
  job.metrics.estimator = c.estimator;
  job.metrics.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.metrics.compare_exact = dynamics_exact_->isChecked();
  current_kind_ = "dynamics";
  engine_->submitJob("dynamics", [job](const RunControl& rc) { return run_dynamics_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Training…");
}

void MainWindow::showDynamics(const QString& json) {
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  dynamics_chart_->clearAll();
  loss_chart_->clearAll();
  QMap<QString, double> base;
  for (const auto& rv : r.value("dynamics").toArray()) {
    const QJsonObject row = rv.toObject();
    const double epoch = row.value("epoch").toDouble();
    for (const auto& mv : row.value("metrics").toArray()) {
      const QJsonObject m = mv.toObject();
      static const QMap<QString, QString> kShort{{"trace", "tr K"},
                                                 {"frobenius", "‖K‖_F"},
                                                 {"effective_rank", "r_eff"},
                                                 {"alignment", "cos(K, K₀)"},
                                                 {"target_alignment", "target al."}};
      const QString name = kShort.value(m.value("metric").toString(), m.value("metric").toString());
      const double v = m.value("value").toDouble();
      if (!base.contains(name)) base[name] = v;
      const double scale = base[name] != 0 ? 1.0 / base[name] : 1.0;
      dynamics_chart_->append(
          name, epoch, v * scale,
          m.value("std_error").isDouble() ? std::fabs(m.value("std_error").toDouble() * scale) : 0.0);
    }
  }
  for (const auto& hv : r.value("history").toArray()) {
    const QJsonObject h = hv.toObject();
    const double epoch = h.value("epoch").toDouble();
    const QList<QPair<const char*, QString>> series{{"train_loss", "train loss"},
                                                    {"test_loss", "test loss"},
                                                    {"train_accuracy", "train acc"},
                                                    {"test_accuracy", "test acc"}};
    for (const auto& [key, label] : series)
      if (h.value(key).isDouble()) loss_chart_->append(label, epoch, h.value(key).toDouble());
  }
  Q_EMIT dynamicsShown();
}

QString MainWindow::resultText() const { return result_->text(); }

void MainWindow::onProgress(qint64 done, qint64 total, const QString& stage, double estimate,
                            bool hasEstimate) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  statusBar()->showMessage(stage);
  if (hasEstimate && current_kind_ == "compare") {  // other jobs estimate other traces (tr K², …)
    result_->setText(QString("tr K ≈ %1 (running)").arg(estimate, 0, 'g', 10));
    convergence_->append(running_series_, static_cast<double>(done), estimate);
  }
}

void MainWindow::onJobFinished(const QString& kind, const QString& json) {
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(1);
  statusBar()->showMessage("Done");
  if (kind == "compare") showCompare(json);
  if (kind == "spectrum") showSpectrum(json);
  if (kind == "metrics") showMetrics(json);
  if (kind == "dynamics") showDynamics(json);
}

void MainWindow::showCompare(const QString& json) {
  last_compare_ = json;
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  const QJsonArray runs = r.value("runs").toArray();
  convergence_->clearAll();
  speed_->clearAll();
  for (const auto& v : runs) {
    const QJsonObject run = v.toObject();
    const QString name = run.value("estimator").toString();
    QList<QPointF> points;
    QList<double> sigmas;
    for (const auto& h : run.value("history").toArray()) {
      const QJsonObject p = h.toObject();
      points << QPointF(p.value("matvecs").toDouble(), p.value("estimate").toDouble());
      sigmas << (p.value("std_error").isDouble() ? p.value("std_error").toDouble() : 0.0);
    }
    convergence_->setSeries(name, points, run.value("std_error").isDouble() ? sigmas : QList<double>{});
  }
  double products = 0, seconds = 0;
  for (const auto& v : runs) {
    products += v.toObject().value("vjps").toDouble() + v.toObject().value("jvps").toDouble();
    seconds += v.toObject().value("product_seconds").toDouble();  // the dense algebra is predicted apart
  }
  if (products > 0) seconds_per_product_ = seconds / products;
  for (const auto& v : runs) {
    const QJsonObject run = v.toObject();
    const double predicted = run.value("predicted_dense_seconds").toDouble();
    if (predicted > 1e-3)
      dense_factor_[run.value("estimator").toString()] = run.value("dense_seconds").toDouble() / predicted;
  }
  last_d_ = r.value("d").toInteger();
  last_params_ = r.value("params").toInteger();
  updateCost();
  const bool has_exact = r.contains("exact");
  if (has_exact) {
    convergence_->setReference("exact", r.value("exact").toDouble());
    for (const auto& v : r.value("sweep").toArray()) {
      const QJsonObject p = v.toObject();
      speed_->append(p.value("method").toString(), p.value("seconds").toDouble(),
                     std::max(p.value("rel_error").toDouble(), 1e-16));
    }
    speed_->setVerticalReference("exact method", r.value("exact_seconds").toDouble());
  }
  // The first method's result stands as "the" result (what `trace` prints), with the run's context.
  QJsonObject first = runs.isEmpty() ? QJsonObject() : runs.first().toObject();
  first["d"] = r.value("d");
  first["params"] = r.value("params");
  if (has_exact) {
    first["exact"] = r.value("exact");
    first["exact_seconds"] = r.value("exact_seconds");
  }
  first["config"] = r.value("config");
  last_json_ = QString::fromUtf8(QJsonDocument(first).toJson(QJsonDocument::Compact));
  QString text = QString("tr K ≈ %1").arg(first.value("estimate").toDouble(), 0, 'g', 10);
  if (first.value("std_error").isDouble())
    text += QString(" ± %1").arg(first.value("std_error").toDouble(), 0, 'g', 3);
  result_->setText(text);
  QString d = QString("d = %1, P = %2").arg(r.value("d").toInt()).arg(r.value("params").toInt());
  if (has_exact)
    d += QString("; exact %1 in %2 s")
             .arg(r.value("exact").toDouble(), 0, 'g', 10)
             .arg(r.value("exact_seconds").toDouble(), 0, 'g', 3);
  for (const auto& v : runs) {
    const QJsonObject run = v.toObject();
    d += QString("\n%1: %2 in %3 s (%4 VJPs, %5 JVPs)")
             .arg(run.value("estimator").toString())
             .arg(run.value("estimate").toDouble(), 0, 'g', 8)
             .arg(run.value("seconds").toDouble(), 0, 'g', 3)
             .arg(run.value("vjps").toInt())
             .arg(run.value("jvps").toInt());
    if (run.contains("rel_error"))
      d += QString(", rel. error %1").arg(run.value("rel_error").toDouble(), 0, 'g', 2);
  }
  details_->setText(d);
  const QJsonObject model = r.value("model").toObject();
  QStringList layers;
  for (const auto& l : model.value("layers").toArray()) layers << l.toString();
  if (layers.size() > 6) layers = layers.mid(0, 5) << QString("… %1 more layers").arg(layers.size() - 5);
  QString jvp = "JVPs: " + r.value("jvp_path").toString();
  if (r.contains("jvp_fallback")) {
    jvp += " (forward mode unsupported by this model)";
    model_info_->setToolTip(r.value("jvp_fallback").toString());
  }
  model_info_->setText(
      QString("%1: input [%2] → output [%3]\nP = %4 of %5 parameters (%6 frozen), d = %7\n%8\n%9")
          .arg(model.value("kind").toString(), model.value("input_shape").toString(),
               model.value("output_shape").toString())
          .arg(r.value("params").toInt())
          .arg(model.value("params_total").toInt())
          .arg(model.value("params_frozen").toInt())
          .arg(r.value("d").toInt())
          .arg(jvp, layers.join("\n")));
  run_log_->add(r.value("config").toObject(),
                (QDateTime::currentMSecsSinceEpoch() - run_started_ms_) / 1000.0, result_->text());
  if (model.value("kind").toString() == "torchscript") rememberModel(model_->text());
  Q_EMIT resultShown();
}

void MainWindow::showSpectrum(const QString& json) {
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  spectrum_->clearAll();
  spectrum_->chart()->setTitle(
      r.value("approximate").toBool()
          ? "Spectrum: Nyström approximation (the exact kernel is over the memory budget)"
          : "Spectrum of the exact kernel (" + r.value("kernel").toString() + ")");
  const QJsonArray ev = r.value("eigenvalues").toArray();
  const double floor = ev.isEmpty() ? 1.0 : ev.first().toDouble() * 1e-14;
  QList<QPointF> points;
  for (int i = 0; i < ev.size(); ++i) points << QPointF(i + 1, std::max(ev[i].toDouble(), floor));
  spectrum_->setSeries("eigenvalues", points);
  Q_EMIT spectrumShown();
}

void MainWindow::showMetrics(const QString& json) {
  const QJsonArray rows = QJsonDocument::fromJson(json.toUtf8()).object().value("metrics").toArray();
  metrics_->setRowCount(rows.size());
  auto cell = [](const QJsonValue& v) {
    return new QTableWidgetItem(v.isDouble()   ? QString::number(v.toDouble(), 'g', 8)
                                : v.isString() ? v.toString()
                                               : "—");
  };
  for (int i = 0; i < rows.size(); ++i) {
    const QJsonObject m = rows[i].toObject();
    metrics_->setItem(i, 0, cell(m.value("metric")));
    metrics_->setItem(i, 1, cell(m.value("value")));
    metrics_->setItem(i, 2, cell(m.value("std_error")));
    metrics_->setItem(i, 3, cell(m.value("exact")));
    metrics_->setItem(i, 4, cell(m.value("rel_error")));
    metrics_->setItem(i, 5, cell(m.value("seconds")));
  }
  Q_EMIT metricsShown();
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

QString MainWindow::exportResult(const QString& path) const {
  if (last_json_.isEmpty()) return "there is no result to export yet";
  std::string text;
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    const QJsonObject r = QJsonDocument::fromJson(last_compare_.toUtf8()).object();
    // The configuration travels as one JSON comment line, every method's running estimate as rows.
    text = "# " + QJsonDocument(r.value("config").toObject()).toJson(QJsonDocument::Compact).toStdString() +
           "\n";
    text += "estimator,matvecs,estimate,std_error,seconds\n";
    for (const auto& v : r.value("runs").toArray()) {
      const QJsonObject run = v.toObject();
      for (const auto& hv : run.value("history").toArray()) {
        const QJsonObject h = hv.toObject();
        text += run.value("estimator").toString().toStdString() + "," +
                QString::number(h.value("matvecs").toDouble()).toStdString() + "," +
                QString::number(h.value("estimate").toDouble(), 'g', 17).toStdString() + "," +
                (h.value("std_error").isDouble()
                     ? QString::number(h.value("std_error").toDouble(), 'g', 17).toStdString()
                     : "") +
                "," + QString::number(h.value("seconds").toDouble(), 'g', 6).toStdString() + "\n";
      }
    }
  } else {
    text = last_compare_.toStdString() + "\n";
  }
  try {
    write_text_file(path.toStdString(), text);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

QString MainWindow::exportAll(const QString& dir) const {
  QStringList errors;
  const QList<QPair<QString, ChartView*>> charts{{"convergence", convergence_},
                                                 {"speed_accuracy", speed_},
                                                 {"spectrum", spectrum_},
                                                 {"ntk_over_training", dynamics_chart_},
                                                 {"loss_accuracy", loss_chart_}};
  for (const auto& c : charts)
    for (const char* ext : {".png", ".svg"}) {
      const QString err = c.second->exportTo(dir + "/" + c.first + ext);
      if (!err.isEmpty()) errors << err;
    }
  if (!last_json_.isEmpty())
    for (const char* name : {"/result.json", "/result.csv"}) {
      const QString err = exportResult(dir + name);
      if (!err.isEmpty()) errors << err;
    }
  for (const QString& e : {pntk_->exportAll(dir), al_->exportAll(dir)})
    if (!e.isEmpty()) errors << e;
  return errors.join("\n");
}

}  // namespace ts::ui
