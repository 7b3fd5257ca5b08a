#include "exact/CrossKernel.h"

#include "core/Errors.h"
#include "exact/Exact.h"
#include "pntk/Pntk.h"

namespace ts {

at::Tensor kernel_factor(const TangentMap& J, const std::string& kernel, int64_t memory_budget,
                         const RunControl& rc) {
  at::Tensor Jm = jacobian(J, memory_budget, rc).to(at::kDouble);  // checks d·P against the budget
  if (kernel == "entk") return Jm;
  if (kernel == "pntk" || kernel.rfind("pntk:", 0) == 0) {
    const PntkOperator op(J, parse_pntk_variant(kernel == "pntk" ? "sum" : kernel.substr(5)));
    return op.reduce(Jm.to(J.options())).to(at::kDouble);  // C J: N × P
  }
  throw InputError("kernel '" + kernel + "' is not entk, pntk or pntk:single:K");
}

at::Tensor cross_kernel(const at::Tensor& F1, const at::Tensor& F2, const RunControl& rc) {
  if (F1.size(1) != F2.size(1))
    throw InputError("the two Jacobians have " + std::to_string(F1.size(1)) + " and " +
                     std::to_string(F2.size(1)) + " parameter columns: the kernel needs the same model");
  at::Tensor K = at::empty({F1.size(0), F2.size(0)}, F1.options().dtype(at::kDouble));
  const int64_t block = 256;
  for (int64_t r = 0; r < F1.size(0); r += block) {
    rc.check();
    const int64_t k = std::min(block, F1.size(0) - r);
    K.narrow(0, r, k).copy_(at::matmul(F1.narrow(0, r, k), F2.t()));
  }
  return K;
}

}  // namespace ts
