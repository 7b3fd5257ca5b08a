#pragma once
// A problem (jobs/ProblemSpec.h) as JSON, next to it: the "problem" of every result's "config" and of the
// session files (docs/FORMATS.md). Its reader is in results/RequestJson.cpp.
#include "core/Json.h"

namespace ts {

struct ProblemSpec;

/// {model, model_b?, data, input_shape, output?, params, jvp, kernel, compute}.
Json to_json(const ProblemSpec& p);

}  // namespace ts
