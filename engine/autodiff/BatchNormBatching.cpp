// Batching rule for batch norm's backward (LibTorch 1.13's vmap lacks it), in evaluation and training mode,
// written out for a block of cotangents. With x̂ = (x − μ)·σ⁻¹ (μ, σ⁻¹ the running statistics in evaluation
// mode, the batch's saved ones in training), M the number of values per channel, and the sums over the batch
// and spatial axes of each vector b of the block:
//   grad_weight_b = Σ g_b ⊙ x̂,   grad_bias_b = Σ g_b,
//   grad_input_b  = γσ⁻¹ ⊙ g_b                                   (evaluation),
//   grad_input_b  = γσ⁻¹ ⊙ (g_b − Σ g_b / M − x̂ ⊙ Σ (g_b ⊙ x̂) / M)   (training).

#include "autodiff/VmapBlock.h"

#include <torch/library.h>

namespace ts::vmap {

namespace {

std::tuple<at::Tensor, at::Tensor, at::Tensor> batch_norm_backward_rule(
    const at::Tensor& grad_out, const at::Tensor& input, const c10::optional<at::Tensor>& weight,
    const c10::optional<at::Tensor>& running_mean, const c10::optional<at::Tensor>& running_var,
    const c10::optional<at::Tensor>& save_mean, const c10::optional<at::Tensor>& save_invstd, bool train,
    double eps, std::array<bool, 3> mask) {
  const at::Tensor w = weight.value_or(at::Tensor());
  const at::Tensor rm = running_mean.value_or(at::Tensor()), rv = running_var.value_or(at::Tensor());
  const at::Tensor sm = save_mean.value_or(at::Tensor()), si = save_invstd.value_or(at::Tensor());
  const Block blk({grad_out, input, w, rm, rv, sm, si});
  bool vjp_pattern = blk.batched(0);  // only the cotangent batched
  for (size_t i = 1; i < 7; ++i) vjp_pattern = vjp_pattern && !blk.batched(i);
  if (!vjp_pattern) {  // one vector at a time
    const auto opt = [&](size_t a, int64_t b) {
      return blk[a].defined() ? c10::optional<at::Tensor>(blk.at(a, b)) : c10::nullopt;
    };
    return blk.loop_gradients(mask, [&](int64_t b) {
      return at::native_batch_norm_backward(blk.at(0, b), blk.at(1, b), opt(2, b), opt(3, b), opt(4, b),
                                            opt(5, b), opt(6, b), train, eps, mask);
    });
  }
  const at::Tensor& g = blk[0];  // [B, N, C, sp…]
  const int64_t B = blk.size(), c = input.size(1);
  std::vector<int64_t> channel(static_cast<size_t>(input.dim()), 1),
      block_channel(static_cast<size_t>(g.dim()), 1);
  channel[1] = c;
  block_channel[0] = B;
  block_channel[2] = c;
  const at::Tensor mean = train ? sm : rm;
  const at::Tensor invstd = train ? si : (rv + eps).rsqrt();
  const at::Tensor xhat = (input - mean.reshape(channel)) * invstd.reshape(channel);
  std::vector<int64_t> sum_dims{1};
  for (int64_t d = 3; d < g.dim(); ++d) sum_dims.push_back(d);
  const at::Tensor sum_g = g.sum(sum_dims);            // [B, C]
  const at::Tensor sum_gx = (g * xhat).sum(sum_dims);  // [B, C]
  at::Tensor gi;
  if (mask[0]) {
    const at::Tensor scale = (w.defined() ? w * invstd : invstd).reshape(channel);
    if (train) {
      const double m = static_cast<double>(input.numel() / c);
      gi = scale * (g - sum_g.reshape(block_channel) / m - xhat * (sum_gx.reshape(block_channel) / m));
    } else {
      gi = g * scale;
    }
  }
  return {blk.logical(gi), mask[1] ? blk.logical(sum_gx) : at::Tensor(),
          mask[2] ? blk.logical(sum_g) : at::Tensor()};
}

}  // namespace

void register_batch_norm_rules(torch::Library& library) {
  library.impl("native_batch_norm_backward", TORCH_FN(batch_norm_backward_rule));
}

}  // namespace ts::vmap
