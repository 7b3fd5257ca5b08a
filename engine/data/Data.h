#pragma once
// Input data sets (docs/FORMATS.md): random normal inputs of any shape, CSV and NumPy files
// (data/NumpyFiles.h), and real image data sets (MNIST, Fashion-MNIST, CIFAR, scikit-learn's digits).
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/TorchUtil.h"

namespace ts {

struct Dataset {
  at::Tensor inputs;   ///< [N, input_shape...], float64 on the CPU (int64/int32 for integer-input models)
  at::Tensor labels;   ///< [N] int64, or undefined when the data has none
  at::Tensor targets;  ///< [N, T] float64 regression targets (e.g. the sine set), or undefined
  int64_t num_classes = 0;
  std::vector<std::string> class_names;  ///< one per class where known ("0".."9", "T-shirt/top", ...)
  std::vector<int64_t> image_shape;      ///< [C, H, W] for image data (so samples can be drawn), else empty
  std::string description;
  std::vector<int64_t> input_shape() const;
  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  /// The rows `index` (int64 tensor) of every per-sample tensor.
  Dataset select(const at::Tensor& index) const;
};

/// A data spec (docs/FORMATS.md): random, csv, npy, npz, images, digits, mnist, fashion-mnist, cifar10,
/// cifar100, moons, spirals, blobs, sine; every kind takes n= (a seeded, stratified subset) and
/// standardize=1. `model_shape` is the model's input shape: random data defaults to it, other data is
/// reshaped to it when the number of values agrees. Generated data (random), NumPy arrays, CIFAR and folder
/// images are refused when their float64 inputs would exceed `memory_budget` bytes (MemoryBudgetError naming
/// --memory-budget). `input_type` is the model's (Model::input_type): for a model taking integers, inputs
/// are kept as its integer dtype (int64 NumPy arrays exactly; other data must hold integral values), random
/// data are drawn uniformly from its recorded range (refused when it records none), and standardize=1 is
/// refused; float models get float64 inputs whatever the file's dtype.
Dataset load_data(const std::string& spec, const std::vector<int64_t>& model_shape, uint64_t default_seed,
                  int64_t memory_budget = int64_t(4) << 30, const InputType& input_type = {});

/// N inputs of `shape` drawn from N(0, 1) with a seeded generator; with classes > 0 also uniform labels.
Dataset random_normal(int64_t n, const std::vector<int64_t>& shape, uint64_t seed, int64_t classes = 0);
/// N integer inputs of `shape` drawn uniformly from [type.low, type.high) in type.dtype (token ids), seeded;
/// with classes > 0 also uniform labels.
Dataset random_integers(int64_t n, const std::vector<int64_t>& shape, const InputType& type, uint64_t seed,
                        int64_t classes = 0);

/// Reads a numeric CSV: each row one flattened input. `label` is "" (no label), "last", "first" or a column
/// index; labels must be non-negative integers. Throws InputError naming the file, line and column.
Dataset load_csv(const std::string& path, const std::string& label, const std::string& header = "auto");

/// The folder real data sets are read from: $TS_DATA_DIR, else the build's default (the repository's data/,
/// filled by scripts/fetch-data).
std::string data_dir();

/// Reads an IDX file (plain or gzip-compressed), as the MNIST files are: unsigned bytes, magic 0x0803
/// (images, [N, rows, cols]) or 0x0801 (labels, [N]). Throws InputError naming the file on a wrong magic, a
/// truncated file or sizes that disagree with the file's length.
at::Tensor read_idx(const std::string& path);
/// MNIST-format image/label pair from `dir` (`split` train or test; files with or without .gz): images scaled
/// to [0, 1] as [N, 1, 28, 28], labels checked against `classes`.
Dataset load_idx_pair(const std::string& dir, const std::string& split,
                      const std::vector<std::string>& class_names, const std::string& name);
/// CIFAR-10's binary batches in `dir` (data_batch_1.bin … data_batch_5.bin for split train, test_batch.bin
/// for test; records of 1 label byte and 3,072 pixel bytes, the R, G and B planes): images scaled to [0, 1]
/// as [N, 3, 32, 32], labels 0–9 named by batches.meta.txt when present. Every file's size is checked (whole
/// records) and the float64 images against `memory_budget` before anything is allocated.
Dataset load_cifar10(const std::string& dir, const std::string& split, int64_t memory_budget);
/// CIFAR-100's train.bin or test.bin in `dir` (records of a coarse and a fine label byte, then the pixels as
/// CIFAR-10's): `labels` fine (100 classes, fine_label_names.txt) or coarse (20, coarse_label_names.txt).
Dataset load_cifar100(const std::string& dir, const std::string& split, const std::string& labels,
                      int64_t memory_budget);
/// Folders of images per class in `dir` (DIR/CLASS/…/IMAGE, classes in sorted order; .png files, .jpg and
/// .jpeg refused by name for now, hidden and other files skipped): images scaled to [0, 1] as [N, C, H, W], C
/// = 1 when `channels` is "1" (or "auto" and every image is grey) else 3. A stratified subset of `n` (0: all)
/// is drawn from the labels before any image is decoded; the chosen images must all have one size, and their
/// float64 pixels fit in `memory_budget`. Throws InputError naming the folder or file.
Dataset load_image_folders(const std::string& dir, const std::string& channels, int64_t n, uint64_t seed,
                           int64_t memory_budget);
/// scikit-learn's digits.csv.gz: 1,797 8×8 images (pixels 0–16, scaled to [0, 1]) and labels 0–9.
Dataset load_digits(const std::string& path);

/// Two interleaving half-moons (2-D, 2 classes), Gaussian noise of std `noise`.
Dataset make_moons(int64_t n, double noise, uint64_t seed);
/// `classes` interleaved spirals in 2-D.
Dataset make_spirals(int64_t n, int64_t classes, double noise, uint64_t seed);
/// Gaussian blobs: `classes` centres drawn in [−spread, spread]^dim, unit-variance clusters scaled by `std`.
Dataset make_blobs(int64_t n, int64_t classes, int64_t dim, double std, double spread, uint64_t seed);
/// 1-D regression: x ~ U(−π, π), target sin(x) + noise (labels undefined, targets [N, 1]).
Dataset make_sine(int64_t n, double noise, uint64_t seed);

/// A seeded subset of n rows; stratified by label (each class in proportion) when the data has labels.
Dataset subset(const Dataset& data, int64_t n, uint64_t seed);
/// A seeded split into (train, test) with `test_n` test rows, stratified by label where there are labels.
std::pair<Dataset, Dataset> train_test_split(const Dataset& data, int64_t test_n, uint64_t seed);
/// Per-feature mean and std of `fit` (std 0 → 1), applied to `data`.
Dataset standardize(const Dataset& data, const Dataset& fit);

/// One-hot targets flattened like the state of a classifier with `outputs` logits: y ∈ R^{N·outputs}.
at::Tensor one_hot_targets(const Dataset& data, int64_t outputs);

/// Targets [N, outputs] for kernel regression and the MSE loss: one-hot labels, or the data's regression
/// targets when there are `outputs` of them per input. Throws InputError naming the data otherwise.
at::Tensor target_matrix(const Dataset& data, int64_t outputs);

}  // namespace ts
