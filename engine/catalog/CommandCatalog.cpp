#include "catalog/CommandCatalog.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "analysis/MetricCatalog.h"
#include "core/Config.h"
#include "core/Numbers.h"
#include "jobs/AlJob.h"
#include "jobs/DynamicsJob.h"
#include "jobs/HessianJob.h"
#include "jobs/KernelJob.h"

namespace ts {

namespace {

using Names = std::vector<std::string>;
Names operator+(Names a, const Names& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + v[i];
  return s;
}

constexpr long long kMaxCount = 1000000000;  // the command line's bound on counts (app/cli/CliCommon.h)

std::vector<std::string> mse_only() { return {"mse"}; }

// layers splits the quadratic forms of these estimators by parameter group (analysis/LayerTraces.h).
std::vector<std::string> layer_estimators() { return {"exact", "hutchinson", "hutchpp"}; }

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

// The learner of `al` trains as defaults.json's active_learning.training says (jobs/AlJob.h).
std::vector<OptionOverride> al_training_defaults() {
  const TrainOptions t = default_al_training();
  return {by_default("loss", t.loss), by_default("optimizer", t.optimizer),
          by_default("batch-size", std::to_string(t.batch_size)),
          by_default("epochs", std::to_string(t.epochs)), by_default("lr", format_number(t.lr, 6))};
}

std::vector<CommandInfo> make_commands() {
  return {
      {"trace", "estimate tr K, the trace of the eNTK (or of the pNTK with --kernel)",
       kProblemOptions + kEstimatorOptions + Names{"kernel", "exact", "repeats", "distribute", "json"}},
      {"compare", "several estimators on one kernel, and a speed–accuracy sweep with --exact",
       kProblemOptions + kEstimatorOptions +
           Names{"kernel", "methods", "exact", "budgets", "repeats", "distribute", "json"}},
      {"metrics",
       "trace, Frobenius norm, effective rank, alignment of K",
       kProblemOptions + kEstimatorOptions +
           Names{"model-b", "metrics", "exact", "trace-per-input", "distribute", "json"},
       {},
       {by_default("metrics", join(MetricsOptions{}.metrics))}},
      {"kernel",
       "the kernel Θ(X₁, X₂) (eNTK or pNTK) as .npy, for NumPy: exactly, as products Θ V, Jacobian blocks "
       "per layer, top eigenpairs",
       kProblemOptions + Names{"kernel", "data-b", "out", "factor-out", "eig-out", "top", "eig-method",
                               "eig-tol", "max-matvecs", "apply", "blocks-out", "groups", "block", "json"},
       {},
       {by_default("block", std::to_string(KernelRequest{}.block)), by_range("top", 1, kMaxCount, "20"),
        by_help("max-matvecs",
                "Lanczos: the most products (0: min(n, max(10·top, 200)), the size of the Krylov basis)",
                "0")}},
      {"layers",
       "where the kernel lives: tr K_g of every layer (parameter group), its share and error",
       kProblemOptions +
           Names{"estimator", "matvecs", "probes", "block", "groups", "exact", "distribute", "json"},
       {},
       {by_choices("estimator", layer_estimators, LayerTraceOptions{}.method),
        by_range("matvecs", 3, 10000000, std::to_string(LayerTraceOptions{}.matvecs)),
        by_default("block", std::to_string(LayerTraceOptions{}.block))}},
      {"spectrum", "exact eigenvalues of K (checks --memory-budget first)",
       kProblemOptions + Names{"top", "distribute", "json"}},
      {"pntk", "the pseudo-NTK; with --compare its errors against the eNTK, time and memory",
       kProblemOptions + Names{"variant", "compare", "heldout", "ridge", "json"}},
      {"hessian",
       "MSE loss-Hessian trace by HVPs against the Gauss–Newton and pNTK approximations",
       kProblemOptions + kTrainingOptions + Names{"matvecs", "exact", "json"},
       {},
       {by_range("matvecs", 1, kMaxCount, std::to_string(HessianRequest{}.probes)),
        by_choices("loss", mse_only, "mse")}},
      {"al",
       "pool-based active learning, with NTK look-ahead (writes al.json, curves.csv, queries.csv)",
       kAlOptions,
       {},
       al_training_defaults()},
      {"train", "train a model, keeping snapshots and the history", kTrainOptions},
      {"dynamics",
       "train, then the NTK metrics at each snapshot on a probe batch of the test data",
       kTrainOptions + kEstimatorOptions + Names{"probe-n", "metrics", "exact"},
       {},
       {by_default("metrics", join(metric_names())),
        by_default("probe-n", std::to_string(DynamicsRequest{}.probe_n))}},
      {"watch",
       "the NTK metrics of every snapshot of your own training runs (run folders of tangentscope.RunLogger), "
       "into RUN_DIR/metrics.jsonl; resumes where it stopped",
       kComputeOptions + Names{"params", "jvp"} + kEstimatorOptions +
           Names{"exact", "layers", "follow", "json"},
       {},
       {input_dependent(
           by_help("dtype",
                   "the floating-point type of the kernel: each run's own (its model file's) unless given"))},
       "RUN_DIR",
       "run folders written by tangentscope.RunLogger (docs/FORMATS.md \"Run folders\")"},
      {"info", "P, d, layers, parameters and the memory an exact kernel needs",
       Names{"model", "data", "input-shape", "output", "params", "json"} + kComputeOptions},
      {"export", "save a model as TorchScript",
       Names{"model", "input-shape", "output", "out"} + kComputeOptions},
  };
}

// Option lists are built from overlapping groups (json, seed, …): keep each name once, in first order.
std::vector<CommandInfo> without_repeats(std::vector<CommandInfo> v) {
  for (auto& c : v) {
    std::set<std::string> seen;
    Names kept;
    for (const auto& o : c.options)
      if (seen.insert(o).second) kept.push_back(o);
    c.options = std::move(kept);
  }
  return v;
}

}  // namespace

OptionOverride by_default(std::string option, std::string text) {
  OptionOverride o;
  o.option = std::move(option);
  o.default_text = std::move(text);
  return o;
}
OptionOverride by_choices(std::string option, std::vector<std::string> (*choices)(), std::string text) {
  OptionOverride o = by_default(std::move(option), std::move(text));
  o.choices = choices;
  return o;
}
OptionOverride by_range(std::string option, long long lo, long long hi, std::string text) {
  OptionOverride o = by_default(std::move(option), std::move(text));
  o.ranged = true;
  o.lo = lo;
  o.hi = hi;
  return o;
}
OptionOverride by_help(std::string option, std::string help, std::string text) {
  OptionOverride o = by_default(std::move(option), std::move(text));
  o.help = std::move(help);
  return o;
}
OptionOverride input_dependent(OptionOverride o) {
  o.input_dependent = true;
  return o;
}

const std::vector<std::string>& compute_option_names() { return kComputeOptions; }
const std::vector<std::string>& training_option_names() { return kTrainingOptions; }
const std::vector<std::string>& al_option_names() { return kAlOptions; }

const std::vector<CommandInfo>& command_catalog() {
  static const std::vector<CommandInfo> c = without_repeats(make_commands());
  return c;
}

const CommandInfo& find_command(const std::string& name) {
  for (const auto& c : command_catalog())
    if (c.name == name) return c;
  throw std::logic_error("internal error: no command '" + name + "' in engine/catalog/CommandCatalog.cpp");
}

bool command_takes(const CommandInfo& command, const std::string& option) {
  return std::find(command.options.begin(), command.options.end(), option) != command.options.end();
}

namespace {
// The last override of `option` (a later one replaces an earlier, as lists of them are joined).
const OptionOverride* override_of(const CommandInfo& command, const std::string& option) {
  for (auto o = command.overrides.rbegin(); o != command.overrides.rend(); ++o)
    if (o->option == option) return &*o;
  return nullptr;
}
}  // namespace

std::string option_default(const CommandInfo& command, const OptionInfo& option) {
  const OptionOverride* o = override_of(command, option.name);
  if (o && o->input_dependent) return {};
  if (o && !o->default_text.empty()) return o->default_text;
  // A benchmark sets up its own workload: its defaults are its own (docs/PERFORMANCE.md), not the option's.
  if (command.benchmark) return {};
  return option.default_text;
}

std::vector<std::string> option_choices(const CommandInfo& command, const OptionInfo& option) {
  const OptionOverride* o = override_of(command, option.name);
  if (o && o->choices) return o->choices();
  return option.choices ? option.choices() : std::vector<std::string>{};
}

bool option_range(const CommandInfo& command, const OptionInfo& option, long long* lo, long long* hi) {
  const OptionOverride* o = override_of(command, option.name);
  if (o && o->ranged) {
    *lo = o->lo;
    *hi = o->hi;
    return true;
  }
  *lo = option.lo;
  *hi = option.hi;
  return option.ranged;
}

std::string option_help(const CommandInfo& command, const OptionInfo& option) {
  const OptionOverride* own = override_of(command, option.name);
  std::string help = own && !own->help.empty() ? own->help : option.help;
  const auto choices = option_choices(command, option);
  if (!choices.empty()) help += (option.list ? ": any of " : ": ") + choice_list(choices);
  long long lo = 0, hi = 0;
  if (option_range(command, option, &lo, &hi))
    help += " (" + std::to_string(lo) + " to " + std::to_string(hi) + ")";
  const std::string def = option_default(command, option);
  if (!def.empty()) help += " (default " + def + ")";
  return help;
}

namespace {
// The option's help in this command, without the choices and default the table gives in their own columns.
std::string help_of(const CommandInfo& c, const OptionInfo& o) {
  const OptionOverride* own = override_of(c, o.name);
  return own && !own->help.empty() ? own->help : o.help;
}

// A Markdown table cell: pipes escaped, line breaks folded.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

void table(std::string& md, const std::string& title, const CommandInfo& c) {
  md += "### " + title + "\n\n" + c.summary + "\n\n";
  if (!c.aliases.empty()) md += "Also spelt: " + join(c.aliases) + ".\n\n";
  if (!c.positional.empty())
    md += "Usage: `" + title + " " + c.positional + "… [options]`: " + c.positional + ", " +
          c.positional_help + ".\n\n";
  md += "| option | value | default | choices or range | what it does |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& name : c.options) {
    const OptionInfo& o = find_option(name);
    const auto choices = option_choices(c, o);
    std::string allowed = choice_list(choices);
    long long lo = 0, hi = 0;
    if (option_range(c, o, &lo, &hi)) allowed = std::to_string(lo) + " to " + std::to_string(hi);
    if (o.list && !allowed.empty()) allowed = "any of " + allowed;
    const std::string def = option_default(c, o);
    md += "| `--" + o.name + "` | " + cell(o.value.empty() ? "(flag)" : o.value) + " | " +
          cell(def.empty() ? "" : "`" + def + "`") + " | " + cell(allowed) + " | " + cell(help_of(c, o)) +
          " |\n";
  }
  md += "\n";
}
}  // namespace

std::string options_markdown(const std::vector<CommandInfo>& benchmarks) {
  std::string md;
  md += "## Commands\n\n";
  for (const auto& c : command_catalog()) table(md, "tangentscope-cli " + c.name, c);
  md += "## Benchmarks\n\n";
  for (const auto& b : benchmarks) table(md, "tangentscope-cli bench " + b.name, b);
  return md;
}

}  // namespace ts
