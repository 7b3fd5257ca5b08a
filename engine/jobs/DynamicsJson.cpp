#include "jobs/DynamicsJson.h"

#include "core/ConfigJson.h"
#include "core/Results.h"
#include "core/ResultsJson.h"
#include "jobs/DynamicsJob.h"
#include "jobs/ProblemSpecJson.h"

namespace ts {

Json to_json(const DynamicsResult& r) {
  Json result = Json::object();
  result["history"] = json_array(r.history);
  result["snapshots"] = r.snapshots;
  Json config = Json::object();
  config["problem"] = to_json(r.request.problem);
  config["train_data"] = r.train_data;
  config["test_data"] = r.test_data;
  config["training"] = to_json(r.training);
  if (r.request.track_ntk) {
    Json arr = Json::array();
    for (const auto& row : r.dynamics) arr.push_back(to_json(row));
    result["dynamics"] = arr;
    result["probe"] = r.probe;
    config["estimator"] = to_json(r.request.metrics.estimator);
    config["metrics"] = r.request.metrics.metrics;
  }
  result["config"] = config;
  return result;
}

}  // namespace ts
