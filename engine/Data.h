#pragma once
// Input data sets (docs/FORMATS.md): random normal inputs of any shape and CSV files. Later issues add
// real image data sets.
#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace ts {

struct Dataset {
  at::Tensor inputs;       ///< [N, input_shape...], float64 on the CPU
  at::Tensor labels;       ///< [N] int64, or undefined when the data has none
  int64_t num_classes = 0;
  std::string description;
  std::vector<int64_t> input_shape() const;
  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
};

/// "random:n=50,shape=100,seed=0[,classes=10]" or "csv:PATH[,label=last|first|N][,header=auto|yes|no]".
/// `model_shape` is the model's input shape: random data defaults to it, CSV rows are reshaped to it.
Dataset load_data(const std::string& spec, const std::vector<int64_t>& model_shape, uint64_t default_seed);

/// N inputs of `shape` drawn from N(0, 1) with a seeded generator; with classes > 0 also uniform labels.
Dataset random_normal(int64_t n, const std::vector<int64_t>& shape, uint64_t seed, int64_t classes = 0);

/// Reads a numeric CSV: each row one flattened input. `label` is "" (no label), "last", "first" or a column
/// index; labels must be non-negative integers. Throws InputError naming the file, line and column.
Dataset load_csv(const std::string& path, const std::string& label, const std::string& header = "auto");

/// One-hot targets flattened like the state of a classifier with `outputs` logits: y ∈ R^{N·outputs}.
at::Tensor one_hot_targets(const Dataset& data, int64_t outputs);

}  // namespace ts
