// TangentMap's products a block of vectors at a time: one backward pass over a block of cotangents, one
// forward-mode pass with a block of tangents (LibTorch's vmap, with the batching rules of BatchingRules.h),
// the fallback to one vector at a time when LibTorch would loop over the block, and the block's size.
#include <ATen/VmapMode.h>
#include <ATen/record_function.h>
#include <c10/util/Exception.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <optional>

#include "autodiff/TangentMap.h"
#include "autodiff/TangentMapDetail.h"
#include "core/ErrorText.h"
#include "core/Numbers.h"
#include "core/Stopwatch.h"

namespace ts {

using namespace tangent_map_detail;

namespace {
// One level of LibTorch's vmap (the legacy one of torch._vmap_internals, which
// torch.autograd.grad(..., is_grads_batched=True) uses); always left.
struct VmapLevel {
  int64_t level = at::impl::VmapMode::increment_nesting();
  ~VmapLevel() { at::impl::VmapMode::decrement_nesting(); }
};

// The warnings LibTorch raises during a block product. Its vmap fallback for an operator without a batching
// rule warns "There is a performance drop because we have not yet implemented the batching rule for OP" and
// loops over the block; other warnings go on to the handler that was in place.
struct WarningLog : c10::WarningHandler {
  c10::WarningHandler* previous = c10::Warning::get_warning_handler();
  std::string fallback;
  void process(const c10::SourceLocation& where, const std::string& msg, const bool verbatim) override {
    if (msg.find("performance drop") != std::string::npos) {
      if (fallback.empty()) fallback = msg;
      // LibTorch warns before it loops over the block: stop the pass there (in a forward pass this saves the
      // whole slow loop; the autograd engine replays a backward's warnings only once it is done).
      throw std::runtime_error("vmap would loop over the block: " + msg);
    } else if (previous) {
      previous->process(where, msg, verbatim);
    }
  }
};

// LibTorch warns about its vmap fallback only while asked to; asked for the span of one block product.
struct VmapWarnings {
  const bool were_on = at::globalContext().areVmapFallbackWarningsEnabled();
  VmapWarnings() { at::globalContext().setDisplayVmapFallbackWarnings(true); }
  ~VmapWarnings() { at::globalContext().setDisplayVmapFallbackWarnings(were_on); }
};

}  // namespace

int64_t TangentMap::block_for_budget(int64_t p, int64_t d, int64_t budget_bytes, int64_t element_bytes,
                                     int64_t activation_bytes) {
  const double numbers = static_cast<double>(p + d) * static_cast<double>(element_bytes);
  const double activations = static_cast<double>(std::max<int64_t>(activation_bytes, 0));
  // The block's gradients and their copy (2 (P + d) numbers a vector) and its activations' gradients stay
  // within the freed memory the allocator keeps mapped (tune_allocator: 1 GiB): beyond it, every block's
  // buffers are fresh pages again, and a block of 24 or 32 VJPs on ResNet-18 cost more per vector than one of
  // 12 (docs/PERFORMANCE.md).
  const double kept = static_cast<double>(int64_t(1) << 30) / std::max(2.0 * numbers + activations, 1.0);
  const double budget = static_cast<double>(budget_bytes) / std::max(4.0 * numbers + activations, 1.0);
  return std::clamp<int64_t>(static_cast<int64_t>(std::min(kept, budget)), 1, 32);
}

namespace {

// activation_bytes(): RecordFunction callbacks (plain functions, so the count lives in thread-local state)
// add up the outputs of the outermost operators that need a gradient.
thread_local int op_depth = 0;
thread_local int64_t counted_bytes = 0;

void count_tensor(const at::Tensor& t) {
  if (t.defined() && t.requires_grad() && t.is_floating_point())
    counted_bytes += t.numel() * static_cast<int64_t>(t.element_size());
}

std::unique_ptr<at::ObserverContext> enter_operator(const at::RecordFunction&) {
  ++op_depth;
  return nullptr;
}

void leave_operator(const at::RecordFunction& fn, at::ObserverContext*) {
  if (--op_depth != 0) return;  // an operator called by another: its output is counted there, or not needed
  for (const c10::IValue& v : fn.outputs()) {
    if (v.isTensor()) {
      count_tensor(v.toTensor());
    } else if (v.isTensorList()) {
      for (const at::Tensor& t : v.toTensorVector()) count_tensor(t);
    }
  }
}

}  // namespace

int64_t TangentMap::activation_bytes() const {
  if (activation_bytes_ >= 0) return activation_bytes_;
  std::vector<at::Tensor> all;
  const auto leaves = leaf_parameters(&all);
  at::AutoGradMode grad_on(true);
  op_depth = 0;
  counted_bytes = 0;
  const at::CallbackHandle handle =
      at::addThreadLocalCallback(at::RecordFunctionCallback(&enter_operator, &leave_operator)
                                     .needsOutputs(true)
                                     .scopes({at::RecordScope::FUNCTION}));
  try {
    (void)model_->forward(all, x_);
  } catch (...) {
    at::removeCallback(handle);
    throw;
  }
  at::removeCallback(handle);
  activation_bytes_ = counted_bytes;
  return activation_bytes_;
}

at::Tensor TangentMap::try_batched(const std::function<at::Tensor()>& batched, const char* what) const {
  WarningLog log;
  at::Tensor out;
  try {
    const VmapWarnings warnings;
    const c10::Warning::WarningHandlerGuard guard(&log);
    out = batched();
  } catch (const std::exception& e) {
    // A missing forward-mode formula is not a batching problem: jvp() switches to double backward.
    if (!forward_ad_operator(e.what()).empty()) throw;
    if (log.fallback.empty()) {
      model_->set_batching_unsupported(std::string(what) + " failed (" + first_line(e.what()) + ")");
      return {};
    }
    out = at::Tensor();  // stopped at LibTorch's warning (WarningLog): named below
  }
  if (!log.fallback.empty()) {  // LibTorch would loop over the block: one vector at a time from now on
    const std::string key = "batching rule for ";
    const auto at = log.fallback.find(key);
    const std::string op =
        at == std::string::npos
            ? std::string("an operator")
            : log.fallback.substr(at + key.size(),
                                  log.fallback.find_first_of(". ", at + key.size()) - (at + key.size()));
    model_->set_batching_unsupported(std::string(what) + ": LibTorch's vmap has no batching rule for " + op +
                                     " (it loops over the block), so products go one vector at a time");
    return {};
  }
  return out;
}

bool TangentMap::measuring(const char* product) const {
  const Model::BlockChoice& c = model_->block_choice();
  return measure_block_ && c.stage < 3 && !comm_ && !dense() && batching() &&
         (c.product.empty() || c.product == product);
}

void TangentMap::note_block(const char* product, int64_t b, double seconds) const {
  Model::BlockChoice& c = model_->block_choice();
  if (c.stage >= 2 || b != block_ || !batching()) return;  // only full blocks, still batched, count
  if (c.stage == 1) {
    c.block = b;
    c.block_seconds = seconds / static_cast<double>(b);
  }
  c.product = product;
  ++c.stage;
}

void TangentMap::note_singles(const char* product, int64_t n, double seconds) const {
  Model::BlockChoice& c = model_->block_choice();
  const double single = seconds / static_cast<double>(n);
  c.stage = 3;
  c.one_at_a_time = single * 1.5 < c.block_seconds;
  // format_number, not printf: the app runs under the user's locale, where %g may write a decimal comma.
  c.note = (c.one_at_a_time ? std::string("one at a time") : "blocks of " + std::to_string(c.block)) +
           " (timed per " + product + ": in a block of " + std::to_string(c.block) + " " +
           format_number(c.block_seconds, 3) + " s, one at a time " + format_number(single, 3) +
           " s; one at a time only when 1.5× faster)";
}

at::Tensor TangentMap::measured(const char* product, const at::Tensor& X,
                                const std::function<at::Tensor(const at::Tensor&)>& rows) const {
  const int64_t k = X.dim() == 2 ? X.size(1) : 1;
  if (!measuring(product) || k < 2) return rows(X);
  Model::BlockChoice& c = model_->block_choice();
  // The call's columns in parts, as far as they go: a full block to warm up, a full block timed, two vectors
  // one at a time timed, the rest as decided. Each timing includes its part's forward pass (a block's shared
  // by its vectors), which favours the block a little: it is the default.
  std::vector<at::Tensor> parts;
  int64_t done = 0;
  // The path turned out unavailable (forward mode just failed): the caller does all k columns again by
  // another path, so the parts done here are not counted twice (one VJP and one JVP per column, as K u).
  const auto unavailable = [&] {
    vjps_ -= done;
    jvps_ -= done;
    return at::Tensor();
  };
  while (c.stage < 3) {
    const int64_t n = c.stage < 2 ? block_ : 2;
    if (k - done < n) break;
    SingleVectors single;
    if (c.stage == 2) single.begin(force_single_);
    const detail::Stopwatch sw;
    at::Tensor part = rows(X.narrow(1, done, n));
    const double seconds = sw.seconds();
    single.end();
    if (!part.defined()) {
      if (c.stage < 2) return unavailable();
      // No path one vector at a time here (a built-in model's replicas): blocks stay.
      c.stage = 3;
      c.note =
          "blocks of " + std::to_string(c.block) + " (" + product + " one at a time not available to time)";
      break;
    }
    if (c.stage < 2)
      note_block(product, n, seconds);
    else
      note_singles(product, n, seconds);
    parts.push_back(part);
    done += n;
    if (!batching() && c.stage < 2) break;  // blocks abandoned for a missing batching rule meanwhile
  }
  if (done < k) {
    const at::Tensor rest = rows(X.narrow(1, done, k - done));
    if (!rest.defined()) return unavailable();
    parts.push_back(rest);
  }
  return parts.size() == 1 ? parts.front() : at::cat(parts);
}

std::vector<at::Tensor> TangentMap::vjp_block_grads(const at::Tensor& out,
                                                    const std::vector<at::Tensor>& leaves,
                                                    const at::Tensor& Ub) const {
  const int64_t b = Ub.size(0);
  std::vector<at::Tensor> grads;
  VmapLevel vmap;
  // The graph is kept: a later block, or the per-vector fallback, runs through it again.
  auto g =
      torch::autograd::grad({out}, leaves, {at::_add_batch_dim(Ub, 0, vmap.level)}, /*retain_graph=*/true,
                            /*create_graph=*/false, /*allow_unused=*/true);
  for (auto& gi : g)
    grads.push_back(gi.defined() ? at::_remove_batch_dim(gi, vmap.level, b, 0) : at::Tensor());
  return grads;
}

at::Tensor TangentMap::vjp_block(const at::Tensor& out, const std::vector<at::Tensor>& leaves,
                                 const at::Tensor& Ub, bool squares, at::Tensor result) const {
  const int64_t b = Ub.size(0);
  const std::vector<at::Tensor> grads = vjp_block_grads(out, leaves, Ub);
  if (squares) result.zero_();
  int64_t off = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    const int64_t n = leaves[i].numel();
    if (squares) {
      if (grads[i].defined()) result += grads[i].reshape({b, n}).pow(2).sum(1);
    } else if (grads[i].defined()) {
      result.narrow(1, off, n).copy_(grads[i].reshape({b, n}));
    } else {
      result.narrow(1, off, n).zero_();
    }
    off += n;
  }
  return result;
}

