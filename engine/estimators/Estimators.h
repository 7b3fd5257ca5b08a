#pragma once
// Randomized trace estimators (docs/MATH.md §4), written once against LinearOperator / RectOperator.
// Every estimator draws its test vectors from options.seed only, so one seed gives the same numbers.
#include "autodiff/LinearOperator.h"
#include "core/Config.h"
#include "core/RunControl.h"
#include "estimators/EstimatorRegistry.h"

namespace ts {

/// Hutchinson: tr A ≈ (1/m) Σ gᵢᵀAgᵢ with Rademacher or Gaussian gᵢ; std_error = sample std/√m.
TraceEstimate hutchinson(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc = {});

/// Hutch++ (Meyer, Musco, Musco, Woodruff 2021): tr(QᵀAQ) + mean of gᵢᵀ(I−QQᵀ)A(I−QQᵀ)gᵢ with Q = orth(AS);
/// options.split chooses the budget split; std_error is that of the residual Hutchinson term.
TraceEstimate hutch_plus_plus(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc = {});
/// Hutch++'s split of the budget m (at least 3): `thirds`, s = m/3 sketch vectors and p = m − 2s residual
/// probes (Meyer et al.), or `seed`, s = m/6 and p = (m − s)/2.
struct HutchppBudget {
  int64_t sketch = 0;
  int64_t probes = 0;
};
HutchppBudget hutchpp_budget(const EstimatorOptions& o);

/// One-sided estimator of ‖B‖_F² (Hazelden, Algorithm 2). `transpose_side` true: test vectors in R^rows and
/// products Bᵀt (RHutch when B = J: VJPs only); false: test vectors in R^cols and products Bt (FHutch: JVPs
/// only). q = m/6 sign vectors give a data-independent basis Q; estimate Σ‖BQ‖² + mean ‖B(I−QQᵀ)t‖².
TraceEstimate one_sided(const RectOperator& B, bool transpose_side, const EstimatorOptions& o,
                        const RunControl& rc = {});
/// RHutch: the one-sided estimator with test vectors in R^rows and products Bᵀt (for B = J: VJPs only).
TraceEstimate rhutch(const RectOperator& B, const EstimatorOptions& o, const RunControl& rc = {});
/// FHutch: the one-sided estimator with test vectors in R^cols and products Bt (for B = J: JVPs only).
TraceEstimate fhutch(const RectOperator& B, const EstimatorOptions& o, const RunControl& rc = {});

/// XTrace (Epperly, Tropp, Webber 2024): m/2 test vectors, two passes, exchangeable leave-one-out estimates;
/// std_error = std/√(m/2).
TraceEstimate xtrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc = {});

/// XNysTrace: single-pass exchangeable Nyström estimator for PSD A with m test vectors; the stability shift
/// ν is the smallest 10^j·ν₀, j = −1, 0, 1, …, ν₀ = eps(dtype of A)·‖AΩ‖_F/√n, for which the m×m core's
/// Cholesky factorisation succeeds (noted in `note` when ν ends above ν₀).
TraceEstimate xnystrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc = {});

/// XTrace's and XNysTrace's bars are never below u·|estimate|, u = ε/2 the unit roundoff of the products'
/// dtype (ε its machine epsilon). A bar below rounding_level_bar(ε)·|estimate| = max(ε, 10⁻¹³)·|estimate|
/// claims that the error is rounding, not sampling: the budget reached n, or the test vectors captured the
/// kernel's numerical range (10⁻¹³ is where float64's sketch algebra rounds). XTrace and XNysTrace say so in
/// `note`, and `bench calibration` judges such a run by its error against a rounding tolerance, not by z².
/// Measured with float64 products: such runs' errors up to 1.3·10⁻¹³ of tr K, while the smallest sampling
/// bars seen (Hazelden's MLP at m = 512) are 1.8·10⁻¹² and calibrated; with float32 ones, errors up to 1.1 ε.
constexpr double rounding_level_bar(double machine_eps) { return machine_eps > 1e-13 ? machine_eps : 1e-13; }

/// Dispatches on options.method through the estimator registry (EstimatorRegistry.h). rhutch/fhutch need
/// `factor` with A = factorᵀ·factor. With options.tol > 0 runs adaptively: doubles m from options.matvecs
/// until std_error/|estimate| ≤ tol or options.max_matvecs; cost and time are those of all stages.
TraceEstimate estimate_trace(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                             const RunControl& rc = {});

/// The VJPs and JVPs `options.method` will spend on the NTK at budget options.matvecs (for a budget below the
/// operator's size; an adaptive run spends up to about twice its final stage): the registry's planned_cost.
AdCost planned_cost(const EstimatorOptions& options);

/// The dense algebra of one estimate besides its products, for an operator of size n (d, or N for the pNTK)
/// whose factor has `params` columns (P; 0 when there is none): floating-point operations of the QR
/// factorisations, projections and small factorisations, and the random numbers drawn for test vectors.
/// FHutch works in parameter space, so its cost grows with P (about 4·P·m²/6 flops and P·m draws).
DenseCost planned_dense_cost(const EstimatorOptions& options, int64_t n, int64_t params);

/// Seconds the dense algebra of `cost` should take on this machine: flops at the measured rate of a float64
/// matrix product of estimator shape, draws at the measured rate of the probe generator (both measured once
/// per process, in about 20 ms).
double predicted_dense_seconds(const DenseCost& cost);

/// The method names estimate_trace accepts (the registry's, in its order).
std::vector<std::string> estimator_names();

}  // namespace ts
