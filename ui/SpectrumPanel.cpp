#include "SpectrumPanel.h"

#include <QChart>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

#include "ChartView.h"
#include "EngineClient.h"
#include "ProblemCaption.h"
#include "jobs/SpectrumJob.h"
#include "results/ResultJson.h"

namespace ts::ui {

SpectrumPanel::SpectrumPanel(EngineClient* engine, std::function<ProblemSpec()> problem, QWidget* parent)
    : QWidget(parent), engine_(engine), problem_(std::move(problem)) {
  auto* layout = new QVBoxLayout(this);
  chart_ = new ChartView("Spectrum of the exact kernel", "eigenvalue index", "eigenvalue", this);
  chart_->setObjectName("spectrum");  // sessions key charts by name
  chart_->setLogY(true);
  chart_->setToolTip("Eigenvalues of K (or of JᵀJ when P < d) in decreasing order; needs the exact kernel");
  auto* button = new QPushButton("Compute the exact spectrum", this);
  caption_ = new ProblemCaption("spectrumCaption", this);
  layout->addWidget(chart_, 1);
  layout->addWidget(caption_);
  layout->addWidget(button, 0, Qt::AlignLeft);
  connect(button, &QPushButton::clicked, this, &SpectrumPanel::compute);
  engine_->follow(this, "spectrum", &pending_, [this](const JobResultPtr& result) {
    if (const auto* r = std::get_if<SpectrumResult>(result.get())) show(*r);
  });
}

void SpectrumPanel::compute() {
  const ProblemSpec p = problem_();
  pending_ = true;
  engine_->submitJob("spectrum", [p](const RunControl& rc) { return run_spectrum_job({p, 400}, rc); });
  Q_EMIT jobStarted("Computing the exact kernel and its eigenvalues…");
}

void SpectrumPanel::show(const SpectrumResult& r) {
  chart_->clearAll();
  // Only the top k are drawn when the request asks for fewer than all: the title says which part is shown.
  const int64_t k = static_cast<int64_t>(r.eigenvalues.size());
  const int64_t of = std::min(r.d, r.params > 0 ? r.params : r.d);  // the non-zero spectrum's size
  const QString part =
      k < of ? QString("top %1 of %2 eigenvalues").arg(k).arg(of) : QString("all %1 eigenvalues").arg(k);
  chart_->chart()->setTitle(
      r.approximate
          ? "Spectrum: Nyström approximation, " + part + " (the exact kernel is over the memory budget)"
          : "Spectrum of the exact kernel (" + QString::fromStdString(r.kernel) + "): " + part);
  const auto& ev = r.eigenvalues;
  const double floor = ev.empty() ? 1.0 : ev.front() * 1e-14;
  QList<QPointF> points;
  for (size_t i = 0; i < ev.size(); ++i) points << QPointF(double(i + 1), std::max(ev[i], floor));
  chart_->setSeries("eigenvalues", points);
  caption_->setProblem(r.request.problem);
  chart_->setProvenanceJson(json_text(to_json(r).at("config")));  // into every file it is exported to
  Q_EMIT spectrumShown();
}

}  // namespace ts::ui
