#include "results/RequestJson.h"

#include "core/ConfigJson.h"
#include "core/Errors.h"
#include "core/JsonFields.h"
#include "jobs/CompareJob.h"
#include "jobs/ProblemSpecJson.h"

namespace ts {

template <class V>
void fields(V& v, CompareRequest& r) {
  const CompareRequest d;
  v.defaulted("problem", r.problem, d.problem);
  v.defaulted("estimator", r.estimator, d.estimator);
  v.defaulted("methods", r.methods, d.methods, at_most(64));
  v.defaulted("exact", r.exact, d.exact);
  v.defaulted("sweep_budgets", r.sweep_budgets, d.sweep_budgets, at_most(1000, integers(1)));
  v.defaulted("sweep_repeats", r.sweep_repeats, d.sweep_repeats, integers(1));
}

Json to_json(const CompareRequest& r) { return write_fields(r); }

CompareRequest read_compare_request(const JsonField& f) {
  CompareRequest r;
  read_fields(f, r);
  return r;
}

CompareRequest compare_request_from_json(const Json& j, const std::string& what) {
  return read_compare_request(JsonField(j, what));
}

void read_value(const JsonField& f, CompareRequest& x, const Rule&) { x = read_compare_request(f); }
Json write_value(const CompareRequest& x) { return to_json(x); }

}  // namespace ts
