#include "RunDiff.h"

#include <map>

#include "core/Json.h"
#include "jobs/CompareJob.h"
#include "results/RequestJson.h"

namespace ts::ui {

namespace {

// Leaves of a JSON object as path → text; arrays are leaves (a list of methods or budgets is one value).
void flatten(const Json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  out.emplace_back(prefix, j.is_string() ? j.get<std::string>() : j.dump());
}

}  // namespace

QList<QPair<QString, QStringList>> config_differences(const QList<ts::CompareRequest>& configs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> values;
  for (int i = 0; i < configs.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> leaves;
    flatten(to_json(configs[i]), "", leaves);
    for (const auto& [key, text] : leaves) {
      auto& v = values[key];
      if (v.empty()) order.push_back(key);
      v.resize(static_cast<size_t>(configs.size()), "—");  // "—": absent in that config
      v[static_cast<size_t>(i)] = text;
    }
  }
  QList<QPair<QString, QStringList>> out;
  for (const auto& key : order) {
    const auto& v = values[key];
    bool same = true;
    for (const auto& text : v) same = same && text == v.front();
    if (same) continue;
    QStringList row;
    for (const auto& text : v) row << QString::fromStdString(text);
    out.append({QString::fromStdString(key), row});
  }
  return out;
}

}  // namespace ts::ui
