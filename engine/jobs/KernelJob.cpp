#include "jobs/KernelJob.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <utility>

#include <unistd.h>

#include "analysis/BlockLanczos.h"
#include "analysis/LayerTraces.h"
#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/Stopwatch.h"
#include "core/TorchUtil.h"
#include "data/NumpyFiles.h"
#include "exact/CrossKernel.h"
#include "exact/Exact.h"
#include "io/NpyWriter.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "jobs/ProblemBuild.h"
#include "pntk/Pntk.h"

namespace ts {

namespace {

bool is_pntk(const std::string& kernel) { return kernel == "pntk" || kernel.rfind("pntk:", 0) == 0; }

// A parameter group's name as part of a file name: letters, digits, '.', '-' and '_' kept, the rest '_'.
std::string file_part(const std::string& name) {
  std::string s;
  for (unsigned char c : name) s += (std::isalnum(c) || c == '.' || c == '-' || c == '_') ? char(c) : '_';
  return s.empty() ? "_" : s;
}

// The folder of every output path must exist and be writable before the products start.
void check_writable(const std::string& path) {
  if (path.empty()) return;
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw InputError("cannot write '" + path + "': the folder '" + dir + "' does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw InputError("cannot write '" + path + "': the folder '" + dir + "' is not writable");
}

// Files are written only once everything is computed, and published as one set: a failed or cancelled run,
// or a full disk, leaves every earlier file as it was.
struct PendingFiles {
  FileSet set;
  void add(const std::string& path, const at::Tensor& t, const std::string& what = "") {
    set.add(path, npy_bytes(t), what);
  }
  void add_text(const std::string& path, const std::string& text, const std::string& what = "") {
    set.add(path, text, what);
  }
  void write(std::vector<std::string>& written) { written = set.publish(); }
};

// The columns of one group as runs [first, end) of consecutive columns of J.
Json json_columns(const at::Tensor& cols) {
  const at::Tensor c = cols.to(at::kCPU).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  Json runs = Json::array();
  for (int64_t i = 0; i < c.numel();) {
    int64_t j = i + 1;
    while (j < c.numel() && p[j] == p[j - 1] + 1) ++j;
    runs.push_back(Json::array({p[i], p[j - 1] + 1}));
    i = j;
  }
  return runs;
}

void eigenpairs_exact(const at::Tensor& K, KernelResult& out, PendingFiles& files, const KernelRequest& r) {
  const auto [values, vectors] = at::linalg_eigh(K);  // ascending
  const int64_t k = std::min<int64_t>(r.eig_top, values.numel());
  const at::Tensor top = values.flip(0).narrow(0, 0, k).contiguous();
  const at::Tensor V = vectors.flip(1).narrow(1, 0, k).contiguous();
  const at::Tensor res = (at::matmul(K, V) - V * top.unsqueeze(0)).norm(2, {0}).contiguous().cpu();
  files.add(r.eig_out + ".values.npy", top, "--eig-out");
  files.add(r.eig_out + ".vectors.npy", V, "--eig-out");
  const at::Tensor tc = top.cpu();
  out.eigenvalues.assign(tc.data_ptr<double>(), tc.data_ptr<double>() + k);
  out.eig_residuals.assign(res.data_ptr<double>(), res.data_ptr<double>() + k);
  out.eig_method = "exact";
}

void eigenpairs_lanczos(const LinearOperator& K, KernelResult& out, PendingFiles& files,
                        const KernelRequest& r, const RunControl& rc) {
  LanczosOptions o;
  o.top = r.eig_top;
  o.block = r.block;
  o.max_matvecs = r.eig_max_matvecs;
  o.tol = r.eig_tol;
  o.seed = r.problem.compute.seed;
  const int64_t m = lanczos_basis_cap(K.size(), o);
  check_memory_budget("the Krylov basis of block Lanczos (2 × " + std::to_string(K.size()) + " × " +
                          std::to_string(m) + " float64)",
                      2 * K.size() * m * 8, r.problem.compute.memory_budget);
  const LanczosEigenpairs e = block_lanczos(K, o, rc);
  files.add(r.eig_out + ".values.npy", e.values, "--eig-out");
  files.add(r.eig_out + ".vectors.npy", e.vectors, "--eig-out");
  const int64_t k = e.values.numel();
  out.eigenvalues.assign(e.values.data_ptr<double>(), e.values.data_ptr<double>() + k);
  out.eig_residuals.assign(e.residuals.data_ptr<double>(), e.residuals.data_ptr<double>() + k);
  out.eig_method = "lanczos";
  out.eig_matvecs = e.matvecs;
  out.eig_converged = e.converged;
  out.eig_tol = e.tol;
}

}  // namespace

KernelResult run_kernel_job(const KernelRequest& request, const RunControl& rc) {
  const KernelRequest& r = request;
  const std::string& kernel = r.problem.kernel;
  const bool dense_out = !r.out.empty() && r.apply.empty();
  if (r.out.empty() && r.eig_out.empty() && r.blocks_out.empty() && r.factor_out.empty())
    throw InputError(
        "kernel: nothing to write: give --out FILE.npy (the kernel, or Θ V with --apply), "
        "--eig-out PREFIX, --factor-out FILE.npy or --blocks-out PREFIX");
  if (!r.apply.empty() && r.out.empty()) throw InputError("kernel: --apply needs --out FILE.npy for Θ V");
  if (!r.eig_out.empty() && !r.data_b.empty())
    throw InputError("kernel: eigenpairs (--eig-out) need a square kernel: leave out --data-b");
  if (!r.eig_out.empty() && r.eig_top < 1) throw InputError("kernel: --top must be at least 1");
  if (!r.eig_out.empty() && r.eig_max_matvecs > 0 && r.eig_max_matvecs < r.eig_top)
    throw InputError(
        "kernel: --max-matvecs " + std::to_string(r.eig_max_matvecs) + " cannot give the " +
        std::to_string(r.eig_top) + " eigenpairs of --top: block Lanczos needs at least one product " +
        "per eigenpair (give --max-matvecs " + std::to_string(r.eig_top) + " or more, or a smaller --top)");
  if (r.eig_method != "auto" && r.eig_method != "exact" && r.eig_method != "lanczos")
    throw InputError("kernel: --eig-method must be auto, exact or lanczos, got '" + r.eig_method + "'");
  if (!r.blocks_out.empty() && is_pntk(kernel))
    throw InputError("kernel: Jacobian blocks (--blocks-out) are the eNTK's: leave out --kernel " + kernel);
  if (!(r.eig_tol >= 0) || r.eig_tol >= 1) throw InputError("kernel: --eig-tol must be in [0, 1)");
  if (r.block < 1) throw InputError("kernel: --block must be at least 1");
  for (const std::string& p : {r.out, r.factor_out}) check_writable(p);
  check_writable(r.eig_out.empty() ? "" : r.eig_out + ".values.npy");
  check_writable(r.blocks_out.empty() ? "" : r.blocks_out + ".groups.json");
  check_distinct_outputs({r.out, r.factor_out, r.eig_out.empty() ? "" : r.eig_out + ".values.npy",
                          r.eig_out.empty() ? "" : r.eig_out + ".vectors.npy",
                          r.blocks_out.empty() ? "" : r.blocks_out + ".groups.json"},
                         {"--out", "--factor-out", "--eig-out (PREFIX.values.npy)",
                          "--eig-out (PREFIX.vectors.npy)", "--blocks-out (PREFIX.groups.json)"});

  detail::Stopwatch clock;
  Problem pr = build_problem(r.problem, false);
  pr.J->set_control(&rc);
  const int64_t budget = r.problem.compute.memory_budget;
  std::unique_ptr<TangentMap> J2;
  if (!r.data_b.empty()) {
    const Dataset b =
        load_data(r.data_b, pr.model->input_shape(), r.problem.compute.seed, budget, pr.model->input_type());
    J2 = std::make_unique<TangentMap>(pr.model, to_model_input(b.inputs, tensor_options(r.problem.compute)),
                                      pr.J->jvp_mode());
    J2->set_control(&rc);
    J2->set_block(pr.J->block());
  }
  const TangentMap& JB = J2 ? *J2 : *pr.J;
  const auto theta = cross_kernel_operator(*pr.J, JB, kernel);

  KernelResult out;
  out.request = r;
  out.rows = theta->rows();
  out.cols = theta->cols();
  out.params = pr.J->param_size();
  PendingFiles files;

  // Matrix-free: Θ(X₁, X₂) V by products.
  if (!r.apply.empty()) {
    const at::Tensor V = read_npy_file(r.apply, budget).values;
    if (V.dim() < 1 || V.dim() > 2 || V.size(0) != out.cols)
      throw InputError("kernel: --apply '" + r.apply + "' holds an array of shape " +
                       shape_to_string(V.sizes().vec()) + "; " + theta->name() + " needs [" +
                       std::to_string(out.cols) + "] or [" + std::to_string(out.cols) + ", k]");
    if (!at::isfinite(V).all().item<bool>())
      throw InputError("kernel: --apply '" + r.apply + "' holds NaN or infinite values");
    const int64_t k = V.dim() == 1 ? 1 : V.size(1);
    check_memory_budget("the product Θ V (" + std::to_string(out.rows) + " × " + std::to_string(k) + ")",
                        out.rows * k * 8 + 3 * r.block * out.params * 8, budget);
    const at::Tensor KV = cross_kernel_apply(*theta, V.to(pr.J->options().device()), r.block, rc);
    out.product_shape = KV.sizes().vec();
    files.add(r.out, KV, "--out");
  }

  // The dense kernel, when it is asked for or needed for exact eigenpairs.
  // (The pNTK's factor C J is made from the full J.)
  const bool fits = pr.J->state_size() * out.params * 8 + out.rows * out.cols * 8 <= budget;
  std::string eig_method = r.eig_method;
  if (!r.eig_out.empty() && eig_method == "auto") eig_method = dense_out || fits ? "exact" : "lanczos";
  const bool need_factor = dense_out || !r.factor_out.empty() || !r.blocks_out.empty() ||
                           (!r.eig_out.empty() && eig_method == "exact");
  if (need_factor) {
    const at::Tensor F1 = kernel_factor(*pr.J, kernel, budget, rc);
    if (dense_out || (!r.eig_out.empty() && eig_method == "exact")) {
      at::Tensor F2 = J2 ? kernel_factor(*J2, kernel, budget, rc) : F1;
      check_memory_budget(
          "the kernel (" + std::to_string(F1.size(0)) + " × " + std::to_string(F2.size(0)) + ")",
          F1.size(0) * F2.size(0) * 8, budget);
      const at::Tensor K = cross_kernel(F1, F2, rc);
      if (!J2) out.trace = at::trace(K).item<double>();
      out.frobenius = K.norm().item<double>();
      if (dense_out) files.add(r.out, K, "--out");
      if (!r.eig_out.empty() && eig_method == "exact") eigenpairs_exact(K, out, files, r);
    }
    if (!r.factor_out.empty()) files.add(r.factor_out, F1, "--factor-out");
    if (!r.blocks_out.empty()) {
      Json manifest = Json::object();
      manifest["format"] = "tangentscope-jacobian-blocks";
      manifest["version"] = 1;
      manifest["rows"] = F1.size(0);
      manifest["params"] = F1.size(1);
      Json groups = Json::array();
      for (const auto& g : parameter_groups(*pr.J, r.groups)) {
        rc.check();
        const at::Tensor cols = group_columns(*pr.J, g);
        const at::Tensor Jg = F1.index_select(1, cols.to(F1.device()));
        JacobianBlock b;
        b.name = g.name;
        b.params = g.size;
        b.file = r.blocks_out + "." + file_part(g.name) + ".npy";
        b.trace = Jg.pow(2).sum().item<double>();
        files.add(b.file, Jg, "--blocks-out");
        out.blocks.push_back(b);
        Json jg = Json::object();
        jg["name"] = b.name;
        jg["file"] = std::filesystem::path(b.file).filename().string();
        jg["params"] = b.params;
        jg["columns"] = json_columns(cols);
        jg["trace"] = b.trace;
        groups.push_back(jg);
      }
      manifest["groups"] = groups;
      files.add_text(r.blocks_out + ".groups.json", json_text(manifest) + "\n", "--blocks-out");
    }
  }
  if (!r.eig_out.empty() && eig_method == "lanczos") {
    std::unique_ptr<LinearOperator> K;
    if (is_pntk(kernel))
      K = std::make_unique<PntkOperator>(*pr.J,
                                         parse_pntk_variant(kernel == "pntk" ? "sum" : kernel.substr(5)));
    else
      K = std::make_unique<NtkOperator>(*pr.J);
    eigenpairs_lanczos(*K, out, files, r, rc);
  }
  const AdCost c1 = pr.J->cost(), c2 = J2 ? J2->cost() : AdCost{};
  out.vjps = c1.vjps + c2.vjps;
  out.jvps = c1.jvps + c2.jvps;
  rc.check();
  files.write(out.files);
  out.seconds = clock.seconds();
  return out;
}

}  // namespace ts
