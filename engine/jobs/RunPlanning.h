#pragma once
// What a run will cost, shown before it starts, and whether a GPU is there.
#include <cstdint>
#include <utility>

#include "core/Config.h"

namespace ts {

/// Whether this LibTorch has CUDA and sees a GPU.
bool cuda_available();

/// Predicted VJPs and JVPs of one estimate (see planned_cost in estimators/Estimators.h).
std::pair<int64_t, int64_t> planned_ad_cost(const EstimatorOptions& options);

/// Predicted seconds of the dense algebra of one estimate (QR, projections, draws) on a kernel of size d with
/// P parameters, besides its products.
double planned_dense_seconds(const EstimatorOptions& options, int64_t d, int64_t params);

/// Predicted seconds of the dense algebra an estimate planned (its dense_flops and random_draws), for
/// calibrating the prediction against what it measured.
double predicted_dense_seconds_of(const TraceEstimate& estimate);

}  // namespace ts
