#include "jobs/ProblemSpecJson.h"

#include "core/ConfigJson.h"
#include "jobs/ProblemSpec.h"

namespace ts {

Json to_json(const ProblemSpec& p) {
  Json j = Json::object();
  j["model"] = p.model;
  if (!p.model_b.empty()) j["model_b"] = p.model_b;
  j["data"] = p.data;
  j["input_shape"] = p.input_shape;
  if (!p.output.empty()) j["output"] = p.output;
  j["params"] = p.params;
  j["jvp"] = p.jvp;
  j["kernel"] = p.kernel;
  j["compute"] = to_json(p.compute);
  return j;
}

}  // namespace ts
