#pragma once
// Every benchmark's options as JSON: the "config" of its report (everything that produced it, for a rerun),
// each declared once as a `fields` list (core/JsonFields.h) in BenchOptionsJson.cpp.
#include "core/Json.h"

namespace ts::bench {

struct AlRetrainBenchOptions;
struct BlockBenchOptions;
struct CoverageBenchOptions;
struct DynamicsBenchOptions;
struct PntkSpeedBenchOptions;
struct PntkWidthBenchOptions;
struct RealBenchOptions;
struct ScalingBenchOptions;
struct SeedBenchOptions;

Json to_json(const AlRetrainBenchOptions& o);
Json to_json(const BlockBenchOptions& o);
Json to_json(const CoverageBenchOptions& o);
Json to_json(const DynamicsBenchOptions& o);
Json to_json(const PntkSpeedBenchOptions& o);
Json to_json(const PntkWidthBenchOptions& o);
Json to_json(const RealBenchOptions& o);
Json to_json(const ScalingBenchOptions& o);
Json to_json(const SeedBenchOptions& o);

}  // namespace ts::bench
