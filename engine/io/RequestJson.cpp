#include "io/RequestJson.h"

#include "core/Errors.h"
#include "io/ResultJson.h"
#include "jobs/CompareJob.h"

namespace ts {

namespace {

// Reads j[key] into `out` when present, refusing a value of the wrong type with the key named.
template <class T>
void read(const Json& j, const char* key, T& out, const std::string& what) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return;
  const Json& v = j.at(key);
  if constexpr (std::is_same_v<T, uint64_t>) {
    out = json_unsigned(v, what + ": '" + key + "'");  // a seed, exact to 2^64 − 1
  } else {
    const bool fits = std::is_same_v<T, bool>          ? v.is_boolean()
                      : std::is_arithmetic_v<T>        ? v.is_number()
                      : std::is_same_v<T, std::string> ? v.is_string()
                                                       : v.is_array();
    if (!fits) throw InputError(what + ": '" + key + "' has the wrong type (" + v.dump() + ")");
    try {
      out = v.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw InputError(what + ": '" + key + "' has the wrong type (" + v.dump() + ")");
    }
  }
}

}  // namespace

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

CompareRequest compare_request_from_json(const Json& j, const std::string& what) {
  if (!j.is_object()) throw InputError(what + ": a configuration must be a JSON object");
  CompareRequest r;
  if (j.contains("problem")) {
    const Json& p = j.at("problem");
    if (!p.is_object()) throw InputError(what + ": 'problem' must be an object");
    const std::string w = what + " problem";
    read(p, "model", r.problem.model, w);
    read(p, "model_b", r.problem.model_b, w);
    read(p, "data", r.problem.data, w);
    read(p, "input_shape", r.problem.input_shape, w);
    read(p, "output", r.problem.output, w);
    read(p, "params", r.problem.params, w);
    read(p, "jvp", r.problem.jvp, w);
    read(p, "kernel", r.problem.kernel, w);
    if (p.contains("compute")) {
      const Json& c = p.at("compute");
      const std::string wc = what + " compute";
      read(c, "device", r.problem.compute.device, wc);
      read(c, "dtype", r.problem.compute.dtype, wc);
      read(c, "threads", r.problem.compute.threads, wc);
      read(c, "seed", r.problem.compute.seed, wc);
      read(c, "memory_budget", r.problem.compute.memory_budget, wc);
      read(c, "product_batch", r.problem.compute.product_batch, wc);
      read(c, "distribute", r.problem.compute.distribute, wc);
    }
  }
  if (j.contains("estimator")) {
    const Json& e = j.at("estimator");
    const std::string w = what + " estimator";
    read(e, "method", r.estimator.method, w);
    read(e, "matvecs", r.estimator.matvecs, w);
    std::string probes = "rademacher", split = "thirds";
    read(e, "probes", probes, w);
    read(e, "hutchpp_split", split, w);
    if (probes != "rademacher" && probes != "gaussian")
      throw InputError(w + ": 'probes' must be rademacher or gaussian, got '" + probes + "'");
    if (split != "thirds" && split != "seed")
      throw InputError(w + ": 'hutchpp_split' must be thirds or seed, got '" + split + "'");
    r.estimator.probes = probes == "gaussian" ? ProbeDistribution::Gaussian : ProbeDistribution::Rademacher;
    r.estimator.split = split == "seed" ? HutchppSplit::Seed : HutchppSplit::Thirds;
    read(e, "tol", r.estimator.tol, w);
    read(e, "max_matvecs", r.estimator.max_matvecs, w);
    read(e, "seed", r.estimator.seed, w);
    read(e, "block", r.estimator.block, w);
  }
  read(j, "methods", r.methods, what);
  read(j, "exact", r.exact, what);
  read(j, "sweep_budgets", r.sweep_budgets, what);
  read(j, "sweep_repeats", r.sweep_repeats, what);
  return r;
}

}  // namespace ts
