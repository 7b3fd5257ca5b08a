#include "estimators/EstimatorRegistry.h"

#include <algorithm>
#include <cmath>

#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "estimators/ExchangeableSketch.h"

namespace ts {

namespace {

// Householder QR of an n×k block and forming its Q: about 4·n·k² flops; one n×k by k×j product: 2·n·k·j.
double qr(double rows, double k) { return 4 * rows * k * k; }
double budget(const EstimatorOptions& o) { return static_cast<double>(std::max<int64_t>(2, o.matvecs)); }

TraceEstimate run_hutchinson(const LinearOperator& A, const RectOperator*, const EstimatorOptions& o,
                             const RunControl& rc) {
  return hutchinson(A, o, rc);
}
AdCost cost_hutchinson(const EstimatorOptions& o) { return {std::max<int64_t>(1, o.matvecs), 0}; }
DenseCost dense_hutchinson(const EstimatorOptions& o, int64_t n, int64_t params) {
  const double b = budget(o);
  return {2 * double(params) * b, double(n) * b};  // ‖Jᵀg‖² of each probe; the probes
}

TraceEstimate run_hutchpp(const LinearOperator& A, const RectOperator*, const EstimatorOptions& o,
                          const RunControl& rc) {
  return hutch_plus_plus(A, o, rc);
}
AdCost cost_hutchpp(const EstimatorOptions& o) {
  const HutchppBudget b = hutchpp_budget(o);
  return {2 * b.sketch + b.probes, b.sketch};  // JᵀS, ‖JᵀQ‖², residual probes; J(JᵀS)
}
DenseCost dense_hutchpp(const EstimatorOptions& o, int64_t n_in, int64_t params) {
  const HutchppBudget b = hutchpp_budget(o);
  const double n = double(n_in), s = double(b.sketch), p = double(b.probes);
  return {qr(n, s) + 4 * n * s * p + 2 * double(params) * (s + p), n * (s + p)};
}

TraceEstimate run_rhutch(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                         const RunControl& rc) {
  return rhutch(*factor, o, rc);
}
TraceEstimate run_fhutch(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                         const RunControl& rc) {
  return fhutch(*factor, o, rc);
}
AdCost cost_rhutch(const EstimatorOptions& o) { return {std::max<int64_t>(2, o.matvecs), 0}; }
AdCost cost_fhutch(const EstimatorOptions& o) { return {0, std::max<int64_t>(2, o.matvecs)}; }
DenseCost dense_one_sided(const EstimatorOptions& o, double space, double other) {
  const double b = budget(o), q = std::max(1.0, std::floor(b / 6)), t = b - q;
  return {qr(space, q) + 4 * space * q * t + 2 * other * b, space * b};
}
// RHutch draws in output space (n) and multiplies in parameter space; FHutch the other way round, so its cost
// grows with P (about 4·P·m²/6 flops and P·m draws).
DenseCost dense_rhutch(const EstimatorOptions& o, int64_t n, int64_t params) {
  return dense_one_sided(o, double(n), double(params));
}
DenseCost dense_fhutch(const EstimatorOptions& o, int64_t n, int64_t params) {
  return dense_one_sided(o, double(params), double(n));
}

TraceEstimate run_xtrace(const LinearOperator& A, const RectOperator*, const EstimatorOptions& o,
                         const RunControl& rc) {
  return xtrace(A, o, rc);
}
AdCost cost_xtrace(const EstimatorOptions& o) {
  const int64_t k = std::max<int64_t>(2, o.matvecs / 2);
  return {2 * k, 2 * k};
}
DenseCost dense_xtrace(const EstimatorOptions& o, int64_t n_in, int64_t) {
  const double n = double(n_in), k = std::max(2.0, std::floor(budget(o) / 2)),
               g = double(detail::jackknife_groups(int64_t(k)));
  return {qr(n, k) + 3 * 2 * n * k * k + 2 * n * k + g * 16 * k * k * k + 10 * k * k * k, n * k};
}

TraceEstimate run_xnystrace(const LinearOperator& A, const RectOperator*, const EstimatorOptions& o,
                            const RunControl& rc) {
  return xnystrace(A, o, rc);
}
AdCost cost_xnystrace(const EstimatorOptions& o) {
  return {std::max<int64_t>(2, o.matvecs), std::max<int64_t>(2, o.matvecs)};
}
DenseCost dense_xnystrace(const EstimatorOptions& o, int64_t n_in, int64_t) {
  const double n = double(n_in), b = budget(o), g = double(detail::jackknife_groups(int64_t(b)));
  return {2 * qr(n, b) + 3 * 2 * n * b * b + g * 16 * b * b * b + 10 * b * b * b, n * b};
}

const char* kHazelden =
    "J. Hazelden, “Fast Neural Tangent Kernel Alignment, Norm and Effective Rank via Trace Estimation”, "
    "arXiv 2511.10796, Algorithm 2";
const char* kEpperly =
    "E. N. Epperly, J. A. Tropp, R. J. Webber, “XTrace: Making the most of every sample in "
    "stochastic trace estimation”, SIAM J. Matrix Anal. Appl. 2024";

}  // namespace

const std::vector<EstimatorInfo>& estimator_registry() {
  static const std::vector<EstimatorInfo> r{
      {"hutchpp", "Hutch++",
       "exact trace of a sketched low-rank part plus Hutchinson on the rest: tr(QᵀKQ) + mean "
       "gᵀ(I−QQᵀ)K(I−QQᵀ)g. Suits most kernels (a good default); its sketch pays off when the spectrum "
       "decays",
       "R. A. Meyer, C. Musco, C. Musco, D. P. Woodruff, “Hutch++: Optimal Stochastic Trace Estimation”, "
       "SOSA 2021",
       false, false, "", true, 32, run_hutchpp, cost_hutchpp, dense_hutchpp},
      {"xnystrace", "XNysTrace",
       "single-pass exchangeable Nyström estimator for positive semi-definite kernels; every test vector is "
       "a "
       "probe and builds the sketch. Suits PSD kernels with a decaying spectrum (the most accurate per "
       "product); its dense algebra grows as d·m²",
       kEpperly, true, false, "xtrace", true, 16, run_xnystrace, cost_xnystrace, dense_xnystrace},
      {"xtrace", "XTrace",
       "two-pass exchangeable estimator: leave-one-out low-rank parts plus their residual probes. Suits "
       "non-symmetric products such as K₁K₂ (alignment)",
       kEpperly, false, false, "", false, 32, run_xtrace, cost_xtrace, dense_xtrace},
      {"hutchinson", "Hutchinson",
       "mean of gᵀKg = ‖Jᵀg‖² over random sign vectors g (VJPs only). Suits flat spectra and very large d, "
       "where a sketch's dense algebra would dominate",
       "M. F. Hutchinson, “A stochastic estimator of the trace of the influence matrix for Laplacian "
       "smoothing "
       "splines”, 1989",
       false, false, "", true, 8, run_hutchinson, cost_hutchinson, dense_hutchinson},
      {"rhutch", "RHutch",
       "one-sided estimator of ‖J‖_F² = tr K from VJPs only (test vectors in output space). Suits small d: "
       "its projections are d-dimensional",
       kHazelden, false, true, "hutchpp", false, 8, run_rhutch, cost_rhutch, dense_rhutch},
      {"fhutch", "FHutch",
       "one-sided estimator of ‖J‖_F² = tr K from JVPs only (test vectors in parameter space). Suits only "
       "P ≪ d: its projections are P-dimensional, which dominates on large models (ResNet-18: seconds per "
       "JVP)",
       kHazelden, false, true, "hutchpp", false, 8, run_fhutch, cost_fhutch, dense_fhutch},
  };
  return r;
}

std::string estimator_list() {
  std::string all;
  for (const auto& e : estimator_registry()) all += (all.empty() ? "" : ", ") + e.name;
  return all;
}

const EstimatorInfo& find_estimator(const std::string& name) {
  for (const auto& e : estimator_registry())
    if (e.name == name) return e;
  throw InputError("unknown estimator '" + name + "' (choose one of: " + estimator_list() + ", or exact)");
}

const std::string& applicable_estimator(const std::string& name, bool psd, bool has_factor) {
  const EstimatorInfo& e = find_estimator(name);
  if ((e.needs_psd && !psd) || (e.needs_factor && !has_factor)) return find_estimator(e.substitute).name;
  return e.name;
}

std::vector<std::string> estimator_names() {
  std::vector<std::string> n;
  for (const auto& e : estimator_registry()) n.push_back(e.name);
  return n;
}

int64_t min_calibrated_budget(const std::vector<std::string>& methods) {
  // A result names its variant after the estimator ("hutchpp-seed", "hutchinson-gaussian"): it counts as that
  // estimator.
  const auto is = [](const std::string& method, const std::string& name) {
    return method == name || method.rfind(name + "-", 0) == 0;
  };
  int64_t m = 8;
  for (const auto& e : estimator_registry())
    for (const auto& method : methods)
      if (is(method, e.name)) m = std::max(m, e.min_calibrated_budget);
  return m;
}

AdCost planned_cost(const EstimatorOptions& o) { return find_estimator(o.method).planned_cost(o); }

DenseCost planned_dense_cost(const EstimatorOptions& o, int64_t n, int64_t params) {
  return find_estimator(o.method).dense_cost(o, n, params);
}

}  // namespace ts
