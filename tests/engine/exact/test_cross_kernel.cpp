// Kernels between two batches and their .npy export: Θ(X, X) is the exact eNTK, Θ(X₁, X₂) is the off-diagonal
// block of the kernel on the stacked batch, the pNTK's is exact_pntk's, and the files read back bit for bit.
#include <ATen/ATen.h>

#include <fstream>
#include <sstream>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "analysis/LayerTraces.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/NumpyFiles.h"
#include "exact/CrossKernel.h"
#include "exact/Exact.h"
#include "exact/ExactPntk.h"
#include "io/NpyWriter.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "pntk/Pntk.h"

using namespace ts;

namespace test_cross_kernel {

namespace {

// A kernel job on the small model's kernel over `data` (spec), float64 on the test device.
KernelRequest job_on(const std::string& model, const std::string& data) {
  KernelRequest job;
  job.problem.model = model;
  job.problem.data = data;
  job.problem.compute = test::config();
  return job;
}

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
    KernelRequest job = job_on("mlp:in=4,width=8,depth=2,out=3,seed=6", "random:n=5,shape=4");
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
    TS_CHECK_CLOSE(K.values.norm().item<double>(), *r.frobenius, 1e-15, 0.0);
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
    job.factor_out.clear();
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "--out");
    job.out = std::string(TS_TEST_TMP) + "/no-such-folder/K.npy";
    TS_EXPECT_THROW(Error, run_kernel_job(job), "no-such-folder");
  }

  // Θ(X₁, X₂) V by products equals the formed kernel times V, for the eNTK and the pNTK, and its transpose.
  void productsAreTheKernelTimesVectors() {
    auto model = small_model();
    TangentMap J1(model, test::inputs(5, 4, 1)), J2(model, test::inputs(3, 4, 2));
    const int64_t budget = int64_t(1) << 28;
    for (const std::string k : {"entk", "pntk", "pntk:single:2"}) {
      const at::Tensor K = cross_kernel(kernel_factor(J1, k, budget), kernel_factor(J2, k, budget));
      const auto theta = cross_kernel_operator(J1, J2, k);
      QCOMPARE(theta->rows(), K.size(0));
      QCOMPARE(theta->cols(), K.size(1));
      auto gen = make_generator(3);
      const at::Tensor V = draw_normal(gen, {K.size(1), 5}, test::f64());
      const at::Tensor KV = cross_kernel_apply(*theta, V, 2);  // blocks of 2: 2 + 2 + 1
      TS_CHECK_CLOSE((KV - at::matmul(K, V)).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * K.abs().max().item<double>());
      const at::Tensor U = draw_normal(gen, {K.size(0), 2}, test::f64());
      TS_CHECK_CLOSE((theta->apply_transpose(U) - at::matmul(K.t(), U)).abs().max().item<double>(), 0.0, 0.0,
                     1e-12 * K.abs().max().item<double>());
      const at::Tensor v = V.select(1, 0);  // a single vector stays a vector
      QCOMPARE(cross_kernel_apply(*theta, v, 4).dim(), int64_t(1));
    }
    const auto theta = cross_kernel_operator(J1, J2, "entk");
    TS_EXPECT_THROW(InputError, cross_kernel_apply(*theta, at::zeros({7, 2}, test::f64()), 4), "[9, k]");
  }

  // kernel --apply: Θ V written without the kernel or a Jacobian (no JVP-free shortcut: one VJP and one JVP
  // per column), and bad vector files named.
  void jobAppliesWithoutTheKernel() {
    const std::string tmp = TS_TEST_TMP;
    KernelRequest job = job_on("mlp:in=4,width=8,depth=2,out=3,seed=6", "random:n=5,shape=4");
    job.data_b = "random:n=3,shape=4,seed=9";
    job.out = tmp + "/K12-dense.npy";
    const KernelResult dense = run_kernel_job(job);
    const at::Tensor K = read_npy_file(job.out, int64_t(1) << 30).values;
    auto gen = make_generator(4);
    const at::Tensor V = draw_normal(gen, {9, 3}, at::TensorOptions(at::kDouble));
    write_npy(tmp + "/V.npy", V);
    job.apply = tmp + "/V.npy";
    job.out = tmp + "/KV.npy";
    job.block = 2;
    job.problem.compute.memory_budget = 16384;  // below d·P + d₁·d₂: the product path needs neither
    const KernelResult r = run_kernel_job(job);
    QCOMPARE(r.product_shape, (std::vector<int64_t>{15, 3}));
    QVERIFY(!r.frobenius && !r.trace);
    QCOMPARE(r.vjps, int64_t(3));
    QCOMPARE(r.jvps, int64_t(3));
    const at::Tensor KV = read_npy_file(job.out, int64_t(1) << 30).values;
    TS_CHECK_CLOSE((KV - at::matmul(K, V)).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    QVERIFY(dense.frobenius);
    write_npy(tmp + "/Vbad.npy", at::zeros({8, 2}, at::kDouble));
    job.apply = tmp + "/Vbad.npy";
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "Vbad.npy' holds an array of shape 8,2");
    write_npy(tmp + "/Vnan.npy", at::full({9}, NAN, at::kDouble));
    job.apply = tmp + "/Vnan.npy";
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "NaN");
  }

  // Over the memory budget the eigenpairs come from block Lanczos on the operator: the same top eigenvalues
  // as eigh of the exact kernel, unit vectors with K v = λ v, and no kernel file.
  void jobFindsEigenpairsByLanczosOverBudget() {
    const std::string tmp = TS_TEST_TMP;
    KernelRequest job = job_on("mlp:in=4,width=64,depth=2,out=3,seed=6", "random:n=40,shape=4");
    job.out = tmp + "/K-exact.npy";
    job.eig_out = tmp + "/eig-exact";
    job.eig_top = 5;
    const KernelResult exact = run_kernel_job(job);
    QCOMPARE(exact.eig_method, std::string("exact"));
    const at::Tensor K = read_npy_file(job.out, int64_t(1) << 30).values;
    job.out.clear();
    job.eig_out = tmp + "/eig-lanczos";
    // d = 120, P = 515: J (494 KB) does not fit 300 KB; the Krylov basis (2 × 120 × 120 doubles) does.
    job.problem.compute.memory_budget = 300 * 1024;
    const KernelResult r = run_kernel_job(job);
    QCOMPARE(r.eig_method, std::string("lanczos"));
    QVERIFY(r.eig_converged);
    QCOMPARE(r.files.size(), size_t(2));
    for (size_t i = 0; i < 5; ++i)
      TS_CHECK_CLOSE(r.eigenvalues[i], exact.eigenvalues[i], 1e-9, 1e-9 * exact.eigenvalues[0]);
    const at::Tensor V = read_npy_file(job.eig_out + ".vectors.npy", int64_t(1) << 30).values;
    const at::Tensor lam = read_npy_file(job.eig_out + ".values.npy", int64_t(1) << 30).values;
    TS_CHECK_CLOSE((at::matmul(K, V) - V * lam).abs().max().item<double>(), 0.0, 0.0,
                   1e-8 * lam[0].item<double>());
    // Asked for exactly, over the budget: refused, naming the memory.
    job.eig_method = "exact";
    TS_EXPECT_THROW(MemoryBudgetError, run_kernel_job(job), "budget");
    job.eig_method = "nystrom";
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "auto, exact or lanczos");
  }

  // Jacobian blocks per layer: one file per parameter group, whose columns put side by side are J, with a
  // manifest naming each group's columns; the blocks' squared norms sum to tr K.
  void jobWritesJacobianBlocks() {
    const std::string tmp = TS_TEST_TMP;
    KernelRequest job = job_on("mlp:in=4,width=8,depth=2,out=3,seed=6", "random:n=5,shape=4");
    job.out = tmp + "/Kb.npy";
    job.factor_out = tmp + "/Jb.npy";
    job.blocks_out = tmp + "/blocks";
    const KernelResult r = run_kernel_job(job);
    const at::Tensor J = read_npy_file(job.factor_out, int64_t(1) << 30).values;
    QCOMPARE(r.blocks.size(), size_t(2));  // two layers
    const Json manifest = [&] {
      std::ifstream f(job.blocks_out + ".groups.json");
      std::stringstream ss;
      ss << f.rdbuf();
      return parse_json(ss.str(), "blocks.groups.json");
    }();
    QCOMPARE(manifest.at("groups").size(), size_t(2));
    double sum = 0;
    int64_t cols = 0;
    for (const auto& g : manifest.at("groups")) {
      const at::Tensor Jg =
          read_npy_file(tmp + "/" + g.at("file").get<std::string>(), int64_t(1) << 30).values;
      QCOMPARE(Jg.size(0), J.size(0));
      QCOMPARE(Jg.size(1), g.at("params").get<int64_t>());
      int64_t at_col = 0;
      for (const auto& run : g.at("columns")) {
        const int64_t a = run.at(0).get<int64_t>(), b = run.at(1).get<int64_t>();
        TS_CHECK_CLOSE((Jg.narrow(1, at_col, b - a) - J.narrow(1, a, b - a)).abs().max().item<double>(), 0.0,
                       0.0, 0.0);
        at_col += b - a;
      }
      QCOMPARE(at_col, Jg.size(1));
      cols += Jg.size(1);
      sum += g.at("trace").get<double>();
    }
    QCOMPARE(cols, r.params);
    TS_CHECK_CLOSE(sum, *r.trace, 1e-12, 0.0);
    // Prefix groups: the named prefixes and the rest.
    job.groups = "w0;b0";
    QCOMPARE(run_kernel_job(job).blocks.size(), size_t(3));
    job.problem.kernel = "pntk";
    TS_EXPECT_THROW(InputError, run_kernel_job(job), "eNTK");
  }
};

}  // namespace test_cross_kernel

TS_TEST_MAIN(test_cross_kernel::TestCrossKernel, crossKernelIsABlockOfTheKernel, jobWritesNpy,
             productsAreTheKernelTimesVectors, jobAppliesWithoutTheKernel,
             jobFindsEigenpairsByLanczosOverBudget, jobWritesJacobianBlocks)
#ifdef TS_HAVE_QT
#include "test_cross_kernel.moc"
#endif
