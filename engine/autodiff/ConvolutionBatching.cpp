// Batching rules for convolution and its backward. LibTorch 1.13's vmap has neither: it warns and loops over
// the block, and TangentMap then gives up the block for the whole pass. The standard technique folds the
// block of B vectors into the convolution's own axes; which fold pays was measured on ResNet-18's layers at N
// = 4 (docs/PERFORMANCE.md, "Batching rules for convolutions"), and where none did, the rule calls LibTorch's
// kernel once per vector (still sparing the rest of the pass LibTorch's loop):
// - forward, a batched input (a JVP's tangent of the activations): into the batch axis, [B, N, C, …] →
//   [B·N, C, …];
// - forward, a batched weight (a JVP's tangent of the weight): one call per vector;
// - backward, the input's gradient of a batched grad_output (a VJP's cotangent): into the batch axis;
// - backward, the weight's gradient: im2col and one matrix product over the block where a vector has few
//   output positions, otherwise one call per vector.

#include "autodiff/VmapBlock.h"

#include <torch/library.h>

#include <algorithm>

namespace ts::vmap {

namespace {

// [n0, n1, rest…] with the first two sizes replaced by their product.
std::vector<int64_t> folded(at::IntArrayRef sizes) {
  std::vector<int64_t> s{sizes[0] * sizes[1]};
  s.insert(s.end(), sizes.begin() + 2, sizes.end());
  return s;
}

// The sizes of `t` after its first `from` dimensions (a convolution's spatial sizes after N and C).
std::vector<int64_t> tail(const at::Tensor& t, int64_t from) {
  return {t.sizes().begin() + from, t.sizes().end()};
}

std::vector<int64_t> concat(std::initializer_list<int64_t> head, const std::vector<int64_t>& rest) {
  std::vector<int64_t> s(head);
  s.insert(s.end(), rest.begin(), rest.end());
  return s;
}

// The weight's gradient of a 2-d convolution as one matrix product over the block (im2col) where a vector
// has fewer than this many output positions N·L: there oneDNN's kernel, one vector at a time, was 2–10×
// slower per vector (ResNet-18's last two stages at N = 4); with more, oneDNN per vector was faster
// (float32). In float64 LibTorch's own kernel is im2col and a matrix product per vector, and one product over
// the block was faster at every layer.
constexpr int64_t kGemmPositions = 64;

at::Tensor convolution_rule(const at::Tensor& input, const at::Tensor& weight,
                            const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                            at::IntArrayRef padding, at::IntArrayRef dilation, bool transposed,
                            at::IntArrayRef output_padding, int64_t groups) {
  const at::Tensor bias_t = bias.value_or(at::Tensor());
  const Block blk({input, weight, bias_t});
  const int64_t B = blk.size();
  const auto conv = [&](const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& b,
                        int64_t g) {
    return at::convolution(x, w, b, stride, padding, dilation, transposed, output_padding, g);
  };
  at::Tensor y;  // [B, N, O, sp…], or [N, O, sp…] when only the bias is batched
  bool bias_added = false;
  if (blk.batched(0) && !blk.batched(1)) {
    const at::Tensor& x = blk[0];
    const bool plain_bias = bias_t.defined() && !blk.batched(2);
    y = conv(x.reshape(folded(x.sizes())), weight, plain_bias ? bias : c10::nullopt, groups);
    y = y.reshape(concat({B, x.size(1)}, tail(y, 1)));
    bias_added = plain_bias;
  } else if (!blk.batched(0) && !blk.batched(1)) {
    y = conv(input, weight, c10::nullopt, groups);  // only the bias is batched: added below
  } else {
    // A batched weight (the JVP's tangent of the weight): one call per vector. Folding the block into the
    // output channels ([B, O, C/g, …] → [g·B·O/g, C/g, …], g groups) was 0.8–5× slower per vector on
    // ResNet-18's layers (docs/PERFORMANCE.md).
    y = blk.loop([&](int64_t b) {
      return conv(blk.at(0, b), blk.at(1, b), blk.batched(2) ? c10::optional<at::Tensor>(blk.at(2, b)) : bias,
                  groups);
    });
    bias_added = true;
  }
  if (bias_t.defined() && !bias_added) {
    const int64_t spatial = y.dim() - (blk.batched(0) || blk.batched(1) ? 3 : 2);
    std::vector<int64_t> shape =
        blk.batched(2) ? std::vector<int64_t>{B, 1, bias_t.size(-1)} : std::vector<int64_t>{bias_t.size(-1)};
    shape.insert(shape.end(), static_cast<size_t>(spatial), 1);
    y = y + blk[2].reshape(shape);
  }
  return blk.logical(y);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> convolution_backward_rule(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    at::OptionalSymIntArrayRef bias_sizes, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool transposed, at::IntArrayRef output_padding, int64_t groups,
    std::array<bool, 3> mask) {
  const Block blk({grad_output, input, weight});
  const int64_t B = blk.size();
  const auto backward = [&](const at::Tensor& go, const at::Tensor& x, const at::Tensor& w, int64_t g,
                            std::array<bool, 3> m) {
    return at::convolution_backward(go, x, w, c10::nullopt, stride, padding, dilation, transposed,
                                    output_padding, g, m);
  };
  at::Tensor gi, gw, gb;
  if (!blk.batched(0) || blk.batched(1) || blk.batched(2)) {
    // Not a VJP's pattern (a double backward, say): one vector at a time.
    return blk.loop_gradients(mask, [&](int64_t b) {
      return at::convolution_backward_symint(blk.at(0, b), blk.at(1, b), blk.at(2, b), bias_sizes, stride,
                                             padding, dilation, transposed, output_padding, groups, mask);
    });
  }
  const at::Tensor& go = blk[0];  // [B, N, O, sp…]
  const int64_t n = go.size(1), o = go.size(2);
  if (mask[0]) {
    // The input's gradient reads only the input's shape: the block folds into the batch axis.
    const at::Tensor x = shape_only(input, concat({B * n}, tail(input, 1)));
    gi = std::get<0>(backward(go.reshape(folded(go.sizes())), x, weight, groups, {true, false, false}));
    gi = gi.reshape(concat({B, n}, tail(gi, 1)));
  }
  if (mask[1]) {
    const bool plain_2d = !transposed && go.dim() == 5;
    const int64_t l = plain_2d ? go.size(3) * go.size(4) : 0;
    if (plain_2d && (n * l < kGemmPositions || input.scalar_type() == at::kDouble)) {
      // The input's patches once (im2col, [N, C·k, L]), then one matrix product per group for the whole
      // block: grad_weight[b, g] = Σ_n grad_output[b, n, g] · patches[n, g]ᵀ.
      const int64_t ck = input.size(1) / groups * weight.size(2) * weight.size(3);
      const auto two = [](at::IntArrayRef v) {  // a convolution's parameters may be given once for both axes
        return v.size() == 1 ? std::vector<int64_t>{v[0], v[0]} : v.vec();
      };
      const at::Tensor cols =
          at::im2col(input, {weight.size(2), weight.size(3)}, two(dilation), two(padding), two(stride));
      const at::Tensor a = go.reshape({B, n, groups, o / groups, l})
                               .permute({2, 0, 3, 1, 4})
                               .reshape({groups, B * (o / groups), n * l});
      const at::Tensor p =
          cols.reshape({n, groups, ck, l}).permute({1, 0, 3, 2}).reshape({groups, n * l, ck});
      gw = at::bmm(a, p)
               .reshape({groups, B, o / groups, ck})
               .transpose(0, 1)
               .reshape(concat({B}, weight.sizes().vec()));
    } else {
      gw = blk.loop([&](int64_t b) {
        return std::get<1>(backward(go[b], input, weight, groups, {false, true, false}));
      });
    }
  }
  if (mask[2]) {
    std::vector<int64_t> dims{1};
    for (int64_t d = 3; d < go.dim(); ++d) dims.push_back(d);
    gb = go.sum(dims);
  }
  return {blk.logical(gi), blk.logical(gw), blk.logical(gb)};
}

}  // namespace

void register_convolution_rules(torch::Library& library) {
  library.impl("convolution", TORCH_FN(convolution_rule));
  library.impl("convolution_backward", TORCH_FN(convolution_backward_rule));
}

}  // namespace ts::vmap
