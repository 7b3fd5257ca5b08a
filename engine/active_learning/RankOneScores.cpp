#include "active_learning/RankOneScores.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "active_learning/LookaheadObjective.h"
#include "core/Errors.h"

namespace ts {

namespace {

// Π_Δ(z) of one row into p, as simplex_projection: sort descending, λ = (1 − Σ_{j≤ρ} u_j)/ρ with ρ the
// number of j where u_j + (1 − Σ_{i≤j} u_i)/j > 0, tested as j·u_j + 1 − Σ_{i≤j} u_i > 0 (no division; the
// same up to rounding at the boundary, where the entry's projection is 0 either way). The sort is an odd-even
// transposition network (max/min without branches), unrolled for a known O: rows are short, and std::sort's
// mispredicted branches cost ten times more. `u` is scratch of O entries.
template <int64_t K>
double project_fixed(const double* z, int64_t k_runtime, double* scratch, double* p) {
  const int64_t k = K > 0 ? K : k_runtime;
  // With K known, the unrolled network works on registers (a scratch array in memory stalls on
  // store-to-load forwarding between the rounds).
  double local[K > 0 ? K : 1];
  double* u = K > 0 ? local : scratch;
  std::copy(z, z + k, u);
#pragma GCC unroll 16
  for (int64_t round = 0; round < k; ++round)
#pragma GCC unroll 16
    for (int64_t j = round & 1; j + 1 < k; j += 2) {
      const double a = u[j], b = u[j + 1];
      u[j] = std::max(a, b);
      u[j + 1] = std::min(a, b);
    }
  double total = 0, total_rho = 0;
  int64_t rho = 0;
#pragma GCC unroll 16
  for (int64_t j = 0; j < k; ++j) {
    total += u[j];
    const bool in = double(j + 1) * u[j] + (1 - total) > 0;
    rho += in;
    total_rho = in ? total : total_rho;
  }
  const double lambda = rho == 0 ? 1 - u[0] : (1 - total_rho) / double(rho);
  if (p)
    for (int64_t j = 0; j < k; ++j) p[j] = std::max(z[j] + lambda, 0.0);
  return std::max(u[0] + lambda, 0.0);  // max_j p_j
}

// Π_Δ(z) into p (unless null); returns max_j Π_Δ(z)_j.
double project_row(const double* z, int64_t k, double* u, double* p) {
  if (k == 10) return project_fixed<10>(z, k, u, p);  // the usual ten classes
  return project_fixed<0>(z, k, u, p);
}

// S(z) of the t-softmax objective: Π_Δ(z), or softmax(log Π_Δ(z) / T) for T ≠ 1.
void soft_row(const double* z, int64_t k, double temperature, double* u, double* s) {
  project_row(z, k, u, s);
  if (temperature == 1.0) return;
  double top = -INFINITY;
  for (int64_t j = 0; j < k; ++j) top = std::max(top, s[j] = std::log(s[j]) / temperature);
  double total = 0;
  for (int64_t j = 0; j < k; ++j) total += (s[j] = std::exp(s[j] - top));
  for (int64_t j = 0; j < k; ++j) s[j] /= total;
}

int64_t first_argmax(const double* v, int64_t k) {
  int64_t arg = 0;
  double best = v[0];
  for (int64_t j = 1; j < k; ++j)
    if (v[j] > best) best = v[j], arg = j;  // strictly: ties keep the first maximum, as argmax_last
  return arg;
}

at::Tensor to_cpu_double(const at::Tensor& t) { return t.to(at::kCPU, at::kDouble).contiguous(); }

}  // namespace

RankOneResult rank_one_scores(const std::string& objective, const RankOneTerms& terms,
                              const at::Tensor& ref_in, const at::Tensor& ref_arg_in,
                              const at::Tensor& labels_in, const at::Tensor& pseudo_in,
                              const at::Tensor& weights_in, double temperature) {
  const auto& names = lookahead_objectives();
  if (std::find(names.begin(), names.end(), objective) == names.end())
    throw InputError("unknown look-ahead objective '" + objective + "'");
  if (objective == "t-softmax" && (!(temperature > 0) || !std::isfinite(temperature)))
    throw InputError("the t-softmax temperature must be positive, got " + std::to_string(temperature));
  const bool expected = objective_expected(objective);
  const at::Tensor f0 = to_cpu_double(terms.f0), d0 = to_cpu_double(terms.delta0), w = to_cpu_double(terms.w),
                   a = to_cpu_double(terms.a), ref = to_cpu_double(ref_in);
  const at::Tensor ref_arg = ref_arg_in.to(at::kCPU, at::kLong).contiguous(),
                   labels = labels_in.to(at::kCPU, at::kLong).contiguous(),
                   pseudo = pseudo_in.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor weights = expected ? to_cpu_double(weights_in) : at::Tensor();
  const int64_t c = w.size(0), nu = w.size(1), o = f0.size(1), nk = a.size(1);
  if (!(f0.size(0) == nu && d0.sizes() == f0.sizes() && ref.sizes() == f0.sizes() && a.size(0) == c &&
        a.size(2) == o && labels.size(0) == c && labels.size(1) == nk && pseudo.numel() == c))
    throw std::logic_error("internal error: rank_one_scores got inconsistent shapes");

  // S(R) once for the t-softmax objective.
  std::vector<double> sref;
  if (objective == "t-softmax") {
    sref.resize(size_t(nu * o));
    std::vector<double> u(static_cast<size_t>(o));
    for (int64_t i = 0; i < nu; ++i)
      soft_row(ref.data_ptr<double>() + i * o, o, temperature, u.data(), sref.data() + i * o);
  }
  RankOneResult out;
  out.norm = at::empty({c}, at::TensorOptions().dtype(at::kDouble));
  out.flips = at::empty({c}, at::TensorOptions().dtype(at::kLong));
  out.value = at::empty({c}, at::TensorOptions().dtype(at::kDouble));
  const double *pf0 = f0.data_ptr<double>(), *pd0 = d0.data_ptr<double>(), *pw = w.data_ptr<double>(),
               *pa = a.data_ptr<double>(), *pr = ref.data_ptr<double>();
  const int64_t *pra = ref_arg.data_ptr<int64_t>(), *plab = labels.data_ptr<int64_t>(),
                *pps = pseudo.data_ptr<int64_t>();
  const double* pwt = expected ? weights.data_ptr<double>() : nullptr;
  const bool risk = objective == "pseudo-er" || objective == "eer", soft = objective == "t-softmax";
  at::parallel_for(0, c, 1, [&](int64_t begin, int64_t end) {
    const size_t no = static_cast<size_t>(o);
    std::vector<double> f(no), p(no), u(no);  // u: project_row's scratch
    for (int64_t ci = begin; ci < end; ++ci) {
      double value = 0;
      for (int64_t k = 0; k < nk; ++k) {
        const double* ack = pa + (ci * nk + k) * o;
        const double* wc = pw + ci * nu;
        const bool main = plab[ci * nk + k] == pps[ci];  // the pseudo-label's look-ahead: norm and flips
        double norm = 0, risk_sum = 0, soft_sq = 0;
        int64_t agree = 0;
        for (int64_t i = 0; i < nu; ++i) {
          const double wi = wc[i];
          const double *f0i = pf0 + i * o, *d0i = pd0 + i * o, *ri = pr + i * o;
          for (int64_t j = 0; j < o; ++j) f[size_t(j)] = f0i[j] + (d0i[j] + wi * ack[j]);
          agree += first_argmax(f.data(), o) == pra[i];
          if (main) {
            double sq = 0;
            for (int64_t j = 0; j < o; ++j) sq += (f[size_t(j)] - ri[j]) * (f[size_t(j)] - ri[j]);
            norm += std::sqrt(sq);
          }
          if (risk) {
            risk_sum += 1 - project_row(f.data(), o, u.data(), nullptr);
          } else if (soft) {
            soft_row(f.data(), o, temperature, u.data(), p.data());
            for (int64_t j = 0; j < o; ++j) {
              const double d = p[size_t(j)] - sref[size_t(i * o + j)];
              soft_sq += d * d;
            }
          }
        }
        if (main) {
          out.norm.data_ptr<double>()[ci] = norm;
          out.flips.data_ptr<int64_t>()[ci] = nu - agree;
        }
        const double mine = objective == "norm"    ? norm
                            : objective == "flips" ? double(nu - agree)
                            : objective == "pseudo-contrastive" || objective == "expected-contrastive"
                                ? double(agree) / double(nu)
                            : risk ? risk_sum
                                   : std::sqrt(soft_sq);
        value += expected ? mine * pwt[ci * o + plab[ci * nk + k]] : mine;
      }
      out.value.data_ptr<double>()[ci] = value;
    }
  });
  return out;
}

}  // namespace ts
