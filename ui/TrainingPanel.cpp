#include "TrainingPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMap>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

#include "ChartView.h"
#include "EngineClient.h"
#include "OptionTips.h"
#include "ProblemCaption.h"
#include "analysis/MetricCatalog.h"
#include "jobs/CompareJob.h"
#include "jobs/DynamicsJob.h"
#include "jobs/DynamicsJson.h"

namespace ts::ui {

TrainingPanel::TrainingPanel(EngineClient* engine, std::function<CompareRequest()> form, QWidget* parent)
    : QWidget(parent), engine_(engine), form_(std::move(form)) {
  auto* tp = new QVBoxLayout(this);
  dynamics_chart_ =
      new ChartView("NTK over training (relative to epoch 0)", "epoch", "ratio to epoch 0", this);
  dynamics_chart_->setObjectName("dynamics");  // sessions key charts by name
  dynamics_chart_->setDistinctStyles(true);    // tr K and ‖K‖_F often lie on each other
  dynamics_chart_->setToolTip(
      "tr K_t, ‖K_t‖_F and r_eff(K_t) divided by their values at initialisation, cos(K_t, K₀) "
      "and the kernel-target alignment likewise; ±2σ bands from the estimator's error");
  loss_chart_ = new ChartView("Loss and accuracy", "epoch", "loss", this);
  loss_chart_->setObjectName("loss");
  loss_chart_->setSecondaryY(" acc", "accuracy");  // each on its own scale
  auto* charts_row = new QHBoxLayout;
  charts_row->addWidget(dynamics_chart_, 1);
  charts_row->addWidget(loss_chart_, 1);
  auto* train_row = new QHBoxLayout;
  epochs_ = new QSpinBox(this);
  epochs_->setObjectName("epochs");
  epochs_->setRange(1, 200);
  epochs_->setValue(TrainOptions{}.epochs);
  epochs_->setToolTip(optionTip("epochs"));
  epochs_->setPrefix("epochs: ");
  lr_ = new QComboBox(this);
  lr_->setObjectName("learning_rate");
  lr_->addItems({"1e-3", "3e-3", "1e-2", "3e-4"});
  lr_->setToolTip(optionTip("lr", "The Training tab trains with Adam."));
  exact_ = new QCheckBox("exact values per snapshot (slow for large d)", this);
  exact_->setObjectName("exact_per_snapshot");
  auto* train_button = new QPushButton("Train and track the NTK", this);
  train_button->setToolTip(
      "Trains on a stratified 80% of the data with Adam (cross-entropy, batch 32), keeps θ after "
      "every epoch, and estimates the NTK metrics on 50 held-out inputs at each snapshot");
  train_row->addWidget(epochs_);
  auto* lr_label = new QLabel("learning rate:", this);
  lr_label->setBuddy(lr_);
  train_row->addWidget(lr_label);
  train_row->addWidget(lr_);
  train_row->addWidget(exact_);
  train_row->addWidget(train_button);
  train_row->addStretch();
  caption_ = new ProblemCaption("trainingCaption", this);
  tp->addLayout(charts_row, 1);
  tp->addWidget(caption_);
  tp->addLayout(train_row);
  connect(train_button, &QPushButton::clicked, this, &TrainingPanel::train);
  engine_->follow(this, "dynamics", &pending_, [this](const JobResultPtr& result) {
    if (const auto* r = std::get_if<DynamicsResult>(result.get())) {
      show(*r);
      Q_EMIT dynamicsShown();
    }
  });
}

void TrainingPanel::train() {
  const DynamicsRequest job = request(form_());
  pending_ = true;
  engine_->submitJob("dynamics", [job](const RunControl& rc) { return run_dynamics_job(job, rc); });
  Q_EMIT jobStarted("Training…");
}

DynamicsRequest TrainingPanel::request(const CompareRequest& form) const {
  DynamicsRequest job;
  job.problem = form.problem;
  job.training.epochs = epochs_->value();
  job.training.lr = lr_->currentText().toDouble();
  job.training.batch_size = 32;
  for (int e = 0; e <= job.training.epochs; ++e) job.training.snapshot_epochs.push_back(e);
  job.probe_n = 50;
  job.metrics.metrics = metric_names();
  job.metrics.estimator = form.estimator;
  job.metrics.estimator.method = form.methods.empty() ? "hutchpp" : form.methods.front();
  job.metrics.compare_exact = exact_->isChecked();
  return job;
}

void TrainingPanel::show(const DynamicsResult& r) {
  dynamics_chart_->clearAll();
  loss_chart_->clearAll();
  const std::string config = json_text(to_json(r).at("config"));  // into every file they are exported to
  dynamics_chart_->setProvenanceJson(config);
  caption_->setProblem(r.request.problem);
  loss_chart_->setProvenanceJson(config);
  QMap<QString, double> base;
  for (const auto& row : r.dynamics) {
    for (const auto& m : row.values) {
      static const QMap<QString, QString> kShort{{"trace", "tr K"},
                                                 {"frobenius", "‖K‖_F"},
                                                 {"effective_rank", "r_eff"},
                                                 {"alignment", "cos(K, K₀)"},
                                                 {"target_alignment", "target al."},
                                                 {"distance", "‖K − K₀‖/‖K₀‖"}};
      const QString metric = QString::fromStdString(m.name);
      const QString name = kShort.value(metric, metric);
      if (!base.contains(name)) base[name] = m.value;
      const double scale = base[name] != 0 ? 1.0 / base[name] : 1.0;
      dynamics_chart_->append(name, row.epoch, m.value * scale,
                              m.std_error ? std::fabs(*m.std_error * scale) : 0.0);
    }
  }
  for (const auto& h : r.history) {
    const QList<QPair<double, QString>> series{{h.train_loss, "train loss"},
                                               {h.test_loss, "test loss"},
                                               {h.train_accuracy, "train acc"},
                                               {h.test_accuracy, "test acc"}};
    for (const auto& [value, label] : series)
      if (std::isfinite(value)) loss_chart_->append(label, h.epoch, value);  // NaN: not applicable
  }
}

int TrainingPanel::epochs() const { return epochs_->value(); }
QString TrainingPanel::learningRate() const { return lr_->currentText(); }
bool TrainingPanel::exactPerSnapshot() const { return exact_->isChecked(); }
void TrainingPanel::setEpochs(int epochs) { epochs_->setValue(epochs); }
void TrainingPanel::setLearningRate(const QString& lr) {
  // "0.001" is the item "1e-3": the rates are compared as numbers.
  for (int i = 0; i < lr_->count(); ++i)
    if (std::fabs(lr_->itemText(i).toDouble() - lr.toDouble()) <= 1e-12 * std::fabs(lr.toDouble())) {
      lr_->setCurrentIndex(i);
      return;
    }
  lr_->setCurrentText(lr);
}
void TrainingPanel::setExactPerSnapshot(bool exact) { exact_->setChecked(exact); }

}  // namespace ts::ui
