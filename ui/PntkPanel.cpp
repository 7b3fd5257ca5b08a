#include "PntkPanel.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ChartView.h"
#include "EngineClient.h"
#include "ExportFiles.h"
#include "HeatMap.h"
#include "ProblemCaption.h"
#include "jobs/PntkJob.h"
#include "jobs/PntkWidthJob.h"
#include "jobs/PntkWidthJson.h"
#include "results/ResultJson.h"

namespace ts::ui {

namespace {

const QMap<QString, QString>& error_names() {
  static const QMap<QString, QString> names{
      {"rel_frobenius", "Frobenius"}, {"rel_lambda_max", "λ_max"}, {"rel_prediction", "prediction"}};
  return names;
}

QString pntk_number(double v, int digits = 3) {
  return std::isfinite(v) ? QString::number(v, 'g', digits) : "—";
}
// A value the result may lack: shown as "—".
QString pntk_number(const std::optional<double>& v) {
  return pntk_number(v.value_or(std::numeric_limits<double>::quiet_NaN()));
}

QString mib(double bytes) { return bytes < 0 ? "n/a" : QString::number(bytes / (1 << 20), 'f', 1) + " MiB"; }
QString mib(const std::optional<int64_t>& bytes) { return mib(double(bytes.value_or(-1))); }

// Row indices (in pooled pixels) where the sorted class changes.
QList<double> class_boundaries(const std::vector<int64_t>& labels, int source_size, int size) {
  QList<double> out;
  if (labels.empty()) return out;
  const double per_label = double(source_size) / double(labels.size()) * size / source_size;
  for (size_t i = 1; i < labels.size(); ++i)
    if (labels[i] != labels[i - 1]) out << double(i) * per_label;
  return out;
}

}  // namespace

PntkPanel::PntkPanel(EngineClient* engine, std::function<ts::ProblemSpec()> problem, QWidget* parent)
    : QWidget(parent), engine_(engine), problem_(std::move(problem)) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(createKernelsBox(), 1);
  layout->addWidget(createWidthBox(), 1);
  connectSignals();
}

// Both kernels of the main form's batch: the variant, the regression's held-out points and ridge, the maps.
QGroupBox* PntkPanel::createKernelsBox() {
  auto* kernels = new QGroupBox("pNTK and eNTK of the current model and batch", this);
  auto* kl = new QVBoxLayout(kernels);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel("variant", kernels));
  variant_ = new QComboBox(kernels);
  variant_->setObjectName("variant");  // sessions key its value by this name
  variant_->addItems({"sum", "single:0", "single:1", "single:2"});
  variant_->setEditable(true);
  variant_->setToolTip("sum: Σ_k f_k/√O (the published pNTK); single:K: the logit K alone");
  row->addWidget(variant_);
  row->addWidget(new QLabel("held out", kernels));
  heldout_ = new QSpinBox(kernels);
  heldout_->setObjectName("heldout");  // sessions key its value by this name
  heldout_->setRange(-1, 100000);
  heldout_->setValue(-1);
  heldout_->setSpecialValueText("a fifth");
  heldout_->setToolTip("kernel regression predicts the last points of the batch from the others");
  row->addWidget(heldout_);
  row->addWidget(new QLabel("ridge", kernels));
  ridge_ = new QDoubleSpinBox(kernels);
  ridge_->setObjectName("ridge");  // sessions key its value by this name
  ridge_->setDecimals(6);
  ridge_->setRange(0, 10);
  ridge_->setSingleStep(1e-3);
  ridge_->setValue(1e-3);
  ridge_->setToolTip("relative to the eNTK's mean diagonal; the second regression uses (Θ + λI)⁻¹");
  row->addWidget(ridge_);
  compute_ = new QPushButton("Compute pNTK and eNTK", kernels);
  row->addWidget(compute_);
  export_ = new QPushButton("Export…", kernels);
  row->addWidget(export_);
  row->addStretch();
  kl->addLayout(row);
  summary_ =
      new QLabel("Computes both kernels exactly on the batch of the main form, then compares them.", kernels);
  summary_->setObjectName("pntkSummary");  // sessions store result labels by name
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  kl->addWidget(summary_);
  caption_ = new ProblemCaption("pntkCaption", kernels);
  auto* maps = new QHBoxLayout;
  pntk_map_ = new HeatMap("pNTK Θ̂ (N × N, sorted by class)", kernels);
  entk_map_ = new HeatMap("eNTK Θ (O × O blocks of N × N, by class)", kernels);
  pntk_map_->setObjectName("pntkKernel");  // sessions key heat maps and charts by name
  entk_map_->setObjectName("entkKernel");
  maps->addWidget(pntk_map_);
  maps->addWidget(entk_map_);
  kl->addLayout(maps, 1);
  kl->addWidget(caption_);
  return kernels;
}

