#include "autodiff/TangentMap.h"

#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/forward_grad.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "autodiff/BatchingRules.h"
#include "autodiff/DenseProducts.h"
#include "autodiff/TangentMapDetail.h"
#include "core/Defaults.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "dist/Communicator.h"
#include "io/Spec.h"

namespace ts {

using namespace tangent_map_detail;

TangentMap::TangentMap(std::shared_ptr<const Model> model, at::Tensor x, JvpMode mode)
    : model_(std::move(model)), x_(std::move(x)), mode_(mode) {
  const auto& shape = model_->input_shape();
  std::vector<int64_t> expect{x_.size(0)};
  expect.insert(expect.end(), shape.begin(), shape.end());
  if (x_.sizes().vec() != expect)
    throw InputError("model '" + model_->spec() + "' takes inputs of shape [" + shape_to_string(shape) +
                     "] but the batch is [" + shape_to_string(x_.sizes().vec()) + "]");
  x_ = to_model_input(x_, model_->options());  // token ids stay integers
  if (!at::isfinite(x_).all().item<bool>())
    throw InputError("the input batch for model '" + model_->spec() +
                     "' contains NaN or Inf: the data is at fault, not the model (check the data file)");
  at::Tensor out;
  {
    at::NoGradGuard no_grad;
    out = model_->forward(x_);
    // A file's model may draw random numbers in evaluation mode (F.dropout(x, training=True)): then "its NTK"
    // changes from call to call, and no exact value exists. Compared with a tolerance far above rounding (GPU
    // kernels with atomics may differ in the last bits between passes) and far below what sampling changes.
    const auto again = [&] {
      const at::Tensor b = model_->forward(x_);
      const double scale = out.abs().max().item<double>();
      return (out - b).abs().max().item<double>() <= 1e-5 * scale + 1e-30;
    };
    // Once per model: a second pass on every new map would slow the loops that build many of them.
    const bool check = model_->kind() == "torchscript" && !model_->deterministic_checked() &&
                       out.numel() > 0 && out.is_floating_point();
    if (check && !again())
      throw InputError(
          "model '" + model_->spec() +
          "' gives different outputs for the same batch in two passes: it is random in evaluation mode "
          "(dropout with training=True, or sampling), so its NTK is not defined; remove the randomness");
    if (check) model_->set_deterministic_checked();
  }
  model_->check_batch_axis(x_, out);  // an output whose first axis equals N by chance is refused
  if (out.dim() == 0 || out.size(0) != x_.size(0))
    throw InputError("model '" + model_->spec() + "' must return one output row per input (got shape [" +
                     shape_to_string(out.sizes().vec()) + "] for " + std::to_string(x_.size(0)) + " inputs)");
  check_finite(out, "the output of model '" + model_->spec() + "' on this batch");
  out_shape_ = out.sizes().vec();
  state_ = out.reshape({-1}).detach();
  d_ = state_.numel();
  d_all_ = d_;
  p_ = model_->num_selected_parameters();
  if (dist::world().size() > 1) comm_ = &dist::world();
  register_batching_rules();  // the activations' backward rules LibTorch's vmap lacks
  // Jobs set the block from their configured budget; other users get the default budget's.
  block_ = block_for_budget(p_, d_, default_integer("compute.memory_budget_bytes"), state_.element_size());
}

void TangentMap::require_graph(const at::Tensor& out) const {
  if (!out.requires_grad())
    throw InputError(
        "the output of model '" + model_->spec() + "' does not depend on its " + std::to_string(p_) +
        " selected parameters (it is integer-valued, detached, or ignores them), so its NTK is zero; "
        "return a floating-point output computed from the parameters");
}

std::vector<at::Tensor> TangentMap::leaf_parameters(std::vector<at::Tensor>* all) const {
  *all = model_->parameters();
  for (auto& t : *all) t = t.detach();
  std::vector<at::Tensor> leaves;
  for (auto i : model_->selected()) {
    auto& t = (*all)[static_cast<size_t>(i)];
    // A new leaf on the parameter's storage (detached above): no copy of P numbers per product call, and
    // nothing writes to the parameters while the graph lives.
    t.requires_grad_(true);
    leaves.push_back(t);
  }
  return leaves;
}

std::vector<at::Tensor> TangentMap::unflatten(const at::Tensor& flat) const {
  std::vector<at::Tensor> out;
  int64_t off = 0;
  for (auto i : model_->selected()) {
    const auto& p = model_->parameters()[static_cast<size_t>(i)];
    out.push_back(flat.narrow(0, off, p.numel()).view(p.sizes()));
    off += p.numel();
  }
  return out;
}

std::vector<at::Tensor> TangentMap::replicate(int64_t k, const std::vector<at::Tensor>& selected) const {
  std::vector<at::Tensor> all;
  const auto& params = model_->parameters();
  size_t s = 0, next = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    if (next < model_->selected().size() && model_->selected()[next] == static_cast<int64_t>(i)) {
      all.push_back(selected[s++]);
      ++next;
    } else {
      std::vector<int64_t> shape{k};
      shape.insert(shape.end(), params[i].sizes().begin(), params[i].sizes().end());
      all.push_back(params[i].detach().unsqueeze(0).expand(shape));
    }
  }
  return all;
}

