#pragma once
// The one table of active-learning query strategies (docs/MATH.md §7): names, display names, what each
// scores, the paper, and which the app and `al` start with. select_queries dispatches on these names; the
// CLI's help and validation, the app's strategy list and its tooltips, and the docs' option tables read it.
// A new strategy is its scoring code (QueryStrategies.cpp) and one entry here.
#include <string>
#include <vector>

namespace ts {

struct StrategyInfo {
  std::string name;         ///< as typed: "mlmoc-pseudo-contrastive"
  std::string label;        ///< as shown: "MLMOC, pseudo-contrastive"
  std::string summary;      ///< one line: what it queries first
  std::string paper;        ///< where it comes from (docs/REFERENCES.md); empty for the classic heuristics
  std::string objective;    ///< the look-ahead objective (LookaheadObjective.h); empty for the others
  bool is_default = false;  ///< run when none is chosen: the app's ticked strategies and `al`'s default
};

/// Every strategy, in the order help and the app list them.
const std::vector<StrategyInfo>& strategy_catalog();

/// The names of strategy_catalog(), in order.
const std::vector<std::string>& strategy_names();
/// The strategies run when none is chosen (is_default), in catalog order.
const std::vector<std::string>& default_strategies();
/// The entry of `name` ('_' read as '-'); throws InputError listing the strategies for an unknown one.
const StrategyInfo& find_strategy(const std::string& name);
/// The canonical name ('_' read as '-'); throws InputError listing the strategies for an unknown one.
std::string canonical_strategy(const std::string& name);
/// The look-ahead objective of an MLMOC strategy (LookaheadObjective.h); empty for the others.
std::string strategy_objective(const std::string& strategy);
/// True where a strategy queries its lowest scores first.
bool strategy_ascending(const std::string& strategy);
/// Every strategy but random scores the pool with a model trained on L, so needs |L| > 0.
bool strategy_needs_model(const std::string& name);
/// "random, entropy, …" (for messages and help).
std::string strategy_list();

}  // namespace ts
