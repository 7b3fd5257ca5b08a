// Seeded subsets, stratified splits and standardisation of data sets.
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"

namespace ts {

Dataset Dataset::select(const at::Tensor& index) const {
  Dataset d = *this;
  d.inputs = inputs.index_select(0, index);
  if (labels.defined()) d.labels = labels.index_select(0, index);
  if (targets.defined()) d.targets = targets.index_select(0, index);
  return d;
}

namespace {

// A seeded permutation of each class's rows (or of all rows), used to draw stratified samples.
std::vector<at::Tensor> shuffled_groups(const Dataset& data, at::Generator& gen) {
  std::vector<at::Tensor> groups;
  if (!data.labels.defined()) {
    groups.push_back(at::randperm(data.size(), gen, at::TensorOptions().dtype(at::kLong)));
    return groups;
  }
  for (int64_t c = 0; c < std::max<int64_t>(data.num_classes, 1); ++c) {
    const at::Tensor idx = at::nonzero(data.labels == c).reshape({-1});
    if (idx.numel() == 0) continue;
    groups.push_back(
        idx.index_select(0, at::randperm(idx.numel(), gen, at::TensorOptions().dtype(at::kLong))));
  }
  return groups;
}

// Takes `n` rows spread over the groups in proportion to their sizes (largest remainders), returns (taken,
// rest).
std::pair<at::Tensor, at::Tensor> stratified_take(const std::vector<at::Tensor>& groups, int64_t total,
                                                  int64_t n) {
  std::vector<int64_t> take(groups.size());
  std::vector<std::pair<double, size_t>> rem;
  int64_t assigned = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const double exact = double(n) * double(groups[g].numel()) / double(total);
    take[g] = static_cast<int64_t>(exact);
    assigned += take[g];
    rem.emplace_back(exact - double(take[g]), g);
  }
  std::sort(rem.begin(), rem.end(),
            [](auto a, auto b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  for (size_t i = 0; assigned < n && i < rem.size(); ++i)
    if (take[rem[i].second] < groups[rem[i].second].numel()) {
      ++take[rem[i].second];
      ++assigned;
    }
  std::vector<at::Tensor> a, b;
  for (size_t g = 0; g < groups.size(); ++g) {
    a.push_back(groups[g].narrow(0, 0, take[g]));
    b.push_back(groups[g].narrow(0, take[g], groups[g].numel() - take[g]));
  }
  return {std::get<0>(at::sort(at::cat(a))), std::get<0>(at::sort(at::cat(b)))};
}

}  // namespace

Dataset subset(const Dataset& data, int64_t n, uint64_t seed) {
  if (n <= 0 || n >= data.size()) return data;
  auto gen = make_generator(seed);
  Dataset d = data.select(stratified_take(shuffled_groups(data, gen), data.size(), n).first);
  d.description =
      data.description + ", subset of " + std::to_string(n) + " (seed " + std::to_string(seed) + ")";
  return d;
}

std::pair<Dataset, Dataset> train_test_split(const Dataset& data, int64_t test_n, uint64_t seed) {
  if (test_n <= 0 || test_n >= data.size())
    throw InputError("train/test split of " + data.description + ": the test size must be between 1 and " +
                     std::to_string(data.size() - 1) + ", got " + std::to_string(test_n));
  auto gen = make_generator(seed);
  const auto [test_idx, train_idx] = stratified_take(shuffled_groups(data, gen), data.size(), test_n);
  Dataset train = data.select(train_idx), test = data.select(test_idx);
  train.description = data.description + ", train part (" + std::to_string(train.size()) + ")";
  test.description = data.description + ", test part (" + std::to_string(test.size()) + ")";
  return {train, test};
}

Dataset standardize(const Dataset& data, const Dataset& fit) {
  if (!fit.inputs.is_floating_point() || !data.inputs.is_floating_point())
    throw InputError("standardising " + data.description +
                     " would turn its integer inputs (token ids, indices) into real numbers: leave it out");
  const at::Tensor x = fit.inputs.reshape({fit.size(), -1});
  const at::Tensor mean = x.mean(0);
  at::Tensor sd = x.std(0, /*unbiased=*/false);
  sd = at::where(sd > 1e-12, sd, at::ones_like(sd));
  Dataset d = data;
  d.inputs = ((data.inputs.reshape({data.size(), -1}) - mean) / sd).reshape(data.inputs.sizes());
  d.description = data.description + ", standardised";
  return d;
}

}  // namespace ts
