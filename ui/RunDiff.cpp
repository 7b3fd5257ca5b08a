#include "RunDiff.h"

#include <map>

#include "Notation.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "jobs/CompareJob.h"
#include "results/RequestJson.h"

namespace ts::ui {

namespace {

// Leaves of a JSON object as path → text; arrays are leaves (a list of methods or budgets is one value).
void flatten(const Json& j, const std::string& prefix, std::vector<std::pair<std::string, Json>>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  out.emplace_back(prefix, j);
}

// A configuration's member as the form labels it; its value as a person reads it (estimators by their
// display names, bytes with units). Members the form does not show keep their JSON path.
QString setting_label(const std::string& key) {
  static const std::map<std::string, const char*> labels{{"problem.model", "Model"},
                                                         {"problem.data", "Data spec"},
                                                         {"problem.input_shape", "Input shape"},
                                                         {"problem.output", "Output"},
                                                         {"problem.params", "Parameters"},
                                                         {"problem.jvp", "JVP method"},
                                                         {"problem.kernel", "Kernel"},
                                                         {"problem.compute.device", "Device"},
                                                         {"problem.compute.dtype", "Precision"},
                                                         {"problem.compute.threads", "Threads"},
                                                         {"problem.compute.seed", "Problem seed"},
                                                         {"problem.compute.memory_budget", "Memory budget"},
                                                         {"problem.compute.product_batch", "Product batch"},
                                                         {"problem.compute.distribute", "Distributed over"},
                                                         {"estimator.method", "First estimator"},
                                                         {"estimator.matvecs", "Budget m"},
                                                         {"estimator.probes", "Test vectors"},
                                                         {"estimator.hutchpp_split", "Hutch++ split"},
                                                         {"estimator.tol", "Tolerance"},
                                                         {"estimator.max_matvecs", "Most products"},
                                                         {"estimator.seed", "Estimator seed"},
                                                         {"estimator.block", "Block"},
                                                         {"methods", "Estimators"},
                                                         {"exact", "Exact trace"},
                                                         {"sweep_repeats", "Sweep repeats"},
                                                         {"blas", "BLAS"}};
  const auto it = labels.find(key);
  return it != labels.end() ? QString::fromUtf8(it->second) : QString::fromStdString(key);
}

QString setting_value(const std::string& key, const Json& value) {
  if (key == "methods" && value.is_array()) {
    QStringList names;
    for (const auto& m : value) names << displayName(QString::fromStdString(m.get<std::string>()));
    return names.join(", ");
  }
  if (key == "estimator.method" && value.is_string())
    return displayName(QString::fromStdString(value.get<std::string>()));
  if (key == "problem.compute.memory_budget" && value.is_number())
    return QString::fromStdString(format_bytes(value.get<double>()));
  return QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
}

}  // namespace

QList<QPair<QString, QStringList>> config_differences(const QList<ts::CompareRequest>& configs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<QString>> values;
  for (int i = 0; i < configs.size(); ++i) {
    std::vector<std::pair<std::string, Json>> leaves;
    flatten(to_json(configs[i]), "", leaves);
    for (const auto& [key, value] : leaves) {
      auto& v = values[key];
      if (v.empty()) order.push_back(key);
      v.resize(static_cast<size_t>(configs.size()), "—");  // "—": absent in that config
      v[static_cast<size_t>(i)] = setting_value(key, value);
    }
  }
  QList<QPair<QString, QStringList>> out;
  for (const auto& key : order) {
    const auto& v = values[key];
    bool same = true;
    for (const auto& text : v) same = same && text == v.front();
    if (same) continue;
    out.append({setting_label(key), QStringList(v.begin(), v.end())});
  }
  return out;
}

}  // namespace ts::ui