at::Tensor TangentMap::jvp_replicated(const at::Tensor& Wt) const {
  const int64_t k = Wt.size(0);
  at::NoGradGuard no_grad;
  DualLevel level;
  std::vector<at::Tensor> duals;
  int64_t off = 0;
  for (auto i : model_->selected()) {
    const auto& p = model_->parameters()[static_cast<size_t>(i)];
    std::vector<int64_t> shape{k};
    shape.insert(shape.end(), p.sizes().begin(), p.sizes().end());
    const at::Tensor primal = p.detach().unsqueeze(0).expand(shape).contiguous();
    const at::Tensor tangent = Wt.narrow(1, off, p.numel()).reshape(shape).contiguous();
    duals.push_back(at::_make_dual(primal, tangent, static_cast<int64_t>(level.level)));
    off += p.numel();
  }
  const at::Tensor out = model_->forward_replicated(replicate(k, duals), x_);
  const at::Tensor tangent = std::get<1>(at::_unpack_dual(out, static_cast<int64_t>(level.level)));
  jvps_ += k;
  return tangent.defined() ? tangent.reshape({k, -1}).clone() : at::zeros({k, d_}, options());
}

const DenseProducts* TangentMap::dense() const {
  if (!explicit_ || block_ <= 1 || dense_refused_) return nullptr;
  if (model_->kind() != "mlp" || model_->num_selected_parameters() != model_->num_parameters()) {
    dense_refused_ = true;
    return nullptr;
  }
  std::vector<DenseLayer> layers = dense_layers(*model_);
  if (layers.empty()) {
    dense_refused_ = true;
    return nullptr;
  }
  if (dense_ && dense_->made_from(layers)) return dense_.get();
  auto made = std::make_shared<const DenseProducts>(std::move(layers), x_);
  // The explicit forward must be the model's own: a guard against the two drifting apart.
  at::Tensor want;
  {
    at::NoGradGuard no_grad;
    want = model_->forward(x_).reshape({-1});
  }
  const double tol = want.scalar_type() == at::kDouble ? 1e-10 : 1e-4;
  if (made->param_size() != p_ || !at::allclose(made->output().reshape({-1}), want, tol, tol)) {
    dense_refused_ = true;
    dense_.reset();
    return nullptr;
  }
  dense_ = std::move(made);
  return dense_.get();
}

std::string TangentMap::vjp_path() const {
  if (dense()) return "explicit";
  return batching() ? "batched" : "per-vector";
}

std::string TangentMap::jvp_batching() const {
  if (dense()) return "explicit";
  if (batching()) return "batched";
  return batched() ? "replicated" : "per-vector";
}