// The width experiment: ReLU MLPs of growing width, their errors against width and the fitted slopes.
QGroupBox* PntkPanel::createWidthBox() {
  auto* sweep = new QGroupBox("Width experiment: ReLU MLPs at initialisation (and after training)", this);
  auto* sl = new QVBoxLayout(sweep);
  auto* srow = new QHBoxLayout;
  srow->addWidget(new QLabel("widths 16 …", sweep));
  max_width_ = new QComboBox(sweep);
  max_width_->setObjectName("max_width");  // sessions key its value by this name
  max_width_->addItems({"128", "256", "512", "1024", "2048"});
  max_width_->setCurrentText("512");
  srow->addWidget(max_width_);
  srow->addWidget(new QLabel("seeds", sweep));
  seeds_ = new QSpinBox(sweep);
  seeds_->setObjectName("seeds");  // sessions key its value by this name
  seeds_->setRange(2, 20);
  seeds_->setValue(3);
  srow->addWidget(seeds_);
  srow->addWidget(new QLabel("batch", sweep));
  batch_ = new QSpinBox(sweep);
  batch_->setObjectName("batch");  // sessions key its value by this name
  batch_->setRange(4, 500);
  batch_->setValue(40);
  srow->addWidget(batch_);
  srow->addStretch();
  sl->addLayout(srow);
  srow = new QHBoxLayout;  // two rows: the tab stays narrow enough for a 1280-pixel screen with the panel
  srow->addWidget(new QLabel("parameterisation", sweep));
  param_ = new QComboBox(sweep);
  param_->setObjectName("parameterisation");  // sessions key its value by this name
  param_->addItems({"standard", "ntk"});
  srow->addWidget(param_);
  srow->addWidget(new QLabel("train epochs", sweep));
  epochs_ = new QSpinBox(sweep);
  epochs_->setObjectName("epochs");  // sessions key its value by this name
  epochs_->setRange(0, 100);
  epochs_->setValue(0);
  epochs_->setToolTip(
      "> 0: also the errors after training each network (Adam, cross-entropy) on the rest of the data");
  srow->addWidget(epochs_);
  sweep_ = new QPushButton("Run width experiment", sweep);
  srow->addWidget(sweep_);
  srow->addStretch();
  sl->addLayout(srow);
  fits_ = new QLabel(
      "Theory (Mohamadi, Bae, Sutherland, ICML 2023, Theorems 1–3): every error falls like width^(−1/2) at "
      "initialisation.",
      sweep);
  fits_->setObjectName("pntkFits");  // sessions store result labels by name
  fits_->setWordWrap(true);
  sl->addWidget(fits_);
  width_chart_ =
      new ChartView("pNTK error against width (mean over seeds, ±2 s.e.)", "width", "relative error", sweep);
  width_chart_->setObjectName("pntkWidth");
  width_chart_->setLogX(true);
  width_chart_->setLogY(true);
  width_chart_->setMinimumHeight(320);  // room for the log-scale y title when the tab scrolls
  sl->addWidget(width_chart_, 1);
  return sweep;
}

