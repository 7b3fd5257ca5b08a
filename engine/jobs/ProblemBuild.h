#pragma once
// Internal to the engine's jobs: a ProblemSpec turned into a loaded model, its data and its tangent map.
#include <memory>

#include "autodiff/TangentMap.h"
#include "data/Data.h"
#include "jobs/Jobs.h"
#include "models/Model.h"

namespace ts {

struct Problem {
  std::shared_ptr<Model> model, model_b;
  Dataset data;
  std::unique_ptr<TangentMap> J, Jb;
};

/// --jvp: forward, double-backward (or double_backward) or auto; InputError otherwise.
JvpMode parse_jvp(const std::string& s);
/// The block size of block products: the configured one (ComputeConfig::product_batch), else what the
/// memory budget allows.
int64_t product_block(const TangentMap& J, const ComputeConfig& c);
/// Sets J's block: the configured one as given; by default what the memory budget allows, kept or given up
/// for one vector at a time as measured on the model's first products (TangentMap::set_block_measured).
void apply_product_block(TangentMap& J, const ComputeConfig& c);

/// Loads model (and with `need_b` the second snapshot) and data, and builds J on the batch.
Problem build_problem(const ProblemSpec& p, bool need_b);

}  // namespace ts
