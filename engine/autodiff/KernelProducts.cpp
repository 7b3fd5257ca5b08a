// TangentMap's NTK products K V = J(JᵀV) and G W = Jᵀ(J W): fused (a built-in MLP's explicit products),
// streamed (one vector or one block at a time, the VJP's gradients as the JVP's tangents), or a VJP then a
// JVP; divided by columns over ranks.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>

#include "autodiff/DenseProducts.h"
#include "autodiff/TangentMap.h"
#include "autodiff/TangentMapDetail.h"
#include "core/RunControl.h"

namespace ts {

using namespace tangent_map_detail;

// K V and G W under a column split: each rank runs both products on its share, only the result is gathered.
template <class F>
at::Tensor TangentMap::both_by_columns(const at::Tensor& X_in, int64_t rows, const char* what,
                                       F&& both) const {
  const at::Tensor X = as_matrix(X_in, rows, what, model_->spec()).to(options());
  int64_t others = 0;
  const at::Tensor all = by_columns(*comm_, X, others, both).t();
  vjps_ += others;
  jvps_ += others;
  return X_in.dim() == 1 ? all.select(1, 0) : all;
}

at::Tensor TangentMap::kernel_rows(const at::Tensor& V_in) const {
  ProductTimer timer(nanoseconds_);
  const DenseProducts* dp = fused();
  const at::Tensor V = as_matrix(V_in, d_, "K V", model_->spec()).to(options()).t().contiguous();
  const int64_t k = V.size(0);
  if (mode_ == JvpMode::Auto && model_->jvp_choice().empty())
    model_->set_jvp_choice("forward", "forward mode: a built-in MLP's explicit products, nothing to time");
  at::Tensor result = at::empty({k, d_}, options());
  for (int64_t j = 0; j < k; j += block_) {
    check();
    const int64_t b = std::min(block_, k - j);
    result.narrow(0, j, b).copy_(dp->kernel_rows(V.narrow(0, j, b)));
    vjps_ += b;
    jvps_ += b;
  }
  return result;
}

bool TangentMap::streamed() const {
  if (rows_ || dense() || batching() || batched()) return false;
  const bool forward =
      mode_ == JvpMode::Forward || (mode_ == JvpMode::Auto && model_->jvp_choice() == "forward");
  return forward && model_->forward_ad_unsupported().empty();
}

template <class F>
at::Tensor TangentMap::kernel_rows_through_graph(const at::Tensor& V_in, F&& rows) const {
  ProductTimer timer(nanoseconds_);
  const at::Tensor V = as_matrix(V_in, d_, "K V", model_->spec()).to(options()).t().contiguous();
  const int64_t k = V.size(0);
  at::Tensor result = at::empty({k, d_}, options());
  if (k == 0) return result;
  check();
  mode_ = JvpMode::Forward;  // streamed() or block_streamed() holds: forward mode is this map's choice
  std::vector<at::Tensor> all;
  const auto leaves = leaf_parameters(&all);
  at::Tensor out;
  {
    at::AutoGradMode grad_on(true);
    out = model_->forward(all, x_).reshape({-1});
  }
  require_graph(out);
  try {
    if (!rows(V, out, leaves, result)) return {};
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    const std::string op = forward_ad_operator(e.what());
    if (op.empty()) throw;
    model_->set_forward_ad_unsupported(op);  // the caller runs VJPs, then double-backward JVPs
    return {};
  }
  vjps_ += k;
  jvps_ += k;
  return result;
}

at::Tensor TangentMap::kernel_rows_streamed(const at::Tensor& V_in) const {
  return kernel_rows_through_graph(V_in, [&](const at::Tensor& V, const at::Tensor& out,
                                             const std::vector<at::Tensor>& leaves, at::Tensor& result) {
    for (int64_t j = 0; j < V.size(0); ++j) {
      check();
      std::vector<at::Tensor> g;
      {
        at::AutoGradMode grad_on(true);
        g = torch::autograd::grad({out}, leaves, {V[j]}, /*retain_graph=*/j + 1 < V.size(0),
                                  /*create_graph=*/false, /*allow_unused=*/true);
      }
      // A gradient has its parameter's shape and its own storage: the dual takes it without a copy.
      jvp_one(g, result[j]);
    }
    return true;
  });
}

bool TangentMap::block_streamed() const {
  if (rows_ || dense() || !batching()) return false;
  const bool forward =
      mode_ == JvpMode::Forward || (mode_ == JvpMode::Auto && model_->jvp_choice() == "forward");
  return forward && model_->forward_ad_unsupported().empty();
}

at::Tensor TangentMap::kernel_rows_block_streamed(const at::Tensor& V_in) const {
  return kernel_rows_through_graph(V_in, [&](const at::Tensor& V, const at::Tensor& out,
                                             const std::vector<at::Tensor>& leaves, at::Tensor& result) {
    for (int64_t j = 0; j < V.size(0); j += block_) {
      check();
      const int64_t b = std::min(block_, V.size(0) - j);
      const at::Tensor r = try_batched(
          [&] {
            std::vector<at::Tensor> g;
            {
              at::AutoGradMode grad_on(true);
              g = vjp_block_grads(out, leaves, V.narrow(0, j, b));
            }
            // The gradients, [b, shape] each with its own storage, are the tangents as they are.
            return jvp_block_tangents(g, b);
          },
          "a batched K V");
      if (!r.defined()) return false;  // the map goes one vector at a time; the caller starts again so
      result.narrow(0, j, b).copy_(r);
    }
    return true;
  });
}

at::Tensor TangentMap::kernel_rows_one_pass(const at::Tensor& V) const {
  if (fused()) return kernel_rows(V);
  return measured("K u", V, [&](const at::Tensor& part) -> at::Tensor {
    if (streamed()) return kernel_rows_streamed(part);  // undefined when forward mode just failed
    if (block_streamed()) return kernel_rows_block_streamed(part);
    return {};
  });
}

at::Tensor TangentMap::kernel_apply(const at::Tensor& V) const {
  if (!comm_ || rows_) {
    const at::Tensor rows = kernel_rows_one_pass(V);
    if (rows.defined()) return V.dim() == 1 ? rows[0] : rows.t();
    return jvp(vjp(V));
  }
  return both_by_columns(V, d_all_, "K V", [&](const at::Tensor& mine) {
    const at::Tensor rows = kernel_rows_one_pass(mine);
    return rows.defined() ? rows : jvp_local(vjp_rows(mine, false).t()).t().contiguous();
  });
}

at::Tensor TangentMap::gram_apply(const at::Tensor& W) const {
  if (!comm_ || rows_) return vjp(jvp(W));
  return both_by_columns(W, p_, "G W",
                         [&](const at::Tensor& mine) { return vjp_rows(jvp_local(mine), false); });
}

}  // namespace ts
