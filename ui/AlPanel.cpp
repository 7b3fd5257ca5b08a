#include "AlPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMap>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <any>
#include <cmath>
#include <variant>

#include "ChartView.h"
#include "EngineClient.h"
#include "ExportFiles.h"
#include "Notation.h"
#include "SampleGallery.h"
#include "active_learning/AlResultJson.h"
#include "active_learning/LearningCurve.h"
#include "active_learning/StrategyCatalog.h"
#include "core/StudentT.h"
#include "data/DataSourceCatalog.h"
#include "jobs/AlJob.h"
#include "results/ResultJson.h"

namespace ts::ui {

namespace {

QString al_number(double v, int digits = 3) {
  return std::isfinite(v) ? QString::number(v, 'g', digits) : "—";
}

// A model spec that fits the data set (inputs and classes, from the data source catalog), for when the data
// choice changes; the digits model for anything else.
QString model_for(const QString& data) {
  QString kind = data.section(':', 0, 0).trimmed();
  for (const auto& source : data_sources()) {
    if (!source.app_listed || QString::fromStdString(source.kind) != kind) continue;
    int64_t in = 1;
    for (int64_t s : source.shape) in *= s;
    int64_t out = source.classes > 0 ? source.classes : 1;
    for (const QString& kv : data.section(':', 1).split(','))  // classes=K in the spec overrides the default
      if (kv.startsWith("classes=")) out = kv.mid(8).toLongLong();
    const int depth = source.shape.size() == 1 ? 3 : 2;  // a 2-D toy set needs a deeper net to bend
    return QString("mlp:in=%1,width=128,depth=%2,out=%3").arg(in).arg(depth).arg(out);
  }
  return "mlp:in=64,width=128,depth=2,out=10";
}

// The data list: the Active-learning spec of every built-in data set of the catalog that has classes.
QStringList data_choices() {
  QStringList v;
  for (const auto& source : data_sources())
    if (!source.al_example.empty()) v << QString::fromStdString(source.al_example);
  return v;
}

}  // namespace

AlPanel::AlPanel(EngineClient* engine, QWidget* parent) : QWidget(parent), engine_(engine) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QGroupBox(
      "Pool-based active learning: the learner is retrained after every cycle of queries", this);
  createInputs(form);
  layoutForm(form);
  layout->addWidget(form);
  createResults(layout);
  connectSignals();
}

