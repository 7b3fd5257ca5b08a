#include "EstimatorPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStandardItemModel>

#include <algorithm>

#include "OptionTips.h"
#include "core/Runtime.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/CompareJob.h"
#include "jobs/Jobs.h"
#include "jobs/RunPlanning.h"

namespace ts::ui {

EstimatorPanel::EstimatorPanel(QWidget* parent) : QGroupBox("Estimators", parent) {
  auto* ef = new QFormLayout(this);
  methods_ = new QListWidget(this);
  for (const auto& e : estimator_registry()) {  // names, defaults and tooltips from the one estimator table
    // The name a person reads (Hutch++); the code name (hutchpp) is the item's data, for the engine and
    // files.
    auto* item = new QListWidgetItem(QString::fromStdString(e.label), methods_);
    item->setData(Qt::UserRole, QString::fromStdString(e.name));
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(e.app_default ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(QString::fromStdString(e.label + ": " + e.summary + "\n" + e.paper +
                                            "\nCommand line: --estimator " + e.name));
  }
  methods_->setMinimumHeight(6 * methods_->sizeHintForRow(0) + 2 * methods_->frameWidth());
  methods_->setMaximumHeight(methods_->minimumHeight());
  methods_->setToolTip("Tick the estimators to compare; each gets its own series in every chart");
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setRange(8, 768);                           // raised to the ticked estimators' calibrated minimum
  slider_->setValue(int(EstimatorOptions{}.matvecs));  // the engine's default budget, as on the command line
  slider_->setToolTip("Matvec budget m: moving it re-runs the comparison and cancels the stale run");
  matvecs_ = new QSpinBox(this);
  matvecs_->setRange(8, 100000);
  matvecs_->setValue(int(EstimatorOptions{}.matvecs));
  matvecs_->setToolTip(optionTip("matvecs", "The budget m each estimator may use."));
  auto* budget_row = new QHBoxLayout;
  budget_row->addWidget(slider_, 1);
  budget_row->addWidget(matvecs_);
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1000000);
  seed_->setToolTip(
      optionTip("seed", "Seeds every random draw: the same seed gives the same numbers on the CPU."));
  dtype_ = new QComboBox(this);
  dtype_->addItems({"float64", "float32"});
  dtype_->setToolTip(optionTip("dtype"));
  device_ = new QComboBox(this);
  device_->addItems({"cpu", "cuda"});
  device_->setToolTip(optionTip("device", "CUDA is offered where this LibTorch sees a GPU."));
  if (!cuda_available()) {  // offered only where this LibTorch sees a GPU
    auto* model = qobject_cast<QStandardItemModel*>(device_->model());
    if (model) model->item(1)->setEnabled(false);
    device_->setItemData(1, "no CUDA device is visible to this LibTorch", Qt::ToolTipRole);
  }
  tol_ = new QDoubleSpinBox(this);
  tol_->setDecimals(5);
  tol_->setRange(0, 0.5);
  tol_->setSingleStep(0.001);
  tol_->setSpecialValueText("off (fixed budget)");
  tol_->setToolTip(optionTip("tol", "The budget doubles until then (at most 16 m)."));
  repeats_ = new QSpinBox(this);
  repeats_->setRange(1, 50);
  repeats_->setToolTip(optionTip("repeats", "Here: the seeds per budget of the speed–accuracy sweep."));
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 64);
  threads_->setSpecialValueText("default");
  threads_->setToolTip(optionTip("threads", "Small models run fastest on one (docs/PERFORMANCE.md)."));
  cost_ = new QLabel(this);
  cost_->setWordWrap(true);
  cost_->setToolTip(
      "VJPs and JVPs each method will spend, and the time they took per product on the last run");
  exact_ = new QCheckBox("exact trace (errors, speed chart)", this);
  exact_->setChecked(true);
  exact_->setToolTip(optionTip("exact", "tr K = Σ‖Jᵀeᵢ‖² by the cheaper of d VJPs and P JVPs."));
  ef->addRow("Methods", methods_);
  ef->addRow("Budget m", budget_row);
  ef->addRow("Seed", seed_);
  ef->addRow("Precision", dtype_);
  ef->addRow("Device", device_);
  ef->addRow("", exact_);
  ef->addRow("Tolerance", tol_);
  ef->addRow("Sweep repeats", repeats_);
  ef->addRow("Threads", threads_);
  ef->addRow("Cost", cost_);
  connect(methods_, &QListWidget::itemChanged, this, &EstimatorPanel::updateCost);
  connect(matvecs_, qOverload<int>(&QSpinBox::valueChanged), this, &EstimatorPanel::updateCost);
  connect(slider_, &QSlider::valueChanged, this, [this](int v) {
    matvecs_->setValue(v);
    Q_EMIT budgetMoved();
  });
  connect(methods_, &QListWidget::itemChanged, this, &EstimatorPanel::settingsChanged);
  for (QSpinBox* box : {matvecs_, seed_, repeats_, threads_})
    connect(box, qOverload<int>(&QSpinBox::valueChanged), this, &EstimatorPanel::settingsChanged);
  for (QComboBox* box : {dtype_, device_})
    connect(box, &QComboBox::currentTextChanged, this, &EstimatorPanel::settingsChanged);
  connect(exact_, &QCheckBox::toggled, this, &EstimatorPanel::settingsChanged);
  connect(tol_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &EstimatorPanel::settingsChanged);
  updateCost();
}

