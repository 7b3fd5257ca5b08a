#include "active_learning/StrategyCatalog.h"

#include <algorithm>

#include "active_learning/LookaheadObjective.h"
#include "core/Errors.h"

namespace ts {

namespace {

const char* kMlmocPaper =
    "Mohamadi, Bae and Sutherland, Making Look-Ahead Active Learning Strategies Feasible with "
    "Neural Tangent Kernels";

std::vector<StrategyInfo> make_strategy_catalog() {
  const std::string look = "the NTK look-ahead after labelling x′ with its pseudo-label: ";
  return {
      {"random", "Random", "uniformly at random from the pool", "", "", true},
      {"entropy", "Entropy", "the largest predictive entropy −Σ p log p",
       "Settles, Active Learning Literature Survey", "", false},
      {"margin", "Margin", "the smallest margin between the two most probable classes",
       "Settles, Active Learning Literature Survey", "", true},
      {"least-confidence", "Least confidence", "the lowest top probability",
       "Settles, Active Learning Literature Survey", "", false},
      {"coreset", "Core-set", "k-centre greedy on the penultimate features",
       "Sener and Savarese, Active Learning for Convolutional Neural Networks: A Core-Set Approach", "",
       false},
      {"badge", "BADGE", "k-means++ seeding on the last layer's gradient embeddings",
       "Ash et al., Deep Batch Active Learning by Diverse, Uncertain Gradient Lower Bounds", "", false},
      {"mlmoc", "MLMOC", look + "the pool's largest summed predicted output change", kMlmocPaper, "norm",
       true},
      {"mlmoc-flip", "MLMOC, flips", look + "the most pool predictions that would flip", kMlmocPaper, "flips",
       false},
      {"mlmoc-pseudo-contrastive", "MLMOC, pseudo-contrastive",
       look + "the fewest pool predictions that would agree (the published default)", kMlmocPaper,
       "pseudo-contrastive", false},
      {"mlmoc-expected-contrastive", "MLMOC, expected contrastive",
       "the pseudo-contrastive agreement averaged over every label, weighted by the predicted probabilities",
       kMlmocPaper, "expected-contrastive", false},
      {"mlmoc-t-softmax", "MLMOC, tempered softmax",
       look + "the largest change of the tempered probabilities", kMlmocPaper, "t-softmax", false},
      {"mlmoc-pseudo-er", "MLMOC, pseudo expected risk", look + "the lowest expected risk", kMlmocPaper,
       "pseudo-er", false},
      {"mlmoc-eer", "MLMOC, expected error reduction",
       "the lowest expected risk, looking ahead with every label", kMlmocPaper, "eer", false},
  };
}

}  // namespace

const std::vector<StrategyInfo>& strategy_catalog() {
  static const std::vector<StrategyInfo> c = make_strategy_catalog();
  return c;
}

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& s : strategy_catalog()) v.push_back(s.name);
    return v;
  }();
  return names;
}

const std::vector<std::string>& default_strategies() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& s : strategy_catalog())
      if (s.is_default) v.push_back(s.name);
    return v;
  }();
  return names;
}

std::string strategy_list() {
  std::string list;
  for (const auto& s : strategy_names()) list += (list.empty() ? "" : ", ") + s;
  return list;
}

const StrategyInfo& find_strategy(const std::string& name) {
  std::string n = name;
  std::replace(n.begin(), n.end(), '_', '-');
  for (const auto& s : strategy_catalog())
    if (s.name == n) return s;
  throw InputError("unknown active-learning strategy '" + name + "' (" + strategy_list() + ")");
}

std::string canonical_strategy(const std::string& name) { return find_strategy(name).name; }

std::string strategy_objective(const std::string& strategy) {
  for (const auto& s : strategy_catalog())
    if (s.name == strategy) return s.objective;
  return {};
}

bool strategy_ascending(const std::string& strategy) {
  const std::string o = strategy_objective(strategy);
  return !o.empty() && objective_ascending(o);
}

bool strategy_needs_model(const std::string& name) { return canonical_strategy(name) != "random"; }

}  // namespace ts
