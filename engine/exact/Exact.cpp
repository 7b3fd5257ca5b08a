#include "exact/Exact.h"

#include <algorithm>
#include <memory>
#include "core/Numbers.h"

#include <cstdio>

#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Stopwatch.h"
#include "dist/Communicator.h"

namespace ts {

double exact_operator_trace(const LinearOperator& A, const RunControl& rc, int64_t block,
                            const std::string& stage) {
  const int64_t n = A.size();
  double total = 0;
  block = dist::call_block(block);  // per rank
  for (int64_t s = 0; s < n; s += block) {
    rc.check();
    const int64_t k = std::min(block, n - s);
    at::Tensor E = at::zeros({n, k}, A.options());
    E.narrow(0, s, k).copy_(at::eye(k, A.options()));
    total += A.quadratic_forms(E).to(at::kDouble).sum().item<double>();
    rc.report(s + k, n, stage);
  }
  return total;
}

namespace {

// The map of input `i` alone, with the batch map's settings.
std::unique_ptr<TangentMap> input_map(const TangentMap& J, int64_t i) {
  auto m = std::make_unique<TangentMap>(J.model_ptr(), J.inputs().narrow(0, i, 1), J.jvp_mode());
  m->set_block(J.block());
  return m;
}

// Whether the model's outputs for an input depend on that input alone (no batch statistics, nothing mixed
// across the batch): the first and the last input's rows of f(X) against f(xₙ) on its own, to a tolerance far
// above rounding (a batch of one may take other kernels) and far below what batch statistics change.
bool separable(const TangentMap& J, bool any_precision) {
  const int64_t n = J.inputs().size(0), d = J.state_size();
  if (n < 2 || d % n != 0 || J.ranks() > 1 || J.batch_split()) return false;
  // Float64 only: in float32 a batch of one takes other convolution kernels, whose rounding on ResNet-18 with
  // two threads put the trace 3·10⁻⁵ off (the batch's VJPs: 1·10⁻⁷).
  if (J.options().dtype() != at::kDouble && !any_precision) return false;
  // Far above either precision's rounding of f(xₙ) (float32: 1e-7), far below what batch statistics change.
  const double eps = J.options().dtype() == at::kDouble ? 1e-10 : 1e-4;
  const at::Tensor rows = J.state().reshape({n, d / n});
  const double scale = rows.abs().max().item<double>() + 1e-30;
  try {
    for (const int64_t i : {int64_t(0), n - 1}) {
      const auto m = input_map(J, i);
      if (m->state_size() != d / n || (m->state() - rows[i]).abs().max().item<double>() > eps * scale)
        return false;
    }
  } catch (const Error&) {
    return false;  // the model does not take a batch of one: the whole batch's VJPs
  }
  return true;
}

}  // namespace

// tr K = Σₙ tr Kₙₙ, the sum over inputs of their O × O diagonal blocks (the per-input gradient norms), when
// the model is separable over its batch: each input's O VJPs then run on a batch of one, about N times fewer
// flops than d VJPs over the whole batch (docs/MATH.md §3).
std::optional<ExactTrace> per_input_trace(const TangentMap& J, const RunControl& rc, int64_t block,
                                          bool any_precision) {
  detail::Stopwatch sw;
  if (!separable(J, any_precision)) return std::nullopt;
  const int64_t n = J.inputs().size(0), o = J.state_size() / n;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    rc.check();
    total += exact_operator_trace(NtkOperator(*input_map(J, i)), {}, block, "exact trace (per input)");
    rc.report((i + 1) * o, n * o, "exact trace (VJPs per input)");
  }
  return ExactTrace{total, "vjp-per-input", n * o, sw.seconds()};
}

std::optional<InputBlocks> per_input_blocks(const TangentMap& J, const RunControl& rc, bool any_precision,
                                            int64_t memory_budget) {
  detail::Stopwatch sw;
  const int64_t n = J.inputs().size(0);
  if (n == 0 || J.state_size() % n != 0) return std::nullopt;
  const int64_t o = J.state_size() / n;
  const double bytes = double(o) * double(J.param_size()) * double(J.options().dtype().itemsize());
  if (bytes > double(memory_budget) || !separable(J, any_precision)) return std::nullopt;
  InputBlocks b;
  b.blocks = at::empty({n, o, o}, J.options());
  const at::Tensor E = at::eye(o, J.options());
  for (int64_t i = 0; i < n; ++i) {
    rc.check();
    const auto m = input_map(J, i);
    if (J.block() > 1) m->set_block(std::max(J.block(), o));  // one input: O vectors are a small block
    b.blocks[i].copy_(m->vjp_gram(E));                        // JₙJₙᵀ, without forming Jₙᵀ (P × O)
    rc.report((i + 1) * o, n * o, "diagonal blocks of K (VJPs per input)");
  }
  b.products = n * o;
  b.seconds = sw.seconds();
  return b;
}

