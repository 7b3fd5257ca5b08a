#pragma once
// Batching rules LibTorch 1.13's vmap lacks for the backward passes of common activations (tanh and GELU;
// sigmoid has one), so block products (TangentMap::set_block) run batched through the MLPs and recurrent nets
// that use them instead of falling back to one vector at a time.

namespace ts {

/// Registers the rules with LibTorch's dispatcher, once per process (later calls do nothing).
void register_batching_rules();

}  // namespace ts
