#include "LayersPanel.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>

#include "EngineClient.h"
#include "ExportFiles.h"
#include "Notation.h"
#include "ProblemCaption.h"
#include "RichText.h"
#include "catalog/CommandCatalog.h"
#include "core/Numbers.h"
#include "estimators/EstimatorRegistry.h"
#include "results/ResultJson.h"

namespace ts::ui {

namespace {

QString layer_number(double v, int digits = 4) {
  return std::isfinite(v) ? QString::number(v, 'g', digits) : "—";
}
QString layer_number(const std::optional<double>& v, int digits = 4) {
  return v ? layer_number(*v, digits) : "—";
}

}  // namespace

LayersPanel::LayersPanel(EngineClient* engine, std::function<ts::ProblemSpec()> problem, QWidget* parent)
    : QWidget(parent), engine_(engine), problem_(std::move(problem)) {
  auto* layout = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  estimator_ = new QComboBox(this);
  estimator_->setObjectName("estimator");  // sessions key its value by this name
  {  // the estimators `layers` takes (its entry of the command catalog), its default first
    const CommandInfo& layers = find_command("layers");
    const OptionInfo& option = find_option("estimator");
    const std::string def = option_default(layers, option);
    estimator_->addItem(QString::fromStdString(def));
    for (const auto& e : option_choices(layers, option))
      if (e != def) estimator_->addItem(QString::fromStdString(e));
  }
  estimator_->setToolTip(
      "hutchpp: Hutch++ (Meyer, Musco, Musco, Woodruff) with every quadratic form split by layer; "
      "hutchinson: "
      "plain probes; exact: d VJPs.\nThe layers' estimates sum to the estimate of tr K by the same probes.");
  matvecs_ = new QSpinBox(this);
  matvecs_->setObjectName("matvecs");  // sessions key its value by this name
  matvecs_->setRange(int(find_estimator("hutchpp").min_calibrated_budget), 100000);
  matvecs_->setValue(int(LayerTraceOptions{}.matvecs));  // as `layers` on the command line
  matvecs_->setPrefix("m = ");
  matvecs_->setToolTip("test vectors (the budget), as on the main form");
  exact_ = new QCheckBox("exact values", this);
  exact_->setObjectName("exact");  // sessions key its value by this name
  exact_->setToolTip(
      "Exact tr K_g, and ‖K_g‖_F, r_eff(K_g) and cos(K_g, K): builds J and every K_g = J_g J_gᵀ when they "
      "fit "
      "the memory budget; else exact traces by d VJPs");
  groups_ = new QLineEdit(this);
  groups_->setObjectName("groups");  // sessions key its value by this name
  groups_->setPlaceholderText("groups: one per module, or name prefixes (conv1;layer1;fc)");
  run_ = new QPushButton("Compute per-layer traces", this);
  auto* exp = new QPushButton("Export…", this);
  auto* estimator_label = new QLabel("Estimator:", this);
  estimator_label->setBuddy(estimator_);
  row->addWidget(estimator_label);
  for (QWidget* w : {static_cast<QWidget*>(estimator_), static_cast<QWidget*>(matvecs_),
                     static_cast<QWidget*>(exact_), static_cast<QWidget*>(groups_)})
    row->addWidget(w);
  layout->addLayout(row);
  auto* buttons = new QHBoxLayout;  // a row of their own: the settings row fits a 1280-pixel window
  buttons->addWidget(run_);
  buttons->addWidget(exp);
  buttons->addStretch(1);
  layout->addLayout(buttons);
  summary_ = new QLabel("tr K_g for every layer of the model on the main form's batch", this);
  summary_->setObjectName("layersSummary");  // sessions store result labels by name
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  auto* chart = new QChart;
  chart->setTitle("Share of tr K per layer (%)");
  chart->legend()->hide();
  chart_ = new QChartView(chart, this);
  chart_->setRenderHint(QPainter::Antialiasing);
  chart_->setMinimumHeight(220);
  layout->addWidget(chart_, 2);
  table_ = new QTableWidget(0, 9, this);
  table_->setObjectName("layersTable");  // sessions key tables by name
  table_->setHorizontalHeaderLabels(
      {"layer", "P_g", "tr K_g", "± (2σ)", "share", "exact", "‖K_g‖_F", "r_eff", "cos(K_g, K)"});
  table_->setHorizontalHeader(new RichHeader(Qt::Horizontal, table_));  // K_g, ‖K_g‖_F, r_eff typeset
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(table_, 1);
  caption_ = new ProblemCaption("layersCaption", this);
  layout->addWidget(caption_);
  connectSignals(exp);
}

// Run, Export, and the engine's replies: the bars fill in while the probes run; a stop names why.
void LayersPanel::connectSignals(QPushButton* exp) {
  connect(run_, &QPushButton::clicked, this, &LayersPanel::compute);
  connect(exp, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Export the per-layer traces into");
    if (dir.isEmpty()) return;
    const QString err = export_set(
        dir, [this](const QString& stage) { return exportAll(stage); }, false);
    summary_->setText(err.isEmpty() ? "Exported into " + dir : "Export failed: " + err);
  });
  connect(engine_, &EngineClient::partialResult, this, [this](const QString& kind, const PartialResult& p) {
    if (kind != "layers" || !pending_ || p.kind != "layer-traces") return;
    if (const auto* t = std::any_cast<LayerTraces>(&p.value)) {
      ++live_updates_;
      show(*t, false);
    }
  });
  connect(engine_, &EngineClient::jobFinished, this, [this](const QString& kind, const JobResultPtr& result) {
    if (kind != "layers" || !pending_) return;
    pending_ = false;
    run_->setEnabled(true);
    if (const auto* r = std::get_if<LayersResult>(result.get())) {
      result_ = result;
      show(r->traces, true);
      summary_->setText(summaryText());
      caption_->setProblem(r->request.problem);
      Q_EMIT layersShown();
    }
  });
  auto stop = [this](const QString& message) {
    if (!pending_) return;
    pending_ = false;
    run_->setEnabled(true);
    summary_->setText(message);
  };
  connect(engine_, &EngineClient::failed, this, [stop](const QString& m) { stop("Error: " + m); });
  connect(engine_, &EngineClient::cancelled, this, [stop] { stop("Cancelled"); });
}

