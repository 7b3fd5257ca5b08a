#include "autodiff/BatchingRules.h"

#include "autodiff/VmapBlock.h"

#include <ATen/ATen.h>
#include <ATen/VmapTransforms.h>
#include <torch/library.h>

#include <memory>
#include <mutex>

namespace ts {

namespace {

// Each of these is pointwise and broadcasts its two tensors: line up their batch dimensions in front
// (a tensor without one gets a size-1 dimension), compute on the plain tensors, and mark the result's
// front dimension as the batch again. This is the rule LibTorch uses for its other binary pointwise ops.
at::Tensor tanh_backward_rule(const at::Tensor& grad_output, const at::Tensor& output) {
  auto views = at::BroadcastingVmapTransform::logicalToPhysical({grad_output, output});
  const at::Tensor r = at::tanh_backward(views[0].tensor(), views[1].tensor());
  return views[0].getPhysicalToLogicalMap().apply(r);
}

at::Tensor gelu_backward_rule(const at::Tensor& grad_output, const at::Tensor& self,
                              c10::string_view approximate) {
  auto views = at::BroadcastingVmapTransform::logicalToPhysical({grad_output, self});
  const at::Tensor r = at::gelu_backward(views[0].tensor(), views[1].tensor(), approximate);
  return views[0].getPhysicalToLogicalMap().apply(r);
}

// Hardswish's and hardsigmoid's backward (MobileNetV3) read the input, not the output: the same rule.
template <at::Tensor (*Op)(const at::Tensor&, const at::Tensor&)>
at::Tensor pointwise_backward_rule(const at::Tensor& grad_output, const at::Tensor& self) {
  auto views = at::BroadcastingVmapTransform::logicalToPhysical({grad_output, self});
  const at::Tensor r = Op(views[0].tensor(), views[1].tensor());
  return views[0].getPhysicalToLogicalMap().apply(r);
}

at::Tensor hardswish_backward_op(const at::Tensor& g, const at::Tensor& x) {
  return at::hardswish_backward(g, x);
}
at::Tensor hardsigmoid_backward_op(const at::Tensor& g, const at::Tensor& x) {
  return at::hardsigmoid_backward(g, x);
}

// In-place ops under forward mode update their tangent with copy_ (torchvision's ReLU(inplace=True)): the
// batched tangent takes the new values, vector by vector (a source without the block is broadcast over it).
at::Tensor& copy_rule(at::Tensor& self, const at::Tensor& src, bool non_blocking) {
  const at::BatchedTensorImpl* dst = at::maybeGetBatchedImpl(self);
  const at::BatchedTensorImpl* from = at::maybeGetBatchedImpl(src);
  TORCH_CHECK(dst != nullptr, "vmap: cannot copy a batched tensor into a tensor without its batch dimension");
  if (from != nullptr) {
    const auto have = at::createVmapLevelsBitset(dst->bdims()),
               need = at::createVmapLevelsBitset(from->bdims());
    TORCH_CHECK((need & ~have).none(),
                "vmap: copy_ into a tensor that lacks some of the source's vmap levels");
  }
  auto views = at::BroadcastingVmapTransform::logicalToPhysical({self, src});
  views[0].tensor().copy_(views[1].tensor(), non_blocking);
  return self;
}

}  // namespace

void register_batching_rules() {
  static std::once_flag once;
  static std::unique_ptr<torch::Library> library;
  std::call_once(once, [] {
    library = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", c10::DispatchKey::Batched,
                                               __FILE__, __LINE__);
    library->impl("tanh_backward", TORCH_FN(tanh_backward_rule));
    library->impl("gelu_backward", TORCH_FN(gelu_backward_rule));
    library->impl("hardswish_backward", TORCH_FN(pointwise_backward_rule<&hardswish_backward_op>));
    library->impl("hardsigmoid_backward", TORCH_FN(pointwise_backward_rule<&hardsigmoid_backward_op>));
    library->impl("copy_", TORCH_FN(copy_rule));
    vmap::register_convolution_rules(*library);
    vmap::register_pooling_rules(*library);
    vmap::register_batch_norm_rules(*library);
  });
}

}  // namespace ts
