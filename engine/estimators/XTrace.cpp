// XTrace and XNysTrace, following the reference MATLAB code (eepperly/XTrace: code/xtrace.m and
// code/xnystrace_helper.m) with its "improved" normalised test vectors, for real matrices.
//
// Each estimator is split in two: the products with A and the n-dimensional algebra run once and leave small
// k×k matrices (a "sketch"); the exchangeable leave-one-out estimates are computed from the sketch alone. The
// sketch of a subset of the test vectors follows from the full one without new products (a k×k QR), which
// gives the delete-a-group jackknife error estimate (docs/MATH.md, "Error estimates of the exchangeable
// estimators").
#include "core/Errors.h"
#include "core/Numbers.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "estimators/ExchangeableSketch.h"
#include "exact/Exact.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts {

namespace detail {

namespace {

// The thin QR Q''R' of R(:, keep) for an upper-triangular k×k R and increasing `keep`, as the jackknife's
// sub-sketches need it. Column c of R(:, keep) has non-zeros in rows 0..keep[c] only, so the reflector that
// clears it below the diagonal spans rows c..keep[c]: at most one more than the columns deleted before it.
// Done column by column with such short reflectors it costs O(k²·deleted) instead of a dense QR's O(k³).
class SubsetQr {
 public:
  SubsetQr(const Mat& R, const std::vector<int64_t>& keep) : a_(R(Eigen::all, keep)) {
    const Eigen::Index c = a_.cols();
    for (Eigen::Index j = 0; j < c; ++j) {
      const Eigen::Index len = keep[static_cast<size_t>(j)] - j + 1;
      if (len <= 1) continue;
      Reflector h{j, len, Vec(len - 1), 0};
      double beta = 0;
      a_.col(j).segment(j, len).makeHouseholder(h.essential, h.tau, beta);
      a_(j, j) = beta;
      a_.col(j).segment(j + 1, len - 1).setZero();
      if (j + 1 < c) apply_left(h, a_.rightCols(c - j - 1));
      reflectors_.push_back(std::move(h));
    }
  }
  /// R' (k'×k').
  Mat r() const { return a_.topRows(a_.cols()).triangularView<Eigen::Upper>(); }
  /// Q''ᵀ X (k'×·) for X with k rows.
  Mat qt_times(Mat X) const {
    for (const Reflector& h : reflectors_) apply_left(h, X);
    return X.topRows(a_.cols());
  }
  /// Q''ᵀ X Q'' (k'×k') for a k×k X.
  Mat qt_x_q(Mat X) const {
    Vec work(X.rows());
    for (const Reflector& h : reflectors_) {
      apply_left(h, X);
      X.middleCols(h.row, h.len).applyHouseholderOnTheRight(h.essential, h.tau, work.data());
    }
    return X.topLeftCorner(a_.cols(), a_.cols());
  }