void PntkPanel::connectSignals() {
  connect(compute_, &QPushButton::clicked, this, &PntkPanel::computeKernels);
  connect(sweep_, &QPushButton::clicked, this, &PntkPanel::runWidthExperiment);
  connect(export_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Export the pNTK results into");
    if (dir.isEmpty()) return;
    const QString err = export_set(
        dir, [this](const QString& stage) { return exportAll(stage); }, false);
    summary_->setText(err.isEmpty() ? "Exported into " + dir : "Export failed: " + err);
  });
  connect(engine_, &EngineClient::jobFinished, this, &PntkPanel::onJobFinished);
  connect(engine_, &EngineClient::partialResult, this, &PntkPanel::onPartialResult);
  connect(engine_, &EngineClient::failed, this, &PntkPanel::onFailed);
  connect(engine_, &EngineClient::cancelled, this, [this] { pending_.clear(); });
}

void PntkPanel::setWidthSettings(int max_width, int seeds, int batch, int epochs, const QString& param) {
  max_width_->setCurrentText(QString::number(max_width));
  if (max_width_->currentText() != QString::number(max_width)) {
    max_width_->addItem(QString::number(max_width));
    max_width_->setCurrentText(QString::number(max_width));
  }
  seeds_->setValue(seeds);
  batch_->setValue(batch);
  epochs_->setValue(epochs);
  param_->setCurrentText(param);
}

void PntkPanel::computeKernels() {
  PntkRequest job;
  job.problem = problem_();
  job.variant = variant_->currentText().trimmed().toStdString();
  job.compare = true;
  job.heldout = heldout_->value();
  job.ridge = ridge_->value();
  job.heatmap = 240;
  pending_ = "pntk";
  summary_->setText("Computing the pNTK and the eNTK…");
  engine_->submitJob("pntk", [job](const RunControl& rc) { return run_pntk_job(job, rc); });
  Q_EMIT jobStarted("Computing the pNTK and the eNTK…");
}

void PntkPanel::runWidthExperiment() {
  PntkWidthRequest job;
  const ProblemSpec p = problem_();
  job.compute = p.compute;
  job.widths.clear();
  for (int w = 16; w <= max_width_->currentText().toInt(); w *= 2) job.widths.push_back(w);
  job.seeds = seeds_->value();
  job.batch = batch_->value();
  job.heldout = std::max<int64_t>(1, job.batch / 4);
  job.param = param_->currentText().toStdString();
  job.epochs = epochs_->value();
  job.compute.memory_budget = std::max<int64_t>(job.compute.memory_budget, int64_t(8) << 30);
  width_chart_->clearAll();
  by_error_.clear();
  width_points_ = 0;
  width_.reset();
  fits_->setText(QString("Running %1 widths × %2 seeds…").arg(job.widths.size()).arg(job.seeds));
  pending_ = "pntk-width";
  // Each point arrives as a partial result (onPartialResult); the engine client drops those of older jobs.
  engine_->submitJob("pntk-width", [job](const RunControl& rc) { return run_pntk_width_job(job, rc); });
  Q_EMIT jobStarted("Width experiment…");
}

const PntkResult* PntkPanel::lastKernels() const {
  return kernels_ ? std::get_if<PntkResult>(kernels_.get()) : nullptr;
}

const PntkWidthResult* PntkPanel::lastWidth() const {
  return width_ ? std::get_if<PntkWidthResult>(width_.get()) : nullptr;
}

void PntkPanel::onJobFinished(const QString& kind, const JobResultPtr& result) {
  if (kind != pending_ || !result) return;
  pending_.clear();
  if (const auto* r = std::get_if<PntkResult>(result.get()); r && kind == "pntk") {
    kernels_ = result;
    showKernels(*r);
    caption_->setProblem(r->request.problem);
  }
  if (const auto* r = std::get_if<PntkWidthResult>(result.get()); r && kind == "pntk-width") {
    width_ = result;
    width_chart_->setProvenanceJson(json_text(to_json(*r).at("config")));  // into its exported files
    showFits(r->fits);
    Q_EMIT widthFinished();
  }
}

