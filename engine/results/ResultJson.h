#pragma once
// Results and configurations as JSON, for the edges: the command-line tool's --json output and the result
// files (docs/FORMATS.md lists every field). Inside the program results stay structs (jobs/).
#include "core/Json.h"
#include "core/ResultsJson.h"

#include <string>

namespace ts {

struct ComputeConfig;
struct EstimatorOptions;
struct TrainOptions;
struct MetricsOptions;
struct TraceEstimate;
struct MetricValue;
struct DynamicsRow;
struct EpochStats;
struct ProblemSpec;
struct TraceResult;
struct CompareResult;
struct MetricsResult;
struct SpectrumResult;
struct DynamicsResult;
struct DataPreview;
struct ProblemSummary;
struct AlRequest;
struct AlCycle;
struct AlResult;
struct RetrainValidationResult;
struct PntkResult;
struct PntkWidthUpdate;
struct PntkWidthPoint;
struct PntkWidthResult;
struct HessianResult;
struct LayersResult;
struct KernelResult;
struct LayerTraces;

// Configurations (results/RequestJson.cpp, beside their reader).
Json to_json(const ComputeConfig& c);
Json to_json(const EstimatorOptions& o);
Json to_json(const TrainOptions& o);
Json to_json(const ProblemSpec& p);

// Pieces and the kernel jobs' results (results/ResultJson.cpp). Each result carries its configuration as
// "config".
Json to_json(const TraceEstimate& e);
// MetricValue and DynamicsRow: core/ResultsJson.h, next to their structs (included above).
Json to_json(const EpochStats& s);
Json to_json(const TraceResult& r);
Json to_json(const CompareResult& r);
Json to_json(const MetricsResult& r);
Json to_json(const SpectrumResult& r);
Json to_json(const DynamicsResult& r);
Json to_json(const DataPreview& p);
Json to_json(const ProblemSummary& s);
Json to_json(const LayerTraces& t);
Json to_json(const LayersResult& r);
Json to_json(const KernelResult& r);

// Active learning (results/AlResultJson.cpp).
Json to_json(const AlRequest& r);
Json to_json(const AlCycle& c);
/// The reverse of to_json(AlCycle), for sessions; throws InputError naming `what` and the field that is
/// missing or of the wrong type.
AlCycle al_cycle_of(const Json& j, const std::string& what);
Json to_json(const AlResult& r);
Json to_json(const RetrainValidationResult& r);

// The pNTK jobs (results/PntkResultJson.cpp).
Json to_json(const PntkResult& r);
Json to_json(const PntkWidthUpdate& u);
Json to_json(const PntkWidthPoint& p);
/// The reverse of to_json(PntkWidthPoint) (null numbers read as NaN); throws InputError naming `what`.
PntkWidthPoint pntk_width_point_of(const Json& j, const std::string& what);
Json to_json(const PntkWidthResult& r);
Json to_json(const HessianResult& r);

}  // namespace ts
