#pragma once
// Where the kernel lives (docs/MATH.md §5.4): K = Σ_g J_g J_gᵀ over parameter groups g, so tr K = Σ_g tr K_g,
// and every quadratic form of K splits the same way: zᵀKz = ‖Jᵀz‖² = Σ_g ‖J_gᵀz‖². The VJPs of a trace
// estimate therefore carry every group's part at no extra cost.
#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "autodiff/TangentMap.h"
#include "core/Config.h"
#include "core/Results.h"
#include "core/RunControl.h"

namespace ts {

/// A set of parameters of the selection: a module, or the parameters matching a name prefix.
struct ParameterGroup {
  std::string name;
  std::vector<int64_t> slots;  ///< positions in the selected parameters (TangentMap's flattening order)
  int64_t size = 0;            ///< P_g
};

/// The groups of J's selected parameters: `spec` empty groups by module (a TorchScript name up to its last
/// '.'; built-in models by layer: w0/b0, conv1_w/conv1_b); else name prefixes separated by ';' or '|', in
/// that order, each parameter in the first that matches, the rest in "(other)". Groups keep first-appearance
/// order.
std::vector<ParameterGroup> parameter_groups(const TangentMap& J, const std::string& spec = "");

/// The columns of J (positions in the flattened parameter vector, TangentMap's order) that belong to `group`,
/// as a long tensor on J's device.
at::Tensor group_columns(const TangentMap& J, const ParameterGroup& group);

/// Estimates (or computes) tr K_g for every group in one run. Errors: per group the sample standard error of
/// its residual quadratic forms (Hutch++, independent given the sketch) or of its probes (Hutchinson), × the
/// t quantile. `rc` receives running estimates of tr K and, as partial results ("layer-traces", LayerTraces),
/// every group's running estimate after each block of probes.
LayerTraces layer_traces(const TangentMap& J, const LayerTraceOptions& options, const RunControl& rc = {});

}  // namespace ts
