#pragma once
// A comparison's configuration as JSON and back (session files, docs/FORMATS.md "Sessions"): the same fields
// as the "config" of a result file, so a run can be restored from either.
#include "io/Json.h"

namespace ts {

struct CompareRequest;

/// {problem: {model, data, input_shape, …, compute}, estimator: {…}, methods, exact, sweep_budgets,
/// sweep_repeats}.
Json to_json(const CompareRequest& r);
/// The inverse of to_json; absent keys keep their defaults. Throws InputError naming `what` and the key when
/// a value has the wrong type or range.
CompareRequest compare_request_from_json(const Json& j, const std::string& what);

}  // namespace ts