// The settings: data, model, strategies from the catalog, sizes, the learner, the preset.
void AlPanel::createInputs(QGroupBox* form) {
  data_ = new QComboBox(form);
  data_->setObjectName("data");  // sessions key its value by this name
  data_->setEditable(true);
  data_->addItems(data_choices());
  model_ = new QLineEdit(model_for("digits"), form);
  model_->setObjectName("model");  // sessions key its value by this name
  // One item per strategy of the catalog: the display name shown, the name kept as data.
  strategies_ = new QListWidget(form);
  strategies_->setObjectName("strategies");  // sessions key its value by this name
  for (const auto& st : strategy_catalog()) {
    auto* item = new QListWidgetItem(QString::fromStdString(st.label), strategies_);
    item->setData(Qt::UserRole, QString::fromStdString(st.name));
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(st.is_default ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(QString::fromStdString(st.name + ": " + st.summary +
                                            (st.paper.empty() ? "" : " (" + st.paper + ")")));
  }
  strategies_->setToolTip("The query strategies to compare; each item's tooltip says what it queries first");
  strategies_->setMaximumHeight(170);
  strategies_->setMinimumWidth(200);
  auto spin = [form](int lo, int hi, int value, const QString& tip) {
    auto* s = new QSpinBox(form);
    s->setRange(lo, hi);
    s->setValue(value);
    s->setToolTip(tip);
    return s;
  };
  initial_ = spin(1, 100000, 20, "initial labelled set, stratified by class");
  initial_->setObjectName("initial");  // sessions key its value by this name
  query_ = spin(1, 10000, 10, "points queried per cycle");
  query_->setObjectName("query");  // sessions key its value by this name
  cycles_ = spin(1, 200, 10, "query-and-retrain cycles");
  cycles_->setObjectName("cycles");  // sessions key its value by this name
  seeds_ =
      spin(1, 50, 3, "independent runs (seeds seed, seed+1, …); the band is the 95% interval of the mean");
  seeds_->setObjectName("seeds");  // sessions key its value by this name
  pool_ = spin(0, 1000000, 0, "each cycle scores a random subset of this many unlabelled points (0: all)");
  pool_->setObjectName("pool");  // sessions key its value by this name
  pool_->setSpecialValueText("all");
  epochs_ = spin(1, 1000, 30, "training epochs per cycle (custom: Adam, MSE on one-hot labels, batch 32)");
  epochs_->setObjectName("epochs");  // sessions key its value by this name
  kernel_ = new QComboBox(form);
  kernel_->setObjectName("kernel");  // sessions key its value by this name
  kernel_->addItems({"pntk", "entk"});
  kernel_->setToolTip(
      "the look-ahead's kernel: the sum-of-logits pNTK (the published choice) or the full eNTK");
  preset_ = new QComboBox(form);
  preset_->setObjectName("alPreset");
  preset_->addItems({"custom", "published"});
  preset_->setToolTip(
      "published: the set-up of Mohamadi, Bae and Sutherland's code: the pseudo-contrastive objective "
      "against "
      "random, entropy, margin and BADGE; 100 random initial labels, 20 per cycle from 4,000 candidates, 10 "
      "cycles, 6 seeds; the learner trained by SGD (momentum 0.9, weight decay 10⁻⁴, one-cycle schedule to "
      "lr 1.25, 200 epochs, batch 128, MSE) and continued each cycle; a ridge from cycle 6. The fields shown "
      "here override it.");
  sequential_ = new QCheckBox("sequential look-ahead", form);
  sequential_->setObjectName("sequential");  // sessions key its value by this name
  sequential_->setToolTip(
      "MLMOC queries one point at a time; the linearised model learns each answer before the next "
      "query (no SGD between them)");
}

// The settings in a grid of two short rows, so the tab does not widen the window, and the buttons.
void AlPanel::layoutForm(QGroupBox* form) {
  auto* grid = new QGridLayout(form);
  grid->addWidget(new QLabel("data", form), 0, 0);
  grid->addWidget(data_, 0, 1);
  grid->addWidget(new QLabel("model", form), 1, 0);
  grid->addWidget(model_, 1, 1);
  grid->addWidget(strategies_, 0, 2, 5, 1);
  // Two short rows, so the tab does not widen the window.
  auto* numbers = new QHBoxLayout;
  auto* more = new QHBoxLayout;
  for (auto [label, w] : {std::pair<const char*, QWidget*>{"initial", initial_},
                          {"query", query_},
                          {"cycles", cycles_},
                          {"seeds", seeds_}}) {
    numbers->addWidget(new QLabel(label, form));
    numbers->addWidget(w);
  }
  numbers->addStretch();
  for (auto [label, w] : {std::pair<const char*, QWidget*>{"pool", pool_},
                          {"epochs", epochs_},
                          {"kernel", kernel_},
                          {"preset", preset_}}) {
    more->addWidget(new QLabel(label, form));
    more->addWidget(w);
  }
  more->addWidget(sequential_);
  more->addStretch();
  grid->addLayout(numbers, 2, 0, 1, 2);
  grid->addLayout(more, 3, 0, 1, 2);
  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton("Run", form);
  pause_ = new QPushButton("Pause", form);
  pause_->setCheckable(true);
  pause_->setEnabled(false);
  pause_->setToolTip("stops after the current cycle until resumed");
  cancel_ = new QPushButton("Cancel", form);
  cancel_->setEnabled(false);
  export_ = new QPushButton("Export…", form);
  for (auto* b : {run_, pause_, cancel_, export_}) buttons->addWidget(b);
  buttons->addStretch();
  grid->addLayout(buttons, 4, 0, 1, 2);
  grid->setColumnStretch(1, 1);
}

// The summary, the accuracy chart, and the gallery of queried samples.
void AlPanel::createResults(QVBoxLayout* layout) {
  summary_ = new QLabel("Test accuracy against the number of labels appears here cycle by cycle.", this);
  summary_->setObjectName("alSummary");  // sessions store result labels by name
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(summary_);
  auto* split = new QSplitter(Qt::Horizontal, this);
  chart_ =
      new ChartView("Test accuracy (mean over seeds, 95% Student-t band)", "labels", "test accuracy", split);
  chart_->setObjectName("alAccuracy");  // sessions key charts by name
  chart_->setBandBounds(0, 1);
  auto* right = new QWidget(split);
  auto* rl = new QVBoxLayout(right);
  rl->setContentsMargins(0, 0, 0, 0);
  auto* gl = new QHBoxLayout;
  gl->addWidget(new QLabel("queried samples of", right));
  gallery_strategy_ = new QComboBox(right);
  gallery_strategy_->setObjectName("gallery_strategy");
  gallery_strategy_->setProperty("notInSession", true);  // the session's al_gallery.strategy holds it
  gl->addWidget(gallery_strategy_, 1);
  rl->addLayout(gl);
  gallery_ = new SampleGallery(right);
  rl->addWidget(gallery_, 1);
  detail_ = new QLabel("Click a queried sample for its outputs and predicted output change.", right);
  detail_->setObjectName("alDetail");  // sessions store result labels by name
  detail_->setWordWrap(true);
  detail_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  rl->addWidget(detail_);
  split->addWidget(chart_);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({600, 400});  // the chart the wider part (by the sizes' ratio, at any width)
  layout->addWidget(split, 1);
}

void AlPanel::connectSignals() {
  connect(data_, &QComboBox::currentTextChanged, this,
          [this](const QString& d) { model_->setText(model_for(d)); });
  // Choosing the preset fills the fields it fixes; the learner's optimiser and schedule, which have no field
  // here, come from it at Run.
  connect(preset_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (name == "custom") return;
    AlRequest job;
    apply_al_preset(name.toStdString(), job);
    QStringList strategies;
    for (const auto& st : job.strategies) strategies << QString::fromStdString(st);
    setConfig(model_->text(), data_->currentText(), strategies, int(job.initial), int(job.query), job.cycles,
              job.seeds, int(job.pool_subset));
    epochs_->setValue(job.training.epochs);
    kernel_->setCurrentText(QString::fromStdString(job.kernel));
    sequential_->setChecked(job.sequential);
  });
  connect(run_, &QPushButton::clicked, this, &AlPanel::run);
  connect(pause_, &QPushButton::toggled, this, &AlPanel::setPaused);
  connect(cancel_, &QPushButton::clicked, this, [this] {
    setPaused(false);
    engine_->cancel();
  });
  connect(export_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Export the active-learning results into");
    if (dir.isEmpty()) return;
    const QString err = export_set(
        dir, [this](const QString& stage) { return exportAll(stage); }, false);
    detail_->setText(err.isEmpty() ? "Exported into " + dir : "Export failed: " + err);
  });
  connect(gallery_strategy_, &QComboBox::currentTextChanged, this, [this] { showGallery(); });
  connect(gallery_, &SampleGallery::sampleSelected, this, &AlPanel::showSample);
  // Each cycle as the engine publishes it; other tabs' jobs are ignored.
  connect(engine_, &EngineClient::partialResult, this, [this](const QString& kind, const PartialResult& p) {
    if (kind != "al" || p.kind != "al-cycle" || !pending_) return;
    onCycle(std::any_cast<const AlCycle&>(p.value));
  });
  connect(engine_, &EngineClient::jobFinished, this, &AlPanel::onJobFinished);
  connect(engine_, &EngineClient::failed, this, &AlPanel::onFailed);
  connect(engine_, &EngineClient::cancelled, this, [this] {
    if (!pending_) return;
    pending_ = false;
    run_->setEnabled(true);
    pause_->setEnabled(false);
    cancel_->setEnabled(false);
    summary_->setText(summary_->text() + " — cancelled");
  });
}

