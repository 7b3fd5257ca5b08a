#include "active_learning/LookaheadObjective.h"

#include <algorithm>
#include <cmath>

#include "core/Errors.h"

namespace ts {

const std::vector<std::string>& lookahead_objectives() {
  static const std::vector<std::string> names{
      "norm", "flips", "pseudo-contrastive", "expected-contrastive", "t-softmax", "pseudo-er", "eer"};
  return names;
}

bool objective_ascending(const std::string& o) {
  return o == "pseudo-contrastive" || o == "expected-contrastive" || o == "pseudo-er" || o == "eer";
}

bool objective_expected(const std::string& o) { return o == "expected-contrastive" || o == "eer"; }

at::Tensor argmax_last(const at::Tensor& x_in) {
  const int64_t k = x_in.size(-1);
  const at::Tensor x = x_in.movedim(-1, 0).contiguous();  // each entry a contiguous slice
  at::Tensor best = x[0].clone();
  at::Tensor arg = at::zeros(best.sizes(), x.options().dtype(at::kLong));
  for (int64_t c = 1; c < k; ++c) {
    const at::Tensor v = x[c];
    const at::Tensor better = v > best;  // strictly: ties keep the first maximum
    arg.masked_fill_(better, c);
    best = at::maximum(best, v);
  }
  return arg;
}

at::Tensor norm_last(const at::Tensor& x) {
  const int64_t k = x.size(-1);
  const at::Tensor sq = (x * x).reshape({-1, k});
  return at::matmul(sq, at::ones({k}, x.options())).sqrt().reshape(x.sizes().slice(0, x.dim() - 1));
}

at::Tensor simplex_projection(const at::Tensor& z) {
  // x = max(z + λ, 0) with λ = (1 − Σ_{j≤ρ} u_j)/ρ, u sorted descending and ρ the largest j with
  // u_j + (1 − Σ_{i≤j} u_i)/j > 0.
  const int64_t k = z.size(-1);
  const at::Tensor u = std::get<0>(z.sort(-1, /*descending=*/true));
  const at::Tensor cum = u.cumsum(-1);
  const at::Tensor j = at::arange(1, k + 1, z.options());
  const at::Tensor positive = (u + (1 - cum) / j) > 0;
  // ρ: the number of leading positives (the condition holds for j = 1…ρ and fails after).
  const at::Tensor rho = positive.to(at::kLong).sum(-1, /*keepdim=*/true).clamp_min(1);
  const at::Tensor lambda = (1 - cum.gather(-1, rho - 1)) / rho.to(z.scalar_type());
  return (z + lambda).clamp_min(0);
}

namespace {

at::Tensor agreement(const at::Tensor& flin, const at::Tensor& ref) {
  return (argmax_last(flin) == argmax_last(ref)).to(at::kDouble).mean(-1);
}

at::Tensor risk(const at::Tensor& flin) {
  const at::Tensor p = simplex_projection(flin);
  return (1 - p.gather(-1, argmax_last(p).unsqueeze(-1)).squeeze(-1)).to(at::kDouble).sum(-1);
}

}  // namespace

at::Tensor objective_values(const std::string& o, const at::Tensor& flin, const at::Tensor& ref,
                            double temperature, const at::Tensor& flin_argmax) {
  if (flin_argmax.defined() && (o == "flips" || o == "pseudo-contrastive")) {
    const at::Tensor same = flin_argmax == argmax_last(ref).unsqueeze(0);
    return o == "flips" ? (~same).to(at::kDouble).sum(1) : same.to(at::kDouble).mean(1);
  }
  if (o == "norm") return norm_last(flin - ref.unsqueeze(0)).sum(1).to(at::kDouble);
  if (o == "flips") return (argmax_last(flin) != argmax_last(ref).unsqueeze(0)).to(at::kDouble).sum(1);
  if (o == "pseudo-contrastive") return agreement(flin, ref);
  if (o == "pseudo-er") return risk(flin);
  if (o == "t-softmax") {
    if (!(temperature > 0) || !std::isfinite(temperature))
      throw InputError("the t-softmax temperature must be positive, got " + std::to_string(temperature));
    auto s = [&](const at::Tensor& z) {
      const at::Tensor p = simplex_projection(z);
      return temperature == 1.0 ? p : at::softmax(at::log(p) / temperature, -1);
    };
    return (s(flin) - s(ref).unsqueeze(0)).pow(2).sum({1, 2}).sqrt().to(at::kDouble);
  }
  if (objective_expected(o))
    throw InputError("objective '" + o +
                     "' needs the look-ahead with every label (expected_objective_values)");
  throw InputError("unknown look-ahead objective '" + o + "'");
}

at::Tensor expected_objective_values(const std::string& o, const at::Tensor& flin, const at::Tensor& ref,
                                     const at::Tensor& weights) {
  at::Tensor per_label;  // [C, O]
  if (o == "expected-contrastive")
    per_label = agreement(flin, ref.unsqueeze(0));
  else if (o == "eer")
    per_label = risk(flin);
  else
    throw InputError("objective '" + o + "' is not an expected objective (expected-contrastive, eer)");
  return (per_label * weights.to(at::kDouble)).sum(1);
}

}  // namespace ts
