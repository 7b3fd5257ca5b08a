#include "autodiff/BatchingRules.h"

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

}  // namespace

void register_batching_rules() {
  static std::once_flag once;
  static std::unique_ptr<torch::Library> library;
  std::call_once(once, [] {
    library = std::make_unique<torch::Library>(torch::Library::IMPL, "aten", c10::DispatchKey::Batched,
                                               __FILE__, __LINE__);
    library->impl("tanh_backward", TORCH_FN(tanh_backward_rule));
    library->impl("gelu_backward", TORCH_FN(gelu_backward_rule));
  });
}

}  // namespace ts
