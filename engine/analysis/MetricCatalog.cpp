#include "analysis/MetricCatalog.h"

#include "core/Errors.h"

namespace ts {

const std::vector<MetricInfo>& metric_catalog() {
  static const std::vector<MetricInfo> c{
      {"trace", "tr K", "trace", "the sum of the eigenvalues, Σᵢ Kᵢᵢ", false, false},
      {"frobenius", "‖K‖_F", "Frobenius norm", "√tr(K²)", false, false},
      {"effective_rank", "r_eff(K)", "effective rank", "(tr K)² / ‖K‖_F²", false, false},
      {"alignment", "cos(K₁, K₂)", "alignment", "tr(K₁K₂) / (‖K₁‖_F ‖K₂‖_F), against a second snapshot", true,
       false},
      {"distance", "‖K₁ − K₂‖_F / ‖K₂‖_F", "relative distance",
       "‖K₁ − K₂‖_F / ‖K₂‖_F, how far the kernel moved from a second snapshot", true, false},
      {"target_alignment", "yᵀKy / (‖K‖_F ‖y‖²)", "kernel-target alignment",
       "yᵀKy / (‖K‖_F ‖y‖²) for the one-hot (or regression) targets y", false, true},
  };
  return c;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& m : metric_catalog()) v.push_back(m.name);
    return v;
  }();
  return names;
}

std::string metric_list() {
  std::string s;
  for (const auto& n : metric_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

const MetricInfo& find_metric(const std::string& name) {
  for (const auto& m : metric_catalog())
    if (m.name == name) return m;
  throw InputError("unknown metric '" + name + "' (" + metric_list() + ")");
}

}  // namespace ts
