#include "analysis/Metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "autodiff/NtkOperators.h"
#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"
#include "estimators/Estimators.h"
#include "exact/Exact.h"

namespace ts {

namespace {

// A trace with its error and cost, from an estimator or exact.
struct TraceValue {
  double value = 0;
  double std_error = 0;  // 0 when exact, NaN when the estimate has none (too few probes)
  int64_t matvecs = 0, vjps = 0, jvps = 0;
  double seconds = 0;
};

class TraceSource {
 public:
  TraceSource(const TangentMap& a, const TangentMap* b, const MetricsOptions& o, const RunControl& rc,
              InputBlockCache* blocks_a, InputBlockCache* blocks_b)
      : a_(a),
        b_(b),
        o_(o),
        rc_(rc),
        Ka_(a),
        Ja_(a),
        ca_(blocks_a ? blocks_a : &own_a_),
        cb_(blocks_b ? blocks_b : &own_b_) {
    if (b_) {
      Kb_ = std::make_unique<NtkOperator>(*b_);
    }
  }

  // Estimated traces: "K", "K2", "Kb2", "KaKb", "D2" (tr (K_a − K_b)²).
  const TraceValue& estimated(const std::string& which) {
    auto it = est_.find(which);
    if (it != est_.end()) return it->second;
    EstimatorOptions eo = o_.estimator;
    eo.seed = o_.estimator.seed + static_cast<uint64_t>(est_.size());  // independent draws per trace
    TraceEstimate r;
    if (which == "K" && o_.trace_per_input) {
      if (auto t = trace_per_input()) return est_.emplace(which, *t).first->second;
    }
    if (const auto v = off_block(which, eo)) return est_.emplace(which, *v).first->second;
    if (which == "K") {
      r = estimate_trace(Ka_, &Ja_, eo, rc_);
    } else if (which == "K2") {
      SquaredOperator K2(Ka_);
      SymmetricAsRect F(Ka_);
      r = estimate_trace(K2, &F, eo, rc_);
    } else if (which == "Kb2") {
      SquaredOperator K2(*Kb_);
      SymmetricAsRect F(*Kb_);
      r = estimate_trace(K2, &F, eo, rc_);
    } else if (which == "D2") {
      DifferenceOperator D(Ka_, *Kb_);
      SquaredOperator D2(D);
      eo.method = applicable_estimator(eo.method, true, false);
      r = estimate_trace(D2, nullptr, eo, rc_);
    } else {
      // K₁K₂ is neither symmetric nor given by a factor: the registry's substitutes run instead (XNysTrace →
      // XTrace, RHutch/FHutch → Hutch++).
      ProductOperator P(Ka_, *Kb_);
      eo.method = applicable_estimator(eo.method, P.is_psd(), false);
      r = estimate_trace(P, nullptr, eo, rc_);
    }
    TraceValue v{r.estimate, r.std_error.value_or(NAN), r.matvecs, r.vjps, r.jvps, r.seconds};
    return est_.emplace(which, v).first->second;
  }

  const TraceValue& exact(const std::string& which) {
    auto it = exact_.find(which);
    if (it != exact_.end()) return it->second;
    detail::Stopwatch sw;
    const AdCost c0{a_.vjps() + (b_ ? b_->vjps() : 0), a_.jvps() + (b_ ? b_->jvps() : 0)};
    TraceValue v;
    if (which == "K") {
      v.value = exact_trace(a_, rc_).value;
    } else if (which == "K2") {
      v.value = std::pow(kernel_a().frobenius(), 2);
    } else if (which == "Kb2") {
      v.value = std::pow(kernel_b().frobenius(), 2);
    } else if (which == "D2") {
      v.value = std::pow(exact_difference_frobenius(kernel_a(), kernel_b()), 2);
    } else {
      v.value = exact_trace_product(kernel_a(), kernel_b());
    }
    v.vjps = a_.vjps() + (b_ ? b_->vjps() : 0) - c0.vjps;
    v.jvps = a_.jvps() + (b_ ? b_->jvps() : 0) - c0.jvps;
    v.seconds = sw.seconds();
    return exact_.emplace(which, v).first->second;
  }

  /// How tr K was found when not by the estimator ("per-input": Σₙ tr Kₙₙ), else "".
  const std::string& trace_method() const { return trace_method_; }

  const TangentMap* second() const { return b_; }
  /// The distance is asked too: tr (K_a − K_b)² is estimated anyway, and the alignment may come from it.
  bool polarise() const { return polarise_; }
  void set_polarise(bool on) { polarise_ = on; }

  const TraceValue& get(const std::string& which, bool exact_value) {
    return exact_value ? exact(which) : estimated(which);
  }

