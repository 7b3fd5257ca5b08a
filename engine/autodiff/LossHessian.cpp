#include "autodiff/LossHessian.h"

#include <torch/csrc/autograd/autograd.h>

#include "core/Errors.h"
#include "io/Spec.h"

namespace ts {

LossHessian::LossHessian(std::shared_ptr<const Model> model, at::Tensor x, at::Tensor y)
    : model_(std::move(model)), x_(x.to(model_->options())), y_(y.to(model_->options())) {
  p_ = model_->num_selected_parameters();
  at::NoGradGuard no_grad;
  const at::Tensor f = model_->forward(x_);
  if (f.numel() != y_.numel() || f.size(0) != y_.size(0))
    throw InputError("loss Hessian: the targets [" + shape_to_string(y_.sizes().vec()) +
                     "] do not match the model's output [" + shape_to_string(f.sizes().vec()) + "]");
  y_ = y_.reshape(f.sizes());
  loss_ = (f - y_).pow(2).sum().item<double>() / (2.0 * static_cast<double>(x_.size(0)));
}

at::Tensor LossHessian::apply(const at::Tensor& V_in) const {
  const at::Tensor V = V_in.dim() == 1 ? V_in.unsqueeze(1) : V_in;
  if (V.size(0) != p_)
    throw InputError("loss Hessian: a vector of length " + std::to_string(V.size(0)) + " for " +
                     std::to_string(p_) + " parameters");
  std::vector<at::Tensor> all = model_->parameters(), leaves;
  for (auto& t : all) t = t.detach();
  for (auto i : model_->selected()) {
    auto& t = all[static_cast<size_t>(i)];
    t.requires_grad_(true);  // a new leaf on the parameter's storage (detached above): no copy
    leaves.push_back(t);
  }
  const at::Tensor f = model_->forward(all, x_);
  const at::Tensor L = (f - y_).pow(2).sum() / (2.0 * static_cast<double>(x_.size(0)));
  const auto grads = torch::autograd::grad({L}, leaves, {}, /*retain_graph=*/true, /*create_graph=*/true);
  std::vector<at::Tensor> flat;
  for (const auto& g : grads) flat.push_back(g.reshape({-1}));
  const at::Tensor g = at::cat(flat);
  at::Tensor out = at::empty({p_, V.size(1)}, g.options());
  for (int64_t j = 0; j < V.size(1); ++j) {
    if (control_) control_->check();
    const at::Tensor gv = at::dot(g, V.select(1, j).to(g.options()));
    const auto hv = torch::autograd::grad({gv}, leaves, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                          /*allow_unused=*/true);
    int64_t off = 0;
    for (size_t i = 0; i < hv.size(); ++i) {
      const int64_t n = leaves[i].numel();
      if (hv[i].defined())
        out.select(1, j).narrow(0, off, n).copy_(hv[i].reshape({-1}));
      else
        out.select(1, j).narrow(0, off, n).zero_();  // a parameter the gradient is linear in
      off += n;
    }
    ++hvps_;
  }
  return V_in.dim() == 1 ? out.squeeze(1) : out;
}

}  // namespace ts
