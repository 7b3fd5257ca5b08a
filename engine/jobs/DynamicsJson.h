#pragma once
// The dynamics job's result (jobs/DynamicsJob.h) as JSON, next to it: dynamics.json (train.json without the
// NTK), `dynamics --json` and `train --json` (docs/FORMATS.md). The job writes the file itself.
#include "core/Json.h"

namespace ts {

struct DynamicsResult;

/// {history: [EpochStats…], snapshots, dynamics?: [DynamicsRow…], probe?, config: {problem, train_data,
/// test_data, training, estimator?, metrics?}}.
Json to_json(const DynamicsResult& r);

}  // namespace ts
