#pragma once
// The pNTK width study's points, updates and result (jobs/PntkWidthJob.h) as JSON, next to them: width.json,
// its resume cache and `bench pntk-width --json` (docs/FORMATS.md). The job writes and resumes the files
// itself.
#include <string>

#include "core/Json.h"

namespace ts {

struct PntkWidthUpdate;
struct PntkWidthPoint;
struct PntkWidthResult;

Json to_json(const PntkWidthPoint& p);
/// The reverse of to_json(PntkWidthPoint) (null numbers read as NaN); throws InputError naming `what`.
PntkWidthPoint pntk_width_point_of(const Json& j, const std::string& what);
Json to_json(const PntkWidthUpdate& u);
Json to_json(const PntkWidthResult& r);

}  // namespace ts
