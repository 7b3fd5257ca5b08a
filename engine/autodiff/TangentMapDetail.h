#pragma once
// What TangentMap.cpp and KernelProducts.cpp share: scope guards and small helpers of the products. Internal
// to autodiff/ (not a public header).
#include <ATen/ATen.h>
#include <torch/csrc/autograd/forward_grad.h>

#include <atomic>
#include <chrono>
#include <string>

#include "core/Errors.h"
#include "dist/Communicator.h"
#include "io/Spec.h"

namespace ts::tangent_map_detail {

// Enters a forward-AD dual level and always leaves it.
struct DualLevel {
  uint64_t level = torch::autograd::forward_ad::enter_dual_level();
  ~DualLevel() { torch::autograd::forward_ad::exit_dual_level(level); }
};

// Adds the wall time of a product to the map's counter (so a run's dense algebra can be told apart).
struct ProductTimer {
  std::atomic<int64_t>& total;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  explicit ProductTimer(std::atomic<int64_t>& t) : total(t) {}
  ~ProductTimer() {
    total += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
                 .count();
  }
};

// LibTorch's message for an operator without a forward-mode formula: "Trying to use forward AD with OP that
// does not support it". Returns OP, or "" when `what` is another error.
inline std::string forward_ad_operator(const std::string& what) {
  const std::string key = "forward AD with ";
  const auto at = what.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  const auto end = what.find(' ', start);
  const std::string op = what.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return op.empty() ? "an operator" : op;
}

// `t` as a matrix of `rows` rows (a vector is one column); a wrong shape is an error naming the model.
inline at::Tensor as_matrix(const at::Tensor& t, int64_t rows, const char* what, const std::string& model) {
  if (t.dim() == 1 && t.size(0) == rows) return t.unsqueeze(1);
  if (t.dim() == 2 && t.size(0) == rows) return t;
  throw InputError(std::string(what) + " of model '" + model + "' expects " + std::to_string(rows) +
                   " rows, got shape [" + shape_to_string(t.sizes().vec()) + "]");
}

// Under several ranks: `mine` of this rank's share of the columns of X gives rows [count, …]; every rank's
// rows, gathered in column order, are [k, …]. `others` gets the number of columns the other ranks took.
template <class F>
at::Tensor by_columns(dist::Communicator& comm, const at::Tensor& X, int64_t& others, F&& mine) {
  const int64_t k = X.size(1);
  const dist::Share s = dist::share(k, comm.rank(), comm.size());
  others = k - s.count;
  return comm.all_gather_rows(mine(X.narrow(1, s.begin, s.count)), dist::share_counts(k, comm.size()));
}

}  // namespace ts::tangent_map_detail
