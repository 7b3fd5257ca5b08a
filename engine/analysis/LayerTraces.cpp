#include "analysis/LayerTraces.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "core/Stopwatch.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"

namespace ts {

namespace {

// The module a parameter belongs to, as people name it: a TorchScript name up to its last '.'; a built-in
// model's layer by its kind and shape ("Linear 2 (64→32)" for the MLP's w1 and b1, "conv1", "GRU
// input→hidden" for weight_ih_l0 and bias_ih_l0).
std::string module_of(const std::string& name, const Model& model) {
  const auto dot = name.rfind('.');
  if (dot != std::string::npos) return name.substr(0, dot);
  static const std::regex numbered("^[wb]([0-9]+)$"), suffixed("^(.+)_[wb]$"),
      recurrent("^(weight|bias)_(ih|hh)_l([0-9]+)$");
  std::smatch m;
  if (std::regex_match(name, m, numbered)) {
    const auto& names = model.parameter_names();
    const auto w = std::find(names.begin(), names.end(), "w" + m[1].str());
    std::string label = "Linear " + std::to_string(std::stoll(m[1].str()) + 1);
    if (w != names.end()) {
      const at::Tensor& weight = model.parameters()[size_t(w - names.begin())];
      if (weight.dim() == 2)
        label += " (" + std::to_string(weight.size(1)) + "→" + std::to_string(weight.size(0)) + ")";
    }
    return label;
  }
  if (std::regex_match(name, m, recurrent))
    return std::string("GRU ") + (m[3].str() == "0" ? "" : "layer " + m[3].str() + " ") +
           (m[2].str() == "ih" ? "input→hidden" : "hidden→hidden");
  if (std::regex_match(name, m, suffixed)) return m[1].str();
  return "(model)";
}

// The prefixes of a --groups list. A list that is not empty but names no group (";;"), an empty item between
// two others, or a prefix given twice is refused: each would silently change the groups.
std::vector<std::string> split_prefixes(const std::string& spec) {
  std::vector<std::string> out;
  if (spec.empty()) return out;
  std::string cur;
  for (char c : spec + ";") {
    if (c == ';' || c == '|') {
      const auto b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
      cur = b == std::string::npos ? "" : cur.substr(b, e - b + 1);
      if (cur.empty())
        throw InputError("--groups '" + spec +
                         "' has an empty item: list parameter-name prefixes separated by ';' (e.g. "
                         "'conv1;layer1;fc'), or leave --groups out for one group per module");
      if (std::find(out.begin(), out.end(), cur) != out.end())
        throw InputError("--groups '" + spec + "' names the prefix '" + cur + "' twice");
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

// Per group, Σ over its rows of V² for each column of V ([P, k]): the groups' parts of ‖Jᵀz‖².
at::Tensor group_sqnorms(const at::Tensor& V, const std::vector<at::Tensor>& rows) {
  std::vector<at::Tensor> parts;
  parts.reserve(rows.size());
  for (const auto& r : rows) parts.push_back(V.index_select(0, r).pow(2).sum(0));
  return at::stack(parts).to(at::kDouble).cpu();  // [G, k]
}

}  // namespace

std::vector<ParameterGroup> parameter_groups(const TangentMap& J, const std::string& spec) {
  const Model& m = J.model();
  const auto prefixes = split_prefixes(spec);
  std::vector<ParameterGroup> groups;
  std::map<std::string, size_t> index;
  const auto& selected = m.selected();
  for (size_t slot = 0; slot < selected.size(); ++slot) {
    const auto i = static_cast<size_t>(selected[slot]);
    const std::string& name = m.parameter_names()[i];
    std::string g;
    if (prefixes.empty()) {
      g = module_of(name, m);
    } else {
      // The longest matching prefix takes the parameter, so 'w;w0' puts w0 in its own group.
      g = "(other)";
      size_t best = 0;
      for (const auto& p : prefixes)
        if (name.compare(0, p.size(), p) == 0 && p.size() > best) {
          g = p;
          best = p.size();
        }
    }
    auto it = index.find(g);
    if (it == index.end()) {
      it = index.emplace(g, groups.size()).first;
      groups.push_back({g, {}, 0});
    }
    groups[it->second].slots.push_back(static_cast<int64_t>(slot));
    groups[it->second].size += m.parameters()[i].numel();
  }
  for (const auto& p : prefixes)
    if (!index.count(p))
      throw InputError("--groups: no selected parameter starts with '" + p +
                       "' (tangentscope-cli info lists the names)");
  return groups;
}

at::Tensor group_columns(const TangentMap& J, const ParameterGroup& group) {
  const Model& m = J.model();
  std::vector<int64_t> offset;
  int64_t off = 0;
  for (int64_t idx : m.selected()) {
    offset.push_back(off);
    off += m.parameters()[static_cast<size_t>(idx)].numel();
  }
  std::vector<at::Tensor> parts;
  for (int64_t s : group.slots) {
    const int64_t n = m.parameters()[static_cast<size_t>(m.selected()[static_cast<size_t>(s)])].numel();
    const int64_t first = offset[static_cast<size_t>(s)];
    parts.push_back(at::arange(first, first + n, at::kLong));
  }
  return (parts.empty() ? at::empty({0}, at::kLong) : at::cat(parts)).to(J.options().device());
}

LayerTraces layer_traces(const TangentMap& J, const LayerTraceOptions& o, const RunControl& rc) {
  detail::Stopwatch sw;
  const AdCost c0 = J.cost();
  const auto groups = parameter_groups(J, o.groups);
  const int64_t G = static_cast<int64_t>(groups.size()), d = J.state_size();
  // Row indices of each group in the flattened parameter vector (TangentMap's order of the selection).
  std::vector<at::Tensor> rows;
  for (const auto& g : groups) rows.push_back(group_columns(J, g));
  const int64_t block = std::max<int64_t>(1, o.block);
  LayerTraces out;
  out.method = o.method;
  std::vector<double> low_rank(static_cast<size_t>(G), 0.0);
  std::vector<std::vector<double>> terms(static_cast<size_t>(G));  // per group, per residual probe
  auto publish = [&](int64_t used, int64_t total) {
    LayerTraces now;
    now.method = o.method;
    double sum = 0;
    for (int64_t g = 0; g < G; ++g) {
      const auto mo = detail::moments(terms[static_cast<size_t>(g)]);
      LayerTrace t;
      t.name = groups[static_cast<size_t>(g)].name;
      t.size = groups[static_cast<size_t>(g)].size;
      t.trace = low_rank[static_cast<size_t>(g)] + (terms[static_cast<size_t>(g)].empty() ? 0.0 : mo.mean);
      sum += t.trace;
      now.layers.push_back(t);
    }
    for (auto& t : now.layers) t.share = sum != 0 ? t.trace / sum : 0.0;
    now.total = sum;
    now.matvecs = used;
    rc.report_estimate(used, total, "per-layer traces", sum);
    rc.publish("layer-traces", now);
  };

  if (o.method == "exact") {
    // tr K_g = Σᵢ ‖J_gᵀ eᵢ‖²: d VJPs, every group from the same ones.
    for (int64_t s = 0; s < d; s += block) {
      rc.check();
      const int64_t k = std::min(block, d - s);
      const at::Tensor E = at::eye(d, J.options()).narrow(1, s, k);
      const at::Tensor parts = group_sqnorms(J.vjp(E), rows).sum(1);
      for (int64_t g = 0; g < G; ++g) low_rank[static_cast<size_t>(g)] += parts[g].item<double>();
      if (s + k == d || (s / block) % 8 == 0) publish(s + k, d);
    }
    out.matvecs = d;
  } else if (o.method == "hutchpp" || o.method == "hutchinson") {
    EstimatorOptions eo;
    eo.matvecs = o.matvecs;
    const int64_t m = std::max<int64_t>(3, o.matvecs);
    const auto budget = hutchpp_budget(eo);
    const int64_t sketch = o.method == "hutchpp" ? budget.sketch : 0;
    const int64_t probes = o.method == "hutchpp" ? budget.probes : std::max<int64_t>(2, o.matvecs);
    auto gen = make_generator(o.seed);
    at::Tensor Q;
    int64_t used = 0;
    if (sketch > 0) {
      // Q = orth(K S); the low-rank part tr(QᵀKQ) = Σ_g ‖J_gᵀQ‖_F², split by group.
      const at::Tensor S = detail::draw_probes(gen, d, sketch, o.probes, J.options());
      const NtkOperator K(J);
      Q = detail::orth(detail::apply_d(K, S, block));
      for (int64_t s = 0; s < Q.size(1); s += block) {
        rc.check();
        const int64_t k = std::min(block, Q.size(1) - s);
        const at::Tensor parts = group_sqnorms(J.vjp(Q.narrow(1, s, k)), rows).sum(1);
        for (int64_t g = 0; g < G; ++g) low_rank[static_cast<size_t>(g)] += parts[g].item<double>();
      }
      used = sketch + Q.size(1);
      publish(used, o.method == "hutchpp" ? m : probes);
    }
    for (int64_t s = 0; s < probes; s += block) {
      rc.check();
      const int64_t k = std::min(block, probes - s);
      at::Tensor Z = detail::draw_probes(gen, d, k, o.probes, J.options());
      // Residual probes (I − QQᵀ)z, in Q's precision (the sketch is orthonormalised in float64).
      if (Q.defined()) Z = Z.to(Q.scalar_type()) - at::matmul(Q, at::matmul(Q.t(), Z.to(Q.scalar_type())));
      const at::Tensor parts = group_sqnorms(J.vjp(Z), rows);  // [G, k]
      for (int64_t g = 0; g < G; ++g)
        for (int64_t j = 0; j < k; ++j) terms[static_cast<size_t>(g)].push_back(parts[g][j].item<double>());
      used += k;
      publish(used, sketch > 0 ? m : probes);
    }
    out.matvecs = used;
  } else {
    throw InputError("per-layer traces: estimator '" + o.method + "' is not hutchpp, hutchinson or exact");
  }

  // The groups' estimates, their errors, and the total's error from the per-probe totals.
  std::vector<double> totals(terms.empty() ? 0 : terms.front().size(), 0.0);
  for (int64_t g = 0; g < G; ++g) {
    const auto& t = terms[static_cast<size_t>(g)];
    const auto mo = detail::moments(t);
    LayerTrace lt;
    lt.name = groups[static_cast<size_t>(g)].name;
    lt.size = groups[static_cast<size_t>(g)].size;
    lt.trace = low_rank[static_cast<size_t>(g)] + (t.empty() ? 0.0 : mo.mean);
    if (o.method == "exact")
      lt.std_error = 0.0;
    else if (t.size() > 1)
      lt.std_error = detail::t_scaled(mo.std_error, static_cast<int64_t>(t.size()));
    for (size_t j = 0; j < t.size(); ++j) totals[j] += t[j];
    out.total += lt.trace;
    out.layers.push_back(lt);
  }
  if (o.method == "exact") {
    out.total_std_error = 0.0;
  } else if (totals.size() > 1) {
    out.total_std_error =
        detail::t_scaled(detail::moments(totals).std_error, static_cast<int64_t>(totals.size()));
  }
  for (auto& t : out.layers) t.share = out.total != 0 ? t.trace / out.total : 0.0;
  // The estimate's own cost; the exact comparison's is timed apart.
  const AdCost c1 = J.cost();
  out.vjps = c1.vjps - c0.vjps;
  out.jvps = c1.jvps - c0.jvps;
  out.seconds = sw.seconds();

  if (o.compare_exact) {
    detail::Stopwatch exact_clock;
    // The exact kernel's extras need J (d × P) and two d × d matrices; otherwise exact traces by d VJPs.
    const int64_t P = J.param_size();
    const int64_t bytes = (d * P + 2 * d * d) * 8;
    try {
      check_memory_budget(
          "the per-layer kernels (d = " + std::to_string(d) + ", P = " + std::to_string(P) + ")", bytes,
          o.memory_budget);
      const at::Tensor Jm = jacobian(J, o.memory_budget, rc).to(at::kDouble);
      const at::Tensor K = at::matmul(Jm, Jm.t());
      const double kf = K.norm().item<double>();
      out.frobenius = kf;
      double total = 0;
      for (int64_t g = 0; g < G; ++g) {
        rc.check();
        const at::Tensor Jg = Jm.index_select(1, rows[static_cast<size_t>(g)].to(Jm.device()));
        const at::Tensor Kg = at::matmul(Jg, Jg.t());
        auto& t = out.layers[static_cast<size_t>(g)];
        t.exact = at::trace(Kg).item<double>();
        const double f = Kg.norm().item<double>();
        t.frobenius = f;
        t.effective_rank = f > 0 ? (*t.exact) * (*t.exact) / (f * f) : 0.0;
        t.alignment = f > 0 && kf > 0 ? (Kg * K).sum().item<double>() / (f * kf) : 0.0;
        total += *t.exact;
      }
      out.exact_total = total;
    } catch (const MemoryBudgetError& e) {
      out.exact_note = std::string("the exact per-layer kernels are not built: ") + e.what() +
                       "; exact traces by d VJPs instead";
      LayerTraceOptions eo = o;
      eo.method = "exact";
      eo.compare_exact = false;
      const LayerTraces ex = layer_traces(J, eo, {rc.progress, rc.cancel, rc.pause, {}});
      double total = 0;
      for (size_t g = 0; g < out.layers.size(); ++g) {
        out.layers[g].exact = ex.layers[g].trace;
        total += ex.layers[g].trace;
      }
      out.exact_total = total;
    }
    out.exact_seconds = exact_clock.seconds();
  }
  if (!std::isfinite(out.total)) throw NumericalError("the per-layer traces are not finite");
  return out;
}

}  // namespace ts
