#include "CoverageBench.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>

#include "Quantile.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "io/ResultJson.h"
#include "io/Spec.h"
#include "jobs/Jobs.h"
#include "models/Model.h"

namespace ts::bench {

namespace {

struct Kernel {
  std::string name, description;
  at::Tensor K;  ///< d×d, float64
  at::Tensor J;  ///< the Jacobian (d×P) when it is small enough for FHutch, else undefined
  double trace = 0;
};

struct ProblemKernel {
  std::string model, data, shape;
};

ProblemKernel builtin_problem(const std::string& name, const std::string& fixtures) {
  if (name == "mlp-digits") return {"mlp:in=64,width=256,depth=3,out=10,seed=0", "digits:n=100", ""};
  if (name == "seed-mlp")
    return {"mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,seed=0", "random:n=50,shape=100",
            ""};
  if (name == "cnn-digits") return {"cnn:width=8,out=10,seed=0", "digits:n=100", "1,8,8"};
  if (name == "gru-small") return {"gru:in=10,hidden=32,steps=15,seed=0", "random:n=8,shape=15x10", ""};
  if (name == "transformer") return {fixtures + "/transformer.pt", "random:n=40,shape=3x6", "3,6"};
  return {};
}

// A PSD matrix with the given spectrum and a seeded random orthogonal basis.
at::Tensor with_spectrum(const at::Tensor& lambda, uint64_t seed) {
  auto gen = make_generator(seed);
  const int64_t n = lambda.numel();
  const at::Tensor U =
      std::get<0>(at::linalg_qr(draw_normal(gen, {n, n}, at::TensorOptions().dtype(at::kDouble))));
  return at::matmul(U * lambda.unsqueeze(0), U.t());
}

Kernel make_kernel(const std::string& text, const CoverageBenchOptions& o, std::ostream& log) {
  Kernel k;
  const auto eq = text.find('=');
  k.name = eq == std::string::npos ? text : text.substr(0, eq);
  const auto dbl = at::TensorOptions().dtype(at::kDouble);
  if (eq == std::string::npos && (text == "exp-decay" || text == "poly-decay" || text == "flat")) {
    const int64_t n = 1000;
    const at::Tensor i = at::arange(n, dbl);
    at::Tensor lambda;
    if (text == "exp-decay") {
      lambda = at::pow(0.97, i);
      k.description = "synthetic PSD, n = 1000, λ_i = 0.97^i (numerically low rank)";
    } else if (text == "poly-decay") {
      lambda = 1.0 / (i + 1);
      k.description = "synthetic PSD, n = 1000, λ_i = 1/i (slow decay)";
    } else {
      auto gen = make_generator(5);
      lambda = 1.0 + 0.5 * draw_uniform(gen, {n}, 0.0, 1.0, dbl);
      k.description = "synthetic PSD, n = 1000, λ_i uniform in [1, 1.5] (full rank, flat)";
    }
    k.K = with_spectrum(lambda, 17);
    k.trace = lambda.sum().item<double>();
    return k;
  }
  ProblemKernel p;
  if (eq == std::string::npos) {
    p = builtin_problem(text, o.fixtures);
    if (p.model.empty())
      throw InputError(
          "unknown coverage kernel '" + text +
          "' (mlp-digits, seed-mlp, cnn-digits, gru-small, transformer, exp-decay, poly-decay, flat, or "
          "NAME=MODEL@DATA[@INPUT_SHAPE])");
  } else {
    const std::string rest = text.substr(eq + 1);
    const auto a = rest.find('@');
    if (a == std::string::npos)
      throw InputError("coverage kernel '" + text + "': write NAME=MODEL@DATA[@INPUT_SHAPE]");
    p.model = rest.substr(0, a);
    p.data = rest.substr(a + 1);
    const auto b = p.data.find('@');
    if (b != std::string::npos) {
      p.shape = p.data.substr(b + 1);
      p.data = p.data.substr(0, b);
    }
  }
  ComputeConfig c = o.compute;
  c.dtype = "float64";
  std::vector<int64_t> shape;
  if (!p.shape.empty())
    shape = parse_shape(p.shape, "input shape of kernel " + k.name);
  else {
    const Spec ds = Spec::parse(p.data);
    if (ds.kind() == "random" && ds.has("shape")) shape = ds.get_shape("shape", {});
  }
  auto model = make_model(p.model, shape, c);
  const Dataset data = load_data(p.data, model->input_shape(), c.seed, c.memory_budget, model->input_type());
  TangentMap J(model, to_model_input(data.inputs, tensor_options(c)));
  const int64_t d = J.state_size(), P = J.param_size();
  const at::Tensor jac = jacobian(J, int64_t(8) << 30);
  k.K = at::matmul(jac, jac.t());
  k.trace = jac.pow(2).sum().item<double>();
  if (d * P <= o.max_factor_entries) k.J = jac;
  k.description = p.model + " on " + data.description + " (d = " + std::to_string(d) +
                  ", P = " + std::to_string(P) + ", the eNTK, float64)";
  log << "coverage: kernel " << k.name << ": " << k.description << ", tr K = " << k.trace << "\n";
  return k;
}

}  // namespace

Json run_coverage_bench(const CoverageBenchOptions& o, std::ostream& log) {
  if (o.seeds < 2) throw InputError("--seeds must be at least 2");
  apply_threads(o.compute);
  Json report = Json::object();
  Json rows = Json::array();
  for (const auto& spec : o.kernels) {
    const Kernel k = make_kernel(spec, o, log);
    const DenseOperator A(k.K.to(parse_device(o.compute.device)), /*psd=*/true);
    // RHutch's estimates depend on K alone (‖Bᵀu‖² = uᵀKu for any B with BBᵀ = K): a d×d factor serves.
    at::Tensor L;
    {
      auto eig = at::linalg_eigh(k.K);
      L = std::get<1>(eig) * std::get<0>(eig).clamp_min(0).sqrt().unsqueeze(0);
    }
    const DenseRectOperator rfactor(L.contiguous().to(A.options()));  // B = L: ‖Bᵀu‖² = uᵀLLᵀu = uᵀKu
    std::unique_ptr<DenseRectOperator> ffactor;
    if (k.J.defined()) ffactor = std::make_unique<DenseRectOperator>(k.J.to(A.options()));
    for (const auto& method : o.methods) {
      const RectOperator* factor =
          method == "fhutch" ? static_cast<const RectOperator*>(ffactor.get()) : &rfactor;
      if (method == "fhutch" && !ffactor) {
        log << "  " << k.name << " fhutch: skipped (the Jacobian is over " << o.max_factor_entries
            << " entries)\n";
        continue;
      }
      for (int64_t m : o.budgets) {
        int covered = 0, covered_sample = 0, with_sample = 0, exact = 0;
        double z2 = 0;
        std::vector<double> rel;
        for (int s = 0; s < o.seeds; ++s) {
          EstimatorOptions eo;
          eo.method = method;
          eo.matvecs = m;
          eo.seed = o.compute.seed + static_cast<uint64_t>(s) * 7919;
          const TraceEstimate e = estimate_trace(A, factor, eo);
          const double err = e.estimate - k.trace, sigma = e.std_error.value_or(NAN);
          rel.push_back(std::fabs(err) / std::fabs(k.trace));
          if (std::fabs(err) <= 1e-11 * std::fabs(k.trace)) {
            ++exact;  // exact up to rounding (budget ≥ n, or the sketch captured the whole range)
            ++covered;
            if (e.sample_std_error) ++with_sample, ++covered_sample;
            continue;
          }
          if (std::fabs(err) <= 2 * sigma) ++covered;
          z2 += sigma > 0 ? err * err / (sigma * sigma) : INFINITY;
          if (e.sample_std_error) {
            ++with_sample;
            if (std::fabs(err) <= 2 * *e.sample_std_error) ++covered_sample;
          }
        }
        Json row = Json::object();
        row["kernel"] = k.name;
        row["method"] = method;
        row["budget"] = m;
        row["seeds"] = o.seeds;
        row["coverage"] = double(covered) / o.seeds;
        if (with_sample > 0) row["coverage_textbook"] = double(covered_sample) / with_sample;
        row["mean_z2"] = o.seeds > exact ? z2 / double(o.seeds - exact) : 0.0;
        row["exact_runs"] = exact;
        row["median_rel_error"] = quantile(rel, 0.5);
        rows.push_back(row);
        char buf[200];
        std::snprintf(
            buf, sizeof buf,
            "  %-12s %-10s m = %4lld: coverage %.2f%s, mean z² %.2f, median rel. error %.2e\n",
            k.name.c_str(), method.c_str(), static_cast<long long>(m), double(covered) / o.seeds,
            with_sample > 0
                ? (" (textbook " + std::to_string(double(covered_sample) / with_sample).substr(0, 4) + ")")
                      .c_str()
                : "",
            o.seeds > exact ? z2 / double(o.seeds - exact) : 0.0, quantile(rel, 0.5));
        log << buf << std::flush;
      }
    }
    Json kj = Json::object();
    kj["name"] = k.name;
    kj["description"] = k.description;
    kj["trace"] = k.trace;
    report["kernel_" + k.name] = kj;
  }
  report["rows"] = rows;
  Json cfg = Json::object();
  cfg["kernels"] = o.kernels;
  cfg["methods"] = o.methods;
  cfg["budgets"] = o.budgets;
  cfg["seeds"] = o.seeds;
  cfg["compute"] = to_json(o.compute);
  cfg["blas"] = blas_description();
  report["config"] = cfg;
  return report;
}

std::string format_coverage_bench(const Json& report) {
  std::ostringstream out;
  out << "kernel        method      budget  coverage(±2σ)  textbook  mean z²  median rel. error\n";
  for (const auto& r : report.at("rows")) {
    char buf[200];
    const std::string tb = r.contains("coverage_textbook")
                               ? std::to_string(r.at("coverage_textbook").get<double>()).substr(0, 4)
                               : "—";
    std::snprintf(buf, sizeof buf, "%-13s %-11s %6d  %13.2f  %8s  %7.2f  %.2e%s\n",
                  r.at("kernel").get<std::string>().c_str(), r.at("method").get<std::string>().c_str(),
                  static_cast<int>(r.at("budget").get<double>()), r.at("coverage").get<double>(), tb.c_str(),
                  r.at("mean_z2").get<double>(), r.at("median_rel_error").get<double>(),
                  r.at("coverage").get<double>() < 0.9 ? "  LOW" : "");
    out << buf;
  }
  return out.str();
}

}  // namespace ts::bench
