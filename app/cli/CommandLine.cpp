#include "CommandLine.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "core/Defaults.h"
#include "core/Errors.h"
#include "estimators/EstimatorRegistry.h"

namespace ts::cli {

namespace {

const char* kProgram = "tangentscope-cli";

// One description per option, whichever commands take it. `value` empty: a flag.
struct OptionDef {
  const char* name;
  const char* value;
  const char* group;
  const char* help;
};

const char* kProblem = "Model and data";
const char* kCompute = "Computation";
const char* kEstimate = "Estimator";
const char* kTrain = "Training";
const char* kOutput = "Output";
const char* kCommand = "Options";

const std::vector<OptionDef>& option_table() {
  static const std::vector<OptionDef> t{
      // Model and data
      {"model", "SPEC", kProblem,
       "the model: mlp:…, gru:…, cnn:… or a TorchScript file PATH.pt (specs below)"},
      {"model-b", "SPEC", kProblem, "a second snapshot of the same architecture (for alignment)"},
      {"data", "SPEC", kProblem,
       "the inputs: random:…, csv:PATH, npy:PATH, npz:PATH, digits, mnist, cifar10, moons, … (below)"},
      {"input-shape", "S", kProblem,
       "shape of one input of a TorchScript model, e.g. 3,32,32 (files from scripts/export-model carry it)"},
      {"output", "SEL", kProblem,
       "which output of a TorchScript model returning a tuple, list or dict: an index, a key or a path "
       "(1.0)"},
      {"params", "SEL", kProblem,
       "parameters in the NTK: all or PREFIX[;PREFIX], +frozen to add frozen ones"},
      {"jvp", "MODE", kProblem,
       "auto (time both once per model, keep the faster; default), forward (forward-mode AD) or "
       "double-backward"},
      {"kernel", "K", kProblem, "entk (K = J Jᵀ), pntk (sum of the logits) or pntk:single:K"},
      {"test-data", "SPEC", kProblem, "held-out data (default: split off --test-size points)"},
      {"test-size", "N", kProblem, "points held out of --data when no --test-data is given"},
      {"train-subset", "N", kProblem, "use N training points (seeded, stratified)"},
      {"test-subset", "N", kProblem, "use N test points (seeded, stratified)"},
      {"standardize", "", kProblem, "standardise the inputs with the training set's mean and deviation"},
      // Computation
      {"device", "DEV", kCompute, "cpu or cuda[:N] (default cpu)"},
      {"dtype", "TYPE", kCompute, "float64 (default) or float32"},
      {"threads", "N", kCompute, "CPU threads: 0 for LibTorch's default, at most 4 × the cores"},
      {"distribute", "HOW", kCompute,
       "under several ranks (launch, torchrun): products (each rank a share of every block of products) or "
       "batch (each rank a share of the inputs)"},
      {"seed", "S", kCompute, "random seed, an integer from 0 to 2^64 − 1 (default 0)"},
      {"memory-budget", "SIZE", kCompute, "largest dense kernel or allocation, e.g. 512M or 4G"},
      {"product-batch", "K", kCompute,
       "vectors per batched VJP/JVP pass (default: what the memory budget allows, ≤ 32; 0: one at a time)"},
      // Estimator
      {"estimator", "NAME", kEstimate,
       "exact, hutchinson, hutchpp (default), rhutch, fhutch, xtrace or xnystrace"},
      {"matvecs", "M", kEstimate, "kernel products per estimate (default 96), 1 to 10^7"},
      {"tol", "T", kEstimate, "adaptive: stop at relative standard error T (0: a fixed budget)"},
      {"max-matvecs", "M", kEstimate, "the adaptive mode's cap on products (default max(4096, --matvecs))"},
      {"probes", "DIST", kEstimate, "rademacher (default) or gaussian test vectors"},
      {"split", "HOW", kEstimate, "Hutch++'s budget split: thirds (default) or seed"},
      {"block", "B", kEstimate, "test vectors per block of products (default 32)"},
      {"history", "", kEstimate, "record the running estimate after each product"},
      {"exact", "", kEstimate, "also compute the exact value and each estimate's error"},
      {"repeats", "R", kEstimate, "independent repeats (seeds S, S+1, …), 1 to 100000"},
      {"methods", "LIST", kEstimate, "estimators to run, comma-separated"},
      {"budgets", "LIST", kEstimate, "matvec budgets of the speed–accuracy sweep, e.g. 12,24,48"},
      {"metrics", "LIST", kEstimate, "trace, frobenius, effective_rank, alignment, target_alignment"},
      {"data-b", "SPEC", kProblem, "kernel: the second batch X₂ of Θ(X₁, X₂) (default X₂ = X₁)"},
      {"factor-out", "FILE", kProblem, "kernel: also write X₁'s Jacobian J (or C J for the pNTK) as .npy"},
      {"eig-out", "PREFIX", kProblem,
       "kernel: also write the top eigenpairs (--top, default 20) as PREFIX.values.npy, PREFIX.vectors.npy"},
      {"eig-method", "HOW", kProblem,
       "kernel: exact (eigh of the formed kernel), lanczos (block Lanczos on the operator, no d × d "
       "matrix) or auto (default: exact when the kernel fits the memory budget)"},
      {"eig-tol", "T", kProblem,
       "kernel, Lanczos: stop at ‖Kv − λv‖ ≤ T·λ₁ (default 1e-10; 1e-5 in float32)"},
      {"apply", "FILE", kProblem,
       "kernel: a .npy of vectors V ([d₂] or [d₂, k]): --out gets Θ(X₁, X₂) V by products, no kernel formed"},
      {"blocks-out", "PREFIX", kProblem,
       "kernel: X₁'s Jacobian one parameter group at a time, PREFIX.GROUP.npy, and PREFIX.groups.json"},
      {"groups", "LIST", kEstimate,
       "layers, kernel --blocks-out: parameter groups as name prefixes separated by ';' (default: one per "
       "module)"},
      // Training
      {"epochs", "E", kTrain, "training epochs"},
      {"batch-size", "B", kTrain, "mini-batch size (default 64)"},
      {"lr", "RATE", kTrain, "learning rate (default 1e-3)"},
      {"optimizer", "OPT", kTrain, "adam (default) or sgd"},
      {"loss", "LOSS", kTrain,
       "cross_entropy (default), mse (½‖f − y‖², batch mean) or mse_mean (PyTorch's MSELoss: mean of all)"},
      {"schedule", "S", kTrain,
       "learning rate: constant (default) or one-cycle (PyTorch's OneCycleLR, lr its peak)"},
      {"momentum", "M", kTrain, "SGD momentum (default 0)"},
      {"weight-decay", "W", kTrain, "L2 weight decay (default 0)"},
      {"snapshots", "LIST", kTrain, "epochs at which to save the model, e.g. 0,1,5"},
      {"probe-n", "N", kTrain, "test points in the probe batch the NTK is computed on (default 100)"},
      // Output
      {"json", "", kOutput, "print one JSON object (docs/FORMATS.md) instead of text"},
      {"out", "PATH", kOutput, "where to write the results"},
      // Command-specific
      {"top", "K", kCommand, "largest K eigenvalues to print; 0 for all (default 20)"},
      {"variant", "V", kCommand, "sum (default) or single:K, the pNTK of output K"},
      {"compare", "", kCommand, "also build the eNTK: matrix errors, kernel regression, time and memory"},
      {"heldout", "H", kCommand, "points at the end kept out for the kernel regression (default N/5)"},
      {"ridge", "R", kCommand, "ridge relative to the kernel's mean diagonal (default 1e-3), ≥ 0"},
      {"strategy", "LIST", kCommand,
       "random, entropy, margin, least-confidence, coreset, badge, mlmoc, mlmoc-flip, "
       "mlmoc-pseudo-contrastive, mlmoc-expected-contrastive, mlmoc-t-softmax, mlmoc-pseudo-er, mlmoc-eer "
       "(comma-separated)"},
      {"preset", "NAME", kCommand,
       "published: the set-up of Mohamadi, Bae and Sutherland's code (objective, learner, sizes); other "
       "options override it"},
      {"reference", "R", kCommand,
       "what the look-ahead objectives compare with: model (default, the trained network) or ntk"},
      {"lookahead-time", "T", kCommand,
       "gradient-flow time of the linearised learner (default inf: kernel regression)"},
      {"lookahead-lr", "RATE", kCommand, "learning rate of that flow (default 1)"},
      {"lookahead-momentum", "M", kCommand, "heavy-ball momentum of that flow (default 0: gradient flow)"},
      {"lookahead-ridge", "R", kCommand,
       "diagonal regularisation of Θ(X_L, X_L) relative to its mean diagonal (default 0)"},
      {"lookahead-ridge-per-cycle", "R", kCommand, "growth of that ridge per cycle (default 0)"},
      {"lookahead-ridge-start", "C", kCommand, "first cycle (from 1) with the ridge (default 1)"},
      {"temperature", "T", kCommand, "temperature of the mlmoc-t-softmax objective (default 1)"},
      {"initial", "N", kCommand, "labels to start with"},
      {"random-initial", "", kCommand, "draw the initial labels at random, not stratified by class"},
      {"query", "K", kCommand, "labels queried per cycle"},
      {"cycles", "C", kCommand, "query cycles"},
      {"seeds", "S", kCommand, "independent runs (seeds 0 … S−1)"},
      {"pool-subset", "M", kCommand, "candidates scored per cycle, drawn from the pool (0: all)"},
      {"sequential", "", kCommand, "query one label at a time, updating the look-ahead in between"},
      {"retrain", "HOW", kCommand, "scratch (default) or warm: how the model is retrained after each cycle"},
      {"candidates", "C", kCommand, "candidates retrained by SGD (default 20)"},
      {"retrain-epochs", "E", kCommand, "epochs of each SGD retraining (default 2000)"},
      {"retrain-lr", "RATE", kCommand, "learning rate of each SGD retraining (default 0.1)"},
      {"retrain-optimizer", "OPT", kCommand, "optimiser of each retraining (default sgd)"},
      {"retrain-batch-size", "B", kCommand, "batch of each retraining (default: full batch)"},
      {"configs", "LIST", kCommand,
       "al-ablation: configurations to run (default all): random, entropy, margin, badge, pc, ec, tsoftmax, "
       "per, eer, norm, flip, pc-ntk-ref, pc-no-ridge, pc-flow, pc-momentum, random-adam, margin-adam, "
       "pc-adam"},
      {"resume", "DIR,DIR", kCommand,
       "al-ablation: reuse the configurations that these earlier runs (same set-up) finished; run the rest"},
      {"workload-model", "SPEC", kCommand, "replace the benchmark's model"},
      {"ranks", "N,N", kCommand, "rank counts to measure, e.g. 1,2 (one is always measured)"},
      {"no-exact", "", kCommand, "skip the exact trace"},
      {"rounds", "N", kCommand, "measure each rank count N times, alternating, and take medians (default 3)"},
      {"workload-data", "SPEC", kCommand, "replace the benchmark's data"},
      {"baseline-limit", "N", kCommand, "products the dense baseline may spend before it is extrapolated"},
      {"widths", "LIST", kCommand, "hidden widths, e.g. 16,32,64"},
      {"batches", "LIST", kCommand, "batch sizes N, e.g. 100,1000"},
      {"target", "T", kCommand, "relative standard error every metric is estimated to (default 0.01)"},
      {"depth", "D", kCommand, "hidden layers"},
      {"batch", "N", kCommand, "points the kernels are computed on"},
      {"train-n", "N", kCommand, "training points"},
      {"param", "LIST", kCommand, "parameterisations: standard, ntk"},
      {"fit-min-width", "W", kCommand, "smallest width in the second slope fit (default 256)"},
      {"n", "N", kCommand, "points"},
      {"width", "W", kCommand, "hidden width"},
      {"outputs", "LIST", kCommand, "output counts, e.g. 10,100"},
      {"kernels", "LIST", kCommand,
       "kernels separated by ';': resnet18, squeezenet, transformer, hazelden-mlp, hazelden-gru, mlp-digits, "
       "cnn-digits, gru-small, exp-decay, poly-decay, flat, NAME=MODEL@DATA[@SHAPE]"},
      {"fixtures", "DIR", kCommand, "folder of the TorchScript test fixtures"},
      {"layer-seeds", "S", kCommand, "runs of the per-layer bars (default 40)"},
      {"models", "DIR", kCommand,
       "folder of resnet18.pt and squeezenet.pt (scripts/export-model; default build/bench-models)"},
  };
  return t;
}

const OptionDef& option(const std::string& name) {
  for (const auto& o : option_table())
    if (name == o.name) return o;
  throw std::logic_error("internal error: no option --" + name + " in the table of app/cli/CommandLine.cpp");
}

using Names = std::vector<std::string>;
Names operator+(Names a, const Names& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Names kComputeOptions{"device", "dtype", "threads", "seed", "memory-budget", "product-batch"};
const Names kProblemOptions =
    Names{"model", "data", "input-shape", "output", "params", "jvp"} + kComputeOptions;
const Names kEstimatorOptions{"estimator", "matvecs", "tol",   "max-matvecs",
                              "probes",    "split",   "block", "history"};
const Names kTrainingOptions{"epochs", "batch-size", "lr",           "optimizer",
                             "loss",   "momentum",   "weight-decay", "schedule"};
const Names kAlOptions =
    Names{"model",       "data",     "input-shape", "output",         "params", "test-data", "test-size",
          "standardize", "strategy", "initial",     "random-initial", "query",  "cycles",    "seeds",
          "pool-subset", "kernel",   "sequential",  "retrain",        "out",    "json"} +
    Names{"preset",
          "reference",
          "lookahead-time",
          "lookahead-lr",
          "lookahead-momentum",
          "lookahead-ridge",
          "lookahead-ridge-per-cycle",
          "lookahead-ridge-start",
          "temperature"} +
    kComputeOptions + kTrainingOptions;
const Names kTrainOptions =
    kProblemOptions + kTrainingOptions +
    Names{"out", "test-data", "test-size", "train-subset", "test-subset", "standardize", "snapshots", "json"};

struct CommandDef {
  std::string name;
  std::string summary;
  Names options;
  Names aliases{};  ///< earlier spellings, still accepted
};

const char* kSpecs =
    R"(Model SPEC  mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,bias=1,param=standard,seed=0
            gru:in=10,hidden=64,steps=15,seed=0     cnn:channels=1,width=8,out=10,act=relu,seed=0
            PATH.pt (TorchScript; files from scripts/export-model carry their input shape, else --input-shape)
Data SPEC   random:n=50,shape=100,seed=0[,classes=10]     csv:PATH[,label=last][,header=auto|yes|no]
            digits   mnist[:DIR][,split=train|test]   fashion-mnist[:DIR][,split=...]
            npy:PATH[,labels=PATH]   npz:PATH[,x=KEY][,y=KEY|none]   cifar10[:DIR][,split=train|test]
            cifar100[:DIR][,split=...][,labels=fine|coarse]
            moons:size=200,noise=0.1   spirals:size=300,classes=3   blobs:size=300,classes=3,dim=2   sine:size=200
            every kind also takes n=N (seeded stratified subset), seed=S, standardize=1
Without --model and --data: digits:n=100 with mlp:in=64,width=256,depth=3,out=10.
docs/FORMATS.md describes every spec key, output field and exit code.)";

const std::vector<CommandDef>& commands() {
  static const std::vector<CommandDef> c{
      {"trace", "estimate tr K, the trace of the eNTK (or of the pNTK with --kernel)",
       kProblemOptions + kEstimatorOptions + Names{"kernel", "exact", "repeats", "distribute", "json"}},
      {"compare", "several estimators on one kernel, and a speed–accuracy sweep with --exact",
       kProblemOptions + kEstimatorOptions +
           Names{"kernel", "methods", "exact", "budgets", "repeats", "distribute", "json"}},
      {"metrics", "trace, Frobenius norm, effective rank, alignment of K",
       kProblemOptions + kEstimatorOptions + Names{"model-b", "metrics", "exact", "distribute", "json"}},
      {"kernel",
       "the kernel Θ(X₁, X₂) (eNTK or pNTK) as .npy, for NumPy: exactly, as products Θ V, Jacobian blocks "
       "per layer, top eigenpairs",
       kProblemOptions + Names{"kernel", "data-b", "out", "factor-out", "eig-out", "top", "eig-method",
                               "eig-tol", "max-matvecs", "apply", "blocks-out", "groups", "block", "json"}},
      {"layers", "where the kernel lives: tr K_g of every layer (parameter group), its share and error",
       kProblemOptions +
           Names{"estimator", "matvecs", "probes", "block", "groups", "exact", "distribute", "json"}},
      {"spectrum", "exact eigenvalues of K (checks --memory-budget first)",
       kProblemOptions + Names{"top", "distribute", "json"}},
      {"pntk", "the pseudo-NTK; with --compare its errors against the eNTK, time and memory",
       kProblemOptions + Names{"variant", "compare", "heldout", "ridge", "json"}},
      {"hessian", "MSE loss-Hessian trace by HVPs against the Gauss–Newton and pNTK approximations",
       kProblemOptions + kTrainingOptions + Names{"matvecs", "exact", "json"}},
      {"al", "pool-based active learning, with NTK look-ahead (writes al.json, curves.csv, queries.csv)",
       kAlOptions},
      {"train", "train a model, keeping snapshots and the history", kTrainOptions},
      {"dynamics", "train, then the NTK metrics at each snapshot on a probe batch of the test data",
       kTrainOptions + kEstimatorOptions + Names{"probe-n", "metrics", "exact"}},
      {"info", "P, d, layers, parameters and the memory an exact kernel needs",
       Names{"model", "data", "input-shape", "output", "params", "json"} + kComputeOptions},
      {"export", "save a model as TorchScript",
       Names{"model", "input-shape", "output", "out"} + kComputeOptions},
  };
  return c;
}

const std::vector<CommandDef>& benchmarks() {
  static const std::vector<CommandDef> b{
      {"hazelden-mlp", "Hazelden's MLP workload: estimators against the dense baseline",
       kComputeOptions + Names{"repeats", "budgets", "methods", "baseline-limit", "workload-model",
                               "workload-data", "json"},
       Names{"seed-mlp"}},
      {"hazelden-gru", "Hazelden's GRU workload: estimators against the dense baseline",
       kComputeOptions + Names{"repeats", "budgets", "methods", "baseline-limit", "workload-model",
                               "workload-data", "json"},
       Names{"seed-gru"}},
      {"hazelden-dynamics",
       "Hazelden's training workload: NTK metrics during training, estimators against exact values per "
       "snapshot",
       kComputeOptions + Names{"repeats", "epochs", "probe-n", "train-subset", "budgets", "methods",
                               "workload-model", "workload-data", "test-data", "json"},
       Names{"seed-dynamics"}},
      {"calibration",
       "the calibration table: for each estimator, network and budget, how often ±2σ covers the exact trace "
       "and the mean z² over many seeds (also the per-layer bars)",
       kComputeOptions +
           Names{"kernels", "methods", "budgets", "seeds", "layer-seeds", "models", "fixtures", "json"},
       Names{"coverage"}},
      {"pntk-width", "pNTK errors against width, with log-log slopes",
       kComputeOptions + kTrainingOptions +
           Names{"out", "data", "widths", "seeds", "depth", "batch", "heldout", "ridge", "param", "train-n",
                 "fit-min-width", "json"}},
      {"pntk-speed", "pNTK against eNTK: time and memory",
       kComputeOptions +
           Names{"outputs", "n", "width", "repeats", "workload-model", "workload-data", "json"}},
      {"real",
       "ResNet-18 at real size: trace, ‖K‖_F and r_eff to 1% on CIFAR-shaped batches of 100 and 1,000",
       kComputeOptions + Names{"workload-model", "batches", "estimator", "target", "max-matvecs",
                               "baseline-limit", "block", "repeats", "json"}},
      {"scaling",
       "strong scaling over ranks of this machine (one thread each): estimates and the exact trace, time in "
       "collectives, a model for N ranks",
       kComputeOptions + Names{"ranks", "rounds", "methods", "matvecs", "repeats", "no-exact",
                               "workload-model", "workload-data", "json"}},
      {"scaling-point", "one point of bench scaling: run it as every rank (under launch)",
       kComputeOptions +
           Names{"methods", "matvecs", "repeats", "no-exact", "workload-model", "workload-data", "json"}},
      {"al-ablation",
       "look-ahead active learning as published: MLMOC under each objective, predictor and learner against "
       "random, entropy, margin and BADGE, with 95% t-intervals over seeds (MNIST by default)",
       kAlOptions + Names{"configs", "resume"}},
      {"al-retrain", "the look-ahead's predicted output change against real SGD retraining",
       kAlOptions +
           Names{"candidates", "retrain-epochs", "retrain-lr", "retrain-optimizer", "retrain-batch-size"}},
  };
  return b;
}

bool takes(const Names& options, const std::string& name) {
  return std::find(options.begin(), options.end(), name) != options.end();
}

void add_options(CLI::App* app, const CommandDef& def) {
  std::set<std::string> seen;
  for (const auto& name : def.options) {
    if (!seen.insert(name).second) continue;  // groups overlap (json, seed, …)
    const OptionDef& o = option(name);
    std::string help = o.help;
    // The estimator names come from the one estimator table (estimators/EstimatorRegistry.h).
    if (name == "estimator") help = "exact or " + estimator_list() + " (default hutchpp)";
    if (name == "methods") help = "estimators to run, comma-separated: " + estimator_list();
    // A const description: given a non-const string, CLI11 would take it as the variable to assign to.
    const std::string& description = help;
    CLI::Option* opt = nullptr;
    if (*o.value == '\0') {
      opt = app->add_flag("--" + name, description)->disable_flag_override();  // --json=3 is an error
    } else {
      opt = app->add_option("--" + name, description);
      opt->type_name(o.value)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
    opt->group(o.group);
  }
  if (takes(def.options, "model") || takes(def.options, "data")) app->footer(kSpecs);
}

// The commands other than `def` that take --name, for the message when `def` does not.
std::string commands_taking(const std::string& name) {
  std::vector<std::string> with;
  for (const auto& c : commands())
    if (takes(c.options, name)) with.push_back(c.name);
  for (const auto& b : benchmarks())
    if (takes(b.options, name)) with.push_back("bench " + b.name);
  std::string s;
  for (size_t i = 0; i < with.size() && i < 6; ++i) s += (i ? ", " : "") + with[i];
  if (with.size() > 6) s += ", …";
  return s;
}

std::string flag_name(const std::string& arg) {
  const auto eq = arg.find('=');
  return eq == std::string::npos ? arg : arg.substr(0, eq);
}

// Everything after the program name must have been consumed: name the first thing that was not.
void refuse_leftovers(const CLI::App& app, const std::string& where) {
  const auto rest = app.remaining();
  if (rest.empty()) return;
  const std::string arg = rest.front();
  const std::string help = " (see " + std::string(kProgram) + " " + where + " --help)";
  if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
    const std::string flag = flag_name(arg);
    const std::string bare = flag.substr(flag.find_first_not_of('-'));
    if (arg.rfind("--", 0) != 0)
      throw InputError(where + ": options start with two dashes: '" + arg + "' should probably be '-" + arg +
                       "'" + help);
    bool known = false;
    for (const auto& o : option_table()) known = known || bare == o.name;
    if (!known) throw InputError(where + ": unknown option " + flag + help);
    throw InputError(where + " does not take " + flag + "; it is an option of " + commands_taking(bare) +
                     help);
  }
  throw InputError(where + ": unexpected argument '" + arg + "' (options start with --)" + help);
}

Args args_from(const CLI::App& app, const std::string& where, const Names& options) {
  std::map<std::string, std::string> values;
  std::set<std::string> flags, declared(options.begin(), options.end());
  for (const auto& name : declared) {
    const CLI::Option* o = app.get_option("--" + name);
    if (o->count() == 0) continue;
    if (option(name).value[0] == '\0') {
      flags.insert(name);
      continue;
    }
    const auto& r = o->results();
    if (r.size() > 1)
      throw InputError(where + ": --" + name + " was given " + std::to_string(r.size()) + " times ('" + r[0] +
                       "', '" + r[1] + "'); give it once");
    values[name] = r.at(0);
  }
  return Args(where, std::move(values), std::move(flags), std::move(declared));
}

struct Parser {
  CLI::App app{"tangentscope-cli: the empirical neural tangent kernel of a model, matrix-free.", kProgram};
  CLI::App* bench = nullptr;
  CLI::App* help = nullptr;
  std::vector<std::string> help_topic;