 private:
  const ExactKernel& kernel_a() {
    if (!ka_.matrix.defined()) ka_ = exact_kernel(a_, budget(), rc_);
    return ka_;
  }
  const ExactKernel& kernel_b() {
    if (!kb_.matrix.defined()) kb_ = exact_kernel(*b_, budget(), rc_);
    return kb_;
  }
  int64_t budget() const { return b_ ? o_.memory_budget / 2 : o_.memory_budget; }

  // The diagonal blocks Kₙₙ of `J` by each input's O VJPs (exact/Exact.h), once per snapshot, where the
  // model is separable, O is within the estimator's budget and one input's O gradients within a quarter of
  // the memory budget; null otherwise.
  const InputBlocks* blocks(const TangentMap& J, InputBlockCache& c) {
    if (!o_.trace_per_input) return nullptr;
    if (!c.tried) {
      c.tried = true;
      // per_input_blocks checks the rest: separable, N ≥ 2, O whole.
      if (J.state_size() <= o_.estimator.matvecs * J.inputs().size(0))
        if (auto b = per_input_blocks(J, rc_, /*any_precision=*/true, o_.memory_budget / 4))
          c.blocks = std::make_shared<const InputBlocks>(std::move(*b));
    }
    return c.blocks.get();
  }

  // The blocks' VJPs and time, into the first metric that uses them.
  static void charge(TraceValue& v, InputBlockCache& c) {
    if (c.counted || !c.blocks) return;
    c.counted = true;
    v.matvecs += c.blocks->products;
    v.vjps += c.blocks->products;
    v.seconds += c.blocks->seconds;
  }

  // Rounding, not sampling: the blocks come from batches of one input, whose kernels may round otherwise than
  // the batch's (ResNet-18 in float32: tr K 2·10⁻⁷ off, and by an earlier way of summing 3·10⁻⁵), allowed for
  // as ε·√P·|x| (ε of the dtype; in float32 on a GPU that of TF32, which cuDNN may use for convolutions).
  double rounding(double x) const {
    const double eps = a_.options().dtype() == at::kDouble ? std::numeric_limits<double>::epsilon()
                       : a_.options().device().is_cuda()   ? 0x1p-10
                                                           : double(std::numeric_limits<float>::epsilon());
    return eps * std::sqrt(double(a_.param_size())) * std::fabs(x);
  }

  // Σₙ tr Kₙₙ from the exact diagonal blocks, or where those would not fit in memory from each input's
  // squared gradient norms alone (per_input_trace, the same VJPs a block at a time); its error is rounding.
  // When tr K is the only metric asked (and no blocks are kept from before), the squared norms alone: the
  // blocks' Grams would serve no other trace (ResNet-18, N = 100: 7 s against 17 s with the Grams).
  std::optional<TraceValue> trace_per_input() {
    const bool trace_only =
        std::all_of(o_.metrics.begin(), o_.metrics.end(), [](const std::string& m) { return m == "trace"; });
    if (const InputBlocks* b = trace_only && !ca_->blocks ? nullptr : blocks(a_, *ca_)) {
      TraceValue v;
      v.value = b->blocks.diagonal(0, 1, 2).to(at::kDouble).sum().item<double>();
      v.std_error = rounding(v.value);
      charge(v, *ca_);
      trace_method_ = "per-input";
      return v;
    }
    if (a_.state_size() > o_.estimator.matvecs * a_.inputs().size(0)) return std::nullopt;
    const auto t = per_input_trace(a_, rc_, 64, /*any_precision=*/true);
    if (!t) return std::nullopt;
    trace_method_ = "per-input";
    // Its VJPs ran on maps of one input each, which count their own: one per product.
    return TraceValue{t->value, rounding(t->value), t->products, t->products, 0, t->seconds};
  }