at::Tensor TangentMap::vjp_gram(const at::Tensor& U_in) const {
  const at::Tensor U = as_matrix(U_in, d_, "VJP", model_->spec()).to(options());
  const int64_t k = U.size(1);
  if (comm_ || dense() || !batching() || k < 2 || k > block_) {
    const at::Tensor rows = vjp(U).t();  // [k, P]
    return at::matmul(rows, rows.t());
  }
  check();
  std::optional<ProductTimer> timer(std::in_place, nanoseconds_);  // ended before a fallback times itself
  std::vector<at::Tensor> all;
  auto leaves = leaf_parameters(&all);
  at::AutoGradMode grad_on(true);
  const at::Tensor out = model_->forward(all, x_).reshape({-1});
  require_graph(out);
  const at::Tensor Ut = U.t().contiguous();
  // Per parameter, the Gram of chunks of 256 entries by one batched product, then summed over the chunks by
  // LibTorch's pairwise sum and over the parameters in float64: one float32 GEMM over a parameter's millions
  // of entries put ResNet-18's trace 2·10⁻⁵ off, and ran no faster (it is bound by reading the gradients).
  const int64_t chunk = std::max<int64_t>(256, k);  // the [n/chunk, k, k] products: at most G's size
  at::Tensor gram = at::zeros({k, k}, options().dtype(at::kDouble));
  const at::Tensor r = try_batched(
      [&] {
        for (const at::Tensor& g : vjp_block_grads(out, leaves, Ut)) {
          if (!g.defined()) continue;
          const at::Tensor G = g.reshape({k, -1});
          const int64_t n = G.size(1), whole = n / chunk * chunk;
          if (whole > 0) {
            const at::Tensor B = G.narrow(1, 0, whole).reshape({k, whole / chunk, chunk}).transpose(0, 1);
            gram += at::bmm(B, B.transpose(1, 2)).sum(0).to(at::kDouble);  // [n/chunk, k, k] summed
          }
          if (whole < n) {
            const at::Tensor R = G.narrow(1, whole, n - whole);
            gram += at::mm(R, R.t()).to(at::kDouble);
          }
        }
        return gram;
      },
      "a batched VJP");
  if (!r.defined()) {  // the model went to one vector at a time
    timer.reset();
    const at::Tensor rows = vjp(U).t();
    return at::matmul(rows, rows.t());
  }
  vjps_ += k;
  return gram.to(options());
}

