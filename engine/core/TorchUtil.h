#pragma once
// Small LibTorch helpers shared by the engine: device/dtype parsing, seeded draws, flat views.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/Config.h"

namespace ts {

at::ScalarType parse_dtype(const std::string& name);
at::Device parse_device(const std::string& name);  ///< throws InputError if CUDA is asked for and absent
at::TensorOptions tensor_options(const ComputeConfig& config);
/// Applies config.threads (when > 0).
void apply_threads(const ComputeConfig& config);
std::string dtype_name(at::ScalarType t);

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
std::string blas_description();
/// Keeps large LibTorch buffers in the heap instead of fresh mmap'd pages (glibc), which otherwise costs a
/// page fault per touched page on every matvec block. Called once by the entry points (CLI, app, benchmarks).
void tune_allocator();

}  // namespace ts
