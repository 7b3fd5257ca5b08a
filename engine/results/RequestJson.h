#pragma once
// A comparison's configuration as JSON and back (session files, docs/FORMATS.md "Sessions"): the same fields
// as the "config" of a result file, so a run can be restored from either. The configurations' writers
// (to_json of ProblemSpec, ComputeConfig, EstimatorOptions, TrainOptions; declared in results/ResultJson.h)
// live beside this reader, so the reader and the session files link without the engine's jobs.
#include "core/Json.h"

namespace ts {

struct CompareRequest;
class JsonField;
struct Rule;

/// {problem: {model, data, input_shape, …, compute}, estimator: {…}, methods, exact, sweep_budgets,
/// sweep_repeats}.
Json to_json(const CompareRequest& r);
/// The inverse of to_json; absent (or null) members keep their defaults. Every member present is checked:
/// its type and range (matvecs ≥ 1, threads ≥ 0, …); a refusal is an InputError naming the member's path.
CompareRequest read_compare_request(const JsonField& f);
/// read_compare_request of the document `j`, named `what` in messages.
CompareRequest compare_request_from_json(const Json& j, const std::string& what);
/// For structs that hold a configuration in their `fields` list (core/JsonFields.h).
void read_value(const JsonField& f, CompareRequest& x, const Rule& r);
Json write_value(const CompareRequest& x);

}  // namespace ts