ExactTrace exact_trace(const TangentMap& J, const RunControl& rc, int64_t block, const std::string& side) {
  detail::Stopwatch sw;
  const int64_t d = J.state_size(), P = J.param_size();
  const bool use_vjp = side == "vjp" || (side == "auto" && d <= P);
  if (side != "auto" && side != "vjp" && side != "jvp")
    throw InputError("exact trace side '" + side + "' is not auto, vjp or jvp");
  if (use_vjp)
    if (auto t = per_input_trace(J, rc, block)) return *t;
  // tr K = Σ ‖Jᵀeᵢ‖² over d unit vectors (VJPs), or tr G = Σ ‖Jeⱼ‖² over P (JVPs): whichever side is smaller.
  const double total = use_vjp ? exact_operator_trace(NtkOperator(J), rc, block, "exact trace (VJPs)")
                               : exact_operator_trace(GramOperator(J), rc, block, "exact trace (JVPs)");
  return {total, use_vjp ? "vjp" : "jvp", use_vjp ? d : P, sw.seconds()};
}

MatvecBaseline matvec_baseline(const LinearOperator& K, int64_t limit, const RunControl& rc, int64_t block) {
  detail::Stopwatch sw;
  const int64_t n = K.size();
  const int64_t run = (limit > 0 && limit < n) ? limit : n;
  MatvecBaseline b;
  block = dist::call_block(block);  // per rank
  for (int64_t s = 0; s < run; s += block) {
    rc.check();
    const int64_t k = std::min(block, run - s);
    at::Tensor E = at::zeros({n, k}, K.options());
    E.narrow(0, s, k).copy_(at::eye(k, K.options()));
    const at::Tensor KE = K.apply(E);
    b.value += KE.narrow(0, s, k).diagonal().sum().item<double>();
    rc.report(s + k, run, "exact trace (d NTK matvecs)");
  }
  b.timed = run;
  b.timed_seconds = sw.seconds();
  b.complete = run == n;
  b.seconds = b.timed_seconds * static_cast<double>(n) / static_cast<double>(run);
  return b;
}

int64_t exact_kernel_bytes(int64_t d, int64_t P, at::ScalarType dtype) {
  const int64_t elem = static_cast<int64_t>(c10::elementSize(dtype));
  const int64_t side = std::min(d, P);
  // J, the kernel, and eigvalsh's float64 copy and workspace.
  return d * P * elem + side * side * elem + 2 * side * side * 8;
}

void check_memory_budget(const std::string& what, int64_t bytes, int64_t budget) {
  if (bytes > budget)
    throw MemoryBudgetError(what + " needs about " + format_bytes(bytes) + ", over the memory budget of " +
                            format_bytes(budget) +
                            ": use an estimator, a smaller batch or parameter subset, or raise "
                            "the budget (--memory-budget)");
}

at::Tensor jacobian(const TangentMap& J, int64_t memory_budget, const RunControl& rc, int64_t block) {
  const int64_t d = J.state_size(), P = J.param_size();
  const auto dtype = J.options().dtype().toScalarType();
  check_memory_budget("the Jacobian (" + std::to_string(d) + " × " + std::to_string(P) + ")",
                      d * P * static_cast<int64_t>(c10::elementSize(dtype)), memory_budget);
  at::Tensor out = at::empty({d, P}, J.options());
  const bool by_vjp = d <= P;
  const int64_t n = by_vjp ? d : P;
  block = dist::call_block(block);  // per rank
  for (int64_t s = 0; s < n; s += block) {
    rc.check();
    const int64_t k = std::min(block, n - s);
    at::Tensor E = at::zeros({n, k}, J.options());
    E.narrow(0, s, k).copy_(at::eye(k, J.options()));
    if (by_vjp)
      out.narrow(0, s, k).copy_(J.vjp(E).t());
    else
      out.narrow(1, s, k).copy_(J.jvp(E));
    rc.report(s + k, n, "Jacobian");
  }
  return out;
}

