#include "MetricsPanel.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "EngineClient.h"
#include "Notation.h"
#include "ProblemCaption.h"
#include "RichText.h"
#include "core/Numbers.h"
#include "jobs/CompareJob.h"
#include "jobs/MetricsJob.h"

namespace ts::ui {

MetricsPanel::MetricsPanel(EngineClient* engine, std::function<CompareRequest()> form, QWidget* parent)
    : QWidget(parent), engine_(engine), form_(std::move(form)) {
  auto* layout = new QVBoxLayout(this);
  table_ = new QTableWidget(0, 5, this);
  table_->setObjectName("metrics");  // sessions key tables by name
  table_->setHorizontalHeaderLabels(
      {"metric", "estimate ± 2σ (≈ 95%)", "exact", "relative error", "seconds"});
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setItemDelegateForColumn(0, new RichTextDelegate(table_));  // ‖K‖_F, r_eff(K) typeset
  table_->setToolTip(
      "tr K, the trace; ‖K‖_F = √tr(K²), the Frobenius norm; r_eff(K) = tr(K)²/tr(K²), the effective rank; "
      "yᵀKy / (‖K‖_F ‖y‖²), the kernel-target alignment for one-hot labels y. Estimates carry ±2σ (twice "
      "their standard error, ≈ 95%) to two significant digits, the value to the same place; full precision "
      "in each cell's tooltip.");
  auto* button = new QPushButton("Compute metrics with the first method", this);
  per_input_ = new QCheckBox("tr K exactly, from each input's own gradients, where the model allows", this);
  per_input_->setObjectName("metricsTracePerInput");
  per_input_->setChecked(true);
  per_input_->setToolTip(
      "Where the model treats each input on its own (checked) and has no more outputs per input than the "
      "budget m, tr K = Σₙ tr Kₙₙ is summed from each input's O gradients: exact to rounding, at about the "
      "cost of O products, and the other metrics are estimated off the diagonal blocks Kₙₙ only "
      "(docs/MATH.md §5). Elsewhere, or unticked, every metric is estimated by the first method.");
  caption_ = new ProblemCaption("metricsCaption", this);
  layout->addWidget(table_, 1);
  layout->addWidget(caption_);
  layout->addWidget(per_input_);
  layout->addWidget(button, 0, Qt::AlignLeft);
  connect(button, &QPushButton::clicked, this, &MetricsPanel::compute);
  engine_->follow(this, "metrics", &pending_, [this](const JobResultPtr& result) {
    if (const auto* r = std::get_if<MetricsResult>(result.get())) show(*r);
  });
}

void MetricsPanel::compute() {
  const CompareRequest c = form_();
  MetricsRequest job;
  job.problem = c.problem;
  job.estimator = c.estimator;
  job.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.compare_exact = c.exact;
  job.trace_per_input = per_input_->isChecked();
  job.metrics = {"trace", "frobenius", "effective_rank", "target_alignment"};
  pending_ = true;
  engine_->submitJob("metrics", [job](const RunControl& rc) { return run_metrics_job(job, rc); });
  Q_EMIT jobStarted("Computing metrics…");
}

void MetricsPanel::show(const MetricsResult& r) {
  table_->setRowCount(static_cast<int>(r.metrics.size()));
  for (int i = 0; i < static_cast<int>(r.metrics.size()); ++i) {
    const MetricValue& m = r.metrics[static_cast<size_t>(i)];
    auto* name = new QTableWidgetItem(metricLabel(QString::fromStdString(m.name)));
    name->setToolTip(QString::fromStdString(m.name + " (" + m.method + ")"));
    table_->setItem(i, 0, name);
    auto* value = new QTableWidgetItem(withError(m.value, twoSigma(m.std_error)));
    value->setToolTip(
        QString::number(m.value, 'g', 17) +
        (m.std_error ? " ± " + QString::number(2 * *m.std_error, 'g', 17) + " (±2σ)" : QString()));
    table_->setItem(i, 1, value);
    auto* exact = new QTableWidgetItem(atPlaceOf(m.exact, twoSigma(m.std_error)));  // to the estimate's place
    if (m.exact) exact->setToolTip(QString::number(*m.exact, 'g', 17));
    table_->setItem(i, 2, exact);
    table_->setItem(i, 3, new QTableWidgetItem(number(m.rel_error, 2)));
    table_->setItem(i, 4, new QTableWidgetItem(number(m.seconds, 3)));
  }
  caption_->setProblem(r.request.problem);
  Q_EMIT metricsShown();
}

}  // namespace ts::ui
