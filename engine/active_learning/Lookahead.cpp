#include "active_learning/Lookahead.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/Errors.h"

namespace ts {

namespace {

at::Tensor as_index(const std::vector<int64_t>& v) {
  return at::tensor(at::IntArrayRef(v), at::TensorOptions().dtype(at::kLong));
}

// Lower Cholesky factor of K + s·I with the smallest s in {0, 1e-12·d̄, 1e-11·d̄, …, 1e-2·d̄} that works (d̄ =
// mean diagonal): the published code shifts the diagonal when Θ_LL is not numerically positive definite.
std::pair<at::Tensor, double> shifted_cholesky(const at::Tensor& K, const std::string& what) {
  const int64_t n = K.size(0);
  const double mean_diag = K.diagonal().mean().item<double>();
  if (!std::isfinite(mean_diag)) throw NumericalError(what + " holds NaN or Inf");
  for (int k = -1; k <= 10; ++k) {
    const double s = k < 0 ? 0.0 : std::pow(10.0, k - 12) * std::max(mean_diag, 1e-300);
    const at::Tensor A = s == 0 ? K : K + s * at::eye(n, K.options());
    auto [L, info] = at::linalg_cholesky_ex(A);
    if (info.item<int64_t>() == 0) return {L, s};
  }
  throw NumericalError(what +
                       " is not positive definite even with a diagonal shift of 1e-2 × its mean diagonal");
}

}  // namespace

Lookahead::Lookahead(LinearisedProblem problem, std::vector<int64_t> labelled, std::vector<int64_t> pool)
    : p_(std::move(problem)), labelled_(std::move(labelled)), pool_(std::move(pool)) {
  if (labelled_.empty()) throw InputError("the look-ahead needs at least one labelled point (L is empty)");
  outputs_ = p_.f0.size(1);
  if (p_.q != 1 && p_.q != outputs_)
    throw InputError("look-ahead kernel block size " + std::to_string(p_.q) +
                     " is neither 1 (pNTK) nor O = " + std::to_string(outputs_) + " (eNTK)");
  m_ = outputs_ / p_.q;
  const at::Tensor rl = rows(labelled_);
  std::tie(chol_, shift_) = shifted_cholesky(p_.gram.index_select(0, rl).index_select(1, rl), "Θ(X_L, X_L)");
  refresh();
}

at::Tensor Lookahead::rows(const at::Tensor& items_in) const {
  const at::Tensor items = items_in.to(p_.gram.device());
  const at::Tensor a = at::arange(p_.q, items.options());
  return (items.unsqueeze(1) * p_.q + a).reshape({-1});
}
at::Tensor Lookahead::rows(const std::vector<int64_t>& items) const { return rows(as_index(items)); }

void Lookahead::refresh() {
  const at::Tensor L = as_index(labelled_).to(p_.gram.device()), rl = rows(L), ru = rows(pool_);
  // Residuals laid out like the kernel's rows: item-major blocks of q rows, m = O/q columns.
  resid_ = (p_.targets.index_select(0, L) - p_.f0.index_select(0, L)).reshape({-1, m_});
  alpha0_ = at::cholesky_solve(resid_, chol_);
  k_ul_ = p_.gram.index_select(0, ru).index_select(1, rl);
  delta0_ = at::matmul(k_ul_, alpha0_);
}

at::Tensor Lookahead::model_pool() const { return p_.f0.index_select(0, as_index(pool_).to(p_.f0.device())); }

at::Tensor Lookahead::learner_pool() const { return model_pool() + delta0_.reshape({-1, outputs_}); }

at::Tensor Lookahead::retrained_pool(const at::Tensor& positions, const at::Tensor& labels) const {
  const int64_t c = positions.numel(), q = p_.q, nu = static_cast<int64_t>(pool_.size());
  const at::Tensor cand = as_index(pool_).index_select(0, positions.to(at::kCPU)).to(p_.f0.device());
  const at::Tensor rc = rows(cand), rl = rows(labelled_), ru = rows(pool_);
  const int64_t nlq = rl.numel();
  // Border B = Θ(X_L, x′) and V = Θ_LL⁻¹ B for every candidate at once: one triangular pair of solves,
  // O(|L|²q²) each.
  const at::Tensor B = p_.gram.index_select(0, rl).index_select(1, rc);  // [|L|q, Cq]
  const at::Tensor V = at::cholesky_solve(B, chol_);                     // [|L|q, Cq]
  const at::Tensor S = p_.gram.index_select(0, rc)
                           .index_select(1, rc)  // diagonal q×q blocks
                           .reshape({c, q, c, q})
                           .diagonal(0, 0, 2)
                           .permute({2, 0, 1});  // [C, q, q]
  // Schur complement u = Θ(x′,x′) + sI − Bᵀ V (q×q per candidate): the new point's pivot in the bordered
  // factor.
  const at::Tensor schur = S + shift_ * at::eye(q, S.options()) -
                           at::einsum("ica,icb->cab", {B.reshape({nlq, c, q}), V.reshape({nlq, c, q})});
  // Bordered inverse: α_c = u⁻¹ (r′ − Vᵀ R_L), α_L = α₀ − V α_c, so f_lin − f₀ = Θ(U,L)α₀ + (Θ(U,x′) −
  // Θ(U,L)V) α_c.
  const at::Tensor y = at::one_hot(labels.to(at::kLong).to(p_.f0.device()), outputs_).to(p_.f0.options());
  const at::Tensor r = (y - p_.f0.index_select(0, cand)).reshape({c, q, m_});
  const at::Tensor rhs = r - at::einsum("ica,im->cam", {V.reshape({nlq, c, q}), resid_});
  const at::Tensor alpha_c = q == 1 ? rhs / schur : at::linalg_solve(schur, rhs);               // [C, q, m]
  const at::Tensor W = p_.gram.index_select(0, ru).index_select(1, rc) - at::matmul(k_ul_, V);  // [|U|q, Cq]
  const at::Tensor delta =
      delta0_.unsqueeze(0) + at::einsum("ica,cam->cim", {W.reshape({nu * q, c, q}), alpha_c});
  return model_pool().unsqueeze(0) + delta.reshape({c, nu, outputs_});
}

LookaheadScores Lookahead::score(const at::Tensor& positions_in, bool sequential,
                                 const RunControl& rc) const {
  const int64_t nu = static_cast<int64_t>(pool_.size());
  const at::Tensor positions = positions_in.defined() ? positions_in.to(at::kLong)
                                                      : at::arange(nu, at::TensorOptions().dtype(at::kLong));
  const int64_t n = positions.numel();
  const at::Tensor ref = sequential ? learner_pool() : model_pool();  // [|U|, O]
  const at::Tensor ref_arg = ref.argmax(1);
  LookaheadScores out;
  out.pseudo = ref.index_select(0, positions.to(ref.device())).argmax(1);
  out.norm = at::empty({n}, ref.options());
  out.flips = at::empty({n}, at::TensorOptions().dtype(at::kLong));
  // Chunks bound the [C, |U|, O] look-ahead outputs to about 4M values.
  const int64_t chunk = std::max<int64_t>(1, (int64_t(4) << 20) / std::max<int64_t>(1, nu * outputs_ * p_.q));
  for (int64_t s = 0; s < n; s += chunk) {
    rc.check();
    const int64_t c = std::min(chunk, n - s);
    const at::Tensor pos = positions.narrow(0, s, c);
    const at::Tensor flin = retrained_pool(pos, out.pseudo.narrow(0, s, c));  // [C, |U|, O]
    const at::Tensor diff = flin - ref.unsqueeze(0);
    out.norm.narrow(0, s, c).copy_(diff.norm(2, {2}).sum(1));
    out.flips.narrow(0, s, c).copy_((flin.argmax(2) != ref_arg.unsqueeze(0)).sum(1));
    rc.report(s + c, n, "look-ahead scores");
  }
  return out;
}

void Lookahead::add_labelled(int64_t position, int64_t label) {
  if (position < 0 || position >= static_cast<int64_t>(pool_.size()))
    throw InputError("look-ahead: pool position " + std::to_string(position) + " is outside the pool of " +
                     std::to_string(pool_.size()));
  if (label < 0 || label >= outputs_)
    throw InputError("look-ahead: label " + std::to_string(label) + " is outside 0…" +
                     std::to_string(outputs_ - 1));
  const int64_t item = pool_[static_cast<size_t>(position)], q = p_.q;
  const at::Tensor rn = rows(std::vector<int64_t>{item}), rl = rows(labelled_);
  // Bordered Cholesky: [[L, 0], [Cᵀ, D]] with C = L⁻¹B and D Dᵀ = Θ(x′,x′) + sI − CᵀC, the same shifted
  // matrix as the factor of Θ_LL + sI, so the learner equals a fresh factorisation of Θ(X⁺, X⁺) + sI.
  const at::Tensor B = p_.gram.index_select(0, rl).index_select(1, rn);
  const at::Tensor C = at::linalg_solve_triangular(chol_, B, /*upper=*/false);
  const at::Tensor S = p_.gram.index_select(0, rn).index_select(1, rn) + shift_ * at::eye(q, B.options());
  auto [D, info] = at::linalg_cholesky_ex(S - at::matmul(C.t(), C));
  if (info.item<int64_t>() != 0)
    throw NumericalError(
        "look-ahead: pool item " + std::to_string(item) +
        " is numerically in the span of the labelled set's kernel (Schur complement not positive "
        "definite); a larger diagonal shift is needed");
  const int64_t nlq = chol_.size(0);
  at::Tensor grown = at::zeros({nlq + q, nlq + q}, chol_.options());
  grown.narrow(0, 0, nlq).narrow(1, 0, nlq).copy_(chol_);
  grown.narrow(0, nlq, q).narrow(1, 0, nlq).copy_(C.t());
  grown.narrow(0, nlq, q).narrow(1, nlq, q).copy_(D);
  chol_ = grown;
  labelled_.push_back(item);
  pool_.erase(pool_.begin() + position);
  p_.targets = p_.targets.clone();
  p_.targets[item].zero_();
  p_.targets[item][label].fill_(1.0);
  refresh();
}

at::Tensor direct_retrained(const LinearisedProblem& p, const std::vector<int64_t>& labelled,
                            int64_t candidate, int64_t label, const std::vector<int64_t>& eval,
                            double shift) {
  std::vector<int64_t> plus = labelled;
  plus.push_back(candidate);
  const int64_t q = p.q, o = p.f0.size(1), m = o / q;
  auto rows = [&](const std::vector<int64_t>& items) {
    return (as_index(items).unsqueeze(1) * q + at::arange(q, at::TensorOptions().dtype(at::kLong)))
        .reshape({-1});
  };
  const at::Tensor rp = rows(plus), re = rows(eval), P = as_index(plus), E = as_index(eval);
  at::Tensor y = p.targets.index_select(0, P).clone();
  y[static_cast<int64_t>(plus.size()) - 1].copy_(at::one_hot(at::tensor(label, at::kLong), o).reshape({o}));
  const at::Tensor K = p.gram.index_select(0, rp).index_select(1, rp);
  const at::Tensor alpha = at::linalg_solve(K + shift * at::eye(K.size(0), K.options()),
                                            (y - p.f0.index_select(0, P)).reshape({-1, m}));
  return p.f0.index_select(0, E) +
         at::matmul(p.gram.index_select(0, re).index_select(1, rp), alpha).reshape({-1, o});
}

}  // namespace ts