at::Tensor TangentMap::vjp_rows(const at::Tensor& U_in, bool squares) const {
  ProductTimer timer(nanoseconds_);
  const at::Tensor U = as_matrix(U_in, d_, "VJP", model_->spec()).to(options()).t().contiguous();
  const int64_t k = U.size(0);
  at::Tensor result = squares ? at::zeros({k}, options()) : at::empty({k, p_}, options());
  if (k == 0) return result;
  check();
  if (const DenseProducts* dp = dense()) {
    for (int64_t j = 0; j < k; j += block_) {
      check();
      const int64_t b = std::min(block_, k - j);
      const at::Tensor Ub = U.narrow(0, j, b);
      if (squares)
        result.narrow(0, j, b).copy_(dp->vjp_sqnorms(Ub));
      else
        dp->vjp_rows(Ub, result.narrow(0, j, b));
      vjps_ += b;
    }
    return result;
  }
  std::vector<at::Tensor> all;
  auto leaves = leaf_parameters(&all);
  at::AutoGradMode grad_on(true);
  at::Tensor out = model_->forward(all, x_).reshape({-1});
  require_graph(out);
  // set_block_measured: this call's full blocks, or its first two vectors one at a time, are timed (the
  // forward pass above is outside both timings). Measured here rather than by measured(): joining a call's
  // parts would copy its k × P rows (1.4 GB for 32 VJPs of ResNet-18).
  const bool measure = measuring("VJP");
  SingleVectors single;  // two vectors one at a time, timed, from column `singles_from`
  std::optional<detail::Stopwatch> singles_time;
  const int64_t n_single = 2;
  int64_t singles_from = measure && model_->block_choice().stage == 2 ? 0 : -1;
  for (int64_t j = 0; j < k; ++j) {
    check();
    if (j == singles_from && k - j >= n_single) {
      single.begin(force_single_);
      singles_time.emplace();
    }
    if (batching() && k - j > 1) {
      const int64_t b = std::min(block_, k - j);
      const detail::Stopwatch block_time;
      const at::Tensor r = try_batched(
          [&] { return vjp_block(out, leaves, U.narrow(0, j, b), squares, result.narrow(0, j, b)); },
          "a batched VJP");
      if (r.defined()) {
        if (measure && model_->block_choice().stage < 2) {
          note_block("VJP", b, block_time.seconds());
          if (model_->block_choice().stage == 2)
            singles_from = j + b;  // timed: the next two go one at a time
        }
        vjps_ += b;
        j += b - 1;
        continue;
      }
    }
    auto g = torch::autograd::grad({out}, leaves, {U[j]}, /*retain_graph=*/j + 1 < k,
                                   /*create_graph=*/false, /*allow_unused=*/true);
    int64_t off = 0;
    at::Tensor acc = at::zeros({}, options());
    for (size_t i = 0; i < g.size(); ++i) {
      const int64_t n = leaves[i].numel();
      if (squares) {
        if (g[i].defined()) acc = acc + g[i].pow(2).sum();
      } else if (g[i].defined()) {
        result[j].narrow(0, off, n).copy_(g[i].reshape({-1}));
      } else {
        result[j].narrow(0, off, n).zero_();
      }
      off += n;
    }
    if (squares) result[j] = acc;
    ++vjps_;
    if (single.on() && j + 1 == singles_from + n_single) {
      single.end();
      note_singles("VJP", n_single, singles_time->seconds());
    }
  }
  return result;
}

at::Tensor TangentMap::vjp(const at::Tensor& U_in) const {
  const at::Tensor rows = comm_ ? vjp_rows_shared(U_in, false) : vjp_rows(U_in, false);
  return U_in.dim() == 1 ? rows[0] : rows.t();  // a vector is one column
}

at::Tensor TangentMap::vjp_sqnorms(const at::Tensor& U_in) const {
  return comm_ ? vjp_rows_shared(U_in, true) : vjp_rows(U_in, true);
}

int TangentMap::ranks() const { return comm_ ? comm_->size() : 1; }

void TangentMap::split_batch() {
  if (!comm_ || rows_) return;
  const at::Tensor n = at::full({1}, d_, at::TensorOptions().dtype(at::kLong));
  const std::vector<int64_t> ones(static_cast<size_t>(comm_->size()), 1);
  const at::Tensor counts = comm_->all_gather_rows(n, ones);
  row_counts_.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + counts.numel());
  row_begin_ = 0;
  for (int r = 0; r < comm_->rank(); ++r) row_begin_ += row_counts_[static_cast<size_t>(r)];
  state_ = comm_->all_gather_rows(state_, row_counts_);
  d_all_ = state_.numel();
  int64_t per_row = 1;  // numbers per input row
  for (size_t i = 1; i < out_shape_.size(); ++i) per_row *= out_shape_[i];
  out_shape_[0] = per_row > 0 ? d_all_ / per_row : 0;
  rows_ = true;
}