void AlPanel::setConfig(const QString& model, const QString& data, const QStringList& strategies, int initial,
                        int query, int cycles, int seeds, int pool_subset) {
  data_->setCurrentText(data);
  model_->setText(model);
  for (int i = 0; i < strategies_->count(); ++i)
    strategies_->item(i)->setCheckState(
        strategies.contains(strategies_->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked
                                                                                 : Qt::Unchecked);
  initial_->setValue(initial);
  query_->setValue(query);
  cycles_->setValue(cycles);
  seeds_->setValue(seeds);
  pool_->setValue(pool_subset);
}

void AlPanel::setPaused(bool paused) {
  // The engine holds whatever job it runs at its pause points: touch it only while it runs this tab's.
  if (pending_ && engine_->currentKind() == "al") engine_->setPaused(paused);
  if (pause_->isChecked() != paused) pause_->setChecked(paused);
  pause_->setText(paused ? "Resume" : "Pause");
}

bool AlPanel::paused() const { return pause_->isChecked(); }

AlRequest AlPanel::request() const {
  AlRequest job;
  if (preset_->currentText() != "custom") apply_al_preset(preset_->currentText().toStdString(), job);
  job.model = model_->text().trimmed().toStdString();
  job.data = data_->currentText().trimmed().toStdString();
  job.strategies.clear();
  for (int i = 0; i < strategies_->count(); ++i)
    if (strategies_->item(i)->checkState() == Qt::Checked)
      job.strategies.push_back(strategies_->item(i)->data(Qt::UserRole).toString().toStdString());
  job.initial = initial_->value();
  job.query = query_->value();
  job.cycles = cycles_->value();
  job.seeds = seeds_->value();
  job.pool_subset = pool_->value();
  job.training.epochs = epochs_->value();
  job.kernel = kernel_->currentText().toStdString();
  job.sequential = sequential_->isChecked();
  job.compute.threads = 1;  // measured fastest here for these small models (docs/PERFORMANCE.md)
  return job;
}

void AlPanel::run() {
  const AlRequest job = request();
  try {
    validate_al_job(job);
  } catch (const std::exception& e) {
    summary_->setText(QString("Error: ") + e.what());
    return;
  }
  setPaused(false);
  rows_.clear();
  cycles_shown_ = 0;
  result_.reset();
  chart_->clearAll();
  chart_->setProvenanceJson(json_text(to_json(job)));  // the run's configuration, into its exported files
  gallery_->clear();
  gallery_strategy_->clear();
  for (const auto& s : job.strategies)  // shown by display name, kept by code name
    gallery_strategy_->addItem(displayName(QString::fromStdString(s)), QString::fromStdString(s));
  // The look-ahead's queries carry their predicted change: show those first when it runs.
  for (const auto& s : job.strategies)
    if (s.rfind("mlmoc", 0) == 0)
      gallery_strategy_->setCurrentIndex(gallery_strategy_->findData(QString::fromStdString(s)));
  pending_ = true;
  run_->setEnabled(false);
  pause_->setEnabled(true);
  cancel_->setEnabled(true);
  summary_->setText(QString("Running %1 strategies × %2 seeds × %3 cycles…")
                        .arg(job.strategies.size())
                        .arg(job.seeds)
                        .arg(job.cycles));
  // Cycles arrive as partial results ("al-cycle"); Pause holds the run between them
  // (EngineClient::setPaused).
  engine_->submitJob("al", [job](const RunControl& rc) { return run_al_job(job, rc); });
  Q_EMIT jobStarted("Active learning…");
}

void AlPanel::onCycle(const AlCycle& row) {
  rows_.push_back(row);
  ++cycles_shown_;
  redraw();
  Q_EMIT cycleShown();
}

void AlPanel::redraw() {
  // Per strategy and cycle: mean test accuracy over the seeds so far and its 95% Student-t interval, the
  // same as bench al-ablation's and docs/RESULTS.md's (core/StudentT.h).
  QMap<QString, QMap<int, QList<QPair<double, double>>>> acc;  // strategy → cycle → (labels, accuracy)
  QMap<QString, QMap<uint64_t, QList<QPointF>>> curves;        // strategy → seed → (labels, accuracy)
  QMap<QString, QList<double>> seconds;
  for (const auto& r : rows_) {
    const QString strategy = QString::fromStdString(r.strategy);
    acc[strategy][r.cycle] << qMakePair(double(r.labels), r.test_accuracy);
    curves[strategy][r.seed] << QPointF(double(r.labels), r.test_accuracy);
    if (r.cycle > 0) seconds[strategy] << r.seconds;
  }
  QStringList summary;
  for (auto s = acc.begin(); s != acc.end(); ++s) {
    QList<QPointF> points;
    QList<double> half_widths;
    for (auto c = s.value().begin(); c != s.value().end(); ++c) {
      std::vector<double> a;
      double labels = 0;
      for (const auto& [l, v] : c.value()) a.push_back(v), labels += l / c.value().size();
      const MeanInterval m = t_interval(a);
      points << QPointF(labels, m.mean);
      half_widths << m.half_width;
    }
    chart_->setSeries(s.key(), points, half_widths);
    // AUC per seed (the trapezoidal mean accuracy over its label range) over the seeds whose curve is
    // complete so far, as the report's.
    std::vector<double> aucs;
    for (const auto& curve : curves[s.key()]) {
      if (curve.size() != points.size() || curve.size() < 2) continue;
      std::vector<double> labels, accuracy;
      for (const QPointF& p : curve) labels.push_back(p.x()), accuracy.push_back(p.y());
      aucs.push_back(learning_curve_auc(labels, accuracy));
    }
    const MeanInterval auc = t_interval(aucs);
    double t = 0;
    for (double v : seconds[s.key()]) t += v / seconds[s.key()].size();
    const QString auc_text =
        auc.n == 0 ? QString("—")
                   : al_number(auc.mean) + (auc.n > 1 ? " ± " + al_number(auc.half_width, 2) : QString());
    summary << QString("<b>%1</b>: accuracy %2 ± %3 at %4 labels, AUC %5 (%6 seeds), %7 s per cycle")
                   .arg(s.key(), al_number(points.back().y()), al_number(half_widths.back(), 2),
                        al_number(points.back().x(), 5), auc_text, QString::number(auc.n), al_number(t, 2));
  }
  if (!summary.isEmpty()) summary << "± : 95% Student-t intervals over seeds";
  summary_->setText(summary.join("; "));
  showGallery();
}

void AlPanel::showSample(const AlQuery& q) {
  auto vec = [](const std::vector<double>& a) {
    QStringList s;
    for (double v : a) s << QString::number(v, 'f', 2);
    return "[" + s.join(", ") + "]";
  };
  QString text = QString("Sample #%1: true label %2, pseudo-label %3, score %4.")
                     .arg(qlonglong(q.index))
                     .arg(qlonglong(q.true_label))
                     .arg(qlonglong(q.pseudo_label))
                     .arg(al_number(q.score, 4));
  if (q.output) text += "<br>f_L(x′) = " + vec(*q.output);
  if (q.predicted_change)
    text += "<br>predicted mean change of the pool's outputs if labelled ŷ: " + vec(*q.predicted_change);
  else
    text += "<br>(the predicted output change is computed by the mlmoc strategies)";
  detail_->setText(text);
}

void AlPanel::onJobFinished(const QString& kind, const JobResultPtr& result) {
  if (kind != "al" || !pending_) return;
  pending_ = false;
  if (const AlResult* r = result ? std::get_if<AlResult>(result.get()) : nullptr)
    result_ = std::shared_ptr<const AlResult>(result, r);  // shares the engine's result, no copy
  run_->setEnabled(true);
  pause_->setEnabled(false);
  cancel_->setEnabled(false);
  Q_EMIT runFinished();
}

void AlPanel::onFailed(const QString& message) {
  if (!pending_) return;
  pending_ = false;
  run_->setEnabled(true);
  pause_->setEnabled(false);
  cancel_->setEnabled(false);
  summary_->setText("Error: " + message);
}

QString AlPanel::summaryText() const { return summary_->text(); }
QString AlPanel::detailText() const { return detail_->text(); }

QString AlPanel::exportAll(const QString& dir) const {
  if (!QDir(dir).exists()) return "the folder '" + dir + "' does not exist";
  QStringList errors;
  for (const char* ext : {".png", ".svg"}) {
    const QString err = chart_->exportTo(dir + "/al_accuracy" + ext);
    if (!err.isEmpty()) errors << err;
  }
  const QString g = gallery_->exportTo(dir + "/al_gallery.png");
  if (!g.isEmpty()) errors << g;
  if (!rows_.empty()) {
    QString csv = "strategy,seed,cycle,labels,test_accuracy,test_loss,seconds\n";
    for (const auto& r : rows_)
      csv += QString("%1,%2,%3,%4,%5,%6,%7\n")
                 .arg(QString::fromStdString(r.strategy))
                 .arg(qulonglong(r.seed))
                 .arg(r.cycle)
                 .arg(qlonglong(r.labels))
                 .arg(r.test_accuracy, 0, 'g', 10)
                 .arg(r.test_loss, 0, 'g', 10)
                 .arg(r.seconds, 0, 'g', 6);
    write_text_noting(dir + "/al_curves.csv", csv, errors);
  }
  if (result_)
    write_text_noting(dir + "/al.json", QString::fromStdString(json_text(to_json(*result_))) + "\n", errors);
  return errors.join("\n");
}

}  // namespace ts::ui
