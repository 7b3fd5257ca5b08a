#include "core/ResultsJson.h"

#include "core/Errors.h"
#include "core/Results.h"

namespace ts {

Json to_json(const MetricValue& m) {
  Json j = Json::object();
  j["metric"] = m.name;
  j["method"] = m.method;
  j["value"] = m.value;
  j["std_error"] = json_or_null(m.std_error);
  if (m.exact) {
    j["exact"] = *m.exact;
    j["rel_error"] = json_or_null(m.rel_error);
  }
  j["matvecs"] = m.matvecs;
  j["vjps"] = m.vjps;
  j["jvps"] = m.jvps;
  j["seconds"] = m.seconds;
  return j;
}

MetricValue metric_value_of(const Json& j, const std::string& what) {
  const auto number = [&](const char* key) { return json_number(j, key); };
  try {
    MetricValue m;
    m.name = j.at("metric").get<std::string>();
    m.method = j.at("method").get<std::string>();
    m.value = number("value");
    if (!j.at("std_error").is_null()) m.std_error = j.at("std_error").get<double>();
    if (j.contains("exact")) {
      m.exact = number("exact");
      if (!j.at("rel_error").is_null()) m.rel_error = j.at("rel_error").get<double>();
    }
    m.matvecs = j.at("matvecs").get<int64_t>();
    m.vjps = j.at("vjps").get<int64_t>();
    m.jvps = j.at("jvps").get<int64_t>();
    m.seconds = number("seconds");
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": a metric value is malformed (" + e.what() + ")");
  }
}

Json to_json(const DynamicsRow& row) {
  Json j = Json::object();
  j["epoch"] = row.epoch;
  j["exact_compared"] = row.exact_compared;
  Json values = Json::array();
  for (const auto& v : row.values) values.push_back(to_json(v));
  j["metrics"] = values;
  return j;
}

DynamicsRow dynamics_row_of(const Json& j, const std::string& what) {
  try {
    DynamicsRow row;
    row.epoch = j.at("epoch").get<int>();
    row.exact_compared = j.at("exact_compared").get<bool>();
    for (const auto& v : j.at("metrics")) row.values.push_back(metric_value_of(v, what));
    return row;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(what + ": a snapshot's metrics are malformed (" + e.what() + ")");
  }
}

Json to_json(const EpochStats& s) {
  Json j = Json::object();
  j["epoch"] = s.epoch;
  j["train_loss"] = s.train_loss;
  j["train_accuracy"] = s.train_accuracy;
  j["test_loss"] = s.test_loss;
  j["test_accuracy"] = s.test_accuracy;
  j["seconds"] = s.seconds;
  return j;
}

}  // namespace ts
