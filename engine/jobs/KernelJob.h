#pragma once
// The kernel job: the exact kernel between two batches, Θ(X₁, X₂) (eNTK, d₁ × d₂) or the pNTK's Θ̂(X₁, X₂)
// (N₁ × N₂), written as .npy with the Jacobian blocks if asked, so a user can continue in Python.
#include <optional>
#include <string>
#include <vector>

#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct KernelRequest {
  ProblemSpec problem;     ///< problem.data is X₁; problem.kernel entk, pntk or pntk:single:K
  std::string data_b;      ///< X₂ (a data spec); empty: X₂ = X₁
  std::string out;         ///< the kernel as .npy (required)
  std::string factor_out;  ///< optional: X₁'s Jacobian J₁ (entk) or C J₁ (pntk) as .npy
  /// Optional (X₂ = X₁ only): the top `eig_top` eigenpairs of the kernel, as EIG_OUT.values.npy (descending)
  /// and EIG_OUT.vectors.npy (one column per eigenvalue).
  std::string eig_out;
  int64_t eig_top = 20;
};

struct KernelResult {
  KernelRequest request;
  int64_t rows = 0, cols = 0, params = 0;
  std::optional<double> trace;      ///< when X₂ = X₁
  std::vector<double> eigenvalues;  ///< with eig_out: the top ones, descending
  double frobenius = 0;
  double seconds = 0;
  std::vector<std::string> files;
};

/// Checks the memory budget for both Jacobians and the kernel before any work; writes the files atomically.
KernelResult run_kernel_job(const KernelRequest& request, const RunControl& rc = {});

}  // namespace ts
