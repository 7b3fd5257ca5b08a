#include "catalog/OptionCatalog.h"

#include <stdexcept>

#include "active_learning/StrategyCatalog.h"
#include "analysis/MetricCatalog.h"
#include "core/Config.h"
#include "core/Defaults.h"
#include "core/Numbers.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/AlJob.h"
#include "jobs/PntkJob.h"

namespace ts {

OptionInfo& OptionInfo::with_default(std::string text) {
  default_text = std::move(text);
  return *this;
}

OptionInfo& OptionInfo::with_range(long long low, long long high) {
  ranged = true;
  lo = low;
  hi = high;
  return *this;
}

OptionInfo& OptionInfo::with_choices(std::vector<std::string> (*of)(), bool comma_list) {
  choices = of;
  list = comma_list;
  return *this;
}

OptionInfo& OptionInfo::shown_as(std::string label) {
  display = std::move(label);
  return *this;
}

std::string choice_list(const std::vector<std::string>& choices) {
  std::string s;
  for (size_t i = 0; i < choices.size(); ++i)
    s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return s;
}

namespace {

const char* kProblem = "Model and data";
const char* kCompute = "Computation";
const char* kEstimate = "Estimator";
const char* kTrain = "Training";
const char* kOutput = "Output";
const char* kCommand = "Options";

OptionInfo opt(std::string name, std::string value, std::string group, std::string help) {
  OptionInfo o;
  o.name = std::move(name);
  o.value = std::move(value);
  o.group = std::move(group);
  o.help = std::move(help);
  return o;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

// The choices of each closed option: the concept catalogs where there is one, else the values the engine
// accepts.
std::vector<std::string> estimators_and_exact() {
  std::vector<std::string> v{"exact"};
  for (const auto& e : estimator_registry()) v.push_back(e.name);
  return v;
}
std::vector<std::string> strategies() { return strategy_names(); }
std::vector<std::string> metrics() { return metric_names(); }
std::vector<std::string> presets() { return al_presets(); }
std::vector<std::string> jvp_modes() { return {"auto", "forward", "double-backward"}; }
std::vector<std::string> dtypes() {
  return {"float64", "float32", "double", "float"};
}  // the last two: aliases
std::vector<std::string> distributions() { return {"products", "batch"}; }
std::vector<std::string> probe_distributions() { return {"rademacher", "gaussian"}; }
std::vector<std::string> hutchpp_splits() { return {"thirds", "seed"}; }
std::vector<std::string> eig_methods() { return {"auto", "exact", "lanczos"}; }
std::vector<std::string> optimizers() { return {"adam", "sgd"}; }
std::vector<std::string> losses() { return {"cross_entropy", "mse", "mse_mean"}; }
std::vector<std::string> schedules() { return {"constant", "one-cycle"}; }
std::vector<std::string> references() { return {"model", "ntk"}; }
std::vector<std::string> retrain_modes() { return {"scratch", "warm"}; }
std::vector<std::string> parameterisations() { return {"standard", "ntk"}; }

std::vector<OptionInfo> make_option_catalog() {
  return {
      // Model and data
      opt("model", "SPEC", kProblem,
          "the model: mlp:…, gru:…, cnn:… or a TorchScript file PATH.pt (specs below)"),
      opt("model-b", "SPEC", kProblem, "a second snapshot of the same architecture (for alignment)"),
      opt("data", "SPEC", kProblem,
          "the inputs: random:…, csv:PATH, npy:PATH, npz:PATH, digits, mnist, cifar10, moons, … (below)"),
      opt("input-shape", "S", kProblem,
          "shape of one input of a TorchScript model, e.g. 3,32,32 (files from scripts/export-model carry "
          "it)"),
      opt("output", "SEL", kProblem,
          "which output of a TorchScript model returning a tuple, list or dict: an index, a key or a path "
          "(1.0)"),
      opt("params", "SEL", kProblem,
          "parameters in the NTK: all or PREFIX[;PREFIX], +frozen to add frozen ones"),
      opt("jvp", "MODE", kProblem,
          "how JVPs are taken: auto times forward-mode AD against double backward once per model and keeps "
          "the faster")
          .with_choices(jvp_modes)
          .with_default(default_string("problem.jvp")),
      opt("kernel", "K", kProblem, "entk (K = J Jᵀ), pntk (sum of the logits) or pntk:single:K"),
      opt("test-data", "SPEC", kProblem, "held-out data (default: split off --test-size points)"),
      opt("test-size", "N", kProblem, "points held out of --data when no --test-data is given"),
      opt("train-subset", "N", kProblem, "use N training points (seeded, stratified)"),
      opt("test-subset", "N", kProblem, "use N test points (seeded, stratified)"),
      opt("standardize", "", kProblem, "standardise the inputs with the training set's mean and deviation"),
      // Computation
      opt("device", "DEV", kCompute, "cpu or cuda[:N]").with_default("cpu"),
      opt("dtype", "TYPE", kCompute, "the floating-point type of the model and the kernel")
          .with_choices(dtypes)
          .with_default(default_string("compute.dtype")),
      opt("threads", "N", kCompute, "CPU threads: 0 for LibTorch's default, at most 4 × the cores"),
      opt("distribute", "HOW", kCompute,
          "under several ranks (launch, torchrun), what each rank takes a share of: every block of products, "
          "or the inputs (batch)")
          .with_choices(distributions)
          .with_default(ComputeConfig{}.distribute),
      opt("seed", "S", kCompute, "random seed, an integer from 0 to 2^64 − 1")
          .with_default("0")
          .shown_as("Seed"),
      opt("memory-budget", "SIZE", kCompute, "largest dense kernel or allocation, e.g. 512M or 4G"),
      opt("product-batch", "K", kCompute,
          "vectors per batched VJP/JVP pass (default: what the memory budget allows, ≤ 32, given up for one "
          "at a time only where that was measured 1.5× faster on the model's first products; 0: one at a "
          "time)"),
      // Estimator
      opt("estimator", "NAME", kEstimate, "the trace estimator, or exact")
          .with_choices(estimators_and_exact)
          .with_default(EstimatorOptions{}.method)
          .shown_as("Estimator"),
      opt("matvecs", "M", kEstimate, "test vectors (kernel products) per estimate")
          .with_range(1, 10000000)
          .with_default(std::to_string(EstimatorOptions{}.matvecs))
          .shown_as("Test vectors"),
      opt("tol", "T", kEstimate, "adaptive: stop at relative standard error T (0: a fixed budget)"),
      opt("max-matvecs", "M", kEstimate, "the adaptive mode's cap on products (at least --matvecs)")
          .with_default(std::to_string(EstimatorOptions{}.max_matvecs)),
      opt("probes", "DIST", kEstimate, "the distribution of the test vectors")
          .with_choices(probe_distributions)
          .with_default("rademacher"),
      opt("split", "HOW", kEstimate, "Hutch++'s budget split: thirds, or Hazelden's q = m/6 (seed)")
          .with_choices(hutchpp_splits)
          .with_default("thirds"),
      opt("block", "B", kEstimate, "test vectors per block of products (bounds memory)")
          .with_default(std::to_string(EstimatorOptions{}.block)),
      opt("history", "", kEstimate, "record the running estimate after each product"),
      opt("exact", "", kEstimate, "also compute the exact value and each estimate's error"),
      opt("trace-per-input", "", kEstimate,
          "metrics: tr K from each input's own O VJPs (exact to rounding) and the other traces estimated off "
          "the diagonal blocks Kₙₙ, where the model is separable over its batch and O ≤ --matvecs (as watch "
          "does)"),
      opt("repeats", "R", kEstimate, "independent repeats (seeds S, S+1, …), 1 to 100000"),
      opt("methods", "LIST", kEstimate, "estimators to run, comma-separated: " + estimator_list()),
      opt("budgets", "LIST", kEstimate, "matvec budgets of the speed–accuracy sweep, e.g. 12,24,48"),
      opt("metrics", "LIST", kEstimate, "the metrics to compute, comma-separated")
          .with_choices(metrics, true),
      opt("data-b", "SPEC", kProblem, "kernel: the second batch X₂ of Θ(X₁, X₂) (default X₂ = X₁)"),
      opt("factor-out", "FILE", kProblem, "kernel: also write X₁'s Jacobian J (or C J for the pNTK) as .npy"),
      opt("eig-out", "PREFIX", kProblem,
          "kernel: also write the top eigenpairs (--top, default 20) as PREFIX.values.npy, "
          "PREFIX.vectors.npy"),
      opt("eig-method", "HOW", kProblem,
          "kernel: exact (eigh of the formed kernel), lanczos (block Lanczos on the operator, no d × d "
          "matrix) or auto (exact when the kernel fits the memory budget)")
          .with_choices(eig_methods)
          .with_default("auto"),
      opt("eig-tol", "T", kProblem,
          "kernel, Lanczos: stop at ‖Kv − λv‖ ≤ T·λ₁ (default 1e-10; 1e-5 in float32)"),
      opt("apply", "FILE", kProblem,
          "kernel: a .npy of vectors V ([d₂] or [d₂, k]): --out gets Θ(X₁, X₂) V by products, no kernel "
          "formed"),
      opt("blocks-out", "PREFIX", kProblem,
          "kernel: X₁'s Jacobian one parameter group at a time, PREFIX.GROUP.npy, and PREFIX.groups.json"),
      opt("groups", "LIST", kEstimate,
          "layers, kernel --blocks-out: parameter groups as name prefixes separated by ';' (default: one per "
          "module)"),
      // Training
      opt("epochs", "E", kTrain, "training epochs").with_default(std::to_string(TrainOptions{}.epochs)),
      opt("batch-size", "B", kTrain, "mini-batch size")
          .with_default(std::to_string(TrainOptions{}.batch_size)),
      opt("lr", "RATE", kTrain, "learning rate").with_default(format_number(TrainOptions{}.lr, 6)),
      opt("optimizer", "OPT", kTrain, "the optimiser")
          .with_choices(optimizers)
          .with_default(TrainOptions{}.optimizer),
      opt("loss", "LOSS", kTrain,
          "cross_entropy, mse (½‖f − y‖², batch mean) or mse_mean (PyTorch's MSELoss: mean of all)")
          .with_choices(losses)
          .with_default(TrainOptions{}.loss),
      opt("schedule", "S", kTrain,
          "learning rate: constant, or one-cycle (PyTorch's OneCycleLR, lr its peak)")
          .with_choices(schedules)
          .with_default(TrainOptions{}.schedule),
      opt("momentum", "M", kTrain, "SGD momentum").with_default(format_number(TrainOptions{}.momentum)),
      opt("weight-decay", "W", kTrain, "L2 weight decay")
          .with_default(format_number(TrainOptions{}.weight_decay)),
      opt("snapshots", "LIST", kTrain, "epochs at which to save the model, e.g. 0,1,5"),
      opt("probe-n", "N", kTrain, "test points in the probe batch the NTK is computed on"),
      // Output
      opt("json", "", kOutput, "print one JSON object (docs/FORMATS.md) instead of text"),
      opt("out", "PATH", kOutput, "where to write the results"),
      // Command-specific
      opt("top", "K", kCommand, "largest K eigenvalues to print; 0 for all").with_default("20"),
      opt("follow", "", kCommand,
          "watch: keep waiting for new snapshots until every run is finished (Ctrl+C stops; rows are kept)"),
      opt("layers", "", kCommand, "watch: also tr K_g of every parameter group, per snapshot"),
      opt("variant", "V", kCommand, "sum (default) or single:K, the pNTK of output K"),
      opt("compare", "", kCommand, "also build the eNTK: matrix errors, kernel regression, time and memory"),
      opt("heldout", "H", kCommand, "points at the end kept out for the kernel regression (default N/5)"),
      opt("ridge", "R", kCommand, "ridge relative to the kernel's mean diagonal, ≥ 0")
          .with_default(format_number(PntkRequest{}.ridge)),
      opt("strategy", "LIST", kCommand, "query strategies to compare, comma-separated")
          .with_choices(strategies, true)
          .with_default(join(default_strategies(), ","))
          .shown_as("Strategies"),
      opt("preset", "NAME", kCommand,
          "published: the set-up of Mohamadi, Bae and Sutherland's code (objective, learner, sizes); other "
          "options override it")
          .with_choices(presets),
      opt("reference", "R", kCommand,
          "what the look-ahead objectives compare with: model (the trained network) or ntk")
          .with_choices(references)
          .with_default(LookaheadOptions{}.reference),
      opt("lookahead-time", "T", kCommand,
          "gradient-flow time of the linearised learner (inf: kernel regression)")
          .with_default(format_number(LookaheadOptions{}.time)),
      opt("lookahead-lr", "RATE", kCommand, "learning rate of that flow")
          .with_default(format_number(LookaheadOptions{}.lr)),
      opt("lookahead-momentum", "M", kCommand, "heavy-ball momentum of that flow (0: gradient flow)")
          .with_default(format_number(LookaheadOptions{}.momentum)),
      opt("lookahead-ridge", "R", kCommand,
          "diagonal regularisation of Θ(X_L, X_L) relative to its mean diagonal")
          .with_default(format_number(LookaheadOptions{}.ridge)),
      opt("lookahead-ridge-per-cycle", "R", kCommand, "growth of that ridge per cycle")
          .with_default(format_number(LookaheadOptions{}.ridge_per_cycle)),
      opt("lookahead-ridge-start", "C", kCommand, "first cycle (from 1) with the ridge")
          .with_default(std::to_string(LookaheadOptions{}.ridge_start_cycle)),
      opt("temperature", "T", kCommand, "temperature of the mlmoc-t-softmax objective")
          .with_default(format_number(LookaheadOptions{}.temperature)),
      opt("initial", "N", kCommand, "labels to start with"),
      opt("random-initial", "", kCommand, "draw the initial labels at random, not stratified by class"),
      opt("query", "K", kCommand, "labels queried per cycle"),
      opt("cycles", "C", kCommand, "query cycles"),
      opt("seeds", "S", kCommand, "independent runs (seeds 0 … S−1)"),
      opt("pool-subset", "M", kCommand, "candidates scored per cycle, drawn from the pool (0: all)"),
      opt("sequential", "", kCommand, "query one label at a time, updating the look-ahead in between"),
      opt("retrain", "HOW", kCommand, "how the model is retrained after each cycle")
          .with_choices(retrain_modes)
          .with_default(default_string("active_learning.retrain")),
      opt("candidates", "C", kCommand, "candidates retrained by SGD"),
      opt("retrain-epochs", "E", kCommand, "epochs of each SGD retraining"),
      opt("retrain-lr", "RATE", kCommand, "learning rate of each SGD retraining"),
      opt("retrain-optimizer", "OPT", kCommand, "optimiser of each retraining"),
      opt("retrain-batch-size", "B", kCommand,
          "batch of each retraining (at least the labelled set: full batch)"),
      opt("configs", "LIST", kCommand,
          "al-ablation: configurations to run (default all): random, entropy, margin, badge, pc, ec, "
          "tsoftmax, "
          "per, eer, norm, flip, pc-ntk-ref, pc-no-ridge, pc-flow, pc-momentum, random-adam, margin-adam, "
          "pc-adam"),
      opt("resume", "DIR,DIR", kCommand,
          "al-ablation: reuse the configurations that these earlier runs (same set-up) finished; run the "
          "rest"),
      opt("workload-model", "SPEC", kCommand, "replace the benchmark's model"),
      opt("ranks", "N,N", kCommand, "rank counts to measure, e.g. 1,2 (one is always measured)"),
      opt("no-exact", "", kCommand, "skip the exact trace"),
      opt("rounds", "N", kCommand, "measure N rounds, alternating what is compared, and take medians"),
      opt("workload-data", "SPEC", kCommand, "replace the benchmark's data"),
      opt("baseline-limit", "N", kCommand, "products the dense baseline may spend before it is extrapolated"),
      opt("widths", "LIST", kCommand, "hidden widths, e.g. 16,32,64"),
      opt("batches", "LIST", kCommand, "batch sizes N, e.g. 100,1000"),
      opt("target", "T", kCommand, "relative standard error every metric is estimated to"),
      opt("depth", "D", kCommand, "hidden layers"),
      opt("batch", "N", kCommand, "points the kernels are computed on"),
      opt("train-n", "N", kCommand, "training points"),
      opt("param", "LIST", kCommand, "parameterisations, comma-separated")
          .with_choices(parameterisations, true),
      opt("fit-min-width", "W", kCommand, "smallest width in the second slope fit"),
      opt("n", "N", kCommand, "points"),
      opt("blocks", "LIST", kCommand, "block sizes of products, e.g. 1,8,16,32 (1: one vector at a time)"),
      opt("width", "W", kCommand, "hidden width"),
      opt("outputs", "LIST", kCommand, "output counts, e.g. 10,100"),
      opt("kernels", "LIST", kCommand,
          "kernels separated by ';': resnet18, squeezenet, transformer, hazelden-mlp, hazelden-gru, "
          "mlp-digits, "
          "cnn-digits, gru-small, exp-decay, poly-decay, flat, NAME=MODEL@DATA[@SHAPE]"),
      opt("fixtures", "DIR", kCommand, "folder of the TorchScript test fixtures"),
      opt("layer-seeds", "S", kCommand, "runs of the per-layer bars"),
      opt("per-seed", "", kCommand,
          "calibration: also each seed's error and its textbook, jackknife and paired errors (XTrace, "
          "XNysTrace), for weighing them anew"),
      opt("models", "DIR", kCommand, "folder of resnet18.pt and squeezenet.pt (scripts/export-model)"),
  };
}

}  // namespace

const std::vector<OptionInfo>& option_catalog() {
  static const std::vector<OptionInfo> t = make_option_catalog();
  return t;
}

const OptionInfo& find_option(const std::string& name) {
  for (const auto& o : option_catalog())
    if (name == o.name) return o;
  throw std::logic_error("internal error: no option --" + name + " in engine/catalog/OptionCatalog.cpp");
}

}  // namespace ts