  Parser() {
    app.allow_extras();
    app.require_subcommand(
        0, 1);  // one command: a later command word is an unexpected argument, not a second run
    app.footer(std::string("Run '") + kProgram + " COMMAND --help' for a command's options.\n" + kProgram +
               " launch --nproc N -- COMMAND …  runs a command as N ranks (see launch --help).\n\n" + kSpecs);
    app.get_formatter()->column_width(26);
    for (const auto& c : commands()) {
      CLI::App* sub = app.add_subcommand(c.name, c.summary);
      sub->allow_extras();
      add_options(sub, c);
    }
    bench = app.add_subcommand("bench", "benchmarks: " + list(benchmark_names()));
    bench->allow_extras();
    bench->require_subcommand(0, 1);
    for (const auto& b : benchmarks()) {
      CLI::App* sub = bench->add_subcommand(b.name, b.summary);
      for (const auto& alias : b.aliases) sub->alias(alias);
      sub->allow_extras();
      add_options(sub, b);
    }
    help = app.add_subcommand("help", "this overview, or 'help COMMAND' for a command's options");
    help->add_option("topic", help_topic,
                     "a command, 'bench NAME', or 'defaults' (the built-in defaults, JSON)");
  }

  static std::string list(const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  }

  std::string help_for(const std::vector<std::string>& topic) const {
    if (topic.empty()) return app.help();
    if (topic[0] == "defaults")
      return defaults_text();  // what the CLI and the app use when nothing is chosen
    const CLI::App* target = nullptr;
    try {
      target = app.get_subcommand(topic[0]);
      if (topic.size() > 1) target = target->get_subcommand(topic[1]);
    } catch (const CLI::OptionNotFound&) {
      throw InputError("help: no command '" + list(topic) + "' (commands: " + list(command_names()) +
                       ", bench)");
    }
    return target->help(topic.size() > 1 ? std::string(kProgram) + " bench" : kProgram);
  }
};

}  // namespace

std::vector<std::string> command_names() {
  std::vector<std::string> n;
  for (const auto& c : commands()) n.push_back(c.name);
  return n;
}

std::vector<std::string> benchmark_names() {
  std::vector<std::string> n;
  for (const auto& b : benchmarks()) n.push_back(b.name);
  return n;
}

ParsedCommand parse_command_line(const std::vector<std::string>& argv) {
  Parser p;
  ParsedCommand out;
  if (argv.empty()) {
    out.help = p.app.help();
    out.help_exit_code = 2;
    return out;
  }
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());  // CLI11 takes the arguments reversed
  try {
    p.app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out.help = p.app.help();  // delegates to the (sub)command the --help was given to
    return out;
  } catch (const CLI::ParseError& e) {
    std::string where = "command line";
    const auto subs = p.app.get_subcommands();
    if (!subs.empty()) {
      where = subs[0]->get_name();
      const auto inner = subs[0]->get_subcommands();
      if (!inner.empty()) where += " " + inner[0]->get_name();
    }
    std::string what = e.what();
    const auto override_at = what.find(" was given a disallowed flag override");
    if (override_at != std::string::npos)
      what = "--" + what.substr(0, override_at) + " is a flag and takes no value";
    throw InputError(where + ": " + what + " (see " + kProgram + " " +
                     (subs.empty() ? "help" : where + " --help") + ")");
  }
  const auto subs = p.app.get_subcommands();
  if (subs.empty()) {
    const auto rest = p.app.remaining();
    const std::string first = rest.empty() ? "" : rest.front();
    if (first.rfind("-", 0) == 0)
      throw InputError("options come after a command: " + std::string(kProgram) + " COMMAND " + first +
                       " … (commands: " + Parser::list(command_names()) + ", bench, help)");
    throw InputError("unknown command '" + first + "' (commands: " + Parser::list(command_names()) +
                     ", bench, help)");
  }
  CLI::App* cmd = subs[0];
  out.command = cmd->get_name();
  if (cmd == p.help) {
    out.help = p.help_for(p.help_topic);
    return out;
  }
  if (cmd == p.bench) {
    const auto inner = cmd->get_subcommands();
    if (inner.empty()) {
      const auto rest = cmd->remaining();
      if (rest.empty())
        throw InputError("bench needs a name: " + Parser::list(benchmark_names()) + " (see " + kProgram +
                         " bench --help)");
      throw InputError("unknown benchmark '" + rest.front() + "' (" + Parser::list(benchmark_names()) + ")");
    }
    out.benchmark = inner[0]->get_name();
    const std::string where = "bench " + out.benchmark;
    const auto& def = *std::find_if(benchmarks().begin(), benchmarks().end(),
                                    [&](const CommandDef& d) { return d.name == out.benchmark; });
    refuse_leftovers(*inner[0], where);
    refuse_leftovers(*cmd, "bench");
    out.args = args_from(*inner[0], where, def.options);
    return out;
  }
  const auto& def = *std::find_if(commands().begin(), commands().end(),
                                  [&](const CommandDef& d) { return d.name == out.command; });
  refuse_leftovers(*cmd, out.command);
  out.args = args_from(*cmd, out.command, def.options);
  return out;
}

}  // namespace ts::cli