at::Tensor TangentMap::jvp_block(const at::Tensor& Wt) const {
  const int64_t b = Wt.size(0);
  std::vector<at::Tensor> tangents;
  int64_t off = 0;
  const std::vector<at::Tensor> all = model_->parameters();
  for (auto i : model_->selected()) {
    const auto& p = all[static_cast<size_t>(i)];
    const int64_t n = p.numel();
    std::vector<int64_t> shape{b};
    shape.insert(shape.end(), p.sizes().begin(), p.sizes().end());
    // A view of Wt's rows: each vector's slice is contiguous, as the primal is, so forward mode takes it as
    // it is (a contiguous copy of the whole block cost as much as the batched forward pass on ResNet-18).
    tangents.push_back(Wt.narrow(1, off, n).reshape(shape));
    off += n;
  }
  return jvp_block_tangents(tangents, b);
}

at::Tensor TangentMap::jvp_block_tangents(const std::vector<at::Tensor>& tangents, int64_t b) const {
  at::NoGradGuard no_grad;  // forward-mode AD does not need the backward graph
  at::Tensor result;
  {
    DualLevel level;
    VmapLevel vmap;
    std::vector<at::Tensor> all = model_->parameters();
    size_t t = 0;
    for (auto i : model_->selected()) {
      auto& p = all[static_cast<size_t>(i)];
      const at::Tensor& w = tangents[t++];
      p = w.defined() ? at::_make_dual(p.detach(), at::_add_batch_dim(w, 0, vmap.level),
                                       static_cast<int64_t>(level.level))
                      : p.detach();
    }
    const at::Tensor out = model_->forward(all, x_);
    const at::Tensor tan = std::get<1>(at::_unpack_dual(out, static_cast<int64_t>(level.level)));
    if (tan.defined()) result = at::_remove_batch_dim(tan, vmap.level, b, 0).reshape({b, -1}).clone();
  }
  return result.defined() ? result : at::zeros({b, d_}, options());  // no dependence on the parameters
}

}  // namespace ts
