// The pseudo-NTK against the eNTK on tiny float64 models (docs/MATH.md §6).
#include <ATen/ATen.h>

#include <stdexcept>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "models/Model.h"
#include "pntk/Pntk.h"

using namespace ts;

namespace test_pntk {
using test::inputs;

namespace {

// The eNTK K (N·O × N·O) reshaped to [N, O, N, O].
at::Tensor entk_blocks(const TangentMap& J, int64_t n) {
  const ExactKernel K = exact_kernel(J, int64_t(1) << 30);
  if (K.gram) throw std::runtime_error("test needs d ≤ P");
  const int64_t o = J.state_size() / n;
  return K.matrix.reshape({n, o, n, o});
}

}  // namespace

class TestPntk : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void equalsEntkForOneOutput() {
    auto model = make_model("mlp:in=4,width=12,depth=3,out=1,act=tanh,seed=1", {}, test::config());
    TangentMap J(model, inputs(7, 4, 2));
    const at::Tensor K = exact_kernel(J, int64_t(1) << 30).matrix;
    for (const char* v : {"sum", "single:0"}) {
      const at::Tensor P = exact_pntk(J, parse_pntk_variant(v), int64_t(1) << 30);
      TS_CHECK_CLOSE((P - K).abs().max().item<double>(), 0.0, 0.0, 1e-12 * K.abs().max().item<double>());
    }
  }

  // With only the last linear layer selected the cross terms of the eNTK vanish exactly: its diagonal blocks
  // are all equal to hₙ·hₘ + 1, so the sum-of-logits pNTK is their average and Θ̂ ⊗ I_O reproduces Θ.
  void lastLayerOnlyAveragesDiagonalBlocks() {
    auto model = make_model("mlp:in=4,width=10,depth=2,out=3,act=tanh,seed=3", {}, test::config(), "w1;b1");
    const int64_t n = 6;
    TangentMap J(model, inputs(n, 4, 4));
    const at::Tensor blocks = entk_blocks(J, n);       // [n, O, n, O]
    const at::Tensor diag = blocks.diagonal(0, 1, 3);  // [n, n, O]
    const at::Tensor P = exact_pntk(J, parse_pntk_variant("sum"), int64_t(1) << 30);
    TS_CHECK_CLOSE((P - diag.mean(2)).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    const at::Tensor P1 = exact_pntk(J, parse_pntk_variant("single:2"), int64_t(1) << 30);
    TS_CHECK_CLOSE((P1 - diag.select(2, 2)).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    // Θ̂ ⊗ I_O = Θ: relative Frobenius error 0.
    const at::Tensor kron = at::einsum("nm,kl->nkml", {P, at::eye(3, P.options())});
    TS_CHECK_CLOSE((kron - blocks).norm().item<double>() / blocks.norm().item<double>(), 0.0, 0.0, 1e-13);
  }

  // With all parameters the cross terms do not vanish: the pNTK then differs from the average of the diagonal
  // blocks by exactly the off-diagonal (k ≠ l) sum / O.
  void sumOfLogitsIdentityWithCrossTerms() {
    auto model = make_model("mlp:in=4,width=10,depth=3,out=3,act=tanh,seed=5", {}, test::config());
    const int64_t n = 5;
    TangentMap J(model, inputs(n, 4, 6));
    const at::Tensor blocks = entk_blocks(J, n);
    const at::Tensor P = exact_pntk(J, parse_pntk_variant("sum"), int64_t(1) << 30);
    // Θ̂(n, m) = (1/O) Σ_{k,l} Θ_{(n,k),(m,l)}
    TS_CHECK_CLOSE((P - blocks.sum({1, 3}) / 3.0).abs().max().item<double>(), 0.0, 0.0,
                   1e-12 * P.abs().max().item<double>());
    QVERIFY((P - blocks.diagonal(0, 1, 3).mean(2)).abs().max().item<double>() > 1e-6);
  }

  void matvecEqualsExactMatrix() {
    auto model = make_model("mlp:in=4,width=12,depth=3,out=4,act=gelu,seed=7", {}, test::config());
    TangentMap J(model, inputs(9, 4, 8));
    for (const char* v : {"sum", "single:1"}) {
      const PntkVariant variant = parse_pntk_variant(v);
      PntkOperator op(J, variant);
      const at::Tensor P = exact_pntk(J, variant, int64_t(1) << 30);
      auto gen = make_generator(9);
      const at::Tensor V = draw_normal(gen, {9, 3}, op.options());
      TS_CHECK_CLOSE((op.apply(V) - at::matmul(P, V)).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * P.abs().max().item<double>());
      TS_CHECK_CLOSE((op.quadratic_forms(V) - (V * at::matmul(P, V)).sum(0)).abs().max().item<double>(), 0.0,
                     0.0, 1e-11 * P.abs().max().item<double>());
      // The trace estimators work on it unchanged; a budget ≥ N is exact.
      EstimatorOptions o;
      o.method = "hutchpp";
      o.matvecs = 27;
      TS_CHECK_CLOSE(estimate_trace(op, nullptr, o).estimate, at::trace(P).item<double>(), 1e-10, 0.0);
    }
  }

  void badVariants() {
    TS_EXPECT_THROW(InputError, parse_pntk_variant("mean"), "not sum or single:K");
    TS_EXPECT_THROW(InputError, parse_pntk_variant("single:x"), "not sum or single:K");
    auto model = make_model("mlp:in=4,width=6,depth=2,out=3", {}, test::config());
    TangentMap J(model, inputs(3, 4, 1));
    TS_EXPECT_THROW(InputError, PntkOperator(J, parse_pntk_variant("single:3")), "only 3 outputs");
    TS_EXPECT_THROW(MemoryBudgetError, exact_pntk(J, PntkVariant{}, 64), "memory budget");
  }
};

}  // namespace test_pntk

TS_TEST_MAIN(test_pntk::TestPntk, equalsEntkForOneOutput, lastLayerOnlyAveragesDiagonalBlocks,
             sumOfLogitsIdentityWithCrossTerms, matvecEqualsExactMatrix, badVariants)
#ifdef TS_HAVE_QT
#include "test_pntk.moc"
#endif
