#pragma once
// Active learning as JSON, next to its structs (jobs/AlJob.h): al.json, `al --json` and `bench al-retrain`
// (docs/FORMATS.md). The loop writes al.json itself.
#include <string>

#include "core/Json.h"

namespace ts {

struct AlRequest;
struct AlCycle;
struct AlResult;
struct RetrainValidationResult;

Json to_json(const AlRequest& r);
Json to_json(const AlCycle& c);
/// The reverse of to_json(AlCycle), for sessions; throws InputError naming `what` and the field that is
/// missing or of the wrong type.
AlCycle al_cycle_of(const Json& j, const std::string& what);
Json to_json(const AlResult& r);
Json to_json(const RetrainValidationResult& r);

}  // namespace ts