at::Tensor TangentMap::vjp_rows_shared(const at::Tensor& U_in, bool squares) const {
  const at::Tensor U = as_matrix(U_in, d_all_, "VJP", model_->spec()).to(options());
  if (rows_) {
    // Jᵀu = Σ_r J_rᵀ u_r: this rank's rows of u, then one sum over the ranks.
    at::Tensor rows = vjp_rows(U.narrow(0, row_begin_, d_), false);
    comm_->all_reduce_sum(rows);
    return squares ? rows.pow(2).sum(1) : rows;
  }
  int64_t others = 0;
  const at::Tensor all =
      by_columns(*comm_, U, others, [&](const at::Tensor& mine) { return vjp_rows(mine, squares); });
  vjps_ += others;  // a run counts every rank's products
  return all;
}

at::Tensor TangentMap::jvp(const at::Tensor& W_in) const {
  if (!comm_) return jvp_local(W_in);
  const at::Tensor W = as_matrix(W_in, p_, "JVP", model_->spec()).to(options());
  at::Tensor all;
  if (rows_) {
    all = comm_->all_gather_rows(jvp_local(W), row_counts_);  // [d, k]: every rank's rows of J W
  } else {
    int64_t others = 0;
    all = by_columns(*comm_, W, others, [&](const at::Tensor& mine) {
            return jvp_local(mine).t().contiguous();
          }).t();
    jvps_ += others;
  }
  return W_in.dim() == 1 ? all.select(1, 0) : all;
}

at::Tensor TangentMap::jvp_choose(const at::Tensor& W_in) const {
  const at::Tensor W = as_matrix(W_in, p_, "JVP", model_->spec()).to(options());
  const int64_t k = W.size(1);
  mode_ = JvpMode::Forward;
  const int64_t before = jvps_.load();
  // One forward-mode JVP first: it warms the model up (TorchScript profiles its first calls), and on an
  // operator without a forward-mode formula it switches this map to double backward by itself.
  jvp_local(W.narrow(1, 0, 1));
  if (mode_ == JvpMode::DoubleBackward) {
    model_->set_jvp_choice("double-backward", fallback_);
    jvps_ = before;
    return jvp_local(W_in);
  }
  const auto per_vector = [](std::chrono::steady_clock::time_point t0, int64_t n) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
           static_cast<double>(n);
  };
  auto t0 = std::chrono::steady_clock::now();
  const at::Tensor result = jvp_local(W);
  const double forward = per_vector(t0, k);
  // Double backward on two vectors (its forward pass and first backward are shared by a whole block, so this
  // overstates its cost a little, in favour of forward mode).
  const int64_t probe = std::min<int64_t>(k, 2);
  jvp_double_backward(W.narrow(1, 0, 1));  // its warm-up too
  t0 = std::chrono::steady_clock::now();
  jvp_double_backward(W.narrow(1, 0, probe));
  const double twice = per_vector(t0, probe);
  // Double backward only when clearly faster: a near tie decided by the machine's noise would make the same
  // seed give last-digit differences from run to run.
  const bool db = twice * 1.5 < forward;
  mode_ = db ? JvpMode::DoubleBackward : JvpMode::Forward;
  const std::string path = db ? "double-backward" : "forward";
  model_->set_jvp_choice(path, path + " (timed per JVP on this model: forward mode " +
                                   format_number(forward, 3) + " s, double backward " +
                                   format_number(twice, 3) + " s)");
  jvps_ = before + k;  // the timing runs are not products of the run
  return W_in.dim() == 1 ? result.select(1, 0) : result;
}

at::Tensor TangentMap::jvp_local(const at::Tensor& W) const {
  if (mode_ == JvpMode::Auto) {
    const std::string& chosen = model_->jvp_choice();
    if (chosen.empty()) {
      if (W.dim() == 2 && W.size(1) == 0) return at::zeros({d_, 0}, options());
      return jvp_choose(W);
    }
    mode_ = chosen == "forward" ? JvpMode::Forward : JvpMode::DoubleBackward;
  }
  ProductTimer timer(nanoseconds_);
  if (mode_ == JvpMode::Forward && model_->forward_ad_unsupported().empty()) {
    try {
      return jvp_forward(W);
    } catch (const Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      const std::string op = forward_ad_operator(e.what());
      if (op.empty()) throw;
      model_->set_forward_ad_unsupported(op);
    }
  }
  if (mode_ == JvpMode::Forward) {
    // Remembered per model: the fused or custom operator has no forward-mode formula in this LibTorch.
    fallback_ = "forward-mode AD is not available for operator " + model_->forward_ad_unsupported() +
                " in model '" + model_->spec() +
                "'; JVPs use the double-backward trick (exact, about two backward passes each)";
    mode_ = JvpMode::DoubleBackward;
  }
  return jvp_double_backward(W);
}

