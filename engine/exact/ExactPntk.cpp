#include "exact/ExactPntk.h"

#include <string>

#include "exact/Exact.h"

namespace ts {

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

double exact_pntk_trace(const PntkOperator& op, const RunControl& rc, int64_t block) {
  return exact_operator_trace(op, rc, block, "exact pNTK trace (VJPs)");
}

}  // namespace ts
