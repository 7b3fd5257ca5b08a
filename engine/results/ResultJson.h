#pragma once
// Results and configurations as JSON, for the edges: the command-line tool's --json output and the result
// files (docs/FORMATS.md lists every field). Inside the program results stay structs (jobs/).
#include <string>

// The JSON that sits next to its structs, lower down (so that the jobs that write their own files need not
// include this header), is included here for the edges that write every result.
#include "active_learning/AlResultJson.h"
#include "core/ConfigJson.h"
#include "core/Json.h"
#include "core/ResultsJson.h"
#include "jobs/DynamicsJson.h"
#include "jobs/PntkWidthJson.h"
#include "jobs/ProblemSpecJson.h"

namespace ts {

struct TraceEstimate;
struct TraceResult;
struct CompareResult;
struct MetricsResult;
struct SpectrumResult;
struct DataPreview;
struct ProblemSummary;
struct PntkResult;
struct HessianResult;
struct LayersResult;
struct KernelResult;
struct LayerTraces;

// Pieces and the kernel jobs' results (results/ResultJson.cpp). Each result carries its configuration as
// "config".
Json to_json(const TraceEstimate& e);
// MetricValue, DynamicsRow and EpochStats: core/ResultsJson.h, next to their structs (included above).
Json to_json(const TraceResult& r);
Json to_json(const CompareResult& r);
Json to_json(const MetricsResult& r);
Json to_json(const SpectrumResult& r);
Json to_json(const DataPreview& p);
Json to_json(const ProblemSummary& s);
Json to_json(const LayerTraces& t);
Json to_json(const LayersResult& r);
Json to_json(const KernelResult& r);

// The pNTK jobs (results/PntkResultJson.cpp).
Json to_json(const PntkResult& r);
Json to_json(const HessianResult& r);

}  // namespace ts