  // tr K², tr K_b², tr (K_a − K_b)² and tr K_aK_b with the exact diagonal blocks taken out: Σₙ of the blocks'
  // own part, exactly, plus the estimator's trace of the same product of the off-block operators (K − D).
  std::optional<TraceValue> off_block(const std::string& which, EstimatorOptions eo) {
    const bool uses_a = which != "Kb2", uses_b = which != "K2";
    if (which == "K" || (uses_b && !b_)) return std::nullopt;
    const InputBlocks* da = uses_a ? blocks(a_, *ca_) : nullptr;
    const InputBlocks* db = uses_b ? blocks(*b_, *cb_) : nullptr;
    if ((uses_a && !da) || (uses_b && !db)) return std::nullopt;
    auto sum = [](const at::Tensor& t) { return t.to(at::kDouble).sum().item<double>(); };
    TraceEstimate r;
    double exact_part = 0;
    if (which == "K2" || which == "Kb2") {
      const InputBlocks& d = uses_a ? *da : *db;
      OffBlockOperator E(uses_a ? static_cast<const LinearOperator&>(Ka_) : *Kb_, d.blocks);
      SquaredOperator E2(E);
      SymmetricAsRect F(E);
      r = estimate_trace(E2, &F, eo, rc_);
      exact_part = sum(d.blocks.pow(2));
    } else if (which == "D2") {
      DifferenceOperator K(Ka_, *Kb_);
      const at::Tensor dd = da->blocks - db->blocks;
      OffBlockOperator E(K, dd);
      SquaredOperator E2(E);
      eo.method = applicable_estimator(eo.method, true, false);
      r = estimate_trace(E2, nullptr, eo, rc_);
      exact_part = sum(dd.pow(2));
    } else {
      OffBlockOperator Ea(Ka_, da->blocks), Eb(*Kb_, db->blocks);
      ProductOperator P(Ea, Eb);
      eo.method = applicable_estimator(eo.method, false, false);
      r = estimate_trace(P, nullptr, eo, rc_);
      exact_part = sum(da->blocks * db->blocks);
    }
    TraceValue v{exact_part + r.estimate,
                 std::hypot(r.std_error.value_or(NAN), rounding(exact_part)),
                 r.matvecs,
                 r.vjps,
                 r.jvps,
                 r.seconds};
    if (uses_a) charge(v, *ca_);
    if (uses_b) charge(v, *cb_);
    return v;
  }

