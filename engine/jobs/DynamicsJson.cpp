#include "jobs/DynamicsJson.h"

#include "core/ConfigJson.h"
#include "core/JsonFields.h"
#include "core/Results.h"
#include "core/ResultsJson.h"
#include "jobs/DynamicsJob.h"
#include "jobs/ProblemSpecJson.h"

namespace ts {

template <class V>
void fields(V& v, DynamicsResult& r) {
  v("history", r.history);
  v("snapshots", r.snapshots);
  if (r.request.track_ntk) {
    v("dynamics", r.dynamics);
    v("probe", r.probe);
  }
  v.object("config", [&](auto& c) {
    c("problem", r.request.problem);
    c("train_data", r.train_data);
    c("test_data", r.test_data);
    c("training", r.training);
    if (r.request.track_ntk) {
      c("estimator", r.request.metrics.estimator);
      c("metrics", r.request.metrics.metrics);
    }
  });
}

Json to_json(const DynamicsResult& r) { return write_fields(r); }

}  // namespace ts