void PntkPanel::onPartialResult(const QString& kind, const PartialResult& partial) {
  if (kind != "pntk-width" || pending_ != kind || partial.kind != kPntkWidthPointKind) return;
  if (const auto* update = std::any_cast<PntkWidthUpdate>(&partial.value)) showWidthPoint(*update);
}

void PntkPanel::onFailed(const QString& message) {
  if (pending_.isEmpty()) return;
  (pending_ == "pntk" ? summary_ : fits_)->setText("Error: " + message);
  pending_.clear();
}

void PntkPanel::showKernels(const PntkResult& r) {
  QString text = QString("N = %1, O = %2, P = %3. <b>pNTK</b> (%4): %5 s, peak %6, kernel %7. ")
                     .arg(r.N)
                     .arg(r.outputs)
                     .arg(r.params)
                     .arg(QString::fromStdString(r.variant), pntk_number(r.seconds),
                          mib(double(r.peak_bytes)), mib(double(r.kernel_bytes)));
  if (r.entk_note) {
    text += "<br>" + QString::fromStdString(*r.entk_note) +
            QString("; relative error of O·tr Θ̂: %1").arg(pntk_number(r.rel_trace_error));
  } else {
    text += QString("<b>eNTK</b>: %1 s (%2× slower), peak %3, kernel %4.<br>")
                .arg(pntk_number(r.entk_seconds), pntk_number(r.speedup), mib(r.entk_peak_bytes),
                     mib(r.entk_kernel_bytes));
    text +=
        QString(
            "‖Θ − Θ̂⊗I‖<sub>F</sub> / ‖Θ‖<sub>F</sub> = <b>%1</b>, relative λ<sub>max</sub> error <b>%2</b>, "
            "relative trace error %3.")
            .arg(pntk_number(r.rel_frobenius_error), pntk_number(r.rel_lambda_max_error),
                 pntk_number(r.rel_trace_error));
    if (r.regression) {
      const PntkRegression& g = *r.regression;
      text +=
          QString(
              "<br>Kernel regression (%1 → %2 held-out points): predictions differ by <b>%3</b> (no ridge), "
              "%4 "
              "(ridge %5); held-out accuracy eNTK %6, pNTK %7.")
              .arg(g.n_train)
              .arg(g.n_heldout)
              .arg(pntk_number(g.rel_prediction_error), pntk_number(g.rel_prediction_error_ridge),
                   pntk_number(g.ridge), pntk_number(g.heldout_accuracy),
                   pntk_number(g.heldout_accuracy_pntk));
    }
  }
  summary_->setText(text);
  for (auto [map, which] : {std::pair{pntk_map_, 0}, std::pair{entk_map_, 1}}) {
    const PntkHeatMap* m = nullptr;
    if (r.heatmaps) m = which == 0 ? &r.heatmaps->pntk : (r.heatmaps->entk ? &*r.heatmaps->entk : nullptr);
    if (!m) {
      map->clear();
      continue;
    }
    const int size = int(m->size), source = int(m->source_size);
    // The pNTK: lines where the class changes; the eNTK: lines between its output blocks.
    QList<double> lines;
    if (which == 0)
      lines = class_boundaries(r.heatmaps->labels, source, size);
    else
      for (int64_t k = 1; k < r.outputs; ++k) lines << double(k) * size / double(r.outputs);
    map->setMatrix(size, QList<double>(m->values.begin(), m->values.end()), lines,
                   size < source ? QString("%1 × %1 averaged to %2 × %2").arg(source).arg(size) : QString());
  }
  Q_EMIT kernelsShown();
}

