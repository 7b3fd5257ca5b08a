#pragma once
// The kernel job: the kernel between two batches, Θ(X₁, X₂) (eNTK, d₁ × d₂) or the pNTK's Θ̂(X₁, X₂)
// (N₁ × N₂), as .npy so a user can continue in Python. Three ways out, by what fits the memory budget:
// the exact kernel (and Jacobian, and Jacobian blocks per layer); matrix-free products Θ(X₁, X₂) V; and the
// top eigenpairs, from the exact kernel or by block Lanczos on the operator (no d × d matrix, no Jacobian).
#include <optional>
#include <string>
#include <vector>

#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct KernelRequest {
  ProblemSpec problem;  ///< problem.data is X₁; problem.kernel entk, pntk or pntk:single:K
  std::string data_b;   ///< X₂ (a data spec); empty: X₂ = X₁
  /// The kernel as .npy; with `apply`, the product Θ(X₁, X₂) V instead. May be empty when only eigenpairs
  /// or Jacobian blocks are asked for.
  std::string out;
  std::string factor_out;  ///< optional: X₁'s Jacobian J₁ (entk) or C J₁ (pntk) as .npy
  /// Optional: a .npy of V ([d₂] or [d₂, k]; pNTK: N₂ rows): `out` gets Θ(X₁, X₂) V by products, without
  /// forming the kernel or a Jacobian.
  std::string apply;
  /// Optional (eNTK): X₁'s Jacobian one parameter group at a time, as BLOCKS_OUT.<group>.npy (d₁ × P_g) and
  /// BLOCKS_OUT.groups.json (names, sizes, files, column ranges in J).
  std::string blocks_out;
  std::string groups;  ///< parameter groups for blocks_out: empty = one per module, else name prefixes (';')
  /// Optional (X₂ = X₁ only): the top `eig_top` eigenpairs of the kernel, as EIG_OUT.values.npy (descending)
  /// and EIG_OUT.vectors.npy (one unit column per eigenvalue).
  std::string eig_out;
  int64_t eig_top = 20;
  /// "exact" (eigh of the formed kernel), "lanczos" (block Lanczos on the operator), or "auto": exact when
  /// the kernel is formed anyway (`out` given) or fits the budget, else Lanczos.
  std::string eig_method = "auto";
  int64_t eig_max_matvecs = 0;  ///< Lanczos: largest Krylov basis (0: min(n, max(10·top, 200)))
  double eig_tol = 0;  ///< Lanczos: ‖Kv − λv‖ ≤ tol·λ₁ (0: 1e-10 in float64, 1e-5 in float32)
  int64_t block = 16;  ///< vectors per product call (apply, Lanczos)
};

/// One parameter group's Jacobian block J_g (columns of J).
struct JacobianBlock {
  std::string name, file;
  int64_t params = 0;  ///< P_g
  double trace = 0;    ///< tr K_g = ‖J_g‖_F²
};

struct KernelResult {
  KernelRequest request;
  int64_t rows = 0, cols = 0, params = 0;  ///< the kernel's shape (the operator's with apply), P
  std::optional<double> trace;             ///< when the kernel was formed and X₂ = X₁
  std::optional<double> frobenius;         ///< when the kernel was formed
  std::vector<int64_t> product_shape;      ///< with apply: the shape of Θ V
  std::vector<double> eigenvalues;         ///< with eig_out: the top ones, descending
  std::vector<double> eig_residuals;       ///< ‖K vᵢ − λᵢ vᵢ‖ for each of them
  std::string eig_method;                  ///< "exact" or "lanczos", as run
  int64_t eig_matvecs = 0;                 ///< Lanczos: products spent
  bool eig_converged = true;               ///< Lanczos: every residual within the tolerance
  double eig_tol = 0;                      ///< Lanczos: the tolerance in force
  std::vector<JacobianBlock> blocks;
  int64_t vjps = 0, jvps = 0;
  double seconds = 0;
  std::vector<std::string> files;
};

/// Checks every input and the memory budget (both Jacobians, the kernel, the Krylov basis) before any work,
/// and writes every file atomically; a failed or cancelled run leaves no partial file.
KernelResult run_kernel_job(const KernelRequest& request, const RunControl& rc = {});

}  // namespace ts