at::Tensor TangentMap::jvp_forward(const at::Tensor& W_in) const {
  const at::Tensor W = as_matrix(W_in, p_, "JVP", model_->spec()).to(options());
  const int64_t k = W.size(1);
  // Rows of Wᵀ are contiguous: no per-column copy of a P-vector. Results are gathered as rows too.
  const at::Tensor Wt = W.t().contiguous();
  at::Tensor result = at::empty({k, d_}, options());
  if (const DenseProducts* dp = dense()) {
    for (int64_t j = 0; j < k; j += block_) {
      check();
      const int64_t b = std::min(block_, k - j);
      result.narrow(0, j, b).copy_(dp->jvp_rows(Wt.narrow(0, j, b)));
      jvps_ += b;
    }
    return W_in.dim() == 1 ? result[0] : result.t();
  }
  int64_t first = 0;  // the JVPs before it are done
  while (batching() && k - first > 1) {
    check();
    const int64_t b = std::min(block_, k - first);
    const at::Tensor r = try_batched([&] { return jvp_block(Wt.narrow(0, first, b)); }, "a batched JVP");
    if (!r.defined()) break;
    result.narrow(0, first, b).copy_(r);
    jvps_ += b;
    first += b;
  }
  if (first == k) return W_in.dim() == 1 ? result[0] : result.t();
  if (batched() && k - first > 1) {
    for (int64_t s = first; s < k; s += replicas_) {
      check();
      const int64_t b = std::min(replicas_, k - s);
      result.narrow(0, s, b).copy_(jvp_replicated(Wt.narrow(0, s, b)));
    }
    return result.t();
  }
  for (int64_t j = first; j < k; ++j) {
    check();
    jvp_one(unflatten(Wt[j]), result[j]);
    ++jvps_;
  }
  return W_in.dim() == 1 ? result[0] : result.t();
}

void TangentMap::jvp_one(const std::vector<at::Tensor>& tangents, at::Tensor row) const {
  at::NoGradGuard no_grad;  // forward-mode AD does not need the backward graph
  DualLevel level;
  std::vector<at::Tensor> all = model_->parameters();
  size_t t = 0;
  for (auto i : model_->selected()) {
    auto& p = all[static_cast<size_t>(i)];
    const at::Tensor& w = tangents[t++];
    p = w.defined() ? at::_make_dual(p.detach(), w, static_cast<int64_t>(level.level)) : p.detach();
  }
  const at::Tensor out = model_->forward(all, x_);
  const at::Tensor tangent = std::get<1>(at::_unpack_dual(out, static_cast<int64_t>(level.level)));
  if (tangent.defined())
    row.copy_(tangent.reshape({-1}));
  else
    row.zero_();  // the output does not depend on the selected parameters
}

at::Tensor TangentMap::jvp_double_backward(const at::Tensor& W_in) const {
  const at::Tensor W = as_matrix(W_in, p_, "JVP", model_->spec()).to(options());
  const int64_t k = W.size(1);
  const at::Tensor Wt = W.t().contiguous();
  at::Tensor result = at::empty({k, d_}, options());
  if (k == 0) return W_in.dim() == 1 ? result.t().squeeze(1) : result.t();
  check();
  std::vector<at::Tensor> all;
  auto leaves = leaf_parameters(&all);
  at::AutoGradMode grad_on(true);
  at::Tensor out = model_->forward(all, x_).reshape({-1});
  require_graph(out);
  at::Tensor u = at::zeros({d_}, options()).requires_grad_(true);
  auto g = torch::autograd::grad({out}, leaves, {u}, /*retain_graph=*/true, /*create_graph=*/true, true);
  for (int64_t j = 0; j < k; ++j) {
    check();
    const auto w = unflatten(Wt[j]);
    at::Tensor inner = at::zeros({}, options());
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i].defined()) inner = inner + (g[i] * w[i]).sum();
    at::Tensor col;
    if (inner.requires_grad()) {
      auto jw = torch::autograd::grad({inner}, {u}, {}, /*retain_graph=*/j + 1 < k, false, true);
      col = jw[0];
    }
    if (col.defined())
      result[j].copy_(col);
    else
      result[j].zero_();
    ++jvps_;
  }
  return W_in.dim() == 1 ? result[0] : result.t();
}

}  // namespace ts
