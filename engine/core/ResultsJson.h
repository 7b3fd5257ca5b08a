#pragma once
// The small result structs of core/Results.h as JSON, next to them: the dynamics cache
// (analysis/Dynamics.cpp) reads and writes them below the result files' layer (results/ResultJson.h includes
// this header).
#include <string>

#include "core/Json.h"

namespace ts {

struct MetricValue;
struct DynamicsRow;
struct EpochStats;

Json to_json(const MetricValue& m);  ///< {metric, method, value, std_error, exact?, rel_error?, matvecs, …}
Json write_value(const MetricValue& m);  ///< the same, for a `fields` list holding MetricValues
/// The reverse of to_json(MetricValue) (null numbers read as NaN); throws InputError naming `what` and the
/// field that is missing or of the wrong type.
MetricValue metric_value_of(const Json& j, const std::string& what);
Json to_json(const DynamicsRow& row);      ///< {epoch, exact_compared, metrics: [MetricValue…]}
Json write_value(const DynamicsRow& row);  ///< the same, for a `fields` list holding rows
/// The reverse of to_json(DynamicsRow); throws InputError naming `what`.
DynamicsRow dynamics_row_of(const Json& j, const std::string& what);

Json to_json(
    const EpochStats& s);  ///< {epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds}
Json write_value(const EpochStats& s);  ///< the same, for a `fields` list holding epochs

}  // namespace ts
