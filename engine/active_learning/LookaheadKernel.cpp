#include "active_learning/LookaheadKernel.h"

#include <torch/csrc/autograd/autograd.h>

#include <chrono>
#include <cmath>

#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "dist/Communicator.h"
#include "exact/Exact.h"
#include "models/BuiltinModels.h"

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

at::Tensor mlp_pntk_gram(const Model& model, const at::Tensor& x_in, const RunControl& rc) {
  if (model.kind() != "mlp" || model.num_selected_parameters() != model.num_parameters()) return {};
  // Under several ranks the general path shares the VJPs among them, and its collectives are where a dead or
  // hung rank is noticed.
  if (dist::world().size() > 1) return {};
  // The built-in MLP's own layers (z = s·h Wᵀ + β·b, then the activation), as its explicit products use them.
  const std::vector<DenseLayer> layers = dense_layers(model);
  if (layers.empty()) return {};
  const size_t depth = layers.size();
  const bool bias = layers.front().bias.defined();
  const int64_t n = x_in.size(0);
  std::vector<at::Tensor> inputs, pre;  // h_l (the layer's input) and z_l (its pre-activation)
  at::Tensor f;
  std::vector<at::Tensor> deltas;
  {
    at::AutoGradMode grad_on(true);
    at::Tensor h = x_in.reshape({n, -1}).detach();
    for (const DenseLayer& l : layers) {
      inputs.push_back(h.detach());
      at::Tensor z = at::matmul(h, l.weight.t()) * l.w_scale;
      if (bias) z = z + l.bias * l.b_scale;
      if (!z.requires_grad())
        z = z.detach().requires_grad_(true);  // the first layer: a leaf to differentiate
      pre.push_back(z);
      h = activate(l.act, z);
    }
    f = h.reshape({n, -1});
    if (!f.requires_grad()) return {};
    // Items are independent, so ∂(Σ_n g(x_n))/∂z_l holds each item's own δ_l in its row.
    const at::Tensor g = f.sum() / std::sqrt(double(f.size(1)));
    deltas = torch::autograd::grad({g}, pre, {}, false, false, /*allow_unused=*/true);
  }
  {
    // This forward must be the model's own: a guard against the two drifting apart.
    at::NoGradGuard no_grad;
    const at::Tensor want = model.forward(x_in).reshape({n, -1});
    const double tol = model.options().dtype() == at::kDouble ? 1e-10 : 1e-4;
    if (!at::allclose(f.detach(), want, tol, tol)) return {};
  }
  const auto dopt = at::TensorOptions().dtype(at::kDouble).device(x_in.device());
  at::Tensor gram = at::zeros({n, n}, dopt);
  for (size_t l = 0; l < depth; ++l) {
    rc.check();
    if (!deltas[l].defined()) continue;  // a layer the output does not depend on
    const at::Tensor D = deltas[l].to(at::kDouble), H = inputs[l].to(at::kDouble);
    at::Tensor hh = at::matmul(H, H.t()).mul_(layers[l].w_scale * layers[l].w_scale);
    if (bias) hh.add_(layers[l].b_scale * layers[l].b_scale);
    gram.add_(at::matmul(D, D.t()).mul_(hh));
    rc.report(int64_t(l) + 1, int64_t(depth), "look-ahead pNTK (per layer)");
  }
  return gram;
}

LookaheadKernel lookahead_kernel(const std::shared_ptr<const Model>& model, const at::Tensor& x,
                                 const std::string& kernel, int64_t memory_budget, const RunControl& rc) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t n = x.size(0), p = model->num_selected_parameters();
  LookaheadKernel out;
  out.kernel = kernel;
  if (kernel == "pntk") {
    const std::string what =
        "the look-ahead pNTK (N = " + std::to_string(n) + ", P = " + std::to_string(p) + ")";
    // The built-in MLP's per-layer path holds Θ and two N × N products at a time, never J_g.
    check_memory_budget(what, 3 * n * n * 8, memory_budget);
    out.gram = mlp_pntk_gram(*model, x, rc);
    if (!out.gram.defined()) {
      check_memory_budget(what, (n * p + n * n) * 8, memory_budget);
      const at::Tensor jg = pntk_jacobian(model, x, PntkVariant{}, memory_budget, rc).to(at::kDouble);
      out.gram = gram_by_blocks(jg, rc, "look-ahead pNTK");
    }
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