  const TangentMap& a_;
  const TangentMap* b_;
  const MetricsOptions& o_;
  const RunControl& rc_;
  NtkOperator Ka_;
  JacobianOperator Ja_;
  std::string trace_method_;
  std::unique_ptr<NtkOperator> Kb_;
  InputBlockCache own_a_, own_b_;
  InputBlockCache* ca_;
  InputBlockCache* cb_;
  std::map<std::string, TraceValue> est_, exact_;
  bool polarise_ = false;
  ExactKernel ka_, kb_;
};

// Whether two maps are one model at one set of parameters on one batch (the first snapshot against itself),
// where K_a − K_b is exactly zero and an estimator would only see round-off.
bool same_snapshot(const TangentMap& a, const TangentMap& b) {
  if (&a == &b) return true;
  const auto& pa = a.model().parameters();
  const auto& pb = b.model().parameters();
  if (pa.size() != pb.size() || !a.inputs().equal(b.inputs())) return false;
  for (size_t i = 0; i < pa.size(); ++i)
    if (pa[i].sizes() != pb[i].sizes() || !pa[i].equal(pb[i])) return false;
  return true;
}

double relative_error(double se, double v) { return v != 0 ? se / std::fabs(v) : 0.0; }

// Computes one metric from traces (estimated or exact); the error is first-order propagation of the traces'.
MetricValue metric_from(const std::string& name, TraceSource& src, bool exact_value, const TangentMap& a,
                        const at::Tensor& targets) {
  MetricValue m;
  m.name = name;
  std::vector<const TraceValue*> used;
  auto take = [&](const std::string& w) {
    const TraceValue& t = src.get(w, exact_value);
    used.push_back(&t);
    return t;
  };
  double r = 0;  // relative error
  if (name == "trace") {
    const auto t = take("K");
    m.value = t.value;
    r = relative_error(t.std_error, t.value);
  } else if (name == "frobenius") {
    const auto t = take("K2");
    m.value = std::sqrt(std::max(0.0, t.value));
    r = 0.5 * relative_error(t.std_error, t.value);
  } else if (name == "effective_rank") {
    const auto t1 = take("K"), t2 = take("K2");
    m.value = t1.value * t1.value / t2.value;
    r = std::hypot(2 * relative_error(t1.std_error, t1.value), relative_error(t2.std_error, t2.value));
  } else if (name == "alignment") {
    const auto t12 = take("KaKb"), ta = take("K2"), tb = take("Kb2");
    m.value = t12.value / std::sqrt(ta.value * tb.value);
    r = std::sqrt(std::pow(relative_error(t12.std_error, t12.value), 2) +
                  std::pow(0.5 * relative_error(ta.std_error, ta.value), 2) +
                  std::pow(0.5 * relative_error(tb.std_error, tb.value), 2));
    // With the distance asked too, polarisation gives the cosine from three traces of symmetric PSD operators
    // already estimated: cos = (A + B − D) / (2√(AB)), A = tr K_a², B = tr K_b², D = tr (K_a − K_b)². The
    // route with the smaller error is reported: polarisation where the kernels are close and the estimator is
    // exact on their low-rank part (XNysTrace), the product tr(K_aK_b) where they differ a lot and the
    // identity cancels.
    if (!exact_value && src.polarise() && !same_snapshot(a, *src.second())) {
      const auto td = take("D2");
      const double A = ta.value, B = tb.value, D = td.value, s = std::sqrt(A * B);
      const double cos_p = (A + B - D) / (2 * s);
      const double dA = 1 / (2 * s) - cos_p / (2 * A), dB = 1 / (2 * s) - cos_p / (2 * B), dD = -1 / (2 * s);
      const double se_p = std::sqrt(std::pow(dA * ta.std_error, 2) + std::pow(dB * tb.std_error, 2) +
                                    std::pow(dD * td.std_error, 2));
      if (std::isfinite(cos_p) && se_p < r * std::fabs(m.value)) {
        m.value = cos_p;
        r = relative_error(se_p, cos_p);
      }
    }
  } else if (name == "distance") {
    // ‖K_a − K_b‖_F / ‖K_b‖_F from tr (K_a − K_b)² itself, not from ‖K_a‖, ‖K_b‖ and cos: near a lazy
    // regime the difference is small and would be lost to cancellation.
    if (same_snapshot(a, *src.second())) {
      m.value = 0;
      m.method = "exact";
      return m;
    }
    const auto td = take("D2"), tb = take("Kb2");
    m.value = std::sqrt(std::max(0.0, td.value) / tb.value);
    r = std::hypot(0.5 * relative_error(td.std_error, td.value),
                   0.5 * relative_error(tb.std_error, tb.value));
  } else if (name == "target_alignment") {
    if (!targets.defined())
      throw InputError(
          "target_alignment needs labelled data (e.g. random:...,classes=10 or csv:...,label=last)");
    if (targets.numel() != a.state_size())
      throw InputError("target_alignment: the targets have " + std::to_string(targets.numel()) +
                       " entries but the model state has d = " + std::to_string(a.state_size()));
    const auto t2 = take("K2");
    const at::Tensor y = targets.to(a.options());
    const int64_t v0 = a.vjps();
    const double yKy = a.vjp_sqnorms(y.unsqueeze(1)).item<double>();  // yᵀKy = ‖Jᵀy‖², one VJP
    m.vjps += a.vjps() - v0;
    const double yy = y.pow(2).sum().item<double>();
    m.value = yKy / (std::sqrt(t2.value) * yy);
    r = 0.5 * relative_error(t2.std_error, t2.value);
  } else {
    std::string all;
    for (const auto& n : metric_names()) all += (all.empty() ? "" : ", ") + n;
    throw InputError("unknown metric '" + name + "' (choose from: " + all + ")");
  }
  for (const auto* t : used) {
    m.matvecs += t->matvecs;
    m.vjps += t->vjps;
    m.jvps += t->jvps;
    m.seconds += t->seconds;
  }
  // A part without an error estimate leaves the metric without one (NaN propagates), never ±0.
  if (!exact_value && std::isfinite(r)) m.std_error = r * std::fabs(m.value);
  return m;
}

}  // namespace

std::vector<MetricValue> compute_metrics(const TangentMap& a, const TangentMap* b, const at::Tensor& targets,
                                         const MetricsOptions& o, const RunControl& rc,
                                         InputBlockCache* blocks_a, InputBlockCache* blocks_b) {
  for (const auto& name : o.metrics)
    if ((name == "alignment" || name == "distance") && !b)
      throw InputError(name + " needs a second snapshot of the model (--model-b)");
  if (b && (b->state_size() != a.state_size() || b->param_size() != a.param_size()))
    throw InputError("alignment needs two snapshots of one model on one batch: d or P differ");
  const bool exact_method = o.estimator.method == "exact";
  TraceSource src(a, b, o, rc, blocks_a, blocks_b);
  src.set_polarise(b && std::find(o.metrics.begin(), o.metrics.end(), "distance") != o.metrics.end());
  std::vector<MetricValue> out;
  for (const auto& name : o.metrics) {
    MetricValue m = metric_from(name, src, exact_method, a, targets);
    m.method = exact_method ? "exact" : o.estimator.method;
    if (name == "trace" && !exact_method && !src.trace_method().empty()) m.method = src.trace_method();
    if (o.compare_exact || exact_method) {
      const MetricValue e = exact_method ? m : metric_from(name, src, true, a, targets);
      m.exact = e.value;
      m.rel_error = std::fabs(m.value - e.value) / std::max(std::fabs(e.value), 1e-300);
    }
    out.push_back(m);
  }
  return out;
}

}  // namespace ts
