#include "Notation.h"

#include <cmath>

#include "core/Numbers.h"

namespace ts::ui {

QString metricLabel(const QString& name) {
  if (name == "trace") return "tr K";
  if (name == "frobenius") return "‖K‖_F";
  if (name == "effective_rank") return "r_eff(K)";
  if (name == "alignment") return "cos(K₁, K₂)";
  if (name == "target_alignment") return "yᵀKy / (‖K‖_F ‖y‖²)";
  return name;
}

QString withError(double v, std::optional<double> err, int significant) {
  return QString::fromStdString(format_uncertain(v, err.value_or(NAN), significant));
}

QString number(std::optional<double> v, int significant) {
  if (!v || std::isnan(*v)) return "—";
  return QString::fromStdString(format_number(*v, significant));
}

}  // namespace ts::ui
