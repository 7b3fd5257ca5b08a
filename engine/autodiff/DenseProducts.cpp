#include "autodiff/DenseProducts.h"

#include <cmath>

namespace ts {

namespace {

// a'(z) from z and a = a(z), as autograd's backward formulas compute it; undefined for the identity.
at::Tensor slope(Activation act, const at::Tensor& z, const at::Tensor& a) {
  switch (act) {
    case Activation::Relu:
      return (a > 0).to(z.scalar_type());  // threshold_backward: zero where the output is not positive
    case Activation::Tanh:
      return 1 - a * a;
    case Activation::Sigmoid:
      return a * (1 - a);
    case Activation::Erf:
      return at::exp(-z * z) * M_2_SQRTPI;
    case Activation::Gelu:  // Φ(z) + z φ(z), with gelu_backward's constants
      return 0.5 * (1 + at::erf(z * M_SQRT1_2)) + z * at::exp(-0.5 * z * z) * (M_2_SQRTPI * M_SQRT1_2 * 0.5);
    case Activation::Identity:
      return {};
  }
  return {};
}

void push_versions(const DenseLayer& l, std::vector<int64_t>& v) {
  v.push_back(int64_t(l.weight._version()));
  v.push_back(l.bias.defined() ? int64_t(l.bias._version()) : -1);
}

}  // namespace

DenseProducts::DenseProducts(std::vector<DenseLayer> layers, const at::Tensor& x)
    : layers_(std::move(layers)) {
  at::NoGradGuard no_grad;
  n_ = x.size(0);
  at::Tensor h = x.reshape({n_, -1});
  for (const DenseLayer& l : layers_) {
    push_versions(l, versions_);
    offsets_.push_back(p_);
    p_ += l.weight.numel() + (l.bias.defined() ? l.bias.numel() : 0);
    inputs_.push_back(h);
    at::Tensor z = at::matmul(h, l.weight.t());
    if (l.w_scale != 1) z.mul_(l.w_scale);
    if (l.bias.defined()) z.add_(l.bias, l.b_scale);
    const at::Tensor a = activate(l.act, z);
    slopes_.push_back(slope(l.act, z, a));
    at::Tensor G;  // s² h hᵀ + β² 11ᵀ: what a layer's parameter tangents Ẇ = s δᵀh, ḃ = β Σδ add to ż
    if (n_ <= 2 * l.weight.size(1)) {
      G = at::matmul(h, h.t());
      if (l.w_scale != 1) G.mul_(l.w_scale * l.w_scale);
      if (l.bias.defined()) G.add_(l.b_scale * l.b_scale);
    }
    grams_.push_back(G);
    h = a;
  }
  out_ = h;
}

bool DenseProducts::made_from(const std::vector<DenseLayer>& layers) const {
  if (layers.size() != layers_.size()) return false;
  std::vector<int64_t> v;
  for (size_t l = 0; l < layers.size(); ++l) {
    const DenseLayer &a = layers[l], &b = layers_[l];
    if (a.weight.data_ptr() != b.weight.data_ptr() || a.bias.defined() != b.bias.defined() ||
        (a.bias.defined() && a.bias.data_ptr() != b.bias.data_ptr()) || a.w_scale != b.w_scale ||
        a.b_scale != b.b_scale || a.act != b.act)
      return false;
    push_versions(a, v);
  }
  return v == versions_;
}

at::Tensor DenseProducts::jvp_rows(const at::Tensor& Wt) const {
  at::NoGradGuard no_grad;
  const int64_t k = Wt.size(0);
  // Tangents are kept as [N, k, width]: every product below is one matrix product over k·N or N rows.
  at::Tensor t;  // ḣ_l; undefined for the first layer (the inputs are fixed)
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& L = layers_[l];
    const int64_t o = L.weight.size(0), i = L.weight.size(1), off = offsets_[l];
    // h Ẇᵀ for all k vectors: [N, i] × [i, k·o] (Ẇ's rows copied out of Wt's strided columns).
    const at::Tensor dW = Wt.narrow(1, off, o * i).reshape({k * o, i});
    at::Tensor z = at::matmul(inputs_[l], dW.t());  // [N, k·o] = [N, k, o]
    if (t.defined()) z.view({n_ * k, o}).addmm_(t.view({n_ * k, i}), L.weight.t());
    if (L.w_scale != 1) z.mul_(L.w_scale);
    z = z.view({n_, k, o});
    if (L.bias.defined()) z.add_(Wt.narrow(1, off + o * i, o).unsqueeze(0), L.b_scale);
    if (slopes_[l].defined()) z.mul_(slopes_[l].unsqueeze(1));
    t = z;
  }
  const int64_t out = layers_.back().weight.size(0);
  return t.transpose(0, 1).reshape({k, n_ * out});  // item-major rows, one per vector
}

