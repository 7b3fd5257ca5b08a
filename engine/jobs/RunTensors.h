#pragma once
// The tensors of a run folder (jobs/RunFolder.h): its snapshots and probe targets, for the watch job.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

namespace ts {

/// A snapshot's tensors by name (torch.save of a dict of tensors, as the logger writes it). Throws
/// InputError naming the file when it is missing, truncated or not such a dict.
std::vector<std::pair<std::string, at::Tensor>> read_snapshot(const std::string& file);

/// The probe targets of a run as y ∈ R^d for the kernel-target alignment: integer class indices of shape
/// output_shape without its last axis become one-hot over that axis; floats of the output's shape are taken
/// as they are. Throws InputError naming the file when the shape fits neither.
at::Tensor run_targets(const std::string& file, const std::vector<int64_t>& output_shape, int64_t n,
                       int64_t memory_budget);

}  // namespace ts
