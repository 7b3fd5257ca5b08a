#include "exact/CrossKernel.h"

#include <optional>

#include "core/Errors.h"
#include "exact/Exact.h"
#include "io/Spec.h"
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

namespace {

class CrossKernelOperator : public RectOperator {
 public:
  CrossKernelOperator(const TangentMap& J1, const TangentMap& J2, std::optional<PntkVariant> pntk)
      : J1_(J1), J2_(J2) {
    if (pntk) {
      C1_.emplace(J1, *pntk);
      C2_.emplace(J2, *pntk);
    }
  }
  int64_t rows() const override { return C1_ ? C1_->size() : J1_.state_size(); }
  int64_t cols() const override { return C2_ ? C2_->size() : J2_.state_size(); }
  at::Tensor apply(const at::Tensor& V) const override {
    const at::Tensor U = C2_ ? C2_->lift(V) : V;
    const at::Tensor Y = J1_.jvp(J2_.vjp(U));
    return C1_ ? C1_->reduce(Y) : Y;
  }
  at::Tensor apply_transpose(const at::Tensor& U) const override {
    const at::Tensor V = C1_ ? C1_->lift(U) : U;
    const at::Tensor Y = J2_.jvp(J1_.vjp(V));
    return C2_ ? C2_->reduce(Y) : Y;
  }
  at::TensorOptions options() const override { return J1_.options(); }
  AdCost cost() const override {
    const AdCost a = J1_.cost(), b = J2_.cost();
    return {a.vjps + b.vjps, a.jvps + b.jvps, a.seconds + b.seconds};
  }
  std::string name() const override { return C1_ ? "Θ̂(X₁, X₂)" : "Θ(X₁, X₂)"; }

 private:
  const TangentMap& J1_;
  const TangentMap& J2_;
  std::optional<PntkOperator> C1_, C2_;
};

}  // namespace

std::unique_ptr<RectOperator> cross_kernel_operator(const TangentMap& J1, const TangentMap& J2,
                                                    const std::string& kernel) {
  if (J1.param_size() != J2.param_size())
    throw InputError("the two batches' Jacobians have " + std::to_string(J1.param_size()) + " and " +
                     std::to_string(J2.param_size()) + " parameters: the kernel needs the same model");
  std::optional<PntkVariant> v;
  if (kernel == "pntk" || kernel.rfind("pntk:", 0) == 0)
    v = parse_pntk_variant(kernel == "pntk" ? "sum" : kernel.substr(5));
  else if (kernel != "entk")
    throw InputError("kernel '" + kernel + "' is not entk, pntk or pntk:single:K");
  return std::make_unique<CrossKernelOperator>(J1, J2, v);
}

at::Tensor cross_kernel_apply(const RectOperator& theta, const at::Tensor& V, int64_t block,
                              const RunControl& rc) {
  const at::Tensor V2 = V.dim() == 1 ? V.unsqueeze(1) : V;
  if (V2.dim() != 2 || V2.size(0) != theta.cols())
    throw InputError("the vectors to multiply have shape " + shape_to_string(V.sizes().vec()) + " but " +
                     theta.name() + " has " + std::to_string(theta.cols()) +
                     " columns: give an array of shape [" + std::to_string(theta.cols()) + "] or [" +
                     std::to_string(theta.cols()) + ", k]");
  const int64_t k = V2.size(1);
  at::Tensor out = at::empty({theta.rows(), k}, V2.options().dtype(at::kDouble));
  block = std::max<int64_t>(1, block);
  for (int64_t s = 0; s < k; s += block) {
    rc.check();
    const int64_t b = std::min(block, k - s);
    out.narrow(1, s, b).copy_(theta.apply(V2.narrow(1, s, b).to(theta.options())).to(at::kDouble));
    rc.report(s + b, k, "Θ(X₁, X₂) V");
  }
  return V.dim() == 1 ? out.squeeze(1) : out;
}

}  // namespace ts
