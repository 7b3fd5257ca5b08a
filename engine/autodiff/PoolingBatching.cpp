// Batching rules for pooling's backward and forward-mode passes, which LibTorch 1.13's vmap lacks: max
// pooling's backward scatters the block's gradients to the recorded argmax positions in one call; adaptive
// average pooling folds the block into the batch axis. Also `flatten` and `gather`, which forward mode
// applies to a batched tangent in max pooling's JVP.

#include "autodiff/VmapBlock.h"

#include <torch/library.h>

namespace ts::vmap {

namespace {

// grad_input[b, …, i] = Σ over the outputs j whose argmax is i of grad_output[b, …, j]: indices count within
// each H×W plane, so the block shares the indices and adds into its own planes.
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
  const at::Tensor& go = blk[0];  // [B, (N,) C, Ho, Wo]
  std::vector<int64_t> planes{B};
  planes.insert(planes.end(), self.sizes().begin(), self.sizes().end() - 2);
  std::vector<int64_t> flat = planes, index_shape = planes;
  flat.push_back(self.size(-2) * self.size(-1));
  index_shape.push_back(go.size(-2) * go.size(-1));
  at::Tensor gi = at::zeros(flat, go.options());
  gi.scatter_add_(-1, indices.reshape(at::IntArrayRef(index_shape).slice(1)).unsqueeze(0).expand(index_shape),
                  go.reshape(index_shape));
  std::vector<int64_t> shape{B};
  shape.insert(shape.end(), self.sizes().begin(), self.sizes().end());
  return blk.logical(gi.reshape(shape));
}

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
