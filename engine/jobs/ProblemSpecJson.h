#pragma once
// A problem (jobs/ProblemSpec.h) as JSON, declared once next to it (core/JsonFields.h): the "problem" of
// every result's "config" and of the session files (docs/FORMATS.md), written and read back from one member
// list.
#include "core/Json.h"

namespace ts {

struct ProblemSpec;
class JsonField;
struct Rule;

/// {model, model_b?, data, input_shape, output?, params, jvp, kernel, compute}.
Json to_json(const ProblemSpec& p);

// For structs that hold a problem in their own `fields` list. Absent members keep their defaults.
void read_value(const JsonField& f, ProblemSpec& x, const Rule& r);
Json write_value(const ProblemSpec& x);

}  // namespace ts
