#pragma once
// Batching rules LibTorch 1.13's vmap lacks, so block products (TangentMap::set_block) run batched instead of
// falling back to one vector at a time: the backward passes of common activations (tanh, GELU, hardswish,
// hardsigmoid; sigmoid has one) here, and convolution, pooling and batch norm (ConvolutionBatching.cpp,
// PoolingBatching.cpp, BatchNormBatching.cpp), for the MLPs, recurrent nets and convolutional networks.

namespace ts {

/// Registers the rules with LibTorch's dispatcher, once per process (later calls do nothing).
void register_batching_rules();

}  // namespace ts