void EstimatorPanel::fill(CompareRequest& job) const {
  job.problem.compute.dtype = dtype_->currentText().toStdString();
  job.problem.compute.device = device_->currentText().toStdString();
  job.problem.compute.threads = threads_->value();
  job.estimator.matvecs = matvecs_->value();
  job.estimator.seed = static_cast<uint64_t>(seed_->value());
  job.estimator.tol = tol_->value();
  job.estimator.max_matvecs = 16 * static_cast<int64_t>(matvecs_->value());
  job.sweep_repeats = repeats_->value();
  job.methods.clear();
  for (const auto& m : methods()) job.methods.push_back(m.toStdString());
  job.exact = exact_->isChecked();
}

EstimatorSettings EstimatorPanel::settings() const {
  EstimatorSettings s;
  s.methods = methods();
  s.matvecs = matvecs_->value();
  s.seed = seed_->value();
  s.dtype = dtype_->currentText();
  s.device = device_->currentText();
  s.exact = exact_->isChecked();
  s.tol = tol_->value();
  s.repeats = repeats_->value();
  s.threads = threads_->value();
  return s;
}

void EstimatorPanel::apply(const EstimatorSettings& s) {
  const QSignalBlocker block(slider_);  // showing settings is not a request to re-run
  setMethods(s.methods);
  applyBudgetMinimum();
  slider_->setValue(s.matvecs);
  matvecs_->setValue(s.matvecs);
  seed_->setValue(s.seed);
  dtype_->setCurrentText(s.dtype);
  device_->setCurrentText(s.device);
  exact_->setChecked(s.exact);
  tol_->setValue(s.tol);
  repeats_->setValue(s.repeats);
  threads_->setValue(s.threads);
  updateCost();
}

QStringList EstimatorPanel::methods() const {
  QStringList out;
  for (int i = 0; i < methods_->count(); ++i)
    if (methods_->item(i)->checkState() == Qt::Checked)
      out << methods_->item(i)->data(Qt::UserRole).toString();
  return out;
}

void EstimatorPanel::setMethods(const QStringList& methods) {
  for (int i = 0; i < methods_->count(); ++i)
    methods_->item(i)->setCheckState(
        methods.contains(methods_->item(i)->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
}

int EstimatorPanel::seed() const { return seed_->value(); }
void EstimatorPanel::setExact(bool exact) { exact_->setChecked(exact); }

void EstimatorPanel::learnCosts(const CompareResult& r) {
  double products = 0, seconds = 0;
  for (const auto& run : r.runs) {
    products += double(run.estimate.vjps + run.estimate.jvps);
    seconds += run.estimate.product_seconds;  // the dense algebra is predicted apart
  }
  if (products > 0) seconds_per_product_ = seconds / products;
  for (const auto& run : r.runs) {
    const TraceEstimate& e = run.estimate;
    const double predicted = predicted_dense_seconds_of(e);
    if (predicted > 1e-3)
      dense_factor_[QString::fromStdString(e.method)] =
          std::max(0.0, e.seconds - e.product_seconds) / predicted;
  }
  last_d_ = r.d;
  last_params_ = r.params;
  updateCost();
}

void EstimatorPanel::applyBudgetMinimum() {
  // No budget below the ticked estimators' calibrated minimum (their error bars would not hold).
  std::vector<std::string> names;
  for (const auto& m : methods()) names.push_back(m.toStdString());
  const int lowest = static_cast<int>(min_calibrated_budget(names));
  if (matvecs_->minimum() != lowest) {
    slider_->setMinimum(lowest);
    matvecs_->setMinimum(lowest);
  }
}

void EstimatorPanel::updateCost() {
  applyBudgetMinimum();
  QStringList parts;
  int64_t total = 0;
  double dense = 0, worst_dense = 0;
  QString worst;
  for (const auto& m : methods()) {
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

}  // namespace ts::ui
