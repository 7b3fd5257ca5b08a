#pragma once
// Where a kernel comes from: a model on a batch of data. Plain struct, no LibTorch (the UI includes it).
#include <string>

#include "core/Config.h"

namespace ts {

struct ProblemSpec {
  // The default a user gets when choosing nothing: scikit-learn's digits with a built-in MLP.
  std::string model = default_string("problem.model");
  std::string model_b;  ///< second snapshot for alignment (same architecture), optional
  std::string data = default_string("problem.data");
  std::string input_shape;  ///< shape of one input, e.g. "15,10" (TorchScript files without metadata need it)
  std::string output;       ///< a TorchScript model returning a tuple, list or dict: which output (Model.h)
  std::string params = default_string("problem.params");
  std::string jvp = default_string("problem.jvp");  ///< forward or double-backward
  /// The kernel the trace and compare jobs estimate: "entk" (K = JJᵀ, d×d), or the pseudo-NTK "pntk" (sum of
  /// logits, N×N) / "pntk:single:K" (docs/MATH.md §6).
  std::string kernel = default_string("problem.kernel");
  ComputeConfig compute;
};

/// How the JVPs of a run were computed: forward mode, or double backward where forward mode was abandoned.
struct JvpPath {
  std::string path;                ///< "forward" or "double-backward", as the JVPs ran
  std::string fallback;            ///< why forward mode was abandoned (names the operator), if it was
  std::string choice;              ///< --jvp auto: which path was timed faster, and the timings
  std::string vjp = "per-vector";  ///< "batched" or "per-vector": how the VJPs ran
  std::string jvp_batching = "per-vector";  ///< "batched", "replicated" or "per-vector"
  std::string kernel = "vjp-then-jvp";      ///< "fused" or "streamed" (TangentMap::kernel_path)
  int64_t block = 1;                        ///< vectors per block product
  std::string block_choice;             ///< by default: blocks or one at a time, as measured, and the timings
  std::string batching_fallback;        ///< why block products were abandoned, if they were
  int ranks = 1;                        ///< processes the products ran on (dist::world())
  std::string distribute = "products";  ///< how they divided them: "products" or "batch"
};

}  // namespace ts
