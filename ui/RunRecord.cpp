#include "RunRecord.h"

#include <QStringList>

#include <cmath>

#include "Notation.h"
#include "results/ResultJson.h"

namespace ts::ui {

namespace {

QString config_text(const Json& j) {
  return QString::fromStdString(json_text(j.contains("config") ? j.at("config") : j));
}

QString summary_of(const SpectrumResult& r) {
  if (r.eigenvalues.empty()) return "no eigenvalues";
  return QString("%1 eigenvalues%2, largest %3")
      .arg(r.eigenvalues.size())
      .arg(r.approximate ? " (Nyström)" : "")
      .arg(number(r.eigenvalues.front(), 6));
}

QString summary_of(const MetricsResult& r) {
  QStringList parts;
  for (const auto& m : r.metrics)
    parts << metricLabel(QString::fromStdString(m.name)) + " ≈ " + withError(m.value, twoSigma(m.std_error));
  return parts.join("; ");
}

QString summary_of(const DynamicsResult& r) {
  QString s = QString("%1 epochs").arg(r.request.training.epochs);
  if (!r.history.empty() && std::isfinite(r.history.back().test_accuracy))
    s += QString(", test accuracy %1").arg(number(r.history.back().test_accuracy, 3));
  return s;
}

QString summary_of(const LayersResult& r) {
  QString s = QString("%1 layers; tr K ≈ %2").arg(r.traces.layers.size()).arg(number(r.traces.total, 6));
  const LayerTrace* top = nullptr;
  for (const auto& l : r.traces.layers)
    if (!top || l.share > top->share) top = &l;
  if (top)
    s += QString("; most in %1 (%2%)").arg(QString::fromStdString(top->name), number(100 * top->share, 3));
  return s;
}

QString summary_of(const PntkResult& r) {
  QString s = QString("pNTK in %1 s").arg(number(r.seconds, 3));
  if (r.rel_frobenius_error)
    s += QString(", relative error %1 (Frobenius)").arg(number(*r.rel_frobenius_error, 3));
  if (r.speedup) s += QString(", %1× faster than the eNTK").arg(number(*r.speedup, 3));
  return s;
}

QString summary_of(const PntkWidthResult& r) {
  QStringList slopes;
  for (const auto& f : r.fits)
    if (f.min_width == 0)
      slopes << QString::fromStdString(f.stage + " " + f.error) + " slope " + number(f.fit.slope, 3);
  return QString("%1 models; %2").arg(r.points.size()).arg(slopes.join("; "));
}

QString summary_of(const AlResult& r) {
  return QString("%1 strategies × %2 seeds × %3 cycles")
      .arg(r.request.strategies.size())
      .arg(r.request.seeds)
      .arg(r.request.cycles);
}

QString summary_of(const KernelResult& r) {
  return QString("%1 × %2 kernel%3").arg(r.rows).arg(r.cols).arg(r.frobenius ? "" : " (eigenpairs only)");
}

// What every record has: its kind, the form it ran on, the `config` of its JSON and its one line.
template <class R>
RunRecord record(const R& r, const char* kind, const CompareRequest& form) {
  RunRecord rec;
  rec.kind = kind;
  rec.config = form;
  rec.settings = config_text(to_json(r));
  rec.summary = summary_of(r);
  return rec;
}

}  // namespace

std::optional<RunRecord> run_record(const JobResult& result, const CompareRequest& form) {
  RunRecord rec;
  if (const auto* r = std::get_if<SpectrumResult>(&result)) {
    rec = record(*r, "spectrum", form);
    rec.config.problem = r->request.problem;
    rec.seconds = r->seconds;
  } else if (const auto* r = std::get_if<MetricsResult>(&result)) {
    rec = record(*r, "metrics", form);
    rec.config.problem = r->request.problem;
    rec.config.estimator = r->request.estimator;
    double total = 0;
    for (const auto& m : r->metrics) total += m.seconds;
    rec.seconds = total;
  } else if (const auto* r = std::get_if<DynamicsResult>(&result)) {
    rec = record(*r, "training", form);
    rec.config.problem = r->request.problem;
  } else if (const auto* r = std::get_if<LayersResult>(&result)) {
    rec = record(*r, "layers", form);
    rec.config.problem = r->request.problem;
    rec.seconds = r->traces.seconds + r->traces.exact_seconds.value_or(0.0);
  } else if (const auto* r = std::get_if<PntkResult>(&result)) {
    rec = record(*r, "pntk", form);
    rec.config.problem = r->request.problem;
    rec.seconds = r->seconds + r->entk_seconds.value_or(0.0);
  } else if (const auto* r = std::get_if<PntkWidthResult>(&result)) {
    rec = record(*r, "pntk-width", form);
  } else if (const auto* r = std::get_if<AlResult>(&result)) {
    rec = record(*r, "al", form);
  } else if (const auto* r = std::get_if<KernelResult>(&result)) {
    rec = record(*r, "kernel", form);
    rec.config.problem = r->request.problem;
  } else {
    return std::nullopt;
  }
  return rec;
}

}  // namespace ts::ui
