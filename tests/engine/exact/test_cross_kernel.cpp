// Kernels between two batches and their .npy export: Θ(X, X) is the exact eNTK, Θ(X₁, X₂) is the off-diagonal
// block of the kernel on the stacked batch, the pNTK's is exact_pntk's, and the files read back bit for bit.
#include <ATen/ATen.h>

#include <fstream>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "data/NumpyFiles.h"
#include "exact/CrossKernel.h"
#include "exact/Exact.h"
#include "io/NpyWriter.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "pntk/Pntk.h"

using namespace ts;

namespace {

std::shared_ptr<Model> small_model() {
  return make_model("mlp:in=4,width=8,depth=2,out=3,seed=6", {}, test::config());
}

}  // namespace

class TestCrossKernel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void crossKernelIsABlockOfTheKernel() {
    auto model = small_model();
    const at::Tensor x1 = test::inputs(5, 4, 1), x2 = test::inputs(3, 4, 2);
    TangentMap J1(model, x1), J2(model, x2), J(model, at::cat({x1, x2}));
    const int64_t budget = int64_t(1) << 28;
    const at::Tensor F1 = kernel_factor(J1, "entk", budget), F2 = kernel_factor(J2, "entk", budget);
    const at::Tensor K11 = cross_kernel(F1, F1);
    const at::Tensor full = exact_kernel(J, budget).matrix.to(at::kDouble);
    QVERIFY(!exact_kernel(J, budget).gram);
    TS_CHECK_CLOSE((K11 - full.narrow(0, 0, 15).narrow(1, 0, 15)).abs().max().item<double>(), 0.0, 0.0,
                   1e-12);
    const at::Tensor K12 = cross_kernel(F1, F2);
    QCOMPARE(K12.size(0), int64_t(15));
    QCOMPARE(K12.size(1), int64_t(9));
    TS_CHECK_CLOSE((K12 - full.narrow(0, 0, 15).narrow(1, 15, 9)).abs().max().item<double>(), 0.0, 0.0,
                   1e-12);
    // The pNTK between a batch and itself is exact_pntk's matrix.
    for (const std::string v : {"pntk", "pntk:single:1"}) {
      const at::Tensor P = kernel_factor(J1, v, budget);
      const at::Tensor want =
          exact_pntk(J1, parse_pntk_variant(v == "pntk" ? "sum" : v.substr(5)), budget).to(at::kDouble);
      TS_CHECK_CLOSE((cross_kernel(P, P) - want).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    }
  }

  // The job writes the kernel and the Jacobian as .npy that read back exactly (the reader is tested against
  // files NumPy wrote); the header is NumPy's format 1.0, padded to 64 bytes.
  void jobWritesNpy() {
    KernelRequest job;
    job.problem.model = "mlp:in=4,width=8,depth=2,out=3,seed=6";
    job.problem.data = "random:n=5,shape=4";
    job.problem.compute = test::config();
    job.data_b = "random:n=3,shape=4,seed=9";
    job.out = std::string(TS_TEST_TMP) + "/K12.npy";
    job.factor_out = std::string(TS_TEST_TMP) + "/J1.npy";
    const KernelResult r = run_kernel_job(job);
    QCOMPARE(r.rows, int64_t(15));
    QCOMPARE(r.cols, int64_t(9));
    QVERIFY(!r.trace);
    const NpyArray K = read_npy_file(job.out, int64_t(1) << 30);
    QCOMPARE(K.descr, std::string("<f8"));
    QCOMPARE(K.values.sizes().vec(), (std::vector<int64_t>{15, 9}));
    TS_CHECK_CLOSE(K.values.norm().item<double>(), r.frobenius, 1e-15, 0.0);
    const NpyArray J = read_npy_file(job.factor_out, int64_t(1) << 30);
    QCOMPARE(J.values.size(0), int64_t(15));
    QCOMPARE(J.values.size(1), r.params);
    const std::string bytes = npy_bytes(at::arange(6, at::kDouble).reshape({2, 3}));
    QCOMPARE(bytes.substr(0, 6), std::string("\x93NUMPY", 6));
    QCOMPARE((bytes.size() - 6 * 8) % 64, size_t(0));
    // Eigenpairs of a square kernel: K v = λ v for the written pairs, λ descending, Σ of all = the trace.
    TS_EXPECT_THROW(
        InputError,
        [&] {
          KernelRequest bad = job;
          bad.eig_out = std::string(TS_TEST_TMP) + "/eig";
          return run_kernel_job(bad);
        }(),
        "square kernel");
    job.data_b.clear();
    job.problem.kernel = "pntk";
    job.eig_out = std::string(TS_TEST_TMP) + "/eig";
    job.eig_top = 3;
    const KernelResult square = run_kernel_job(job);
    QCOMPARE(square.rows, int64_t(5));
    QVERIFY(square.trace && *square.trace > 0);
    const at::Tensor Kp = read_npy_file(job.out, int64_t(1) << 30).values;
    const at::Tensor lam = read_npy_file(job.eig_out + ".values.npy", int64_t(1) << 30).values;
    const at::Tensor V = read_npy_file(job.eig_out + ".vectors.npy", int64_t(1) << 30).values;
    QCOMPARE(lam.numel(), int64_t(3));
    QCOMPARE(V.sizes().vec(), (std::vector<int64_t>{5, 3}));
    QVERIFY(lam[0].item<double>() >= lam[1].item<double>() && lam[1].item<double>() >= lam[2].item<double>());
    TS_CHECK_CLOSE((at::matmul(Kp, V) - V * lam).abs().max().item<double>(), 0.0, 0.0,
                   1e-10 * lam[0].item<double>());
    TS_CHECK_CLOSE(at::linalg_eigvalsh(Kp).sum().item<double>(), *square.trace, 1e-12, 0.0);
    job.eig_out.clear();
    job.out.clear();
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "--out");
    job.out = std::string(TS_TEST_TMP) + "/no-such-folder/K.npy";
    TS_EXPECT_THROW(Error, run_kernel_job(job), "no-such-folder");
  }
};

TS_TEST_MAIN(TestCrossKernel, crossKernelIsABlockOfTheKernel, jobWritesNpy)
#include "test_cross_kernel.moc"
