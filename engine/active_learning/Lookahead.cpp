#include "active_learning/Lookahead.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "active_learning/LookaheadObjective.h"
#include "active_learning/RankOneScores.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "dist/Communicator.h"

namespace ts {

namespace {

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

void check_lookahead_options(const LookaheadOptions& o) {
  if (o.reference != "model" && o.reference != "ntk")
    throw InputError("the look-ahead reference (--reference) must be model or ntk, got '" + o.reference +
                     "'");
  if (!(o.time > 0))
    throw InputError("the look-ahead time (--lookahead-time) must be positive or inf, got " +
                     std::to_string(o.time));
  if (!(o.lr > 0) || !std::isfinite(o.lr))
    throw InputError("the look-ahead learning rate (--lookahead-lr) must be a positive number, got " +
                     std::to_string(o.lr));
  if (!(o.momentum >= 0 && o.momentum < 1))
    throw InputError("the look-ahead momentum (--lookahead-momentum) must be at least 0 and below 1, got " +
                     std::to_string(o.momentum));
  if (!(o.ridge >= 0) || !std::isfinite(o.ridge) || !(o.ridge_per_cycle >= 0) ||
      !std::isfinite(o.ridge_per_cycle))
    throw InputError(
        "the look-ahead ridge (--lookahead-ridge, --lookahead-ridge-per-cycle) must be a number ≥ 0");
  if (o.ridge_start_cycle < 1) throw InputError("--lookahead-ridge-start counts cycles from 1");
  if (!(o.temperature > 0) || !std::isfinite(o.temperature))
    throw InputError("the t-softmax temperature (--temperature) must be a positive number");
}

at::Tensor mode_response(const at::Tensor& lambda, const LookaheadOptions& o, int64_t n_outputs) {
  if (std::isinf(o.time)) return lambda.reciprocal();
  const double n = double(n_outputs);
  const at::Tensor kappa = lambda.clamp_min(0) / n;
  at::Tensor one_minus_phi;
  if (o.momentum == 0) {
    one_minus_phi = -at::expm1(-(o.lr * o.time) * kappa);
  } else {
    // g″ = μ′g′ − κg, g(0) = 1, g′(0) = 0 at τ = t√η: damping β = −μ′/2 = (1 − m)/(2√η).
    const double tau = o.time * std::sqrt(o.lr), beta = (1 - o.momentum) / (2 * std::sqrt(o.lr));
    const at::Tensor disc = kappa - beta * beta;
    const at::Tensor decay = at::full_like(kappa, std::exp(-beta * tau));
    const at::Tensor omega = disc.clamp_min(0).sqrt(), w = (-disc).clamp_min(0).sqrt();
    const at::Tensor under = decay * (at::cos(omega * tau) + beta * at::sin(omega * tau) / omega);
    const at::Tensor over =
        0.5 * ((1 + beta / w) * at::exp((w - beta) * tau) + (1 - beta / w) * at::exp(-(w + beta) * tau));
    const at::Tensor critical = decay * (1 + beta * tau);
    const double h =
        tau / (2 * beta) - (1 - std::exp(-2 * beta * tau)) / (4 * beta * beta);  // d(1 − φ)/dκ at 0
    const at::Tensor tiny = disc.abs() < 1e-12 * beta * beta;
    one_minus_phi = 1 - at::where(tiny, critical, at::where(disc > 0, under, over));
    // Small κ (overdamped, slow mode): 1 − φ = κ·h + O(κ²) without the cancellation.
    one_minus_phi = at::where(kappa * h < 1e-6, kappa * h, one_minus_phi);
  }
  return at::where(lambda > 0, one_minus_phi / lambda.abs().clamp_min(1e-300), at::zeros_like(lambda));
}

Lookahead::Lookahead(LinearisedProblem problem, std::vector<int64_t> labelled, std::vector<int64_t> pool,
                     LookaheadOptions predictor)
    : p_(std::move(problem)),
      labelled_(std::move(labelled)),
      pool_(std::move(pool)),
      predictor_(std::move(predictor)) {
  check_lookahead_options(predictor_);
  if (labelled_.empty()) throw InputError("the look-ahead needs at least one labelled point (L is empty)");
  outputs_ = p_.f0.size(1);
  if (p_.q != 1 && p_.q != outputs_)
    throw InputError("look-ahead kernel block size " + std::to_string(p_.q) +
                     " is neither 1 (pNTK) nor O = " + std::to_string(outputs_) + " (eNTK)");
  m_ = outputs_ / p_.q;
  const at::Tensor rl = rows(labelled_);
  const at::Tensor K = p_.gram.index_select(0, rl).index_select(1, rl);
  ridge_ = predictor_.ridge * K.diagonal().mean().item<double>();
  std::tie(chol_, shift_) =
      shifted_cholesky(ridge_ > 0 ? K + ridge_ * at::eye(K.size(0), K.options()) : K, "Θ(X_L, X_L)");
  refresh();
}

at::Tensor Lookahead::rows(const at::Tensor& items_in) const {
  const at::Tensor items = items_in.to(p_.gram.device());
  const at::Tensor a = at::arange(p_.q, items.options());
  return (items.unsqueeze(1) * p_.q + a).reshape({-1});
}
at::Tensor Lookahead::rows(const std::vector<int64_t>& items) const { return rows(index_tensor(items)); }

void Lookahead::refresh() {
  const at::Tensor L = index_tensor(labelled_).to(p_.gram.device()), rl = rows(L), ru = rows(pool_);
  // Residuals laid out like the kernel's rows: item-major blocks of q rows, m = O/q columns.
  resid_ = (p_.targets.index_select(0, L) - p_.f0.index_select(0, L)).reshape({-1, m_});
  if (std::isinf(predictor_.time)) {
    alpha0_ = at::cholesky_solve(resid_, chol_);
  } else {  // α₀ = ψ(Θ_LL + (ρ + s)I) R_L by one eigendecomposition
    const at::Tensor A = p_.gram.index_select(0, rl).index_select(1, rl) +
                         (ridge_ + shift_) * at::eye(rl.numel(), p_.gram.options());
    const auto [evals, V] = at::linalg_eigh(A);
    const int64_t n_out = static_cast<int64_t>(labelled_.size()) * outputs_;
    alpha0_ = at::matmul(V, mode_response(evals, predictor_, n_out).unsqueeze(1) * at::matmul(V.t(), resid_));
  }
  // Columns first: the copy is N × |L|q, not |U|q × N (the same below for the candidates' columns).
  k_ul_ = p_.gram.index_select(1, rl).index_select(0, ru);
  delta0_ = at::matmul(k_ul_, alpha0_);
}

at::Tensor Lookahead::model_pool() const {
  return p_.f0.index_select(0, index_tensor(pool_).to(p_.f0.device()));
}

at::Tensor Lookahead::learner_pool() const { return model_pool() + delta0_.reshape({-1, outputs_}); }

std::pair<at::Tensor, at::Tensor> Lookahead::candidate_residuals(const at::Tensor& positions,
                                                                 const at::Tensor& labels) const {
  const int64_t c = positions.numel(), q = p_.q, nk = labels.size(1);
  const at::Tensor cand = index_tensor(pool_).index_select(0, positions.to(at::kCPU)).to(p_.f0.device());
  // Each candidate's residual r′ = y′ − f₀(x′) in the kernel's layout: [C, q, K·m].
  const at::Tensor y = at::one_hot(labels.to(at::kLong).to(p_.f0.device()), outputs_).to(p_.f0.options());
  const at::Tensor r = (y - p_.f0.index_select(0, cand).unsqueeze(1))
                           .reshape({c, nk, q, m_})
                           .permute({0, 2, 1, 3})
                           .reshape({c, q, nk * m_});
  return {cand, r};
}

std::pair<at::Tensor, at::Tensor> Lookahead::bordered(const at::Tensor& cand, const at::Tensor& r) const {
  const int64_t c = cand.numel(), q = p_.q, nk = r.size(2) / m_;
  const at::Tensor rc = rows(cand), rl = rows(labelled_), ru = rows(pool_);
  const int64_t nlq = rl.numel();
  // Border B = Θ(X_L, x′) and V = Θ_LL⁻¹ B for every candidate at once: one triangular pair of solves,
  // O(|L|²q²) each.
  const at::Tensor B = p_.gram.index_select(1, rc).index_select(0, rl);  // [|L|q, Cq]
  const at::Tensor V = at::cholesky_solve(B, chol_);                     // [|L|q, Cq]
  const at::Tensor S = p_.gram.index_select(0, rc)
                           .index_select(1, rc)  // diagonal q×q blocks
                           .reshape({c, q, c, q})
                           .diagonal(0, 0, 2)
                           .permute({2, 0, 1});  // [C, q, q]
  // Schur complement u = Θ(x′,x′) + sI − Bᵀ V (q×q per candidate): the new point's pivot in the bordered
  // factor (the ridge ρ regularises labelled items only).
  const at::Tensor schur = S + shift_ * at::eye(q, S.options()) -
                           at::einsum("ica,icb->cab", {B.reshape({nlq, c, q}), V.reshape({nlq, c, q})});
  // Bordered inverse: α_c = u⁻¹ (r′ − Vᵀ R_L), α_L = α₀ − V α_c, so f_lin − f₀ = Θ(U,L)α₀ + (Θ(U,x′) −
  // Θ(U,L)V) α_c.
  const at::Tensor vr = at::einsum("ica,im->cam", {V.reshape({nlq, c, q}), resid_});  // [C, q, m]
  const at::Tensor rhs = r - vr.repeat({1, 1, nk});
  const at::Tensor alpha_c = q == 1 ? rhs / schur : at::linalg_solve(schur, rhs);  // [C, q, K·m]
  const at::Tensor W = p_.gram.index_select(1, rc).index_select(0, ru) - at::matmul(k_ul_, V);  // [|U|q, Cq]
  return {W, alpha_c};
}

at::Tensor Lookahead::retrained_pool(const at::Tensor& positions, const at::Tensor& labels_in) const {
  const int64_t c = positions.numel(), q = p_.q, nu = static_cast<int64_t>(pool_.size());
  const at::Tensor labels = labels_in.dim() == 1 ? labels_in.unsqueeze(1) : labels_in;  // [C, K]
  const int64_t nk = labels.size(1);
  const auto [cand, r] = candidate_residuals(positions, labels);
  at::Tensor delta;  // f_lin − f₀ on U, [C, |U|q, K·m]
  if (!std::isinf(predictor_.time)) {
    delta = finite_time_pool(cand, r);
  } else {
    const auto [W, alpha_c] = bordered(cand, r);
    delta = delta0_.repeat({1, nk}).unsqueeze(0) +
            at::einsum("ica,can->cin", {W.reshape({nu * q, c, q}), alpha_c});
  }
  const at::Tensor out =
      model_pool().reshape({1, 1, nu, outputs_}) +
      delta.reshape({c, nu, q, nk, m_}).permute({0, 3, 1, 2, 4}).reshape({c, nk, nu, outputs_});
  return labels_in.dim() == 1 ? out.squeeze(1) : out;
}

at::Tensor Lookahead::finite_time_pool(const at::Tensor& cand, const at::Tensor& r) const {
  // f_t − f₀ on U = Θ(U, X⁺) ψ(Θ⁺) R⁺ with Θ⁺ = [[Θ_LL + (ρ + s)I, B], [Bᵀ, Θ(x′,x′) + sI]], one batched
  // eigendecomposition per group of candidates.
  const int64_t c = cand.numel(), q = p_.q, nu = static_cast<int64_t>(pool_.size()), km = r.size(2);
  const at::Tensor rl = rows(labelled_), ru = rows(pool_);
  const int64_t nlq = rl.numel(), n1 = nlq + q;
  const int64_t n_out = (static_cast<int64_t>(labelled_.size()) + 1) * outputs_;
  const at::Tensor A =
      p_.gram.index_select(0, rl).index_select(1, rl) + (ridge_ + shift_) * at::eye(nlq, p_.gram.options());
  const at::Tensor rl_rhs = resid_.repeat({1, km / m_});  // [|L|q, K·m]
  at::Tensor delta = at::empty({c, nu * q, km}, p_.gram.options());
  const int64_t group = std::max<int64_t>(1, (int64_t(16) << 20) / (n1 * n1));  // about 128 MB of Θ⁺
  for (int64_t s = 0; s < c; s += group) {
    const int64_t g = std::min(group, c - s);
    const at::Tensor rc = rows(cand.narrow(0, s, g));
    const at::Tensor B =
        p_.gram.index_select(1, rc).index_select(0, rl).reshape({nlq, g, q}).permute({1, 0, 2});
    const at::Tensor S = p_.gram.index_select(0, rc)
                             .index_select(1, rc)
                             .reshape({g, q, g, q})
                             .diagonal(0, 0, 2)
                             .permute({2, 0, 1});
    at::Tensor K = at::empty({g, n1, n1}, p_.gram.options());
    K.narrow(1, 0, nlq).narrow(2, 0, nlq).copy_(A.unsqueeze(0).expand({g, nlq, nlq}));
    K.narrow(1, 0, nlq).narrow(2, nlq, q).copy_(B);
    K.narrow(1, nlq, q).narrow(2, 0, nlq).copy_(B.transpose(1, 2));
    K.narrow(1, nlq, q).narrow(2, nlq, q).copy_(S + shift_ * at::eye(q, S.options()));
    const auto [evals, V] = at::linalg_eigh(K);
    const at::Tensor R =
        at::cat({rl_rhs.unsqueeze(0).expand({g, nlq, km}), r.narrow(0, s, g)}, 1);  // [g, n1, K·m]
    const at::Tensor alpha = at::matmul(
        V, mode_response(evals, predictor_, n_out).unsqueeze(2) * at::matmul(V.transpose(1, 2), R));
    const at::Tensor kux = p_.gram.index_select(1, rc).index_select(0, ru).reshape({nu * q, g, q});
    delta.narrow(0, s, g).copy_(at::matmul(k_ul_, alpha.narrow(1, 0, nlq)) +
                                at::einsum("ica,can->cin", {kux, alpha.narrow(1, nlq, q)}));
  }
  return delta;
}

LookaheadScores Lookahead::score(const at::Tensor& positions_in, bool sequential, const RunControl& rc,
                                 const std::string& objective) const {
  const auto& names = lookahead_objectives();
  if (std::find(names.begin(), names.end(), objective) == names.end())
    throw InputError("unknown look-ahead objective '" + objective + "'");
  const bool expected = objective_expected(objective);
  const int64_t nu = static_cast<int64_t>(pool_.size());
  const at::Tensor positions = positions_in.defined() ? positions_in.to(at::kLong)
                                                      : at::arange(nu, at::TensorOptions().dtype(at::kLong));
  const int64_t n = positions.numel();
  if (dist::world().size() > 1) {
    // Candidates are independent: each rank scores its share whole, and the scores are gathered.
    dist::Communicator& comm = dist::world();
    const dist::Share s = dist::share(n, comm.rank(), comm.size());
    LookaheadScores part;
    {
      const dist::LocalWork local;
      part = score(positions.narrow(0, s.begin, s.count), sequential, rc, objective);
    }
    const std::vector<int64_t> counts = dist::share_counts(n, comm.size());
    LookaheadScores all;
    all.norm = comm.all_gather_rows(part.norm, counts);
    all.flips = comm.all_gather_rows(part.flips, counts);
    all.pseudo = comm.all_gather_rows(part.pseudo, counts);
    all.value = comm.all_gather_rows(part.value, counts);
    return all;
  }
  const at::Tensor ref =
      sequential || predictor_.reference == "ntk" ? learner_pool() : model_pool();  // [|U|, O]
  const at::Tensor ref_arg = argmax_last(ref);
  LookaheadScores out;
  out.pseudo = ref_arg.index_select(0, positions.to(ref.device()));
  out.norm = at::empty({n}, ref.options());
  out.flips = at::empty({n}, at::TensorOptions().dtype(at::kLong));
  out.value = at::empty({n}, at::TensorOptions().dtype(at::kDouble));
  // The pNTK at t = ∞ on the CPU moves the pool outputs along one direction per candidate: RankOneScores
  // scores that in one pass instead of forming [C, (O,) |U|, O] (the same values to rounding).
  const bool rank_one = p_.q == 1 && std::isinf(predictor_.time) && p_.gram.device().is_cpu() &&
                        p_.gram.scalar_type() == at::kDouble;
  // Chunks bound the [C, (O,) |U|, O] look-ahead outputs to about 4M values (with rank_one, W's [|U|, C]).
  const int64_t per = rank_one ? nu : nu * outputs_ * p_.q * (expected ? outputs_ : 1);
  const int64_t chunk = std::max<int64_t>(1, (int64_t(4) << 20) / std::max<int64_t>(1, per));
  for (int64_t s = 0; s < n; s += chunk) {
    rc.check();
    const int64_t c = std::min(chunk, n - s);
    const at::Tensor pos = positions.narrow(0, s, c), pseudo = out.pseudo.narrow(0, s, c);
    const at::Tensor every =
        expected ? at::arange(outputs_, pseudo.options()).unsqueeze(0).expand({c, outputs_}) : at::Tensor();
    const at::Tensor weights =
        expected ? simplex_projection(ref.index_select(0, pos.to(ref.device()))) : at::Tensor();
    if (rank_one) {
      const at::Tensor labels = expected ? every : pseudo.unsqueeze(1);
      const auto [cand, r] = candidate_residuals(pos, labels);
      const auto [W, alpha_c] = bordered(cand, r);
      const RankOneTerms terms{model_pool(), delta0_, W.t(), alpha_c.reshape({c, labels.size(1), outputs_})};
      const RankOneResult got =
          rank_one_scores(objective, terms, ref, ref_arg, labels, pseudo, weights, predictor_.temperature);
      out.norm.narrow(0, s, c).copy_(got.norm);
      out.flips.narrow(0, s, c).copy_(got.flips);
      out.value.narrow(0, s, c).copy_(got.value);
      rc.report(s + c, n, "look-ahead scores");
      continue;
    }
    at::Tensor flin;  // [C, |U|, O] with the pseudo-labels
    if (expected) {
      const at::Tensor all = retrained_pool(pos, every);  // [C, O, |U|, O]
      flin = all.gather(1, pseudo.view({c, 1, 1, 1}).expand({c, 1, nu, outputs_})).squeeze(1);
      out.value.narrow(0, s, c).copy_(expected_objective_values(objective, all, ref, weights));
    } else {
      flin = retrained_pool(pos, pseudo);
    }
    const at::Tensor flin_arg = argmax_last(flin);
    out.norm.narrow(0, s, c).copy_(norm_last(flin - ref.unsqueeze(0)).sum(1));
    out.flips.narrow(0, s, c).copy_((flin_arg != ref_arg.unsqueeze(0)).sum(1));
    if (!expected)
      out.value.narrow(0, s, c).copy_(
          objective == "norm"    ? out.norm.narrow(0, s, c).to(at::kDouble)
          : objective == "flips" ? out.flips.narrow(0, s, c).to(at::kDouble)
                                 : objective_values(objective, flin, ref, predictor_.temperature, flin_arg));
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
  const at::Tensor S =
      p_.gram.index_select(0, rn).index_select(1, rn) + (shift_ + ridge_) * at::eye(q, B.options());
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
                            int64_t candidate, int64_t label, const std::vector<int64_t>& eval, double shift,
                            double ridge) {
  std::vector<int64_t> plus = labelled;
  plus.push_back(candidate);
  const int64_t q = p.q, o = p.f0.size(1), m = o / q;
  auto rows = [&](const std::vector<int64_t>& items) {
    return (index_tensor(items).unsqueeze(1) * q + at::arange(q, at::TensorOptions().dtype(at::kLong)))
        .reshape({-1});
  };
  const at::Tensor rp = rows(plus), re = rows(eval), P = index_tensor(plus), E = index_tensor(eval);
  at::Tensor y = p.targets.index_select(0, P).clone();
  y[static_cast<int64_t>(plus.size()) - 1].copy_(at::one_hot(at::tensor(label, at::kLong), o).reshape({o}));
  const at::Tensor K = p.gram.index_select(0, rp).index_select(1, rp);
  at::Tensor reg = at::full({K.size(0)}, shift + ridge, K.options());
  reg.narrow(0, K.size(0) - q, q).fill_(shift);  // the candidate: not regularised
  const at::Tensor alpha =
      at::linalg_solve(K + at::diag(reg), (y - p.f0.index_select(0, P)).reshape({-1, m}));
  return p.f0.index_select(0, E) +
         at::matmul(p.gram.index_select(0, re).index_select(1, rp), alpha).reshape({-1, o});
}

}  // namespace ts