template <class Visit>
void DenseProducts::deltas(const at::Tensor& U, Visit&& visit) const {
  at::NoGradGuard no_grad;
  const int64_t k = U.size(0);
  const int64_t out = layers_.back().weight.size(0);
  // δ as [N, k, width], so that ∂W = δᵀh is one product [k·o, N] × [N, i] giving [k, o, i] directly. A copy
  // even where the transpose is already contiguous (k = 1): δ is scaled in place, U is the caller's.
  at::Tensor delta = U.reshape({k, n_, out}).transpose(0, 1).clone(at::MemoryFormat::Contiguous);
  for (size_t l = layers_.size(); l-- > 0;) {
    const DenseLayer& L = layers_[l];
    const int64_t o = L.weight.size(0), i = L.weight.size(1);
    if (slopes_[l].defined()) delta.mul_(slopes_[l].unsqueeze(1));
    visit(l, delta);
    if (l == 0) break;
    at::Tensor prev = at::matmul(delta.view({n_ * k, o}), L.weight);  // [N·k, i]
    if (L.w_scale != 1) prev.mul_(L.w_scale);
    delta = prev.view({n_, k, i});
  }
}

void DenseProducts::vjp_rows(const at::Tensor& U, at::Tensor out) const {
  const int64_t k = U.size(0);
  deltas(U, [&](size_t l, const at::Tensor& delta) {
    const DenseLayer& L = layers_[l];
    const int64_t o = L.weight.size(0), i = L.weight.size(1);
    at::Tensor gw = at::matmul(delta.view({n_, k * o}).t(), inputs_[l]);  // [k·o, i]
    if (L.w_scale != 1) gw.mul_(L.w_scale);
    out.narrow(1, offsets_[l], o * i).copy_(gw.view({k, o * i}));
    if (L.bias.defined()) out.narrow(1, offsets_[l] + o * i, o).copy_(delta.sum(0).mul_(L.b_scale));
  });
}

at::Tensor DenseProducts::vjp_sqnorms(const at::Tensor& U) const {
  const int64_t k = U.size(0);
  at::Tensor result = at::zeros({k}, U.options());
  deltas(U, [&](size_t l, const at::Tensor& delta) {
    const DenseLayer& L = layers_[l];
    const int64_t o = L.weight.size(0), i = L.weight.size(1);
    const at::Tensor dl = delta.view({n_, k * o});
    if (grams_[l].defined() && n_ <= i) {  // ‖s δᵀh‖² + ‖β Σδ‖² = ⟨δ, G δ⟩, N² instead of N·in per entry
      result.add_((at::matmul(grams_[l], dl) * dl).view({n_, k, o}).sum(at::IntArrayRef{0, 2}));
      return;
    }
    at::Tensor gw = at::matmul(dl.t(), inputs_[l]);  // [k·o, i]
    result.add_(gw.view({k, o * i}).pow(2).sum(1), L.w_scale * L.w_scale);
    if (L.bias.defined()) result.add_(delta.sum(0).pow(2).sum(1), L.b_scale * L.b_scale);
  });
  return result;
}

at::Tensor DenseProducts::kernel_rows(const at::Tensor& U) const {
  at::NoGradGuard no_grad;
  const int64_t k = U.size(0);
  std::vector<at::Tensor> d(layers_.size());
  deltas(U, [&](size_t l, const at::Tensor& delta) { d[l] = delta; });
  // The JVP of the tangents Ẇ_l = s_l δ_lᵀh_l, ḃ_l = β_l Σ_n δ_l: ż_l = s_l ḣ_l W_lᵀ + G_l δ_l.
  at::Tensor t;  // ḣ_l as [N, k·in_l]; undefined for the first layer (the inputs are fixed)
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& L = layers_[l];
    const int64_t o = L.weight.size(0), i = L.weight.size(1);
    const at::Tensor dl = d[l].view({n_, k * o});
    at::Tensor z;
    if (grams_[l].defined()) {
      z = at::matmul(grams_[l], dl);  // [N, N] × [N, k·o]
    } else {                          // N > 2·in: through Ẇ_l/s_l [k·o, i]
      z = at::matmul(inputs_[l], at::matmul(dl.t(), inputs_[l]).t());
      if (L.w_scale != 1) z.mul_(L.w_scale * L.w_scale);
      if (L.bias.defined()) z.add_(d[l].sum(0).view({1, k * o}), L.b_scale * L.b_scale);
    }
    if (t.defined()) z.view({n_ * k, o}).addmm_(t.view({n_ * k, i}), L.weight.t(), 1, L.w_scale);
    if (slopes_[l].defined()) z.view({n_, k, o}).mul_(slopes_[l].unsqueeze(1));
    t = z;
  }
  const int64_t out = layers_.back().weight.size(0);
  return t.view({n_, k, out}).transpose(0, 1).reshape({k, n_ * out});  // item-major rows, one per vector
}

}  // namespace ts
