#include "results/RequestJson.h"

#include "core/Errors.h"
#include "core/JsonFields.h"
#include "jobs/CompareJob.h"
#include "results/ResultJson.h"

namespace ts {

Json to_json(const CompareRequest& r) {
  Json j = Json::object();
  j["problem"] = to_json(r.problem);
  j["estimator"] = to_json(r.estimator);
  j["methods"] = r.methods;
  j["exact"] = r.exact;
  j["sweep_budgets"] = r.sweep_budgets;
  j["sweep_repeats"] = r.sweep_repeats;
  return j;
}

namespace {

// Reads `key` when it is there and not null; otherwise the default stays (a configuration written before the
// member existed still reads).
template <class T>
void keep(const JsonField& object, const char* key, T& out, const Rule& rule = {}) {
  const Json* v = object.find(key);
  if (v && !v->is_null()) read_value(JsonField(*v, object, key), out, rule);
}

// One of `names`, as its index.
size_t choice(const JsonField& f, std::initializer_list<const char*> names) {
  const std::string s = f.string();
  std::string list;
  size_t i = 0;
  for (const char* n : names) {
    if (s == n) return i;
    list += (i++ ? " or " : "") + std::string(n);
  }
  f.fail("must be " + list + ", got " + JsonField::brief(f.json()));
}

}  // namespace

CompareRequest read_compare_request(const JsonField& f) {
  f.expect_object();
  CompareRequest r;
  if (const Json* pj = f.find("problem")) {
    const JsonField p(*pj, f, "problem");
    p.expect_object();
    keep(p, "model", r.problem.model);
    keep(p, "model_b", r.problem.model_b);
    keep(p, "data", r.problem.data);
    keep(p, "input_shape", r.problem.input_shape);
    keep(p, "output", r.problem.output);
    keep(p, "params", r.problem.params);
    keep(p, "jvp", r.problem.jvp);
    keep(p, "kernel", r.problem.kernel);
    if (const Json* cj = p.find("compute")) {
      const JsonField c(*cj, p, "compute");
      c.expect_object();
      ComputeConfig& cc = r.problem.compute;
      keep(c, "device", cc.device);
      keep(c, "dtype", cc.dtype);
      keep(c, "threads", cc.threads, integers(0));
      keep(c, "seed", cc.seed);  // exact to 2^64 − 1
      keep(c, "memory_budget", cc.memory_budget, integers(1));
      keep(c, "product_batch", cc.product_batch, integers(-1));
      keep(c, "distribute", cc.distribute);
    }
  }
  if (const Json* ej = f.find("estimator")) {
    const JsonField e(*ej, f, "estimator");
    e.expect_object();
    EstimatorOptions& o = r.estimator;
    keep(e, "method", o.method);
    keep(e, "matvecs", o.matvecs, integers(1));
    if (const Json* v = e.find("probes"); v && !v->is_null())
      o.probes = choice(JsonField(*v, e, "probes"), {"rademacher", "gaussian"})
                     ? ProbeDistribution::Gaussian
                     : ProbeDistribution::Rademacher;
    if (const Json* v = e.find("hutchpp_split"); v && !v->is_null())
      o.split = choice(JsonField(*v, e, "hutchpp_split"), {"thirds", "seed"}) ? HutchppSplit::Seed
                                                                              : HutchppSplit::Thirds;
    keep(e, "tol", o.tol, numbers(0));
    keep(e, "max_matvecs", o.max_matvecs, integers(1));
    keep(e, "seed", o.seed);
    keep(e, "block", o.block, integers(1));
  }
  keep(f, "methods", r.methods, at_most(64));
  keep(f, "exact", r.exact);
  keep(f, "sweep_budgets", r.sweep_budgets, at_most(1000, integers(1)));
  keep(f, "sweep_repeats", r.sweep_repeats, integers(1));
  return r;
}

CompareRequest compare_request_from_json(const Json& j, const std::string& what) {
  return read_compare_request(JsonField(j, what));
}

void read_value(const JsonField& f, CompareRequest& x, const Rule&) { x = read_compare_request(f); }
Json write_value(const CompareRequest& x) { return to_json(x); }

}  // namespace ts