at::Tensor gram_by_blocks(const at::Tensor& A, const RunControl& rc, const std::string& stage,
                          double block_flops) {
  const int64_t n = A.size(0), m = A.size(1);
  const double flops_per_row = 2.0 * double(n) * double(std::max<int64_t>(m, 1));
  const int64_t rows =
      std::clamp<int64_t>(static_cast<int64_t>(block_flops / flops_per_row), 64, std::max<int64_t>(n, 1));
  at::Tensor K;
  if (rows >= n) {
    K = at::matmul(A, A.t());  // one block: nothing to interrupt
  } else {
    K = at::empty({n, n}, A.options());
    const at::Tensor At = A.t();
    for (int64_t s = 0; s < n; s += rows) {
      rc.check();
      const int64_t k = std::min(rows, n - s);
      at::Tensor block = K.narrow(0, s, k);
      at::mm_out(block, A.narrow(0, s, k), At);
      rc.report(s + k, n, stage);
    }
  }
  return (K + K.t()) / 2;
}

ExactKernel exact_kernel(const TangentMap& J, int64_t memory_budget, const RunControl& rc, int64_t block) {
  const int64_t d = J.state_size(), P = J.param_size();
  check_memory_budget("the exact eNTK (d = " + std::to_string(d) + ", P = " + std::to_string(P) + ")",
                      exact_kernel_bytes(d, P, J.options().dtype().toScalarType()), memory_budget);
  ExactKernel k;
  k.jac = jacobian(J, memory_budget, rc, block);
  k.gram = P < d;
  k.matrix = gram_by_blocks(k.gram ? k.jac.t() : k.jac, rc, k.gram ? "Gram matrix JᵀJ" : "kernel J Jᵀ");
  return k;
}

double ExactKernel::trace() const { return at::trace(matrix.to(at::kDouble)).item<double>(); }
double ExactKernel::frobenius() const { return matrix.to(at::kDouble).norm().item<double>(); }

at::Tensor ExactKernel::eigenvalues() const {
  at::Tensor m = matrix.to(at::kDouble);
  m = (m + m.t()) / 2;
  return at::flip(at::linalg_eigvalsh(m), {0}).to(at::kCPU);
}

double exact_trace_product(const ExactKernel& a, const ExactKernel& b) {
  const at::Tensor ja = a.jac.to(at::kDouble), jb = b.jac.to(at::kDouble);
  if (ja.sizes() != jb.sizes()) throw InputError("alignment needs two kernels of one model on one batch");
  if (ja.size(1) < ja.size(0)) return at::matmul(ja.t(), jb).pow(2).sum().item<double>();
  return (a.matrix.to(at::kDouble) * b.matrix.to(at::kDouble)).sum().item<double>();
}

double exact_difference_frobenius(const ExactKernel& a, const ExactKernel& b) {
  if (!a.gram && !b.gram) {
    if (a.matrix.sizes() != b.matrix.sizes())
      throw InputError("the distance between kernels needs two kernels of one model on one batch");
    return (a.matrix.to(at::kDouble) - b.matrix.to(at::kDouble)).norm().item<double>();
  }
  // Held as Gram matrices (P < d): ‖K_a‖² + ‖K_b‖² − 2 tr(K_aK_b), each exact.
  const double fa = a.frobenius(), fb = b.frobenius();
  return std::sqrt(std::max(0.0, fa * fa + fb * fb - 2 * exact_trace_product(a, b)));
}

}  // namespace ts

namespace ts {

at::Tensor entk_by_products(const TangentMap& J, int64_t memory_budget, const RunControl& rc, int64_t block) {
  const int64_t d = J.state_size(), P = J.param_size();
  const int64_t elem = static_cast<int64_t>(c10::elementSize(J.options().dtype().toScalarType()));
  check_memory_budget("the eNTK by products (d = " + std::to_string(d) + ", P = " + std::to_string(P) + ")",
                      (d * d + 2 * block * P) * elem, memory_budget);
  at::Tensor K = at::empty({d, d}, J.options());
  block = dist::call_block(block);  // per rank
  for (int64_t s = 0; s < d; s += block) {
    rc.check();
    const int64_t k = std::min(block, d - s);
    at::Tensor E = at::zeros({d, k}, J.options());
    E.narrow(0, s, k).copy_(at::eye(k, J.options()));
    K.narrow(1, s, k).copy_(J.jvp(J.vjp(E)));
    rc.report(s + k, d, "eNTK (VJP and JVP per column)");
  }
  return (K + K.t()) / 2;  // symmetric up to rounding; make it exactly so for eigvalsh and Cholesky
}

}  // namespace ts
