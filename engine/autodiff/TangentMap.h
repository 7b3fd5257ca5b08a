#pragma once
// The Jacobian J = ∂s/∂θ ∈ R^{d×P} of a model on a fixed batch, used only through products (docs/MATH.md §2):
// VJP u ↦ Jᵀu (one backward pass), JVP w ↦ Jw (forward-mode AD, or the double-backward trick).
#include <ATen/ATen.h>

#include <atomic>
#include <functional>
#include <memory>

#include "autodiff/LinearOperator.h"
#include "core/RunControl.h"
#include "models/Model.h"

namespace ts {

class DenseProducts;

namespace dist {
class Communicator;
}

enum class JvpMode {
  Forward,         ///< forward-mode AD with dual parameters
  DoubleBackward,  ///< J w = ∂/∂u ⟨Jᵀu, w⟩
  /// Times both on the model's first JVPs and keeps the faster (once per model; Model::jvp_choice).
  Auto,
};

class TangentMap {
 public:
  /// `x` is the batch [N, input_shape...] on the model's device and dtype.
  TangentMap(std::shared_ptr<const Model> model, at::Tensor x, JvpMode mode = JvpMode::Forward);

  int64_t state_size() const { return d_all_; }       ///< d
  int64_t param_size() const { return p_; }           ///< P (the selected parameters)
  const at::Tensor& state() const { return state_; }  ///< s(θ) ∈ R^d
  at::TensorOptions options() const { return state_.options(); }
  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& model_ptr() const { return model_; }
  const at::Tensor& inputs() const { return x_; }
  std::vector<int64_t> output_shape() const { return out_shape_; }

  /// Jᵀ U for U ∈ R^{d×k} (or a vector in R^d): k backward passes over one forward pass.
  at::Tensor vjp(const at::Tensor& U) const;
  /// ‖Jᵀu_j‖² for each column of U, without keeping Jᵀ U.
  at::Tensor vjp_sqnorms(const at::Tensor& U) const;
  /// (JᵀU)ᵀ(JᵀU) = UᵀKU for U ∈ R^{d×k} ([k, k]): with block products, by one batched backward pass and a
  /// Gram per parameter, without forming the P × k matrix JᵀU; otherwise from vjp(U).
  at::Tensor vjp_gram(const at::Tensor& U) const;
  /// J W for W ∈ R^{P×k} (or a vector in R^P), by the configured mode.
  at::Tensor jvp(const at::Tensor& W) const;
  /// K V = J(JᵀV) for V ∈ R^{d×k}: under several ranks each rank runs both products for its share of the
  /// columns, and only the d×k result is gathered.
  at::Tensor kernel_apply(const at::Tensor& V) const;
  /// G W = Jᵀ(JW) for W ∈ R^{P×k}, the same way.
  at::Tensor gram_apply(const at::Tensor& W) const;

  /// Several ranks (dist::world() larger than one). By default every block of products is divided by columns:
  /// rank r computes its share of the k vectors and the results are gathered, so every rank sees the same
  /// numbers as one process would. split_batch() divides the batch instead: this map was built on rank r's
  /// share of the inputs (rows [begin, begin + d_r) of J), Jᵀu = Σ_r J_rᵀu_r costs one all-reduce of a
  /// P-vector per product, and J w gathers the d_r rows of every rank. state_size() and state() are then
  /// the whole batch's. Every rank must make the same calls.
  void split_batch();
  bool batch_split() const { return rows_; }
  int ranks() const;
  at::Tensor jvp_forward(const at::Tensor& W) const;
  at::Tensor jvp_double_backward(const at::Tensor& W) const;

