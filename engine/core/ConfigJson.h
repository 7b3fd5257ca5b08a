#pragma once
// The configuration structs of core/Config.h as JSON, next to them: every result's "config" and the session
// files carry them (docs/FORMATS.md). Their readers are in results/RequestJson.cpp.
#include "core/Json.h"

namespace ts {

struct ComputeConfig;
struct EstimatorOptions;
struct TrainOptions;

Json to_json(
    const ComputeConfig& c);  ///< {device, dtype, threads, seed, memory_budget, product_batch, distribute}
Json to_json(
    const EstimatorOptions& o);  ///< {method, matvecs, probes, hutchpp_split, tol, max_matvecs, seed, block}
Json to_json(const TrainOptions& o);  ///< {optimizer, loss, epochs, batch_size, lr, schedule, momentum, …}

}  // namespace ts