void PntkPanel::showWidthPoint(const PntkWidthUpdate& update) {
  const PntkWidthPoint& p = update.point;
  const QString stage = QString::fromStdString(p.stage);
  for (auto it = error_names().begin(); it != error_names().end(); ++it) {
    const QString key = stage + ": " + it.value();
    auto entry =
        std::find_if(by_error_.begin(), by_error_.end(), [&](const auto& e) { return e.first == key; });
    if (entry == by_error_.end()) {
      by_error_.append({key, {}});
      entry = by_error_.end() - 1;
    }
    entry->second.append({double(p.width), p.error(it.key().toStdString())});
    // Mean and standard error over the seeds finished so far, per width.
    QMap<double, QList<double>> per_width;
    for (const auto& [w, v] : entry->second) per_width[w] << v;
    QList<QPointF> points;
    QList<double> sigmas;
    for (auto w = per_width.begin(); w != per_width.end(); ++w) {
      double mean = 0, var = 0;
      for (double v : w.value()) mean += v / w.value().size();
      for (double v : w.value())
        var += (v - mean) * (v - mean) / std::max<qsizetype>(1, w.value().size() - 1);
      points << QPointF(w.key(), mean);
      sigmas << (w.value().size() > 1 ? 2 * std::sqrt(var / w.value().size()) : 0.0);  // ±2 standard errors
    }
    width_chart_->setSeries(key, points, sigmas);
  }
  ++width_points_;
  showFits(update.fits);
  Q_EMIT widthPointShown();
}

void PntkPanel::showFits(const std::vector<PntkWidthFit>& fits) {
  QStringList lines;
  for (const auto& f : fits) {
    const QString error = QString::fromStdString(f.error);
    if (!error_names().contains(error) || f.min_width != 0) continue;  // the fits over every width
    const QString key = QString::fromStdString(f.stage) + ": " + error_names()[error];
    lines << QString("%1: slope %2 [95% CI %3, %4]")
                 .arg(key, pntk_number(f.fit.slope), pntk_number(f.fit.ci_low), pntk_number(f.fit.ci_high));
    // The fitted line across the widths measured so far.
    double lo = 1e300, hi = 0;
    for (const auto& e : by_error_)
      if (e.first == key)
        for (const auto& [w, value] : e.second) lo = std::min(lo, w), hi = std::max(hi, w);
    if (hi > lo) {
      const double a = f.fit.intercept, b = f.fit.slope;
      // Dashed in its data's colour, without a legend entry of its own.
      width_chart_->setOverlay(key + " · fit",
                               {QPointF(lo, std::pow(10, a + b * std::log10(lo))),
                                QPointF(hi, std::pow(10, a + b * std::log10(hi)))},
                               key, false);
    }
  }
  if (!lines.isEmpty()) fits_->setText("Fitted log-log slopes (theory −1/2): " + lines.join("; "));
}

QString PntkPanel::summaryText() const { return summary_->text() + "\n" + fits_->text(); }

QString PntkPanel::exportAll(const QString& dir) const {
  QStringList errors;
  if (!QDir(dir).exists()) return "the folder '" + dir + "' does not exist";
  for (const char* ext : {".png", ".svg"}) {
    const QString err = width_chart_->exportTo(dir + "/pntk_width" + ext);
    if (!err.isEmpty()) errors << err;
  }
  // The results as the command-line tool's --json writes them (docs/FORMATS.md).
  if (const PntkResult* k = lastKernels()) {
    for (auto [map, name] :
         {std::pair{pntk_map_, "/pntk_heatmap.png"}, std::pair{entk_map_, "/entk_heatmap.png"}}) {
      const QString err = map->exportTo(dir + name);
      if (!err.isEmpty()) errors << err;
    }
    write_text_noting(dir + "/pntk.json", QString::fromStdString(json_text(to_json(*k))) + "\n", errors);
  }
  if (const PntkWidthResult* w = lastWidth())
    write_text_noting(dir + "/pntk_width.json", QString::fromStdString(json_text(to_json(*w))) + "\n",
                      errors);
  return errors.join("\n");
}

}  // namespace ts::ui