  /// Block products: VJPs and forward-mode JVPs of up to `max` vectors run as one batched pass with
  /// LibTorch's vmap (the mechanism of torch.autograd.grad(..., is_grads_batched=True)): one backward over
  /// a block of cotangents, one forward pass with a block of tangents. 0 or 1: one vector at a time. A model
  /// where a batched pass fails, or where LibTorch would loop over the block for want of a batching rule,
  /// falls back to one vector at a time (once per model; batching_fallback() says why).
  void set_block(int64_t max) { block_ = max; }
  /// set_block, then block products or one vector at a time as measured on this model's first products
  /// (Model::BlockChoice; once per model, shared by its maps): one at a time only when it took less than
  /// 1/1.5 of a block's time per vector, which moves a near tie (whose outcome, left to the machine's noise,
  /// would change a seed's last digits from run to run) away from where measured networks lie; set_block
  /// pins it. Every column's path up to the decision is fixed by the calls alone.
  void set_block_measured(int64_t max) {
    block_ = max;
    measure_block_ = true;
  }
  int64_t block() const { return block_; }
  /// With set_block_measured: the choice and its timings; empty before it is made, or without it.
  std::string block_choice() const { return measure_block_ ? model_->block_choice().note : std::string(); }
  /// The block size for a memory budget: each vector of a block holds about 4 (P + d) numbers and
  /// `activation_bytes` (activation_bytes()) while a batched pass runs, and the block's gradients, their copy
  /// and its activations' gradients (2 (P + d) numbers and `activation_bytes` a vector) stay within the 1 GiB
  /// of freed memory the allocator keeps mapped (tune_allocator); at least 1, at most 32.
  static int64_t block_for_budget(int64_t p, int64_t d, int64_t budget_bytes, int64_t element_bytes,
                                  int64_t activation_bytes = 0);
  /// The bytes of the activations of one forward pass on this batch that need a gradient (the outputs of its
  /// outermost operators, as LibTorch's RecordFunction reports them): each vector of a block adds about this
  /// much while a batched pass runs (their gradients in a VJP, their tangents in a JVP). Counted once per
  /// map.
  int64_t activation_bytes() const;
  /// "explicit", "batched" or "per-vector", as the VJPs of this map run.
  std::string vjp_path() const;
  /// "explicit", "batched", "replicated" (built-in models' replicated forward) or "per-vector", as
  /// forward-mode JVPs run.
  std::string jvp_batching() const;
  /// Explicit products (autodiff/DenseProducts.h): a built-in MLP over all its parameters computes the VJPs
  /// and forward-mode JVPs of a block without autograd, two matrix products per layer over the whole block.
  /// On by default wherever block products are (block() > 1); off, blocks go through autograd and LibTorch's
  /// vmap. vjp_path() and jvp_batching() say "explicit" where it is used.
  void set_explicit(bool on) { explicit_ = on; }
  /// How K V runs: "fused" as one pass per block (a built-in MLP's explicit products, DenseProducts::
  /// kernel_rows: Jᵀv is never formed); "streamed" one vector at a time, the VJP's gradients passed as they
  /// are as the forward-mode JVP's tangents (where products go one vector at a time anyway: no k × P block);
  /// "block-streamed" the same for a block at a time (one batched backward pass, its gradients the tangents
  /// of one batched forward-mode pass: no k × P matrix either); "vjp-then-jvp" elsewhere (a block of VJPs,
  /// then a block of JVPs).
  std::string kernel_path() const {
    return fused() ? "fused" : streamed() ? "streamed" : block_streamed() ? "block-streamed" : "vjp-then-jvp";
  }
  /// Why block products were abandoned for this model; empty when they were not.
  const std::string& batching_fallback() const { return model_->batching_unsupported(); }

  /// Without block products, forward-mode JVPs through built-in models evaluate up to `max` parameter
  /// replicas in one pass. 0 or 1 turns this off.
  void set_replicas(int64_t max) { replicas_ = max; }
  int64_t replicas() const { return replicas_; }
  bool batched() const { return replicas_ > 1 && model_->has_replicated_forward(); }

  /// The JVP path in use: the requested one, or double backward after forward mode failed on an operator
  /// without a forward-mode formula (the switch happens by itself, once per model; see jvp_fallback()).
  JvpMode jvp_mode() const { return mode_; }
  void set_jvp_mode(JvpMode m) { mode_ = m; }
  /// "forward" or "double-backward", as the JVPs of this map ran (or will run).
  std::string jvp_path() const {
    if (mode_ == JvpMode::Auto) return model_->jvp_choice().empty() ? "auto" : model_->jvp_choice();
    return mode_ == JvpMode::Forward ? "forward" : "double-backward";
  }
  /// With JvpMode::Auto: the two paths' measured time per JVP and which was kept; empty otherwise.
  const std::string& jvp_choice() const { return model_->jvp_choice_note(); }
  /// Why forward mode was abandoned for this model (names the operator); empty when it was not.
  const std::string& jvp_fallback() const { return fallback_; }
  /// Checked before every VJP and JVP; may be null.
  void set_control(const RunControl* control) { control_ = control; }