void LayersPanel::setOptions(const QString& estimator, int matvecs, bool exact, const QString& groups) {
  estimator_->setCurrentText(estimator);
  matvecs_->setValue(matvecs);
  exact_->setChecked(exact);
  groups_->setText(groups);
}

void LayersPanel::compute() {
  LayersRequest job;
  job.problem = problem_();
  job.options.method = estimator_->currentText().toStdString();
  job.options.matvecs = matvecs_->value();
  job.options.seed = job.problem.compute.seed;
  job.options.compare_exact = exact_->isChecked();
  job.options.groups = groups_->text().trimmed().toStdString();
  pending_ = true;
  live_updates_ = 0;
  run_->setEnabled(false);
  summary_->setText("Estimating the per-layer traces…");
  engine_->submitJob("layers", [job](const RunControl& rc) { return run_layers_job(job, rc); });
  Q_EMIT jobStarted("Estimating the per-layer traces…");
}

const LayersResult* LayersPanel::lastResult() const {
  return result_ ? std::get_if<LayersResult>(result_.get()) : nullptr;
}

int LayersPanel::barCount() const {
  const auto series = chart_->chart()->series();
  if (series.isEmpty()) return 0;
  const auto* bars = static_cast<QHorizontalBarSeries*>(series.first());
  return bars->barSets().isEmpty() ? 0 : static_cast<int>(bars->barSets().first()->count());
}

LayersPanel::Bars LayersPanel::bars() const {
  Bars b;
  const auto series = chart_->chart()->series();
  if (series.isEmpty()) return b;
  const auto* bars = static_cast<QHorizontalBarSeries*>(series.first());
  if (!bars->barSets().isEmpty())
    for (int i = 0; i < bars->barSets().first()->count(); ++i) b.shares << bars->barSets().first()->at(i);
  for (auto* axis : chart_->chart()->axes()) {
    if (auto* cat = qobject_cast<QBarCategoryAxis*>(axis)) b.names = cat->categories();
    if (auto* v = qobject_cast<QValueAxis*>(axis)) b.axis_title = v->titleText();
  }
  b.errors = errors_;
  return b;
}

void LayersPanel::setBars(const Bars& b) {
  errors_ = b.errors;
  QChart* chart = chart_->chart();
  chart->removeAllSeries();
  for (auto* axis : chart->axes()) {
    chart->removeAxis(axis);
    delete axis;
  }
  if (b.shares.isEmpty()) return;
  auto* set = new QBarSet("share of tr K (%)");
  for (double v : b.shares) *set << v;
  auto* series = new QHorizontalBarSeries;
  series->append(set);
  chart->addSeries(series);
  auto* y = new QBarCategoryAxis;
  y->append(b.names);
  auto* x = new QValueAxis;
  x->setTitleText(b.axis_title);
  x->setLabelFormat("%.0f");
  double top = 0;
  for (double v : b.shares) top = std::max(top, v);
  x->setRange(0, std::max(1.0, std::ceil(top / 10) * 10));
  chart->addAxis(y, Qt::AlignLeft);
  chart->addAxis(x, Qt::AlignBottom);
  series->attachAxis(y);
  series->attachAxis(x);
  // ±2σ on each bar: a whisker across its end (the category axis puts bar i at y = i).
  for (int i = 0; i < b.errors.size() && i < b.shares.size(); ++i) {
    if (!(b.errors[i] > 0)) continue;
    auto* whisker = new QLineSeries;
    whisker->setName("±2σ");
    const double lo = std::max(0.0, b.shares[i] - b.errors[i]), hi = b.shares[i] + b.errors[i];
    for (const QPointF& p : {QPointF(lo, i - 0.12), QPointF(lo, i + 0.12), QPointF(lo, i), QPointF(hi, i),
                             QPointF(hi, i - 0.12), QPointF(hi, i + 0.12)})
      whisker->append(p);
    QPen pen(chart->theme() == QChart::ChartThemeDark ? QColor(235, 235, 235) : QColor(20, 20, 20));
    pen.setWidthF(1.5);
    whisker->setPen(pen);
    chart->addSeries(whisker);
    whisker->attachAxis(x);
    whisker->attachAxis(y);
    top = std::max(top, hi);
  }
  x->setRange(0, std::max(1.0, std::ceil(top / 10) * 10));
}

