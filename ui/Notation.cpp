#include "Notation.h"

#include <QRegularExpression>

#include <cmath>

#include "active_learning/StrategyCatalog.h"
#include "analysis/MetricCatalog.h"
#include "core/Numbers.h"
#include "estimators/EstimatorRegistry.h"

namespace ts::ui {

QString metricLabel(const QString& name) {
  for (const auto& m : metric_catalog())
    if (QString::fromStdString(m.name) == name) return QString::fromStdString(m.symbol);
  return name;
}

QString withError(double v, std::optional<double> err, int significant) {
  return QString::fromStdString(format_uncertain(v, err.value_or(NAN), significant));
}

QString displayName(const QString& series) {
  for (const auto& e : estimator_registry()) {
    const QString name = QString::fromStdString(e.name);
    if (series == name || series.startsWith(name + " "))
      return QString::fromStdString(e.label) + series.mid(name.size());
  }
  for (const auto& st : strategy_catalog()) {  // "mlmoc-pseudo-contrastive" → "MLMOC, pseudo-contrastive"
    const QString name = QString::fromStdString(st.name);
    if (series == name || series.startsWith(name + " "))
      return QString::fromStdString(st.label) + series.mid(name.size());
  }
  return series;
}

QString typeset(const QString& label) {
  static const QRegularExpression sub("([A-Za-z‖)])_([A-Za-z0-9]+)");
  QString out = label.toHtmlEscaped();
  out.replace(sub, "\\1<sub>\\2</sub>");
  return out;
}

QString atPlaceOf(std::optional<double> v, std::optional<double> err, int significant) {
  if (!v || std::isnan(*v)) return "—";
  if (!err || !(std::isfinite(*err) && *err > 0)) return number(*v, significant);
  // format_uncertain's text without its error: "12.35 ± 0.41" → "12.35", "(1.2345 ± 0.0012)e+06" →
  // "1.2345e+06".
  const QString text = withError(*v, err);
  if (text.startsWith('(')) {
    const int close = text.indexOf(')');
    return text.mid(1, close - 1).section(" ± ", 0, 0) + text.mid(close + 1);
  }
  return text.section(" ± ", 0, 0);
}

std::optional<double> twoSigma(std::optional<double> std_error) {
  if (!std_error) return std::nullopt;
  return 2 * *std_error;
}

QString number(std::optional<double> v, int significant) {
  if (!v || std::isnan(*v)) return "—";
  return QString::fromStdString(format_number(*v, significant));
}

}  // namespace ts::ui
