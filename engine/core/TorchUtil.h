#pragma once
// Small LibTorch helpers shared by the engine: device/dtype parsing, seeded draws, flat views.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/Config.h"
#include "core/Runtime.h"  // blas_description, tune_allocator

namespace ts {

at::ScalarType parse_dtype(const std::string& name);
at::Device parse_device(const std::string& name);  ///< throws InputError if CUDA is asked for and absent
at::TensorOptions tensor_options(const ComputeConfig& config);
/// Applies config.threads (when > 0).
void apply_threads(const ComputeConfig& config);
std::string dtype_name(at::ScalarType t);

/// What a model takes as input: floating values (the default; data are float64 until cast to the run's
/// dtype), or integers (token ids, node indices) that are fed unchanged as int64 or int32. The NTK is taken
/// with respect to the parameters, so integer inputs are no obstacle. `low`/`high` is the range [low, high)
/// the model was exported with (scripts/export-model --input-range), from which random data are drawn.
struct InputType {
  at::ScalarType dtype = at::kDouble;  ///< kDouble: floating; kLong or kInt: integers
  int64_t low = 0, high = 0;           ///< integers: [low, high); high <= low: no range recorded
  bool integer() const { return dtype == at::kLong || dtype == at::kInt; }
  bool has_range() const { return high > low; }
  std::string name() const;  ///< "float", "int64" or "int32"
};
/// Parses an input dtype as export-model writes it: float, int64 (long) or int32 (int).
at::ScalarType parse_input_dtype(const std::string& name, const std::string& what);

/// A batch of inputs as a model takes it, on `options`' device: floating inputs are cast to its dtype,
/// integer and boolean ones (token ids) keep theirs. Every place that hands data to a model goes through it.
at::Tensor to_model_input(const at::Tensor& x, const at::TensorOptions& options);

/// A CPU generator seeded with `seed`: every random draw in the engine goes through one of these, on the
/// CPU in float64, and is then moved to the target device, so one seed gives the same draws everywhere.
at::Generator make_generator(uint64_t seed);
at::Tensor draw_normal(at::Generator& gen, at::IntArrayRef shape, const at::TensorOptions& target);
at::Tensor draw_rademacher(at::Generator& gen, at::IntArrayRef shape, const at::TensorOptions& target);
at::Tensor draw_uniform(at::Generator& gen, at::IntArrayRef shape, double lo, double hi,
                        const at::TensorOptions& target);

/// Concatenates flattened tensors.
at::Tensor flatten_all(const std::vector<at::Tensor>& ts);
int64_t total_numel(const std::vector<at::Tensor>& ts);
/// Throws NumericalError naming `what` when t holds NaN or Inf.
void check_finite(const at::Tensor& t, const std::string& what);

/// Positions as an int64 index tensor on the CPU (for index_select).
at::Tensor index_tensor(const std::vector<int64_t>& positions);

}  // namespace ts