void LayersPanel::show(const LayerTraces& t, bool final) {
  // Bottom to top in a horizontal bar chart: list the layers in reverse so the first is on top.
  Bars b;
  for (auto it = t.layers.rbegin(); it != t.layers.rend(); ++it) {
    b.shares << 100.0 * it->share;
    b.errors << (it->std_error && t.total > 0 ? 100.0 * 2 * *it->std_error / t.total : 0.0);
    b.names << QString::fromStdString(it->name);
  }
  b.axis_title = final ? "share of tr K (%)" : "share of tr K (%), running";
  setBars(b);
  table_->setRowCount(static_cast<int>(t.layers.size()));
  for (int i = 0; i < static_cast<int>(t.layers.size()); ++i) {
    const LayerTrace& l = t.layers[static_cast<size_t>(i)];
    const QStringList cells{QString::fromStdString(l.name),
                            QString::number(l.size),
                            atPlaceOf(l.trace, twoSigma(l.std_error)),  // to the place its error supports
                            l.std_error ? number(2 * *l.std_error, 2) : "—",
                            layer_number(100 * l.share, 3) + "%",
                            atPlaceOf(l.exact, twoSigma(l.std_error)),
                            layer_number(l.frobenius),
                            layer_number(l.effective_rank),
                            layer_number(l.alignment)};
    for (int c = 0; c < cells.size(); ++c) table_->setItem(i, c, new QTableWidgetItem(cells[c]));
    table_->item(i, 2)->setToolTip(QString::number(l.trace, 'g', 17));  // full precision (also in the CSV)
    if (l.exact) table_->item(i, 5)->setToolTip(QString::number(*l.exact, 'g', 17));
  }
}

QString LayersPanel::summaryText() const {
  const LayersResult* r = lastResult();
  if (!r) return summary_->text();
  const LayerTraces& t = r->traces;
  QString s = QString("d = %1, P = %2: tr K ≈ %3").arg(r->d).arg(r->params).arg(layer_number(t.total, 8));
  if (t.total_std_error && *t.total_std_error > 0)
    s += " ± " + layer_number(2 * *t.total_std_error, 3) + " (2σ)";
  if (t.exact_total) s += "; exact " + layer_number(*t.exact_total, 8);
  s += QString(" in %1 s (%2, %3 test vectors, %4 VJPs, %5 JVPs); %6 layers")
           .arg(layer_number(t.seconds, 3), QString::fromStdString(t.method))
           .arg(t.matvecs)
           .arg(t.vjps)
           .arg(t.jvps)
           .arg(t.layers.size());
  if (!t.exact_note.empty()) s += "\n" + QString::fromStdString(t.exact_note);
  return s;
}

QString LayersPanel::exportAll(const QString& dir) const {
  const LayersResult* r = lastResult();
  if (!r) return {};
  if (!QDir(dir).exists()) return "the folder '" + dir + "' does not exist";
  QStringList errors;
  const QString err = save_widget_png(chart_, dir + "/layers.png");
  if (!err.isEmpty()) errors << err;
  QString csv = "layer,params,trace,std_error,share,exact,frobenius,effective_rank,alignment\n";
  auto cell = [](const std::optional<double>& v) {
    return v ? QString::fromStdString(format_number(*v, 17)) : QString();
  };
  for (const auto& l : r->traces.layers)
    csv += QString("\"%1\",%2,%3,%4,%5,%6,%7,%8,%9\n")
               .arg(QString::fromStdString(l.name).replace('"', "\"\""))
               .arg(l.size)
               .arg(cell(l.trace), cell(l.std_error), cell(l.share), cell(l.exact), cell(l.frobenius),
                    cell(l.effective_rank), cell(l.alignment));
  write_text_noting(dir + "/layers.csv", csv, errors);
  write_text_noting(dir + "/layers.json", QString::fromStdString(json_text(to_json(*r))) + "\n", errors);
  return errors.join("\n");
}

}  // namespace ts::ui
