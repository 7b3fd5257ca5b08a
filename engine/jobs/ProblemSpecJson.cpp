#include "jobs/ProblemSpecJson.h"

#include "core/ConfigJson.h"
#include "core/JsonFields.h"
#include "jobs/ProblemSpec.h"

namespace ts {

template <class V>
void fields(V& v, ProblemSpec& p) {
  const ProblemSpec d;
  v.defaulted("model", p.model, d.model);
  v.omit_if("model_b", p.model_b, std::string());  // a second snapshot, where there is one
  v.defaulted("data", p.data, d.data);
  v.defaulted("input_shape", p.input_shape, d.input_shape);
  v.omit_if("output", p.output, std::string());  // a model's output selection, where one was given
  v.defaulted("params", p.params, d.params);
  v.defaulted("jvp", p.jvp, d.jvp);
  v.defaulted("kernel", p.kernel, d.kernel);
  v.defaulted("compute", p.compute, d.compute);
}

void read_value(const JsonField& f, ProblemSpec& x, const Rule&) { read_fields(f, x); }
Json write_value(const ProblemSpec& x) { return write_fields(x); }

Json to_json(const ProblemSpec& p) { return write_value(p); }

}  // namespace ts
