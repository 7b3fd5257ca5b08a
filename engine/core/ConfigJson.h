#pragma once
// The configuration structs of core/Config.h as JSON, declared once next to them (core/JsonFields.h): one
// list of members per struct writes every result's "config" and the session files (docs/FORMATS.md), and
// reads them back with every member checked. A member absent from a file (or null) keeps its default, so a
// file written before the member existed still reads.
#include "core/Json.h"

namespace ts {

struct ComputeConfig;
struct EstimatorOptions;
struct TrainOptions;
class JsonField;
struct Rule;

/// {device, dtype, threads, seed, memory_budget, product_batch, distribute}
Json to_json(const ComputeConfig& c);
/// {method, matvecs, probes, hutchpp_split, tol, max_matvecs, seed, block}
Json to_json(const EstimatorOptions& o);
/// {optimizer, loss, epochs, batch_size, lr, schedule, momentum, weight_decay, seed}
Json to_json(const TrainOptions& o);

// For structs that hold a configuration in their own `fields` list.
void read_value(const JsonField& f, ComputeConfig& x, const Rule& r);
Json write_value(const ComputeConfig& x);
void read_value(const JsonField& f, EstimatorOptions& x, const Rule& r);
Json write_value(const EstimatorOptions& x);
void read_value(const JsonField& f, TrainOptions& x, const Rule& r);
Json write_value(const TrainOptions& x);

}  // namespace ts