 private:
  struct Reflector {
    Eigen::Index row, len;
    Vec essential;
    double tau;
  };
  template <class Block>
  static void apply_left(const Reflector& h, Block&& X) {
    Vec work(X.cols());
    X.middleRows(h.row, h.len).applyHouseholderOnTheLeft(h.essential, h.tau, work.data());
  }
  Mat a_;
  std::vector<Reflector> reflectors_;
};

}  // namespace

std::vector<double> XTraceSketch::estimates() const {
  const int64_t k = R.cols();
  const Mat S = leave_one_out_directions(R);
  // Normalisation of the improved estimator: column j of Ω (and so of Y, R, W, T) scaled by scale(j).
  Vec scale(k);
  const Vec dSW0 = coldot(S, W);
  for (int64_t j = 0; j < k; ++j) {
    const double wn = W.col(j).squaredNorm();
    const double sn = S.col(j).norm();
    scale(j) =
        std::sqrt(double(n - k + 1)) / std::sqrt(double(n) - wn + std::pow(std::fabs(dSW0(j)) * sn, 2));
  }
  Mat Rs = R, Ws = W, Ts = T;
  Vec dOmY = omega_y;
  for (int64_t j = 0; j < k; ++j) {
    Rs.col(j) *= scale(j);
    Ws.col(j) *= scale(j);
    Ts.col(j) *= scale(j);
    dOmY(j) *= scale(j) * scale(j);
  }
  const Mat HW = H * Ws;
  const Vec dSW = coldot(Ws, S);
  const Vec dSHS = coldot(S, H * S);
  const Vec dWR = coldot(Ws, Rs);
  const Vec dTW = coldot(Ts, Ws);
  const Vec dWHW = coldot(Ws, HW);
  const Vec dSRmHW = coldot(S, Rs - HW);
  const Vec dTmHRS = coldot(Ts - H.transpose() * Ws, S);
  const double trH = H.trace();
  std::vector<double> ests(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    ests[j] = trH - dSHS(j) + dOmY(j) - dWR(j) - dTW(j) + dWHW(j) + dSW(j) * dSRmHW(j) +
              dSW(j) * dSW(j) * dSHS(j) + dTmHRS(j) * dSW(j);
  return ests;
}

XTraceSketch XTraceSketch::subset(const std::vector<int64_t>& keep) const {
  // Y_keep = Q R[:, keep] = (Q Q'') R': the new basis is Q Q'', and Z = A Q becomes Z Q''.
  const SubsetQr qr(R, keep);
  XTraceSketch s;
  s.n = n;
  s.R = qr.r();
  s.W = qr.qt_times(W(Eigen::all, keep));
  s.H = qr.qt_x_q(H);
  s.T = qr.qt_times(T(Eigen::all, keep));
  s.omega_y = omega_y(keep);
  return s;
}

std::optional<std::vector<double>> XNysTraceSketch::estimates() const {
  const int64_t m = R.cols();
  // Normalisation of the improved estimator depends on Ω only (Ω = Q_Ω R_Ω, so Q_Ωᵀ Ω = R_Ω).
  Vec scale(m);
  {
    const Mat SS = leave_one_out_directions(omega_r);
    const Vec d = coldot(SS, omega_r);
    for (int64_t j = 0; j < m; ++j)
      scale(j) = double(n - m + 1) /
                 (double(n) - omega_r.col(j).squaredNorm() + std::pow(std::fabs(d(j)) * SS.col(j).norm(), 2));
  }
  Mat Hs = (H + H.transpose()) / 2;
  Eigen::LLT<Mat> llt(Hs);
  if (llt.info() != Eigen::Success) return std::nullopt;
  const Mat C = llt.matrixU();  // H = CᵀC
  // B = R C⁻¹ (the Nyström approximation is Q B Bᵀ Qᵀ).
  const Mat B = C.transpose().triangularView<Eigen::Lower>().solve(R.transpose()).transpose();
  // S = (B C⁻ᵀ) · diag(H⁻¹)^(−1/2); diag(H⁻¹)_j = ‖row j of C⁻¹‖².
  const Mat Cinv = C.triangularView<Eigen::Upper>().solve(Mat::Identity(m, m));
  Mat S = C.triangularView<Eigen::Upper>().solve(B.transpose()).transpose();
  for (int64_t j = 0; j < m; ++j) S.col(j) /= Cinv.row(j).norm();
  const Vec dSW = coldot(S, W);
  const double bf = B.squaredNorm();
  std::vector<double> ests(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    ests[j] = bf - S.col(j).squaredNorm() + dSW(j) * dSW(j) * scale(j) - nu * double(n);
    if (!std::isfinite(ests[j])) return std::nullopt;
  }
  return ests;
}

XNysTraceSketch XNysTraceSketch::subset(const std::vector<int64_t>& keep) const {
  const SubsetQr qr(R, keep);
  XNysTraceSketch s;
  s.n = n;
  s.nu = nu;
  s.R = qr.r();
  s.W = qr.qt_times(W(Eigen::all, keep));
  s.omega_r = SubsetQr(omega_r, keep).r();
  s.H = H(keep, keep);
  return s;
}

XTraceSketch make_xtrace_sketch(const LinearOperator& A, const at::Tensor& Om, int64_t block) {
  const at::Tensor Y = apply_d(A, Om, block);
  auto qr = at::linalg_qr(Y, "reduced");
  const at::Tensor Q = std::get<0>(qr);
  const at::Tensor Z = apply_d(A, Q, block);
  XTraceSketch s;
  s.n = A.size();
  s.R = to_eigen(std::get<1>(qr));
  s.W = to_eigen(at::matmul(Q.t(), Om));
  s.H = to_eigen(at::matmul(Q.t(), Z));
  s.T = to_eigen(at::matmul(Z.t(), Om));
  s.omega_y = to_eigen_vec(coldot(Om, Y));
  return s;
}

namespace {

// The sketch of Y = AΩ + νΩ, whose H = ΩᵀY is already formed.
XNysTraceSketch sketch_of(const at::Tensor& Om, const at::Tensor& Y, Mat H, double nu, const Mat& omega_r) {
  auto qr = at::linalg_qr(Y, "reduced");
  XNysTraceSketch s;
  s.n = Om.size(0);
  s.nu = nu;
  s.R = to_eigen(std::get<1>(qr));
  s.W = to_eigen(at::matmul(std::get<0>(qr).t(), Om));
  s.H = std::move(H);
  s.omega_r = omega_r;
  return s;
}

}  // namespace

XNysTraceSketch make_xnystrace_sketch(const at::Tensor& Om, const at::Tensor& Y0, double nu) {
  const at::Tensor Y = Y0 + nu * Om;
  return sketch_of(Om, Y, to_eigen(at::matmul(Om.t(), Y)), nu,
                   to_eigen(std::get<1>(at::linalg_qr(Om, "reduced"))));
}

std::optional<XNysTraceSketch> try_xnystrace_sketch(const at::Tensor& Om, const at::Tensor& Y0, double nu,
                                                    const Mat& omega_r) {
  const at::Tensor Y = Y0 + nu * Om;
  Mat H = to_eigen(at::matmul(Om.t(), Y));
  // The factorisation estimates() needs, tried before the n×m QR: a shift too small costs H only.
  if (Eigen::LLT<Mat>((H + H.transpose()) / 2).info() != Eigen::Success) return std::nullopt;
  return sketch_of(Om, Y, std::move(H), nu, omega_r);
}

int64_t jackknife_groups(int64_t k) {
  if (k < 4) return 0;  // too few test vectors: keep the sample standard error
  return std::min<int64_t>(k, k <= 256 ? 20 : 10);
}

template <class Sketch, class Estimates>
std::optional<ExchangeableErrors> exchangeable_errors(const Sketch& full, const std::vector<double>& t,
                                                      Estimates&& estimates_of) {
  const int64_t k = static_cast<int64_t>(t.size());
  const int64_t g = jackknife_groups(k);
  if (g == 0) return std::nullopt;
  const double T = moments(t).mean;
  // E(G) = Σ_{i∈G} (tᵢ − T); M(G, H) = Σ_{i∈G} (t_{i(−H)} − T), tᵢ recomputed without group H (the
  // jackknife's subsets give these for free).
  Vec E = Vec::Zero(g);
  for (int64_t i = 0; i < k; ++i) E(i % g) += t[i] - T;
  Mat M = Mat::Zero(g, g);
  std::vector<double> means;
  for (int64_t group = 0; group < g; ++group) {
    std::vector<int64_t> keep;
    for (int64_t j = 0; j < k; ++j)
      if (j % g != group) keep.push_back(j);
    const std::optional<std::vector<double>> e = estimates_of(full.subset(keep));
    if (!e) return std::nullopt;
    means.push_back(moments(*e).mean);
    for (size_t c = 0; c < keep.size(); ++c) M(keep[c] % g, group) += (*e)[c] - T;
  }
  // Delete-a-group jackknife: var = (g−1)/g Σ (T₍₋G₎ − mean)².
  const double mean = moments(means).mean;
  double ss = 0;
  for (double v : means) ss += (v - mean) * (v - mean);
  ExchangeableErrors r;
  r.jackknife = std::sqrt(double(g - 1) / double(g) * ss);
  // The paired variance: D = Σ (tᵢ − T)² and the between-group products X, scaled from their P pairs of
  // test vectors to all k(k−1).
  double D = 0;
  for (double v : t) D += (v - T) * (v - T);
  double xb = 0, pb = double(k) * double(k);
  for (int64_t G = 0; G < g; ++G) {
    const double size = double((k - 1 - G) / g + 1);
    pb -= size * size;
    for (int64_t H = 0; H < g; ++H)
      if (G != H) xb += E(G) * E(H) - M(G, H) * M(H, G);
  }
  const double kk = double(k) * double(k - 1);
  r.paired_variance = (D + xb * kk / pb) / kk;
  return r;
}

std::optional<ExchangeableErrors> exchangeable_errors(const XTraceSketch& s, const std::vector<double>& t) {
  return exchangeable_errors(s, t, [](const XTraceSketch& sub) { return std::optional(sub.estimates()); });
}

std::optional<ExchangeableErrors> exchangeable_errors(const XNysTraceSketch& s,
                                                      const std::vector<double>& t) {
  return exchangeable_errors(s, t, [](const XNysTraceSketch& sub) { return sub.estimates(); });
}

}  // namespace detail

namespace {

// When the budget reaches n, the trace is read off A applied to a basis: exact up to rounding.
TraceEstimate exact_by_basis(const LinearOperator& A, TraceEstimate r, const EstimatorOptions& o,
                             const detail::Stopwatch& sw, const AdCost& c0) {
  const int64_t n = A.size();
  r.estimate = exact_operator_trace(A, {}, o.block);
  r.std_error = 0.0;
  r.error_method = "exact";
  r.matvecs = n;
  r.note = "budget ≥ n: the exact trace, Σ eᵢᵀAeᵢ over the n unit vectors";
  if (o.record_history) r.history.push_back({n, r.estimate, 0.0, sw.seconds()});
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

double machine_eps(const at::TensorOptions& opts) {
  return opts.dtype() == at::kFloat ? std::numeric_limits<float>::epsilon()
                                    : std::numeric_limits<double>::epsilon();
}

// The estimate is the mean of the leave-one-out estimates. Its error (docs/MATH.md §4.6) is a weighted
// geometric mean of three estimates, each first scaled to a 95% Student-t half-width over 1.96: the sample
// standard error of the leave-one-out estimates is optimistic (they are positively correlated), the
// delete-a-group jackknife pessimistic (Efron–Stein: it weights an interaction of j test vectors j times),
// and the paired estimate close but noisy and somewhat low (so floored at the sample one). The weights ¼, ⅜,
// ⅜ and XTrace's factor are measured, not derived (docs/PERFORMANCE.md, "Error bars"): with the weights alone
// XTrace's 46 offered cells lay at mean z² 0.48–0.99 with 1,000 seeds, all on the wide side, while
// XNysTrace's lie on both sides of 1 (0.51–1.43); the factor 0.9 (0.81 in variance) centres XTrace's cells in
// the required [0.5, 1.5].
//
// The bar never claims more than the products' precision: u·|t̄|, u = ε/2 the unit roundoff of the products'
// dtype, is added in quadrature. Where the test vectors capture the kernel's numerical range the
// leave-one-out estimates agree to far below their common rounding, and without the floor a float32 run 1.1 ε
// off tr K reported a bar of 0.4 ε. The floor was ε·|t̄| at first; with it, XNysTrace's bars at m = 256 on the
// transformer in float32, where errors are 1–4 ε, were 1.45 times too wide over all 200 runs (mean z² 0.48;
// 0.58 with u).
constexpr double kXTraceFactor = 0.9;

constexpr const char* kFloor =
    "; with u·|estimate| added in quadrature (u = ε/2, the products' unit roundoff)";

void set_estimate(TraceEstimate& r, const std::vector<double>& ests,
                  const std::optional<detail::ExchangeableErrors>& errs, double factor, double eps) {
  const double u = eps / 2;  // the unit roundoff: the floor
  const auto mo = detail::moments(ests);
  const int64_t k = static_cast<int64_t>(ests.size());
  r.estimate = mo.mean;
  r.sample_std_error = mo.std_error;
  const double textbook = detail::t_scaled(mo.std_error, k);
  if (errs) {
    const int64_t g = detail::jackknife_groups(k);
    const double jackknife = detail::t_scaled(errs->jackknife, g);
    const double paired =
        std::max(textbook, detail::t_scaled(std::sqrt(std::max(0.0, errs->paired_variance)), k));
    r.jackknife_std_error = jackknife;
    r.paired_std_error = paired;
    r.std_error =
        std::hypot(factor * std::pow(textbook, 0.25) * std::pow(jackknife, 0.375) * std::pow(paired, 0.375),
                   u * std::fabs(r.estimate));
    r.error_method =
        std::string(factor == 1.0 ? "" : format_number(factor, 2) + " × the ") +
        "geometric mean, weights 1/4, 3/8, 3/8, of the sample std/√k of the leave-one-out "
        "estimates × t(0.975, k−1)/1.96, the jackknife over " +
        std::to_string(g) +
        " groups of test vectors × t(0.975, g−1)/1.96, and the paired error × t(0.975, k−1)/1.96" + kFloor;
  } else {
    r.std_error = std::hypot(textbook, u * std::fabs(r.estimate));
    r.error_method = std::string(
                         "sample std/√k of the leave-one-out estimates, × t(0.975, k−1)/1.96 (too few "
                         "for the jackknife)") +
                     kFloor;
  }
  // Where the test vectors captured the kernel's numerical range the leave-one-out estimates agree to their
  // rounding, and the error is the rounding of the products and of the sketch's algebra, which the bar does
  // not bound: with float64 products, bars of 4·10⁻¹⁶–10⁻¹⁴ of the trace against errors up to 1.3·10⁻¹³ (a
  // transformer at m = 256 and 512). Say so. Sampling bars are larger: on Hazelden's MLP at m = 512 they are
  // 1.8·10⁻¹²–1.3·10⁻¹¹ and calibrated over all 200 runs (mean z² 0.78 and 1.03; docs/PERFORMANCE.md).
  if (*r.std_error < rounding_level_bar(eps) * std::fabs(r.estimate)) {
    r.note +=
        std::string(r.note.empty() ? "" : "; ") +
        "the bar is at the rounding level: the test vectors captured the kernel's numerical range, and the "
        "error is the rounding of the products and of the sketch's algebra, which the bar does not bound "
        "(measured up to 1.3·10⁻¹³ of the trace with float64 products, 1.1 ε with float32)";
  }
}

}  // namespace

TraceEstimate xtrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = "xtrace";
  const int64_t n = A.size(), block = dist::call_block(o.block);
  const int64_t k = std::max<int64_t>(2, o.matvecs / 2);
  if (k >= n) return exact_by_basis(A, r, o, sw, c0);
  auto gen = make_generator(o.seed);
  rc.check();
  const at::Tensor Om = detail::draw_sphere(gen, n, k, A.options());
  // Y = AΩ, then Z = AQ: 2k products.
  const detail::XTraceSketch s = detail::make_xtrace_sketch(A, Om, block);
  rc.check();
  const std::vector<double> ests = s.estimates();
  set_estimate(r, ests, detail::exchangeable_errors(s, ests), kXTraceFactor, machine_eps(A.options()));
  r.matvecs = 2 * k;
  if (o.record_history) r.history.push_back({2 * k, r.estimate, *r.std_error, sw.seconds()});
  rc.report_estimate(2 * k, 2 * k, "XTrace", r.estimate);
  detail::finish(r, c0, A.cost(), sw);
  return r;
}

TraceEstimate xnystrace(const LinearOperator& A, const EstimatorOptions& o, const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = A.cost();
  TraceEstimate r;
  r.method = "xnystrace";
  if (!A.is_psd())
    throw InputError("XNysTrace needs a symmetric positive semi-definite operator; " + A.name() +
                     " is not (use xtrace or hutchpp)");
  const int64_t n = A.size(), block = dist::call_block(o.block);
  const int64_t m = std::max<int64_t>(2, o.matvecs);
  if (m >= n) return exact_by_basis(A, r, o, sw, c0);
  auto gen = make_generator(o.seed);
  rc.check();
  const at::Tensor Om = detail::draw_sphere(gen, n, m, A.options());
  const at::Tensor Y0 = detail::apply_d(A, Om, block);
  rc.report(m, m, "XNysTrace sketch");

  // The normalisation depends on Ω only: its QR once, not per shift.
  const detail::Mat omega_r = detail::to_eigen(std::get<1>(at::linalg_qr(Om, "reduced")));
  // The shift is the smallest 10^j·ν₀, j = −1 … 11, for which the core ΩᵀAΩ + νΩᵀΩ has a Cholesky factor
  // (tried on the m×m core before the n×m QR); ν₀ = ε·‖AΩ‖_F/√n scales with the precision of the products
  // (docs/MATH.md §4). Past a kernel's numerical rank the shift's own bias is the error in float32: ν₀ left
  // 10⁻⁶ of tr K on the transformer at m = 256, 0.1·ν₀ 1.6·10⁻⁷. Smaller shifts still, where they factor,
  // leave a core so near singular that the bars under-cover (Hazelden's MLP at m = 32: 10 of 27 such runs
  // outside ±2σ).
  const double eps = machine_eps(A.options());
  const double nu0 = o.shift_factor * eps * Y0.norm().item<double>() / std::sqrt(double(n));
  double nu = nu0 / 10;
  for (int j = -1; j <= 11; ++j, nu *= 10) {
    const std::optional<detail::XNysTraceSketch> s = detail::try_xnystrace_sketch(Om, Y0, nu, omega_r);
    if (!s) continue;
    const std::optional<std::vector<double>> ests = s->estimates();
    if (!ests) continue;
    if (j > 0) {
      r.note = "stability shift enlarged to " + format_number(nu, 3) + ", 10^" + std::to_string(j) +
               " × ε·‖AΩ‖_F/√n (ΩᵀAΩ was not numerically positive definite with less)";
    }
    set_estimate(r, *ests, detail::exchangeable_errors(*s, *ests), 1.0, eps);
    r.matvecs = m;
    if (o.record_history) r.history.push_back({m, r.estimate, *r.std_error, sw.seconds()});
    rc.report_estimate(m, m, "XNysTrace", r.estimate);
    detail::finish(r, c0, A.cost(), sw);
    return r;
  }
  throw NumericalError("XNysTrace: the Nyström core ΩᵀAΩ is not positive definite even with a shift of " +
                       format_number(nu / 10, 3) + "; is the operator PSD?");
}

}  // namespace ts
