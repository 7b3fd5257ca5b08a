#include "CoverageBench.h"

#include "BenchOptionsJson.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <ostream>
#include <sstream>

#include "CalibrationTally.h"
#include "Quantile.h"
#include "RunInfo.h"
#include "analysis/LayerTraces.h"
#include "autodiff/TangentMap.h"
#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"
#include "io/Spec.h"
#include "jobs/Jobs.h"
#include "models/Model.h"
#include "results/ResultJson.h"

namespace ts::bench {

namespace {

struct Kernel {
  std::string name, description;
  at::Tensor K;  ///< d×d, float64
  at::Tensor J;  ///< the Jacobian (d×P) when it is small enough for FHutch, else undefined
  double trace = 0;
  std::shared_ptr<TangentMap> map;  ///< the network's tangent map (real kernels), for the per-layer bars
};

struct ProblemKernel {
  std::string model, data, shape;
};

ProblemKernel builtin_problem(const std::string& name, const CoverageBenchOptions& o) {
  const std::string& fixtures = o.fixtures;
  if (name == "mlp-digits") return {"mlp:in=64,width=256,depth=3,out=10,seed=0", "digits:n=100", ""};
  if (name == "hazelden-mlp" || name == "seed-mlp")
    return {"mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,seed=0", "random:n=50,shape=100",
            ""};
  // Hazelden's GRU workload (64 hidden units, 15 steps, every hidden state an output) on 4 sequences.
  if (name == "hazelden-gru") return {"gru:in=10,hidden=64,steps=15,seed=0", "random:n=4,shape=15x10", ""};
  // torchvision's networks, exported by scripts/export-model (see models_hint) into --models.
  if (name == "resnet18") return {o.models + "/resnet18.pt", "random:n=20,shape=3x32x32", "3,32,32"};
  if (name == "squeezenet") return {o.models + "/squeezenet.pt", "random:n=20,shape=3x64x64", "3,64,64"};
  if (name == "cnn-digits") return {"cnn:width=8,out=10,seed=0", "digits:n=100", "1,8,8"};
  if (name == "gru-small") return {"gru:in=10,hidden=32,steps=15,seed=0", "random:n=8,shape=15x10", ""};
  if (name == "transformer") return {fixtures + "/transformer.pt", "random:n=40,shape=3x6", "3,6"};
  return {};
}

std::string models_hint(const std::string& name, const std::string& dir) {
  if (name == "resnet18")
    return "scripts/export-model resnet18 --input-shape 3,32,32 --num-classes 10 --dtype float64 --out " +
           dir + "/resnet18.pt";
  return "scripts/export-model squeezenet1_1 --input-shape 3,64,64 --num-classes 10 --dtype float64 --out " +
         dir + "/squeezenet.pt";
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
    p = builtin_problem(text, o);
    if (p.model.empty())
      throw InputError(
          "unknown calibration kernel '" + text +
          "' (resnet18, squeezenet, transformer, hazelden-mlp, hazelden-gru, mlp-digits, "
          "cnn-digits, gru-small, exp-decay, poly-decay, flat, or NAME=MODEL@DATA[@INPUT_SHAPE]; "
          "--kernels separates them by ';')");
    if ((text == "resnet18" || text == "squeezenet") && !std::ifstream(p.model))
      throw InputError("calibration kernel " + text + ": " + p.model + " does not exist; make it with " +
                       models_hint(text, o.models));
  } else {
    const std::string rest = text.substr(eq + 1);
    const auto a = rest.find('@');
    if (a == std::string::npos)
      throw InputError("calibration kernel '" + text + "': write NAME=MODEL@DATA[@INPUT_SHAPE]");
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
  k.map = std::make_shared<TangentMap>(model, to_model_input(data.inputs, tensor_options(c)));
  const TangentMap& J = *k.map;
  const int64_t d = J.state_size(), P = J.param_size();
  if (d * P <= o.max_factor_entries) {
    const at::Tensor jac = jacobian(J, int64_t(8) << 30);
    k.K = at::matmul(jac, jac.t());
    k.J = jac;
  } else {
    k.K = entk_by_products(J, int64_t(8) << 30);  // ResNet-18: J would not fit, K = J(JᵀI) does
    k.K = 0.5 * (k.K + k.K.t());
  }
  k.trace = k.K.trace().item<double>();
  k.description = p.model + " on " + data.description + " (d = " + std::to_string(d) +
                  ", P = " + std::to_string(P) + ", the eNTK, float64)";
  log << "calibration: kernel " << k.name << ": " << k.description << ", tr K = " << k.trace << "\n";
  return k;
}

Json tally_json(const CalibrationTally& t) {
  Json r = Json::object();
  r["seeds"] = t.runs;
  r["coverage"] = t.coverage();
  r["mean_z2"] = t.mean_z2();
  r["exact_runs"] = t.exact;
  return r;
}

// The per-layer bars (layers --estimator hutchpp): every group's ±2σ against its exact tr K_g, over seeds.
Json layer_row(const Kernel& k, int64_t m, const CoverageBenchOptions& o, std::ostream& log) {
  LayerTraceOptions exact_o;
  exact_o.method = "exact";
  const LayerTraces exact = layer_traces(*k.map, exact_o);
  CalibrationTally all;
  std::vector<CalibrationTally> per(exact.layers.size());
  for (int s = 0; s < o.layer_seeds; ++s) {
    LayerTraceOptions lo;
    lo.method = "hutchpp";
    lo.matvecs = m;
    lo.seed = o.compute.seed + static_cast<uint64_t>(s) * 7919;
    const LayerTraces r = layer_traces(*k.map, lo);
    for (size_t g = 0; g < r.layers.size(); ++g) {
      const double err = r.layers[g].trace - exact.layers[g].trace;
      all.add(err, r.layers[g].std_error.value_or(NAN), exact.layers[g].trace);
      per[g].add(err, r.layers[g].std_error.value_or(NAN), exact.layers[g].trace);
    }
  }
  Json row = tally_json(all);
  row["seeds"] = o.layer_seeds;
  row["groups"] = exact.layers.size();
  double worst = 1;
  for (const auto& t : per) worst = std::min(worst, t.coverage());
  row["worst_group_coverage"] = worst;
  row["kernel"] = k.name;
  row["method"] = "layers";
  row["budget"] = m;
  log << "  " << format_row(row) << std::flush;
  return row;
}

}  // namespace

std::string format_row(const Json& r) {
  char buf[320];
  const auto num = [&](const char* key) { return r.contains(key) ? r.at(key).get<double>() : NAN; };
  std::string extra;
  if (r.contains("coverage_textbook")) {
    char t[160];
    std::snprintf(t, sizeof t, "  (textbook %.2f, z² %.2f; jackknife %.2f, z² %.2f; paired %.2f, z² %.2f)",
                  num("coverage_textbook"), num("mean_z2_textbook"), num("coverage_jackknife"),
                  num("mean_z2_jackknife"), num("coverage_paired"), num("mean_z2_paired"));
    extra = t;
  }
  if (r.contains("worst_group_coverage")) {
    char t[80];
    std::snprintf(t, sizeof t, "  (%d groups, worst %.2f)", r.at("groups").get<int>(),
                  num("worst_group_coverage"));
    extra = t;
  }
  const bool ok = num("coverage") >= 0.9 && num("mean_z2") >= 0.5 && num("mean_z2") <= 1.5;
  std::snprintf(buf, sizeof buf, "%-13s %-11s %6d %6d  %8.3f  %7.2f%s%s\n",
                r.at("kernel").get<std::string>().c_str(), r.at("method").get<std::string>().c_str(),
                static_cast<int>(num("budget")), static_cast<int>(num("seeds")), num("coverage"),
                num("mean_z2"), extra.c_str(),
                ok || (num("exact_runs") == num("seeds") && num("coverage") >= 0.9) ? "" : "  OUTSIDE");
  return buf;
}

Json run_coverage_bench(const CoverageBenchOptions& o, std::ostream& log) {
  if (o.seeds < 2) throw InputError("--seeds must be at least 2");
  apply_threads(o.compute);
  Json report = Json::object();
  add_run_info(report);
  Json rows = Json::array();
  for (const auto& spec : o.kernels) {
    const Kernel k = make_kernel(spec, o, log);
    // The exact trace is K's in float64; with --dtype float32 the estimators' products are taken with K
    // rounded to float32, so that the bars can be checked against the rounding of float32 products too.
    const at::ScalarType dtype = parse_dtype(o.compute.dtype);
    const DenseOperator A(k.K.to(parse_device(o.compute.device)).to(dtype), /*psd=*/true);
    if (dtype == at::kFloat) log << "  " << k.name << ": products with K in float32\n";
    const double eps = dtype == at::kFloat ? double(std::numeric_limits<float>::epsilon())
                                           : std::numeric_limits<double>::epsilon();
    const double exact_tol = dtype == at::kFloat ? eps : kExactToRoundingFloat64;
    const double rounding_level = rounding_level_bar(eps);
    // RHutch's estimates depend on K alone (‖Bᵀu‖² = uᵀKu for any B with BBᵀ = K): a d×d factor serves.
    // Only where RHutch runs: a d×d eigendecomposition.
    std::unique_ptr<DenseRectOperator> rfactor;
    if (std::find(o.methods.begin(), o.methods.end(), "rhutch") != o.methods.end()) {
      auto eig = at::linalg_eigh(k.K);
      const at::Tensor L = std::get<1>(eig) * std::get<0>(eig).clamp_min(0).sqrt().unsqueeze(0);
      rfactor = std::make_unique<DenseRectOperator>(L.contiguous().to(A.options()));  // ‖Lᵀu‖² = uᵀKu
    }
    std::unique_ptr<DenseRectOperator> ffactor;
    if (k.J.defined()) ffactor = std::make_unique<DenseRectOperator>(k.J.to(A.options()));
    for (const auto& method : o.methods) {
      if (method == "layers") {
        if (!k.map) continue;  // synthetic kernels have no layers
        for (int64_t m : o.budgets) rows.push_back(layer_row(k, m, o, log));
        continue;
      }
      const RectOperator* factor = method == "fhutch" ? ffactor.get() : rfactor.get();
      if (method == "fhutch" && !ffactor) {
        log << "  " << k.name << " fhutch: skipped (the Jacobian is over " << o.max_factor_entries
            << " entries)\n";
        continue;
      }
      for (int64_t m : o.budgets) {
        const CalibrationTally tally{exact_tol, rounding_level};
        CalibrationTally cal = tally, text = tally, jack = tally, pair = tally;
        std::vector<double> rel;
        // With per_seed: [error, reported, textbook (the sample one, not t-scaled), jackknife, paired] per
        // seed.
        Json seeds = Json::array();
        for (int s = 0; s < o.seeds; ++s) {
          EstimatorOptions eo;
          eo.method = method;
          eo.matvecs = m;
          eo.seed = o.compute.seed + static_cast<uint64_t>(s) * 7919;
          const TraceEstimate e = estimate_trace(A, factor, eo);
          const double err = e.estimate - k.trace;
          rel.push_back(std::fabs(err) / std::fabs(k.trace));
          cal.add(err, e.std_error.value_or(NAN), k.trace);
          if (e.sample_std_error) text.add(err, *e.sample_std_error, k.trace);
          if (e.jackknife_std_error) jack.add(err, *e.jackknife_std_error, k.trace);
          if (e.paired_std_error) pair.add(err, *e.paired_std_error, k.trace);
          if (o.per_seed && e.sample_std_error && e.jackknife_std_error && e.paired_std_error)
            seeds.push_back({err, e.std_error.value_or(NAN), *e.sample_std_error, *e.jackknife_std_error,
                             *e.paired_std_error});
        }
        Json row = tally_json(cal);
        row["kernel"] = k.name;
        row["method"] = method;
        row["budget"] = m;
        if (text.runs > 0) {
          row["coverage_textbook"] = text.coverage();
          row["mean_z2_textbook"] = text.mean_z2();
        }
        if (jack.runs > 0) {
          row["coverage_jackknife"] = jack.coverage();
          row["mean_z2_jackknife"] = jack.mean_z2();
        }
        if (pair.runs > 0) {
          row["coverage_paired"] = pair.coverage();
          row["mean_z2_paired"] = pair.mean_z2();
        }
        row["median_rel_error"] = quantile(rel, 0.5);
        if (!seeds.empty()) row["per_seed"] = seeds;
        rows.push_back(row);
        log << "  " << format_row(row) << std::flush;
      }
    }
    Json kj = Json::object();
    kj["name"] = k.name;
    kj["description"] = k.description;
    kj["trace"] = k.trace;
    report["kernel_" + k.name] = kj;
  }
  report["rows"] = rows;
  Json cfg = to_json(o);
  cfg["blas"] = blas_description();
  report["config"] = cfg;
  return report;
}

std::string format_coverage_bench(const Json& report) {
  std::ostringstream out;
  out << "kernel        method      budget  seeds  coverage  mean z²   (±2σ; required: coverage ≥ 0.9, mean "
         "z² in "
         "[0.5, 1.5])\n";
  for (const auto& r : report.at("rows")) out << format_row(r);
  return out.str();
}

}  // namespace ts::bench
