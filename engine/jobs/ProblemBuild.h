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

/// Loads model (and with `need_b` the second snapshot) and data, and builds J on the batch.
Problem build_problem(const ProblemSpec& p, bool need_b);

}  // namespace ts