  int64_t vjps() const { return vjps_.load(); }
  int64_t jvps() const { return jvps_.load(); }
  /// VJPs and JVPs so far and the wall time spent in them.
  AdCost cost() const { return {vjps(), jvps(), static_cast<double>(nanoseconds_.load()) * 1e-9}; }

 private:
  std::vector<at::Tensor> leaf_parameters(std::vector<at::Tensor>* all) const;
  /// Throws InputError naming the model when `out` has no autograd graph to the selected parameters.
  void require_graph(const at::Tensor& out) const;
  std::vector<at::Tensor> unflatten(const at::Tensor& flat) const;
  /// J for the rows of Wt ([k, P]) by one forward-mode pass through the replicated model: [k, d].
  at::Tensor jvp_replicated(const at::Tensor& Wt) const;
  bool batching() const {
    return block_ > 1 && model_->batching_unsupported().empty() && !force_single_ &&
           !(measure_block_ && model_->block_choice().one_at_a_time);
  }
  // A product call of the columns of X (n × k), split where set_block_measured's measurement needs: `rows`
  // runs a part as the map stands and returns its rows (undefined: the path is unavailable, passed on).
  at::Tensor measured(const char* product, const at::Tensor& X,
                      const std::function<at::Tensor(const at::Tensor&)>& rows) const;
  // The measurement's steps (Model::BlockChoice): whether `product` is still being measured; a block of b
  // vectors ran in `seconds` (the first full one warms up, the second is timed); n vectors one at a time ran
  // in `seconds` (the choice is made).
  bool measuring(const char* product) const;
  void note_block(const char* product, int64_t b, double seconds) const;
  void note_singles(const char* product, int64_t n, double seconds) const;
  // Products go one vector at a time while it lives (the measurement's), also when an exception leaves.
  struct SingleVectors {
    bool* flag = nullptr;
    void begin(bool& f) {
      flag = &f;
      f = true;
    }
    void end() {
      if (flag) *flag = false;
      flag = nullptr;
    }
    bool on() const { return flag != nullptr; }
    ~SingleVectors() { end(); }
  };
  /// The explicit products of this map's model and batch when they apply (made on first use, and again when
  /// the model's parameters moved); null otherwise.
  const DenseProducts* dense() const;
  /// The explicit products, where K V may also be fused: not under a batch split nor with double-backward
  /// JVPs asked for.
  const DenseProducts* fused() const { return rows_ || mode_ == JvpMode::DoubleBackward ? nullptr : dense(); }
  /// The rows K v_j for the columns of V ([k, d]) by fused(), counted as a VJP and a JVP each.
  at::Tensor kernel_rows(const at::Tensor& V) const;
  /// Whether K V may run streamed: VJPs and JVPs one vector at a time here (no explicit products, no
  /// batched or replicated passes), JVPs in forward mode, and no batch split.
  bool streamed() const;
  /// The rows K v_j = J (Jᵀv_j) for the columns of V ([k, d]), one vector at a time: one forward pass with
  /// the graph, then per vector a backward pass and a forward-mode pass whose tangents are its gradients.
  /// Empty when forward mode failed on an operator (the map has switched to double backward).
  at::Tensor kernel_rows_streamed(const at::Tensor& V) const;
  /// Whether K V may run block-streamed: block products (batching()), JVPs in forward mode, no batch split.
  bool block_streamed() const;
  /// kernel_rows_streamed for a block at a time: per block one batched backward pass and one batched
  /// forward-mode pass whose tangents are its gradients. Empty when a batched pass failed (the map has gone
  /// to one vector at a time) or forward mode failed on an operator.
  at::Tensor kernel_rows_block_streamed(const at::Tensor& V) const;
  /// The gradients of a batched backward pass through `out` for the rows of Ub ([b, d]): [b, shape] per leaf
  /// (undefined where `out` does not depend on it).
  std::vector<at::Tensor> vjp_block_grads(const at::Tensor& out, const std::vector<at::Tensor>& leaves,
                                          const at::Tensor& Ub) const;
  /// J for a block of b tangents given per selected parameter ([b, shape]; undefined: zero) by one
  /// forward-mode pass with batched tangents: [b, d].
  at::Tensor jvp_block_tangents(const std::vector<at::Tensor>& tangents, int64_t b) const;
  /// K V's rows by one pass per vector or block where one exists (fused, else streamed, else
  /// block-streamed); undefined otherwise.
  at::Tensor kernel_rows_one_pass(const at::Tensor& V) const;
  /// J w for one vector given as a tangent per selected parameter (undefined: zero), by one forward-mode
  /// pass, written into `row` ([d]).
  void jvp_one(const std::vector<at::Tensor>& tangents, at::Tensor row) const;
  /// The rows Jᵀu_j for the columns of U ([k, P]), or with `squares` their squared norms ([k]).
  at::Tensor vjp_rows(const at::Tensor& U, bool squares) const;
  /// vjp_rows under several ranks (divided by columns or by rows of the batch).
  at::Tensor vjp_rows_shared(const at::Tensor& U, bool squares) const;
  at::Tensor jvp_local(const at::Tensor& W) const;
  /// Under the column split: `both` (the two products) on this rank's columns of X ([rows, k]), gathered.
  template <class F>
  at::Tensor both_by_columns(const at::Tensor& X, int64_t rows, const char* what, F&& both) const;
  /// JvpMode::Auto's first JVPs on a model: the block by forward mode, a few of them by double backward,
  /// both timed; the faster is kept for the model.
  at::Tensor jvp_choose(const at::Tensor& W) const;
  /// Jᵀ for the rows of Ub ([b, d]) by one batched backward through `out`, written into `dest` ([b, P]; with
  /// `squares`, the squared norms [b]) and returned: one copy of the block's gradients, into place.
  at::Tensor vjp_block(const at::Tensor& out, const std::vector<at::Tensor>& leaves, const at::Tensor& Ub,
                       bool squares, at::Tensor dest) const;
  /// J for the rows of Wt ([b, P]) by one forward-mode pass with batched tangents: [b, d].
  at::Tensor jvp_block(const at::Tensor& Wt) const;
  /// Runs `batched` (a block product); on failure, or when LibTorch warns that it loops over the block,
  /// marks the model and returns an undefined tensor so the caller goes one vector at a time.
  at::Tensor try_batched(const std::function<at::Tensor()>& batched, const char* what) const;
  /// K V's rows through the graph of one forward pass: `rows(V, out, leaves, result)` fills `result` ([k, d])
  /// from the rows of V ([k, d]) and returns false when a batched pass failed. Undefined then, or when
  /// forward mode failed on an operator (the map switches to double backward); counts k VJPs and k JVPs
  /// otherwise.
  template <class F>
  at::Tensor kernel_rows_through_graph(const at::Tensor& V_in, F&& rows) const;
  /// All parameters with a leading replica dimension: `selected` (already [k, ...]) in place, the rest
  /// expanded.
  std::vector<at::Tensor> replicate(int64_t k, const std::vector<at::Tensor>& selected) const;
  void check() const {
    if (control_) control_->check();
  }

  std::shared_ptr<const Model> model_;
  at::Tensor x_;
  at::Tensor state_;
  std::vector<int64_t> out_shape_;
  int64_t d_ = 0, p_ = 0;  ///< d_: this rank's rows (all of them unless the batch is split)
  int64_t d_all_ = 0;
  dist::Communicator* comm_ = nullptr;  ///< set when there are several ranks
  bool rows_ = false;
  int64_t row_begin_ = 0;
  std::vector<int64_t> row_counts_;
  mutable JvpMode mode_;
  mutable std::string fallback_;
  int64_t replicas_ = 8;
  int64_t block_ = 32;
  bool measure_block_ = false;
  mutable bool force_single_ = false;      // while the measurement times vectors one at a time
  mutable int64_t activation_bytes_ = -1;  // activation_bytes(), once counted
  bool explicit_ = true;
  mutable std::shared_ptr<const DenseProducts> dense_;
  mutable bool dense_refused_ =
      false;  ///< not a built-in MLP over all its parameters, or its forward differs
  const RunControl* control_ = nullptr;
  mutable std::atomic<int64_t> vjps_{0}, jvps_{0}, nanoseconds_{0};
};

}  // namespace ts
