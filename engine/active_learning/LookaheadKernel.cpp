#include "active_learning/LookaheadKernel.h"

#include <chrono>

#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "exact/Exact.h"

namespace ts {

at::Tensor pntk_jacobian(const std::shared_ptr<const Model>& model, const at::Tensor& x, PntkVariant variant,
                         int64_t memory_budget, const RunControl& rc, int64_t chunk) {
  const int64_t n = x.size(0), p = model->num_selected_parameters();
  const int64_t elem = static_cast<int64_t>(c10::elementSize(model->options().dtype().toScalarType()));
  check_memory_budget("the pNTK gradients J_g (N = " + std::to_string(n) + ", P = " + std::to_string(p) + ")",
                      n * p * elem, memory_budget);
  at::Tensor jg = at::empty({n, p}, model->options());
  // Item n's scalar c·f(x_n) depends on x_n only, so a TangentMap per chunk gives the same rows as one over
  // all N while each VJP's backward pass touches `chunk` items instead of N.
  for (int64_t s = 0; s < n; s += chunk) {
    rc.check();
    const int64_t k = std::min(chunk, n - s);
    TangentMap J(model, x.narrow(0, s, k));
    PntkOperator op(J, variant);
    jg.narrow(0, s, k).copy_(J.vjp(op.lift(at::eye(k, J.options()))).t());
    rc.report(s + k, n, "pNTK gradients (VJPs)");
  }
  return jg;
}

LookaheadKernel lookahead_kernel(const std::shared_ptr<const Model>& model, const at::Tensor& x,
                                 const std::string& kernel, int64_t memory_budget, const RunControl& rc) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t n = x.size(0), p = model->num_selected_parameters();
  LookaheadKernel out;
  out.kernel = kernel;
  if (kernel == "pntk") {
    check_memory_budget("the look-ahead pNTK (N = " + std::to_string(n) + ", P = " + std::to_string(p) + ")",
                        (n * p + n * n) * 8, memory_budget);
    const at::Tensor jg = pntk_jacobian(model, x, PntkVariant{}, memory_budget, rc).to(at::kDouble);
    out.gram = gram_by_blocks(jg, rc, "look-ahead pNTK");
    out.q = 1;
  } else if (kernel == "entk") {
    int64_t o = 0;
    {
      at::NoGradGuard no_grad;
      o = model->forward(x.narrow(0, 0, 1)).numel();
    }
    const int64_t d = n * o;
    check_memory_budget("the look-ahead eNTK (N·O = " + std::to_string(d) + ", P = " + std::to_string(p) +
                            "; use --kernel pntk or a smaller --pool-subset)",
                        (d * p + d * d) * 8, memory_budget);
    at::Tensor jac = at::empty({d, p}, at::TensorOptions().dtype(at::kDouble).device(x.device()));
    const int64_t chunk = 32;
    for (int64_t s = 0; s < n; s += chunk) {
      const int64_t k = std::min(chunk, n - s);
      TangentMap J(model, x.narrow(0, s, k));
      jac.narrow(0, s * o, k * o).copy_(jacobian(J, memory_budget, rc));
      rc.report(s + k, n, "eNTK Jacobian");
    }
    out.gram = gram_by_blocks(jac, rc, "look-ahead eNTK");
    out.q = o;
  } else {
    throw InputError("look-ahead kernel '" + kernel + "' is not entk or pntk");
  }
  check_finite(out.gram, "the look-ahead kernel");
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace ts
