#include "pntk/Pntk.h"

#include <cmath>
#include <cstdlib>

#include "core/Errors.h"
#include "exact/Exact.h"

namespace ts {

PntkVariant parse_pntk_variant(const std::string& text) {
  if (text == "sum") return {};
  if (text.rfind("single:", 0) == 0) {
    char* end = nullptr;
    const long k = std::strtol(text.c_str() + 7, &end, 10);
    if (*end == '\0' && k >= 0 && text.size() > 7) return {false, k};
  }
  throw InputError("pNTK variant '" + text + "' is not sum or single:K (K a logit index)");
}

PntkOperator::PntkOperator(const TangentMap& J, PntkVariant variant) : J_(J), variant_(variant) {
  const auto shape = J.output_shape();
  n_ = shape.front();
  outputs_ = J.state_size() / n_;
  if (!variant_.sum && variant_.logit >= outputs_)
    throw InputError("pNTK single:" + std::to_string(variant_.logit) + ": the model has only " +
                     std::to_string(outputs_) + " outputs per input");
}

at::Tensor PntkOperator::lift(const at::Tensor& V) const {
  const int64_t k = V.size(1);
  const at::Tensor v = V.to(options()).unsqueeze(1);  // [N, 1, k]
  at::Tensor U;
  if (variant_.sum) {
    U = (v / std::sqrt(double(outputs_))).expand({n_, outputs_, k});
  } else {
    U = at::zeros({n_, outputs_, k}, options());
    U.select(1, variant_.logit).copy_(V.to(options()));
  }
  return U.reshape({n_ * outputs_, k});
}

at::Tensor PntkOperator::reduce(const at::Tensor& U) const {
  const at::Tensor u = U.reshape({n_, outputs_, U.size(1)});
  return variant_.sum ? u.sum(1) / std::sqrt(double(outputs_)) : u.select(1, variant_.logit);
}

at::Tensor PntkOperator::apply(const at::Tensor& V) const { return reduce(J_.jvp(J_.vjp(lift(V)))); }

at::Tensor PntkOperator::quadratic_forms(const at::Tensor& V) const { return J_.vjp_sqnorms(lift(V)); }

at::Tensor exact_pntk(const TangentMap& J, PntkVariant variant, int64_t memory_budget, const RunControl& rc) {
  PntkOperator op(J, variant);
  const int64_t n = op.size(), p = J.param_size();
  const int64_t elem = static_cast<int64_t>(c10::elementSize(J.options().dtype().toScalarType()));
  check_memory_budget("the exact pNTK (N = " + std::to_string(n) + ", P = " + std::to_string(p) + ")",
                      (n * p + n * n) * elem, memory_budget);
  // Rows of J_g = (Jᵀ Cᵀ eₙ)ᵀ, in chunks of VJPs sharing a forward pass.
  at::Tensor Jg = at::empty({n, p}, J.options());
  const int64_t block = 32;
  for (int64_t s = 0; s < n; s += block) {
    rc.check();
    const int64_t k = std::min(block, n - s);
    at::Tensor E = at::zeros({n, k}, J.options());
    E.narrow(0, s, k).copy_(at::eye(k, J.options()));
    Jg.narrow(0, s, k).copy_(J.vjp(op.lift(E)).t());
    rc.report(s + k, n, "exact pNTK (VJPs)");
  }
  return gram_by_blocks(Jg, rc, "exact pNTK J_g J_gᵀ");
}

}  // namespace ts

namespace ts {

double exact_pntk_trace(const PntkOperator& op, const RunControl& rc, int64_t block) {
  return exact_operator_trace(op, rc, block, "exact pNTK trace (VJPs)");
}

}  // namespace ts
