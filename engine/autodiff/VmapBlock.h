#pragma once
// The physical side of a batching rule: the arguments of an operator called inside LibTorch's vmap, with
// every vmap level's batch dimension moved to the front and the levels flattened into one dimension of size B
// (the block of vectors). A rule computes on these plain tensors and hands its result back with logical().
// Only the batching-rule files include this header (it brings in ATen's vmap internals).

#include <ATen/ATen.h>
#include <ATen/VmapTransforms.h>

#include <array>
#include <initializer_list>
#include <tuple>
#include <vector>

namespace torch {
class Library;
}

namespace ts::vmap {

class Block {
 public:
  /// `args`: the operator's tensor arguments (an undefined optional tensor may be passed as undefined).
  explicit Block(std::initializer_list<at::Tensor> args) {
    std::vector<at::Tensor> batched;
    for (const at::Tensor& a : args) {
      const bool b = a.defined() && at::isBatchedTensor(a);
      batched_.push_back(b);
      if (b) batched.push_back(a);
    }
    TORCH_INTERNAL_ASSERT(!batched.empty(), "a batching rule called without a batched argument");
    auto views = at::MultiBatchVmapTransform::logicalToPhysical(batched);
    levels_ = views[0].numBatchDims();
    const at::Tensor& first = views[0].tensor();
    batch_shape_.assign(first.sizes().begin(), first.sizes().begin() + levels_);
    size_ = 1;
    for (int64_t s : batch_shape_) size_ *= s;
    map_.emplace(views[0].getPhysicalToLogicalMap());
    size_t v = 0;
    for (const at::Tensor& a : args) {
      if (a.defined() && at::isBatchedTensor(a)) {
        const at::Tensor& t = views[v++].tensor();
        std::vector<int64_t> shape{size_};
        shape.insert(shape.end(), t.sizes().begin() + levels_, t.sizes().end());
        physical_.push_back(t.reshape(shape));
      } else {
        physical_.push_back(a);
      }
    }
  }

  /// B: the number of vectors in the block (the product of the vmap levels' sizes).
  int64_t size() const { return size_; }
  /// Whether argument i is batched.
  bool batched(size_t i) const { return batched_[i]; }
  /// Argument i: batched ones as [B, logical shape…], the others as given.
  const at::Tensor& operator[](size_t i) const { return physical_[i]; }
  /// Argument i's slice for vector b (the same tensor for an argument that is not batched).
  at::Tensor at(size_t i, int64_t b) const { return batched_[i] ? physical_[i][b] : physical_[i]; }

  /// The logical (batched) tensor of a physical result [B, logical shape…]. It is made contiguous: vmap
  /// refuses as_strided (which forward mode applies to tangents) unless the block is in front in memory.
  at::Tensor logical(const at::Tensor& physical) const {
    if (!physical.defined()) return physical;
    std::vector<int64_t> shape(batch_shape_.begin(), batch_shape_.end());
    shape.insert(shape.end(), physical.sizes().begin() + 1, physical.sizes().end());
    return map_->apply(physical.contiguous().reshape(shape));
  }

  /// For a backward with three gradients called in a pattern no rule folds: f(b), one call per vector,
  /// returns its three gradients; the logical results, those not asked for in `mask` undefined.
  template <class F>
  std::tuple<at::Tensor, at::Tensor, at::Tensor> loop_gradients(std::array<bool, 3> mask, F f) const {
    std::vector<at::Tensor> parts[3];
    for (int64_t b = 0; b < size_; ++b) {
      const auto r = f(b);
      const at::Tensor got[3] = {std::get<0>(r), std::get<1>(r), std::get<2>(r)};
      for (size_t j = 0; j < 3; ++j)
        if (mask[j]) parts[j].push_back(got[j]);
    }
    const auto result = [&](size_t j) { return mask[j] ? logical(at::stack(parts[j])) : at::Tensor(); };
    return {result(0), result(1), result(2)};
  }

  /// Stacks per-vector results f(b), b = 0…B−1, into a physical result (argument combinations that no rule
  /// folds into one call: correct, one vector at a time).
  template <class F>
  at::Tensor loop(F f) const {
    std::vector<at::Tensor> parts;
    for (int64_t b = 0; b < size_; ++b) parts.push_back(f(b));
    return at::stack(parts);
  }

 private:
  std::vector<bool> batched_;
  std::vector<at::Tensor> physical_;
  std::vector<int64_t> batch_shape_;
  int64_t levels_ = 0;
  int64_t size_ = 0;
  c10::optional<at::VmapPhysicalToLogicalMap> map_;
};

/// An uninitialised contiguous tensor of `shape`: stands for an argument whose values an operator does not
/// read, only its shape and layout (the input of a convolution's input gradient, for instance). Its pages are
/// never touched. (One element broadcast to the shape holds no memory at all, but kernels take its zero
/// strides for channels-last and convert: max pooling's backward ran 4× slower.)
inline at::Tensor shape_only(const at::Tensor& like, at::IntArrayRef shape) { return like.new_empty(shape); }

/// Registers the rules of each family (ConvolutionBatching.cpp, PoolingBatching.cpp, BatchNormBatching.cpp)
/// on LibTorch's vmap key.
void register_convolution_rules(torch::Library& library);
void register_pooling_rules(torch::Library& library);
void register_batch_norm_rules(torch::Library& library);

}  // namespace ts::vmap
