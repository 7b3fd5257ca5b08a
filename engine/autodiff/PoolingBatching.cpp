// Batching rules for pooling's backward and forward-mode passes, which LibTorch 1.13's vmap lacks: max and
// adaptive average pooling fold the block into the batch axis of LibTorch's own kernels. Also `flatten` and
// `gather`, which forward mode applies to a batched tangent in max pooling's JVP.

#include "autodiff/VmapBlock.h"

#include <torch/library.h>

#include <algorithm>

namespace ts::vmap {

namespace {

// The block folds into the batch axis: [B, N, C, H, W] → [B·N, C, H, W] (an unbatched [C, H, W] input takes
// the block as its batch axis).
at::Tensor fold(const at::Tensor& t, int64_t plain_dims) {
  if (t.dim() - 1 == plain_dims) return t;
  std::vector<int64_t> s{t.size(0) * t.size(1)};
  s.insert(s.end(), t.sizes().begin() + 2, t.sizes().end());
  return t.reshape(s);
}

at::Tensor unfold(const at::Tensor& r, const Block& blk, int64_t logical_dims) {
  std::vector<int64_t> s{blk.size()};
  if (logical_dims == 4) s.push_back(r.size(0) / blk.size());
  s.insert(s.end(), r.sizes().begin() + 1, r.sizes().end());
  return blk.logical(r.reshape(s));
}

// The block folds into the batch axis of LibTorch's own kernel: grad_output [B·N, C, Ho, Wo], the indices
// repeated for each vector, and the input only as a shape (the kernel reads its sizes). An input without a
// batch axis takes the block as its batch. (A scatter_add of the block's gradients to the argmax positions
// was 3× slower than the per-vector calls on SqueezeNet.)
at::Tensor max_pool2d_backward_rule(const at::Tensor& grad_output, const at::Tensor& self,
                                    at::IntArrayRef kernel_size, at::IntArrayRef stride,
                                    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode,
                                    const at::Tensor& indices) {
  const Block blk({grad_output, self, indices});
  const int64_t B = blk.size();
  if (!blk.batched(0) || blk.batched(1) || blk.batched(2)) {
    return blk.logical(blk.loop([&](int64_t b) {
      return at::max_pool2d_with_indices_backward(blk.at(0, b), blk.at(1, b), kernel_size, stride, padding,
                                                  dilation, ceil_mode, blk.at(2, b));
    }));
  }
  // In chunks whose gradient stays within about 2 MiB: the kernel zero-fills its output and then scatters
  // into it, and on an output that has left the cache both passes go to memory (SqueezeNet's first pooling, 1
  // MB a vector: a block of 16 at once cost 3× the per-vector calls).
  const int64_t per_vector = self.numel() * self.element_size();
  const int64_t chunk = std::clamp<int64_t>((int64_t(2) << 20) / std::max<int64_t>(per_vector, 1), 1, B);
  std::vector<at::Tensor> parts;
  for (int64_t first = 0; first < B; first += chunk) {
    const int64_t count = std::min(chunk, B - first);
    const at::Tensor go = fold(blk[0].narrow(0, first, count), 3);  // [count·N, C, Ho, Wo]
    std::vector<int64_t> index_shape{count};
    index_shape.insert(index_shape.end(), indices.sizes().begin(), indices.sizes().end());
    const at::Tensor idx = indices.unsqueeze(0).expand(index_shape).reshape(go.sizes());
    std::vector<int64_t> in_shape{go.size(0)};
    in_shape.insert(in_shape.end(), self.sizes().end() - 3, self.sizes().end());
    parts.push_back(at::max_pool2d_with_indices_backward(go, shape_only(self, in_shape), kernel_size, stride,
                                                         padding, dilation, ceil_mode, idx));
  }
  const at::Tensor r = parts.size() == 1 ? parts[0] : at::cat(parts);
  return unfold(r, blk, self.dim());
}

at::Tensor adaptive_avg_pool2d_rule(const at::Tensor& self, c10::SymIntArrayRef output_size) {
  const Block blk({self});
  const int64_t dims = blk[0].dim() - 1;
  return unfold(at::_adaptive_avg_pool2d_symint(fold(blk[0], 3), output_size), blk, dims);
}

at::Tensor adaptive_avg_pool2d_backward_rule(const at::Tensor& grad_output, const at::Tensor& self) {
  const Block blk({grad_output, self});
  if (!blk.batched(0) || blk.batched(1)) {
    return blk.logical(
        blk.loop([&](int64_t b) { return at::_adaptive_avg_pool2d_backward(blk.at(0, b), blk.at(1, b)); }));
  }
  const at::Tensor go = fold(blk[0], 3);
  std::vector<int64_t> shape{go.size(0)};
  shape.insert(shape.end(), self.sizes().end() - 3, self.sizes().end());
  const at::Tensor r = at::_adaptive_avg_pool2d_backward(go, shape_only(self, shape));
  return unfold(r, blk, self.dim());
}

// Adaptive average pooling to 1×1 is a mean over the spatial axes (LibTorch 1.13 computes it so), which its
// JVP applies to the batched tangent: the logical axes shift past the block's.
at::Tensor mean_dim_rule(const at::Tensor& self, at::OptionalIntArrayRef dim, bool keepdim,
                         c10::optional<at::ScalarType> dtype) {
  const Block blk({self});
  const int64_t dims = blk[0].dim() - 1;
  std::vector<int64_t> physical;
  if (dim.has_value() && !dim->empty()) {
    for (int64_t d : *dim) physical.push_back(c10::maybe_wrap_dim(d, std::max<int64_t>(dims, 1)) + 1);
  } else {
    for (int64_t d = 1; d <= dims; ++d) physical.push_back(d);
  }
  if (physical.empty()) return blk.logical(dtype ? blk[0].to(*dtype) : blk[0].clone());
  return blk.logical(at::mean(blk[0], physical, keepdim, dtype));
}

at::Tensor mean_rule(const at::Tensor& self, c10::optional<at::ScalarType> dtype) {
  return mean_dim_rule(self, c10::nullopt, false, dtype);
}

// gather along `dim`: max pooling's JVP picks the tangent at each argmax (gather(tangent, -1, indices)). The
// block's axis goes in front of both; an index without it is shared by the block.
at::Tensor gather_rule(const at::Tensor& self, int64_t dim, const at::Tensor& index, bool sparse_grad) {
  const Block blk({self, index});
  const int64_t B = blk.size();
  const int64_t dims = blk.batched(0) ? blk[0].dim() - 1 : self.dim();
  dim = c10::maybe_wrap_dim(dim, std::max<int64_t>(dims, 1));
  const auto with_block = [B](const at::Tensor& t) {
    std::vector<int64_t> s{B};
    s.insert(s.end(), t.sizes().begin(), t.sizes().end());
    return t.unsqueeze(0).expand(s);
  };
  const at::Tensor src = blk.batched(0) ? blk[0] : with_block(self);
  const at::Tensor idx = blk.batched(1) ? blk[1] : with_block(index);
  return blk.logical(at::gather(src, dim + 1, idx, sparse_grad));
}

// flatten(start, end) of the logical tensor is flatten of the physical one, shifted past the block's axis.
at::Tensor flatten_rule(const at::Tensor& self, int64_t start_dim, int64_t end_dim) {
  const Block blk({self});
  const int64_t dims = blk[0].dim() - 1;
  if (dims == 0) return blk.logical(blk[0].reshape({blk.size(), 1}));
  start_dim = c10::maybe_wrap_dim(start_dim, dims);
  end_dim = c10::maybe_wrap_dim(end_dim, dims);
  return blk.logical(blk[0].flatten(start_dim + 1, end_dim + 1));
}

}  // namespace

void register_pooling_rules(torch::Library& library) {
  library.impl("max_pool2d_with_indices_backward", TORCH_FN(max_pool2d_backward_rule));
  library.impl("_adaptive_avg_pool2d", TORCH_FN(adaptive_avg_pool2d_rule));
  library.impl("_adaptive_avg_pool2d_backward", TORCH_FN(adaptive_avg_pool2d_backward_rule));
  library.impl("flatten.using_ints", TORCH_FN(flatten_rule));
  library.impl("gather", TORCH_FN(gather_rule));
  library.impl("mean", TORCH_FN(mean_rule));
  library.impl("mean.dim", TORCH_FN(mean_dim_rule));
}

}  // namespace ts::vmap
