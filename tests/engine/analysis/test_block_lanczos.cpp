// Block Lanczos against known spectra: a dense operator with a chosen spectrum (top eigenpairs to rounding,
// residuals that are the true ones), an operator of low rank (the Krylov space runs out before n), the NTK of
// a small model against eigh of its exact kernel, float32 products, an unconverged run that says so, cancel.
#include <ATen/ATen.h>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "analysis/BlockLanczos.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "exact/Exact.h"
#include "models/Model.h"

using namespace ts;

namespace test_block_lanczos {

namespace {

// Q diag(λ) Qᵀ with a seeded orthogonal Q.
at::Tensor with_spectrum(const at::Tensor& lambda, uint64_t seed) {
  auto gen = make_generator(seed);
  const int64_t n = lambda.numel();
  const at::Tensor Q = std::get<0>(at::linalg_qr(draw_normal(gen, {n, n}, test::f64())));
  return at::matmul(Q * lambda.unsqueeze(0), Q.t());
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

}  // namespace

class TestBlockLanczos : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void topEigenpairsOfAKnownSpectrum() {
    const int64_t n = 300;
    const at::Tensor lambda = at::pow(0.8, at::arange(n, test::f64())) * 50.0;  // 50, 40, 32, …
    const DenseOperator A(with_spectrum(lambda, 3), true);
    LanczosOptions o;
    o.top = 6;
    o.block = 4;
    o.seed = 1;
    const LanczosEigenpairs e = block_lanczos(A, o);
    QVERIFY(e.converged);
    QVERIFY(e.matvecs < n);  // found long before the whole space
    QCOMPARE(e.values.numel(), int64_t(6));
    TS_CHECK_CLOSE(max_abs(e.values - lambda.narrow(0, 0, 6).cpu()), 0.0, 0.0, 1e-9);
    // The residuals reported are the true ones, and within the tolerance.
    const at::Tensor V = e.vectors.to(test::f64());
    const at::Tensor R = (A.apply(V) - V * e.values.to(test::f64()).unsqueeze(0)).norm(2, {0}).cpu();
    TS_CHECK_CLOSE(max_abs(R - e.residuals), 0.0, 0.0, 1e-12);
    QVERIFY(e.residuals.max().item<double>() <= e.tol * 50.0);
    // Orthonormal Ritz vectors.
    TS_CHECK_CLOSE(max_abs(at::matmul(V.t(), V) - at::eye(6, test::f64())), 0.0, 0.0, 1e-12);
  }

  void lowRankOperatorRunsOutOfKrylovSpace() {
    // Rank 3, five pairs asked: three eigenvalues and two zeros, exact; the refill keeps the basis growing.
    const int64_t n = 40;
    at::Tensor lambda = at::zeros({n}, test::f64());
    lambda.narrow(0, 0, 3).copy_(at::tensor({9.0, 4.0, 1.0}, test::f64()));
    const DenseOperator A(with_spectrum(lambda, 5), true);
    LanczosOptions o;
    o.top = 5;
    o.block = 2;
    const LanczosEigenpairs e = block_lanczos(A, o);
    QVERIFY(e.converged);
    TS_CHECK_CLOSE(max_abs(e.values - lambda.narrow(0, 0, 5).cpu()), 0.0, 0.0, 1e-11);
    QVERIFY(e.residuals.max().item<double>() <= 1e-9);
  }

  void ntkOfASmallModelAgainstItsExactKernel() {
    auto model = make_model("mlp:in=6,width=24,depth=2,out=5,seed=2", {}, test::config());
    TangentMap J(model, test::inputs(30, 6, 4));  // d = 150
    const NtkOperator K(J);
    const at::Tensor full = exact_kernel(J, int64_t(1) << 28).matrix.to(at::kDouble);
    const at::Tensor want = std::get<0>(at::linalg_eigh(full)).flip(0).narrow(0, 0, 8).cpu();
    LanczosOptions o;
    o.top = 8;
    o.block = 8;
    const int64_t vjps = J.vjps(), jvps = J.jvps();
    const LanczosEigenpairs e = block_lanczos(K, o);
    QVERIFY(e.converged);
    TS_CHECK_CLOSE(max_abs(e.values - want), 0.0, 0.0, 1e-9 * want[0].item<double>());
    QCOMPARE(J.vjps() - vjps, e.matvecs);  // one VJP and one JVP per basis vector, nothing else
    QCOMPARE(J.jvps() - jvps, e.matvecs);
    // float32 products: the looser default tolerance, and values to float32's accuracy.
    auto m32 = make_model("mlp:in=6,width=24,depth=2,out=5,seed=2", {}, [] {
      ComputeConfig c = test::config();
      c.dtype = "float32";
      return c;
    }());
    TangentMap J32(m32, test::inputs(30, 6, 4).to(at::kFloat));
    const LanczosEigenpairs e32 = block_lanczos(NtkOperator(J32), o);
    QCOMPARE(e32.tol, 1e-5);
    QVERIFY(e32.converged);
    TS_CHECK_CLOSE(max_abs(e32.values - want), 0.0, 0.0, 1e-4 * want[0].item<double>());
  }

  void unconvergedRunSaysSo() {
    // A flat spectrum (1 … 1.3) with a basis capped at 12: the top 4 cannot converge, and the result says so.
    const int64_t n = 200;
    const at::Tensor lambda = 1.3 - at::arange(n, test::f64()) * (0.3 / n);
    const DenseOperator A(with_spectrum(lambda, 7), true);
    LanczosOptions o;
    o.top = 4;
    o.block = 4;
    o.max_matvecs = 12;
    const LanczosEigenpairs e = block_lanczos(A, o);
    QCOMPARE(e.matvecs, int64_t(12));
    QVERIFY(!e.converged);
    QVERIFY(e.residuals.max().item<double>() > e.tol * 1.3);
    // Ritz values never exceed the largest eigenvalue (they approach it from below).
    QVERIFY(e.values[0].item<double>() <= 1.3 + 1e-12);
  }

  void cancelStopsTheRun() {
    const DenseOperator A(with_spectrum(at::arange(1, 101, test::f64()), 9), true);
    CancelToken token;
    token.cancel();
    RunControl rc;
    rc.cancel = &token;
    TS_EXPECT_THROW(Cancelled, block_lanczos(A, {}, rc), "cancelled");
    LanczosOptions bad;
    bad.top = 0;
    TS_EXPECT_THROW(InputError, block_lanczos(A, bad), "at least one");
  }
};

}  // namespace test_block_lanczos

TS_TEST_MAIN(test_block_lanczos::TestBlockLanczos, topEigenpairsOfAKnownSpectrum,
             lowRankOperatorRunsOutOfKrylovSpace, ntkOfASmallModelAgainstItsExactKernel, unconvergedRunSaysSo,
             cancelStopsTheRun)
#ifdef TS_HAVE_QT
#include "test_block_lanczos.moc"
#endif
